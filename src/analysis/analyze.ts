// `dumpscope analyze` / `!analyze -v`: find the faulting context the bugcheck points at, walk its stack,
// blame a module, name the failure bucket, and run the root-cause rules.
import { decode } from '../disasm/x64.js';
import { readVersionInfo } from '../formats/pe/pe-directories.js';
import { DumpscopeError } from '../io/errors.js';
import { bugcheckInfo } from '../knowledge/bugchecks/index.js';
import { lookupError } from '../knowledge/errors.js';
import { effectiveAddress } from '../render/registers.js';
import type { KernelTarget } from '../target/kernel-target.js';
import { systemInfo } from '../target/system-info.js';
import { addr64 } from '../util/hex.js';
import { bucketExceptionCode, EXCEPTION_BUGCHECKS, failureBucket, failureHash } from './bucket.js';
import { faultAccess } from './fault-access.js';
import { faultingContext } from './faulting-context.js';
import { analyzeFamily } from './families/index.js';
import { isOsModule } from './os-modules.js';
import { poolRules, registerCandidates } from './pool-rules.js';
import { describeRegion } from './region.js';
import { ANALYSIS_SCHEMA_VERSION, type AnalysisReport, type StackEntry } from './report.js';
import { dedupeClaims, runRules } from './rules.js';

const RELAY_MODULES = new Set(['nt', 'hal', 'wdf01000', 'wdfldr']);
/** Pool bugchecks name the block in their arguments (a header or the data after it). */
const POOL_BUGCHECKS = new Set([0x19, 0xc2, 0x13a, 0xc5]);

/** A header with nothing in it (bugcheck 0, no memory, no processor context) is refused: there is nothing to analyze. */
function checkHeader(t: KernelTarget, limitations: string[]): void {
  const h = t.dump.header;
  if (h.bugcheckCode !== 0) return;
  const memory = (t.dump.physical?.pageCount ?? 0) > 0 || t.dump.triage !== undefined;
  const ctx = t.dump.context;
  const context = ctx !== undefined && (ctx.rip !== 0n || ctx.rsp !== 0n);
  if (!memory && !context) {
    throw new DumpscopeError(`${t.dump.source.name}: the dump header is empty — bugcheck code 0, no physical memory and no processor context — so this is not a completed crash dump and there is nothing to analyze (was the file cut short, or never finished by the crash writer?)`, 'EMPTY_DUMP');
  }
  limitations.unshift('the header records no bugcheck (code 0): the dump was not written by a crash, or its header was never completed; the fields above do not describe a crash');
}

/** BUILDLAB_STR is the branch: the fourth dot-separated field of the build lab string. */
export function buildBranch(buildLab: string | undefined): string | undefined {
  if (!buildLab) return undefined;
  const parts = buildLab.split('.');
  return parts.length >= 4 && parts[3] ? parts[3] : buildLab;
}

