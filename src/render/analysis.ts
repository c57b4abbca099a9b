// The `!analyze -v` report in WinDbg's layout, followed by ROOT CAUSE, SYMBOLS and LIMITATIONS. WinDbg's
// field order depends on the bugcheck: the walkthroughs fix it for the page-fault family (0x50: the
// blamed image right after READ_ADDRESS, then PROCESS_NAME and TRAP_FRAME), for exception bugchecks
// (0x7E: EXCEPTION_RECORD and CONTEXT first, then PROCESS_NAME, READ_ADDRESS and the ERROR_CODE block) and
// for 0x139 (TRAP_FRAME, then EXCEPTION_RECORD); other bugchecks follow public 0xD1 output (address,
// PROCESS_NAME, TRAP_FRAME, stack, then the blame). `!analyze` without -v prints the short form.
import type { AnalysisReport, ExceptionRecordInfo, RegisterContext } from '../analysis/report.js';
import { hex16 } from '../util/hex.js';
import { wrap } from './analysis-wrap.js';
import { renderRegisters } from './registers.js';
import { renderStack } from './stack.js';

const STARS = '*'.repeat(79);
const BANNER = [STARS, `*${' '.repeat(77)}*`, `*${'Bugcheck Analysis'.padStart(41).padEnd(77)}*`, `*${' '.repeat(77)}*`, STARS, ''];
const EXCEPTION_LAYOUT = new Set([0x7e, 0x8e, 0x1e, 0x3b]);

type Layout = 'page-fault' | 'exception' | 'fail-fast' | 'default';

function baseOf(r: AnalysisReport): number {
  const c = r.bugcheck.code >>> 0;
  return (c & 0xf0000000) >>> 0 === 0x10000000 && (c & 0x0fffffff) < 0x10000 ? c & 0x0fffffff : c;
}

function layoutOf(r: AnalysisReport): Layout {
  const base = baseOf(r);
  if (base === 0x50) return 'page-fault';
  if (base === 0x139) return 'fail-fast';
  return EXCEPTION_LAYOUT.has(base) ? 'exception' : 'default';
}

/** `nt!RtlpHpVsFreeChunkInsert+0x1b4` → `nt!RtlpHpVsFreeChunkInsert+0x00000000000001b4`, as `.exr` prints it. */
function exrSymbol(s: string): string {
  return s.replace(/\+0x([0-9a-f]+)$/, (_, h: string) => `+0x${h.padStart(16, '0')}`);
}

function exceptionRecordLines(e: ExceptionRecordInfo): string[] {
  // A record rebuilt from the bugcheck arguments (0x1E) has no address: the header line stands alone.
  const L = [e.address !== undefined ? `EXCEPTION_RECORD:  ${e.address.toString(16)} -- (.exr 0x${e.address.toString(16)})` : 'EXCEPTION_RECORD:  '];
  L.push(`ExceptionAddress: ${hex16(e.exceptionAddress)}${e.exceptionAddressSymbol ? ` (${exrSymbol(e.exceptionAddressSymbol)})` : ''}`);
  L.push(`   ExceptionCode: ${e.code.toString(16).padStart(8, '0')}${e.exceptionName ? ` (${e.exceptionName})` : ''}`, `  ExceptionFlags: ${e.flags.toString(16).padStart(8, '0')}`, `NumberParameters: ${e.parameters.length}`);
  for (const [i, p] of e.parameters.entries()) L.push(`   Parameter[${i}]: ${hex16(p)}`);
  if (e.accessLine) L.push(e.accessLine);
  // WinDbg ends the fail-fast subcode line with a space.
  if (e.subcodeLine) L.push(`${e.subcodeLine} `);
  L.push('');
  return L;
}

function registerLines(c: RegisterContext, kind: 'TRAP_FRAME' | 'CONTEXT'): string[] {
  const L: string[] = [];
  if (kind === 'TRAP_FRAME') {
    L.push(`TRAP_FRAME:  ${c.address?.toString(16)} -- (.trap 0x${c.address?.toString(16)})`, 'NOTE: The trap frame does not contain all registers.', 'Some register values may be zeroed or incorrect.');
  } else L.push(`CONTEXT:  ${c.address?.toString(16)} -- (.cxr 0x${c.address?.toString(16)})`);
  L.push(renderRegisters({ registers: c.registers, showSegments: kind === 'CONTEXT', ...c.view }), 'Resetting default scope', '');
  return L;
}

