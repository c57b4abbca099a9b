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
import type { X64Gpr } from '../target/x64-registers.js';
import { blameFromStack, unloadedAtIp, unloadedModuleName } from './blame.js';
import { bucketExceptionCode, EXCEPTION_BUGCHECKS, failureBucket, failureHash, fastFailName } from './bucket.js';
import { codeStatusRule } from './code-status-rule.js';
import { arm64Registers, baseName, dumpAttributes, kiBugCheckData, markerText, virtualMachine } from './dump-fields.js';
import { faultAccess } from './fault-access.js';
import { faultingContext, fullRegister } from './faulting-context.js';
import { analyzeFamily } from './families/index.js';
import { irqlRule } from './irql-rule.js';
import { isOsModule } from './os-modules.js';
import { poolAddressFields } from './pool-fields.js';
import { poolRules, registerCandidates } from './pool-rules.js';
import { describeRegion } from './region.js';
import { ANALYSIS_SCHEMA_VERSION, type AnalysisReport, type RootCauseClaim } from './report.js';
import { dedupeClaims, runRules } from './rules.js';
import { reportStack } from './stack.js';
import { stackPteClaim, stackPteFailures } from './stack-pte-rule.js';
import { composeSummary, rankClaims } from './summary.js';

/** Pool bugchecks name the block in their arguments (a header or the data after it). */
const POOL_BUGCHECKS = new Set([0x19, 0xc2, 0x13a, 0xc5]);
/** Page-fault bugchecks whose Arg3 is the address of the instruction that made the reference. */
const IP_IN_ARG3 = new Set([0x50, 0xce, 0xd5, 0xd6]);
/** Bugchecks raised at raised IRQL on a bad or pageable address: Arg1 the address, Arg2 the IRQL, Arg4 the IP. */
const IRQL_BUGCHECKS = new Set([0x0a, 0xd1]);

export interface AnalyzeOptions {
  /** The dump's file name, for FILE_IN_CAB (the front end knows it; defaults to the byte source's name). */
  fileName?: string;
}