export async function analyze(t: KernelTarget): Promise<AnalysisReport> {
  const started = Date.now();
  const h = t.dump.header;
  const code = h.bugcheckCode;
  const base = code & 0x0fffffff;
  const args = h.bugcheckArgs;
  const doc = bugcheckInfo(code, args);
  const limitations = [...t.limitations];
  checkHeader(t, limitations);

  const fc = await faultingContext(t, limitations);
  const { context, trapFrame, exceptionRecord } = fc;
  let stackCommand = fc.stackCommand;
  // Per-bugcheck family analysis (src/analysis/families): claims, fields, notes, a context to switch to, blame.
  // Its hook assigns `family`; everything below already uses what it returns.
  const family = await analyzeFamily(t, { code: base, args, registers: fc.registers });
  const walkFrom = family?.switchTo?.registers ?? fc.registers;
  if (family?.switchTo) stackCommand = family.switchTo.stackCommand;

  const frames = walkFrom ? await t.walk(walkFrom, { maxFrames: 128 }) : [];
  const stack: StackEntry[] = [];
  for (const f of frames) {
    const m = t.modules.at(f.ip);
    const s = await t.memory.readSparse(f.sp + 8n, 32);
    const argsOf = [0, 1, 2, 3].map((i) => (s.valid.subarray(i * 8, i * 8 + 8).every((v) => v === 1) ? new DataView(s.bytes.buffer, s.bytes.byteOffset + i * 8, 8).getBigUint64(0, true) : undefined));
    const parts = await t.symbolParts(f.ip);
    stack.push({ childSp: f.sp, retAddr: f.returnAddress, callSite: (await t.symbolize(f.ip)) ?? addr64(f.ip), args: argsOf, module: m?.name, symbol: parts?.symbol, offset: parts?.displacement, guessed: frames[f.index - 1]?.guessed ?? false });
  }
  const stackNotes = frames.at(-1)?.note ? [frames.at(-1)!.note!] : [];

  // Blame: the family's verdict; else the first frame outside Windows; else the first that is not a relay (nt, hal, KMDF); else frame 0.
  const withModule = stack.filter((s) => s.module && !s.guessed);
  const blamed = withModule.find((s) => !isOsModule(s.module!)) ?? withModule.find((s) => !RELAY_MODULES.has(s.module!.toLowerCase())) ?? withModule[0];
  const blamedModule = family?.blame ? t.modules.byModuleName(family.blame.module) : blamed ? t.modules.byModuleName(blamed.module!) : undefined;
  const moduleName = family?.blame?.module ?? blamedModule?.name ?? 'Unknown_Module';
  const imageName = family?.blame?.imageName ?? blamedModule?.imageName ?? 'Unknown_Image';
  const blameSymbol = family?.blame ? family.blame.symbol : blamed?.symbol;
  const blameOffset = family?.blame ? family.blame.offset : blamed?.offset;
  const symbolName = family?.blame?.symbolName ?? (blamed ? (blamed.symbol ? `${moduleName}!${blamed.symbol}+${blamed.offset!.toString(16)}` : `${moduleName}+${blamed.offset!.toString(16)}`) : 'Unknown');

  const fa = faultAccess(base, args, exceptionRecord);
  const access = fa?.access;
  const faultAddress = fa?.address;
  const bucket = failureBucket({ bugcheckCode: code, baseCode: base, exceptionCode: bucketExceptionCode(base, args, exceptionRecord?.code), access: access === 'write' ? 'W' : access === 'execute' ? 'X' : 'R', module: moduleName, func: blameSymbol });
  const region = faultAddress === undefined || faultAddress === 0xffffffffffffffffn ? {} : await describeRegion(t, faultAddress);

  // The faulting instruction and its operand address, when its code is available.
  const registers = fc.faulting ? fc.registers : undefined;
  let operand: { text: string; address: bigint; readable: boolean } | undefined;
  if (registers) {
    const bytes = await t.readCode(registers.rip, 16);
    if (bytes) {
      const [ins] = await decode(bytes, registers.rip, 1);
      const address = ins ? effectiveAddress(ins, registers) : undefined;
      if (ins && address !== undefined && !ins.memory?.isLea) {
        const s = await t.memory.readSparse(address, 1);
        operand = { text: `${ins.mnemonic} ${ins.operands}`, address, readable: s.valid[0] === 1 };
      }
    }
  }
  // What the page tables say about the faulting address, and what lies just before it (full dumps).
  let page: { state: string; explanation?: string; previousValid: boolean; tail?: Uint8Array } | undefined;
  const tr = faultAddress !== undefined ? await t.translate(faultAddress).catch(() => undefined) : undefined;
  if (faultAddress !== undefined && tr) {
    const pageStart = faultAddress & ~0xfffn;
    const before = await t.memory.readSparse(pageStart - 0x40n, 0x40);
    page = { state: tr.state.kind, explanation: tr.pa === undefined ? (tr.state.kind === 'freed' ? 'Page has been freed' : tr.reason) : undefined, previousValid: before.valid.every((v) => v === 1), tail: before.bytes };
  }
  // Addresses that may lie in an unloaded driver's old range.
  const addresses = [
    ...(registers ? [{ label: 'the faulting IP', value: registers.rip, command: fc.registersCommand }] : []),
    ...(exceptionRecord ? [{ label: 'the exception address', value: exceptionRecord.exceptionAddress, command: fa?.command }] : []),
    ...(faultAddress !== undefined ? [{ label: 'the faulting address', value: faultAddress, command: fa?.command }] : []),
    ...args.map((value, i) => ({ label: `Arg${i + 1}`, value, command: '.bugcheck' })),
    ...stack.map((s) => ({ label: 'the stack return address', value: s.retAddr, command: 'kb' })),
  ];
  const rootCause = runRules({
    page,
    pageCommand: faultAddress !== undefined ? `!pte ${faultAddress.toString(16)}` : undefined,
    operand,
    exceptionCommand: exceptionRecord?.address !== undefined ? `.exr 0x${exceptionRecord.address.toString(16)}` : undefined,
    registers,
    registersCommand: fc.registersCommand,
    bugcheckArgs: args,
    faultAddress,
    faultAddressCommand: fa?.command,
    access,
    // The stack's own first non-Windows frame (a family may blame a driver that is not on the stack).
    blamedModule: blamed?.module,
    blamedIsOs: blamed?.module ? isOsModule(blamed.module) : true,
    addresses,
    modules: t.modules,
  });
  const poolCandidates = POOL_BUGCHECKS.has(base) ? args.flatMap((a, i) => [{ label: `Arg${i + 1}`, value: a }, { label: `Arg${i + 1} (as a header)`, value: a + 16n }]) : registerCandidates(registers);
  rootCause.push(...(await poolRules(t, poolCandidates, fc.registersCommand, stack).catch(() => [])));
  if (family) rootCause.push(...family.claims);
  const rank = { high: 0, medium: 1, low: 2 } as const;
  const claims = dedupeClaims(rootCause).sort((a, b) => rank[a.confidence] - rank[b.confidence]);
  if (family) limitations.push(...family.notes);

  // The process the crashing thread belonged to, read by field name through nt's types.
  const kt = await t.kernelTypes();
  const crash = await t.crashState().catch(() => undefined);
  let processName = crash?.process?.name || undefined;
  if (base === 0xef && args[0]) {
    // CRITICAL_PROCESS_DIED: Arg1 is the process that died; that is the process to name.
    processName = (await t.process(args[0]).catch(() => undefined))?.name ?? processName;
  }
  if (!processName) {
    limitations.push(kt ? `PROCESS_NAME: the crashing thread's process could not be read (${crash?.notes.join('; ') || 'no process found'})` : "PROCESS_NAME needs nt's types (its PDB or an ISF table on the symbol path): without them the EPROCESS the dump carries cannot be read by field name");
  }

  // IMAGE_VERSION from the blamed module's version resource; BUILDLAB_STR from the kernel's NtBuildLab.
  let imageVersion: string | undefined;
  if (blamedModule) {
    const img = await t.image(blamedModule);
    if (img.image) imageVersion = (await readVersionInfo(img.image).catch(() => undefined))?.fileVersion;
  }
  const sys = await systemInfo(t).catch(() => undefined);
  const buildLab = sys?.buildLab;

  const symbolStatus = [];
  for (const name of new Set(stack.map((s) => s.module).filter(Boolean) as string[])) {
    const m = t.modules.byModuleName(name)!;
    const s = await t.moduleSymbols(m);
    const img = await t.image(m);
    symbolStatus.push({ module: name, status: s.status, detail: s.detail, image: img.image ? (img.origin === 'dump' ? 'in-dump' : 'found') : 'missing' } as const);
  }

  const exceptionCode = EXCEPTION_BUGCHECKS.has(base) ? bucketExceptionCode(base, args, exceptionRecord?.code) : exceptionRecord?.code;
  const err = exceptionCode !== undefined ? lookupError(exceptionCode).best : undefined;
  const avType = access === 'write' ? 'Write' : access === 'execute' ? 'Execute' : access === 'read' ? 'Read' : undefined;
  return {
    schemaVersion: ANALYSIS_SCHEMA_VERSION,
    bugcheck: { code, name: doc.name ?? `BUGCHECK_${code.toString(16).toUpperCase()}`, summary: doc.summary, args: args.map((value, i) => ({ value, meaning: doc.args[i]?.meaning ?? `Argument ${i + 1}`, ...(doc.args[i]?.note ? { note: doc.args[i].note } : {}) })), ...(doc.subcode ? { subcode: doc.subcode.meaning } : {}) },
    keyValues: [
      ...(avType ? [{ key: exceptionRecord ? 'AV.Fault' : 'AV.Type', value: avType }] : []),
      { key: 'Bugcheck.Code.LegacyAPI', value: `0x${code.toString(16)}` },
      { key: 'Failure.Bucket', value: bucket },
      { key: 'Failure.Hash', value: failureHash(bucket) },
    ],
    avType,
    faultingAddress: fa ? { address: fa.address, access: fa.access, field: fa.field, ...(region.text ? { region: region.text } : {}), ...(region.evidence ? { regionEvidence: region.evidence } : {}) } : undefined,
    ...(base === 0x50 && args[3] !== undefined ? { mmInternalCode: args[3] } : {}),
    ...(err && exceptionCode !== undefined ? { errorCode: { kind: err.kind, code: exceptionCode, description: err.description } } : {}),
    exceptionRecord,
    context,
    faultingIp: registers ? { address: registers.rip, symbol: await t.symbolize(registers.rip) } : undefined,
    stack,
    stackNotes,
    symbolName,
    moduleName,
    imageName,
    faultingModule: blamedModule ? { base: blamedModule.base, name: blamedModule.name } : undefined,
    bucketIdFuncOffset: blameOffset !== undefined ? blameOffset.toString(16) : undefined,
    failureBucketId: bucket,
    failureHash: failureHash(bucket),
    stackCommand,
    osVersion: `10.0.${h.ntBuild}${buildLab ? `.${buildLab.split('.')[1] ?? '1'}` : ''}`,
    buildLabStr: buildBranch(buildLab),
    buildLab,
    ...(h.ntBuild >= 10240 ? { osName: 'Windows 10' } : {}),
    imageVersion,
    osPlatformType: h.machine,
    followup: 'MachineOwner',
    rootCause: claims,
    symbols: symbolStatus,
    processName,
    currentIrql: crash?.prcb?.irql,
    trapFrame,
    ...(family?.fields.length ? { extraFields: family.fields } : {}),
    limitations,
    elapsedMs: Date.now() - started,
  };
}