/** An ARM64 context this tool cannot walk, four registers a line. */
function capturedLines(r: AnalysisReport): string[] {
  const c = r.capturedRegisters;
  if (!c) return [];
  const L = [`CONTEXT (${c.machine}, as captured in the dump; not walked):`];
  for (let i = 0; i < c.registers.length; i += 4) L.push(c.registers.slice(i, i + 4).map((x) => `${x.name.padStart(4)}=${hex16(x.value)}`).join(' '));
  L.push('');
  return L;
}

/** The name, the explanation and the arguments, wrapped as WinDbg wraps them. */
function headerLines(r: AnalysisReport): string[] {
  const L = [`${r.bugcheck.name} (${r.bugcheck.code.toString(16)})`, ...wrap(r.bugcheck.summary), 'Arguments:'];
  for (const [i, a] of r.bugcheck.args.entries()) {
    L.push(...wrap(a.meaning, `Arg${i + 1}: ${hex16(a.value)}, `, '\t'));
    if (a.note) L.push(...wrap(`In this dump: ${a.note}`, '\t', '\t'));
  }
  return L;
}

export function renderAnalysisText(r: AnalysisReport): string {
  const layout = layoutOf(r);
  const L: string[] = [...BANNER, ...headerLines(r)];
  L.push('', 'Debugging Details:', '------------------', '', '', 'KEY_VALUES_STRING: 1', '');
  for (const kv of r.keyValues) L.push(`    Key  : ${kv.key}`, `    Value: ${kv.value}`, '');
  L.push('', `BUGCHECK_CODE:  ${r.bugcheck.code.toString(16)}`, '');
  for (const [i, a] of r.bugcheck.args.entries()) L.push(`BUGCHECK_P${i + 1}: ${a.value.toString(16)}`, '');
  if (r.fileInCab) L.push(`FILE_IN_CAB:  ${r.fileInCab}`, '');
  if (r.virtualMachine) L.push(`VIRTUAL_MACHINE:  ${r.virtualMachine}`, '');
  if (r.dumpFileAttributes) L.push(`DUMP_FILE_ATTRIBUTES: 0x${r.dumpFileAttributes.value.toString(16)}`, ...r.dumpFileAttributes.flags.map((f) => `  ${f.text}`), '');
  for (const f of r.extraFields ?? []) L.push(`${f.key}:  ${f.value}`, '');

  const address = r.faultingAddress ? [`${r.faultingAddress.field}:  ${hex16(r.faultingAddress.address)} ${r.faultingAddress.region ?? ''}`, ''] : [];
  const process = [...(r.processName ? [`PROCESS_NAME:  ${r.processName}`, ''] : []), ...(r.currentIrql !== undefined ? [`CURRENT_IRQL:  ${r.currentIrql.toString(16)}`, ''] : [])];
  const trap = r.trapFrame ? registerLines(r.trapFrame, 'TRAP_FRAME') : [];
  const exr = r.exceptionRecord ? exceptionRecordLines(r.exceptionRecord) : [];
  // A context of kind 'bugcheck' is the KeBugCheckEx call's: WinDbg does not print it as CONTEXT.
  const cxr = r.context && r.context.kind !== 'bugcheck' && r.context.address !== undefined ? registerLines(r.context, 'CONTEXT') : [];
  const image = [`MODULE_NAME: ${r.moduleName}`, '', `IMAGE_NAME:  ${r.imageName}`, ''];
  const version = r.imageVersion ? [`IMAGE_VERSION:  ${r.imageVersion}`, ''] : [];
  const errorBlock: string[] = [];
  if (r.errorCode) {
    errorBlock.push(`ERROR_CODE: (${r.errorCode.kind}) 0x${r.errorCode.code.toString(16)} - ${r.errorCode.description}`, '', `EXCEPTION_CODE_STR:  ${r.errorCode.code.toString(16).padStart(8, '0')}`, '');
    for (const [i, p] of (r.exceptionRecord?.parameters ?? []).entries()) errorBlock.push(`EXCEPTION_PARAMETER${i + 1}:  ${hex16(p)}`, '');
    errorBlock.push(`EXCEPTION_STR:  0x${r.errorCode.code.toString(16)}`, '');
  }
  const stack = [...capturedLines(r), 'STACK_TEXT:  ', renderStack({ rows: r.stack.map((s, i) => ({ index: i, childSp: s.childSp, retAddr: s.retAddr, callSite: s.callSite, args: s.args, guessed: s.guessed, guess: s.guess })), notes: r.stackNotes.map((n) => `(${n})`) }, 'stack-text'), '', ''];
  const symbol = [`SYMBOL_NAME:  ${r.symbolName}`, ''];

  if (layout === 'page-fault') {
    L.push(...address, ...(r.mmInternalCode !== undefined ? [`MM_INTERNAL_CODE:  ${r.mmInternalCode.toString(16)}`, ''] : []));
    L.push(`IMAGE_NAME:  ${r.imageName}`, '', `MODULE_NAME: ${r.moduleName}`, '');
    if (r.faultingModule) L.push(`FAULTING_MODULE: ${r.faultingModule.base.toString(16)} ${r.faultingModule.name}`, '');
    L.push(...version, ...process, ...trap, ...exr, ...cxr, ...stack, ...symbol);
  } else if (layout === 'exception') {
    L.push(...exr, ...cxr, ...process, ...address, ...errorBlock, ...trap, ...stack, ...symbol, ...image, ...version);
  } else if (layout === 'fail-fast') {
    L.push(...trap, ...exr, ...cxr, ...process, ...address, ...errorBlock, ...stack, ...symbol, ...image, ...version);
  } else {
    L.push(...address, ...process, ...trap, ...exr, ...cxr, ...stack, ...symbol, ...image, ...version);
  }
  L.push(`STACK_COMMAND:  ${r.stackCommand}`, '');
  if (r.bucketIdFuncOffset) L.push(`BUCKET_ID_FUNC_OFFSET:  ${r.bucketIdFuncOffset}`, '');
  L.push(`FAILURE_BUCKET_ID:  ${r.failureBucketId}`, '', `OS_VERSION:  ${r.osVersion}`, '', ...(r.buildLabStr ? [`BUILDLAB_STR:  ${r.buildLabStr}`, ''] : []), `OSPLATFORM_TYPE:  ${r.osPlatformType}`, '');
  if (r.osName) L.push(`OSNAME:  ${r.osName}`, '');
  L.push(`FAILURE_ID_HASH:  ${r.failureHash}`, '', `Followup:     ${r.followup}`, '---------', '');
  L.push('ROOT CAUSE', '==========', ...wrap(r.summary, 'SUMMARY: ', '         '), '');
  for (const c of r.rootCause) {
    L.push(`* [${c.confidence}] ${c.claim}`);
    for (const e of c.evidence) L.push(`    evidence: ${e.fact}${e.command ? `   (${e.command})` : ''}`);
    if (c.confirm) L.push(`    confirm:  ${c.confirm}`);
    if (c.refute) L.push(`    refute:   ${c.refute}`);
  }
  L.push('', 'SYMBOLS', '=======');
  for (const s of r.symbols) L.push(`${s.module.padEnd(16)} ${s.status.padEnd(10)} image ${(s.image ?? '?').padEnd(8)} ${s.detail ?? ''}`.trimEnd());
  if (r.limitations.length) {
    L.push('', 'LIMITATIONS', '===========');
    for (const l of r.limitations) L.push(`- ${l}`);
  }
  return L.join('\n');
}

/**
 * `!analyze` without -v: the banner, the pointer to -v, the bugcheck line with its arguments, the module
 * blamed and the follow-up, as WinDbg prints it.
 */
export function renderAnalysisShort(r: AnalysisReport): string {
  const args = r.bugcheck.args.map((a) => a.value.toString(16)).join(', ');
  const cause = r.imageName === 'Unknown_Image' ? 'Unknown_Image' : r.symbolName === r.imageName || r.imageName === 'memory_corruption' || r.imageName === 'hardware' ? r.imageName : `${r.imageName} ( ${r.symbolName} )`;
  return [...BANNER, 'Use !analyze -v to get detailed debugging information.', '', `BugCheck ${r.bugcheck.code.toString(16).toUpperCase()}, {${args}}`, '', `Probably caused by : ${cause}`, '', `Followup:     ${r.followup}`, '---------', ''].join('\n');
}
