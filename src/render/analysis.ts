// The `!analyze -v` report in WinDbg's layout, followed by ROOT CAUSE; and the JSON form (bigint → 0x hex).
import type { AnalysisReport } from '../analysis/report.js';
import { hex16 } from '../util/hex.js';
import { renderRegisters } from './registers.js';
import { renderStack } from './stack.js';

const STARS = '*'.repeat(79);

export function renderAnalysisText(r: AnalysisReport): string {
  const L: string[] = [STARS, `*${' '.repeat(77)}*`, `*${'Bugcheck Analysis'.padStart(42).padEnd(77)}*`, `*${' '.repeat(77)}*`, STARS, ''];
  L.push(`${r.bugcheck.name} (${r.bugcheck.code.toString(16)})`, r.bugcheck.summary, 'Arguments:');
  for (const [i, a] of r.bugcheck.args.entries()) L.push(`Arg${i + 1}: ${hex16(a.value)}, ${a.meaning}${a.note ? ` (${a.note})` : ''}`);
  L.push('', 'Debugging Details:', '------------------', '', '', 'KEY_VALUES_STRING: 1', '');
  for (const kv of r.keyValues) L.push(`    Key  : ${kv.key}`, `    Value: ${kv.value}`, '');
  L.push('', `BUGCHECK_CODE:  ${r.bugcheck.code.toString(16)}`, '');
  for (const [i, a] of r.bugcheck.args.entries()) L.push(`BUGCHECK_P${i + 1}: ${a.value.toString(16)}`, '');
  if (r.faultingAddress) L.push(`${r.faultingAddress.access === 'write' ? 'WRITE' : 'READ'}_ADDRESS:  ${hex16(r.faultingAddress.address)} ${r.faultingAddress.region}`.trimEnd(), '');
  if (r.processName) L.push(`PROCESS_NAME:  ${r.processName}`, '');
  if (r.currentIrql !== undefined) L.push(`CURRENT_IRQL:  ${r.currentIrql.toString(16)}`, '');
  if (r.exceptionRecord) {
    const e = r.exceptionRecord;
    L.push(`EXCEPTION_RECORD:  ${e.address?.toString(16)} -- (.exr 0x${e.address?.toString(16)})`);
    L.push(`ExceptionAddress: ${hex16(e.exceptionAddress)}${e.exceptionAddressSymbol ? ` (${e.exceptionAddressSymbol})` : ''}`);
    L.push(`   ExceptionCode: ${e.code.toString(16).padStart(8, '0')}${e.codeName ? ` (${e.codeName})` : ''}`, `  ExceptionFlags: ${e.flags.toString(16).padStart(8, '0')}`, `NumberParameters: ${e.parameters.length}`);
    for (const [i, p] of e.parameters.entries()) L.push(`   Parameter[${i}]: ${hex16(p)}`);
    if (e.accessLine) L.push(e.accessLine);
    L.push('');
  }
  if (r.trapFrame) {
    const tf = r.trapFrame;
    L.push(`TRAP_FRAME:  ${tf.address?.toString(16)} -- (.trap 0x${tf.address?.toString(16)})`);
    L.push('NOTE: The trap frame does not contain all registers.', 'Some register values may be zeroed or incorrect.');
    L.push(tf.display ?? renderRegisters({ registers: tf.registers, showSegments: false, ripSymbol: r.faultingIp?.symbol }), 'Resetting default scope', '');
  }
  if (r.context) {
    const c = r.context;
    if (c.address !== undefined) L.push(`CONTEXT:  ${c.address.toString(16)} -- (.cxr 0x${c.address.toString(16)})`);
    L.push(c.display ?? renderRegisters({ registers: c.registers, showSegments: c.kind === 'context', ripSymbol: r.faultingIp?.symbol }), 'Resetting default scope', '');
  }
  L.push('STACK_TEXT:  ', renderStack({ rows: r.stack.map((s, i) => ({ index: i, childSp: s.childSp, retAddr: s.retAddr, callSite: s.callSite, args: s.args, guessed: s.guessed })), notes: r.stackNotes.map((n) => `(${n})`) }, 'stack-text'), '', '');
  L.push(`SYMBOL_NAME:  ${r.symbolName}`, '', `MODULE_NAME: ${r.moduleName}`, '', `IMAGE_NAME:  ${r.imageName}`, '');
  if (r.faultingModule) L.push(`FAULTING_MODULE: ${r.faultingModule.base.toString(16)} ${r.faultingModule.name}`, '');
  if (r.imageVersion) L.push(`IMAGE_VERSION:  ${r.imageVersion}`, '');
  L.push(`STACK_COMMAND:  ${r.stackCommand}`, '');
  if (r.bucketIdFuncOffset) L.push(`BUCKET_ID_FUNC_OFFSET:  ${r.bucketIdFuncOffset}`, '');
  L.push(`FAILURE_BUCKET_ID:  ${r.failureBucketId}`, '', `OS_VERSION:  ${r.osVersion}`, '', ...(r.buildLabStr ? [`BUILDLAB_STR:  ${r.buildLabStr}`, ''] : []), `OSPLATFORM_TYPE:  ${r.osPlatformType}`, '', `FAILURE_ID_HASH:  ${r.failureHash}`, '', `Followup:     ${r.followup}`, '---------', '');
  L.push('ROOT CAUSE', '==========');
  if (r.rootCause.length === 0) L.push('No rule matched: the evidence above is all dumpscope could establish.');
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