/** A header with nothing in it (bugcheck 0, no memory, no processor context) is refused: there is nothing to analyze. */
function checkHeader(t: KernelTarget, limitations: string[]): void {
  const h = t.dump.header;
  const marker = markerText(h.bugcheckCode >>> 0);
  if (marker) limitations.unshift(`not a crash: bugcheck code 0x${(h.bugcheckCode >>> 0).toString(16).toUpperCase()} is not a bugcheck ('${marker}', the marker a live-acquisition tool writes when it builds a dump of a running system); the fields above describe the moment of acquisition, not a failure`);
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

/** `_M` variants (0x1000007E) share their base code's analysis; other codes with high bits are their own. */
function baseCodeOf(code: number): number {
  const c = code >>> 0;
  return (c & 0xf0000000) >>> 0 === 0x10000000 && (c & 0x0fffffff) < 0x10000 ? c & 0x0fffffff : c;
}

export async function analyze(t: KernelTarget, opts: AnalyzeOptions = {}): Promise<AnalysisReport> {
  const started = Date.now();
  const h = t.dump.header;
  const code = h.bugcheckCode >>> 0;
  const base = baseCodeOf(code);
  const args = h.bugcheckArgs;
  const doc = bugcheckInfo(code, args);
  const limitations = [...t.limitations];
  checkHeader(t, limitations);

  const fc = await faultingContext(t, limitations);
  const { context, trapFrame, exceptionRecord } = fc;
  // Per-bugcheck family analysis (src/analysis/families): claims, fields, notes, a context to switch to, blame.
  const family = await analyzeFamily(t, { code: base, args, registers: fc.registers });
  const rs = await reportStack(t, fc, family.switchTo, limitations);
  const { stack } = rs;
  const capturedRegisters = h.machine === 'arm64' ? arm64Registers(h.contextBytes) : undefined;
  if (h.machine === 'arm64') limitations.push(`ARM64 stack walking is not supported: STACK_TEXT is empty${capturedRegisters ? ' (the captured registers are shown instead)' : ' and the dump holds no ARM64 context to show'}`);

  // The faulting instruction and its operand address, when its code is available.
  const registers = fc.faulting ? fc.registers : undefined;
  let operand: { text: string; address: bigint; readable: boolean } | undefined;
  if (registers) {
    const bytes = await t.readCode(registers.rip, 16);
    if (bytes) {
      const [ins] = await decode(bytes, registers.rip, 1);
      // An operand built from a register the trap frame did not save is unknown, as it is to WinDbg.
      const unsaved = [ins?.memory?.base, ins?.memory?.index].some((r) => r && fc.unsaved?.includes(fullRegister(r) as X64Gpr));
      const address = ins && !unsaved ? effectiveAddress(ins, registers) : undefined;
      if (ins && address !== undefined && !ins.memory?.isLea) {
        const s = await t.memory.readSparse(address, 1);
        operand = { text: `${ins.mnemonic} ${ins.operands}`, address, readable: s.valid[0] === 1 };
      }
    }
  }

  // Blame: the family's verdict; else an unloaded driver the faulting IP is in; else the stack.
  const sb = blameFromStack(stack.slice(rs.faultIndex));
  const blamed = sb.frame;
  const gone = family.blame ? undefined : unloadedAtIp(t.modules, [registers?.rip, exceptionRecord?.exceptionAddress, IRQL_BUGCHECKS.has(base) ? args[3] : undefined, IP_IN_ARG3.has(base) ? args[2] : undefined]);
  const fallbackModule = sb.onlyMachinery ? stack.find((s) => s.module)?.module : undefined;
  const blamedModule = family.blame ? t.modules.byModuleName(family.blame.module) : gone ? undefined : blamed ? t.modules.byModuleName(blamed.module!) : fallbackModule ? t.modules.byModuleName(fallbackModule) : undefined;
  const moduleName = family.blame?.module ?? (gone ? unloadedModuleName(gone.u) : undefined) ?? blamedModule?.name ?? 'Unknown_Module';
  const imageName = family.blame?.imageName ?? gone?.u.imageName ?? blamedModule?.imageName ?? 'Unknown_Image';
  const blameSymbol = family.blame ? family.blame.symbol : gone ? undefined : blamed?.symbol;
  const blameOffset = family.blame ? family.blame.offset : gone ? Number(gone.at - gone.u.base) : blamed?.offset;
  const symbolName =
    family.blame?.symbolName ??
    (gone ? `${gone.u.imageName}+${(gone.at - gone.u.base).toString(16)}` : blamed ? (blamed.symbol ? `${moduleName}!${blamed.symbol}+${blamed.offset!.toString(16)}` : `${moduleName}+${blamed.offset!.toString(16)}`) : fallbackModule ? `${fallbackModule}!unknown` : 'Unknown');

  const fa = faultAccess(base, args, exceptionRecord);
  const access = fa?.access;
  const faultAddress = fa?.address;
  const bucket = failureBucket({
    bugcheckCode: code,
    baseCode: base,
    args,
    exceptionCode: bucketExceptionCode(base, args, exceptionRecord?.code),
    access: access === 'write' ? 'W' : access === 'execute' ? 'X' : 'R',
    module: moduleName,
    func: blameSymbol,
    unknownFunction: !family.blame && !gone && !blamed && sb.onlyMachinery,
    unloadedImage: gone?.u.imageName,
    family: family.bucket,
  });
  const region = faultAddress === undefined || faultAddress === 0xffffffffffffffffn ? {} : await describeRegion(t, faultAddress);

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
    ...stack.map((s) => ({ label: 'the stack return address', value: s.retAddr, command: rs.stackCommand })),
  ];
  const stackBlamed = blamed?.module;
  const rootCause: RootCauseClaim[] = runRules({
    page,
    pageCommand: faultAddress !== undefined ? `!pte ${faultAddress.toString(16)}` : undefined,
    operand,
    instructionCommand: registers ? `u ${registers.rip.toString(16)} L1` : undefined,
    exceptionCommand: exceptionRecord?.address !== undefined ? `.exr 0x${exceptionRecord.address.toString(16)}` : undefined,
    registers,
    unsavedRegisters: fc.unsaved,
    registersCommand: fc.registersCommand,
    bugcheckArgs: args,
    faultAddress,
    faultAddressCommand: fa?.command,
    access,
    // The stack's own first non-Windows frame (a family may blame a driver that is not on the stack).
    blamedModule: stackBlamed,
    blamedIsOs: stackBlamed ? isOsModule(stackBlamed) : true,
    addresses,
    modules: t.modules,
  });
  const crash = await t.crashState().catch(() => undefined);
  const kt = await t.kernelTypes();
  if (IRQL_BUGCHECKS.has(base) && faultAddress !== undefined) {
    const ipModule = t.modules.at(args[3]);
    const prcb = crash?.prcb?.address;
    const pcr = prcb !== undefined && kt ? await kt.offsetOf('_KPCR', 'Prcb').then((o) => prcb - BigInt(o)).catch(() => undefined) : undefined;
    rootCause.push(...irqlRule({ code: base, address: faultAddress, irql: Number(args[1] & 0xffn), currentIrql: crash?.prcb?.irql, currentIrqlCommand: pcr !== undefined ? `dt nt!_KPCR ${pcr.toString(16)} Irql` : undefined, translation: tr, ip: args[3], driver: ipModule && !isOsModule(ipModule.name) ? ipModule.name : (gone ? unloadedModuleName(gone.u) : ipModule?.name), ipSymbol: await t.symbolize(args[3]) }));
  }
  const poolCandidates = POOL_BUGCHECKS.has(base) ? args.flatMap((a, i) => [{ label: `Arg${i + 1}`, value: a }, { label: `Arg${i + 1} (as a header)`, value: a + 16n }]) : registerCandidates(registers, fc.unsaved);
  rootCause.push(...(await poolRules(t, poolCandidates, fc.registersCommand, stack.slice(rs.faultIndex), limitations).catch(() => [])));
  rootCause.push(...(await codeStatusRule(t, stack, rs.faultIndex).catch(() => [])));
  rootCause.push(...stackPteClaim(await stackPteFailures(t).catch(() => undefined), rootCause));
  rootCause.push(...family.claims.map((c) => ({ role: 'cause' as const, ...c, modules: c.modules ?? (family.blame && family.blame.module !== 'hardware' ? [family.blame.module] : undefined) })));
  const claims = rankClaims(dedupeClaims(rootCause));
  limitations.push(...family.notes);

  // The process the crashing thread belonged to, read by field name through nt's types.
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

  // SYMBOLS: every module on the stack, the one blamed and every module a claim names.
  const symbolStatus = [];
  const named = [...stack.map((s) => s.module), blamedModule?.name, ...claims.flatMap((c) => c.modules ?? [])].filter(Boolean) as string[];
  for (const name of new Set(named.map((n) => t.modules.byModuleName(n)?.name).filter(Boolean) as string[])) {
    const m = t.modules.byModuleName(name)!;
    const s = await t.moduleSymbols(m);
    const img = await t.image(m);
    symbolStatus.push({ module: name, status: s.status, detail: s.detail, image: img.image ? (img.origin === 'dump' ? 'in-dump' : 'found') : 'missing' } as const);
  }

  const exceptionCode = EXCEPTION_BUGCHECKS.has(base) ? bucketExceptionCode(base, args, exceptionRecord?.code) : exceptionRecord?.code;
  const err = exceptionCode !== undefined ? lookupError(exceptionCode).best : undefined;
  const avType = access === 'write' ? 'Write' : access === 'execute' ? 'Execute' : access === 'read' ? 'Read' : undefined;
  const name = doc.name ?? `BUGCHECK_${code.toString(16).toUpperCase()}`;
  const extraFields = [...(await poolAddressFields(t, base, args)), ...family.fields];
  const marker = markerText(code);
  const notACrash = marker ? `its bugcheck code 0x${code.toString(16).toUpperCase()} is the '${marker}' marker a live-acquisition tool writes` : code === 0 ? 'its header records no bugcheck (code 0)' : undefined;
  const summary = composeSummary(claims, { bugcheckName: name, bugcheckCode: code, exception: exceptionRecord ? { name: exceptionRecord.exceptionName, code: exceptionRecord.code } : undefined, module: moduleName, symbol: symbolName, notACrash });
  const attributes = dumpAttributes(h.attributes);
  const kiCode = await kiBugCheckData(t);
  const osVersion = `10.0.${h.ntBuild}${buildLab ? `.${buildLab.split('.')[1] ?? '1'}` : ''}`;
  const branch = buildBranch(buildLab);
  const failFast = base === 0x139 ? fastFailName(args[0]) : undefined;
  // KEY_VALUES in WinDbg's order (sorted by key, byte for byte: AV.* before Analysis.*).
  const keyValues = [
    ...(avType ? [{ key: exceptionRecord ? 'AV.Fault' : 'AV.Type', value: avType }] : []),
    { key: 'Analysis.Elapsed.mSec', value: String(Date.now() - started) },
    ...(kiCode !== undefined ? [{ key: 'Bugcheck.Code.KiBugCheckData', value: `0x${kiCode.toString(16)}` }] : []),
    { key: 'Bugcheck.Code.LegacyAPI', value: `0x${code.toString(16)}` },
    ...(attributes ? [{ key: 'Dump.Attributes.AsUlong', value: attributes.value.toString(16) }, ...attributes.flags.map((f) => ({ key: `Dump.Attributes.${f.key}`, value: '1' }))] : []),
    ...(failFast ? [{ key: 'FailFast.Name', value: failFast }, { key: 'FailFast.Type', value: String(args[0]) }] : []),
    { key: 'Failure.Bucket', value: bucket },
    { key: 'Failure.Hash', value: failureHash(bucket) },
    ...(branch ? [{ key: 'WER.OS.Branch', value: branch }] : []),
    ...(buildLab ? [{ key: 'WER.OS.Version', value: osVersion }] : []),
  ].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    schemaVersion: ANALYSIS_SCHEMA_VERSION,
    bugcheck: {
      code,
      name,
      summary: doc.summary,
      // A selected sub-case replaces the argument's generic meaning, as WinDbg prints it.
      args: args.map((value, i) => {
        const a = doc.args[i];
        const selected = doc.subcode && doc.subcode.arg === i + 1;
        return { value, meaning: selected ? doc.subcode!.meaning : (a?.meaning ?? `Argument ${i + 1}`), ...(!selected && a?.note ? { note: a.note } : {}) };
      }),
      ...(doc.subcode ? { subcode: doc.subcode.meaning } : {}),
    },
    keyValues,
    avType,
    faultingAddress: fa ? { address: fa.address, access: fa.access, field: fa.field, ...(region.text ? { region: region.text } : {}), ...(region.evidence ? { regionEvidence: region.evidence } : {}) } : undefined,
    ...(base === 0x50 && args[3] !== undefined ? { mmInternalCode: args[3] } : {}),
    ...(err && exceptionCode !== undefined ? { errorCode: { kind: err.kind, code: exceptionCode, description: err.description } } : {}),
    exceptionRecord,
    context,
    faultingIp: registers ? { address: registers.rip, symbol: await t.symbolize(registers.rip) } : undefined,
    stack,
    stackNotes: rs.notes,
    symbolName,
    moduleName,
    imageName,
    faultingModule: blamedModule ? { base: blamedModule.base, name: blamedModule.name } : undefined,
    bucketIdFuncOffset: blameOffset !== undefined ? blameOffset.toString(16) : undefined,
    failureBucketId: bucket,
    failureHash: failureHash(bucket),
    stackCommand: rs.stackCommand,
    osVersion,
    buildLabStr: branch,
    buildLab,
    ...(h.ntBuild >= 10240 ? { osName: 'Windows 10' } : {}),
    imageVersion,
    osPlatformType: h.machine,
    followup: 'MachineOwner',
    summary,
    rootCause: claims,
    symbols: symbolStatus,
    processName,
    currentIrql: crash?.prcb?.irql,
    trapFrame,
    ...(extraFields.length ? { extraFields } : {}),
    fileInCab: opts.fileName ?? baseName(t.dump.source.name),
    ...(virtualMachine(sys?.smbios) ? { virtualMachine: virtualMachine(sys?.smbios) } : {}),
    ...(attributes ? { dumpFileAttributes: attributes } : {}),
    ...(capturedRegisters ? { capturedRegisters: { machine: h.machine, registers: capturedRegisters } } : {}),
    limitations,
    elapsedMs: Date.now() - started,
  };
}

