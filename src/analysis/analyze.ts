// `dumpscope analyze` / `!analyze -v`: find the faulting context the bugcheck points at, walk its stack,
// blame a module, name the failure bucket, and run the root-cause rules.
import { decodeExceptionRecord64, decodeX64Context } from '../formats/kernel-dump/records.js';
import { bugcheckInfo } from '../knowledge/bugchecks/index.js';
import { ntstatusName } from '../knowledge/errors.js';
import type { KernelTarget } from '../target/kernel-target.js';
import type { X64Registers } from '../target/x64-registers.js';
import { addr64 } from '../util/hex.js';
import { decode } from '../disasm/x64.js';
import { effectiveAddress } from '../render/registers.js';
import { failureBucket, failureHash } from './bucket.js';
import { isOsModule } from './os-modules.js';
import { ANALYSIS_SCHEMA_VERSION, type AnalysisReport, type ExceptionRecordInfo, type RegisterContext, type StackEntry } from './report.js';
import { readVersionInfo } from '../formats/pe/pe-directories.js';
import { systemInfo } from '../target/system-info.js';
import { poolRules, registerCandidates } from './pool-rules.js';
import { runRules } from './rules.js';

const EXCEPTION_BUGCHECKS_WITH_RECORDS = new Set([0x7e, 0x8e]);
const RELAY_MODULES = new Set(['nt', 'hal', 'wdf01000', 'wdfldr']);

/** What an address is, for READ_ADDRESS/WRITE_ADDRESS: user space, non-canonical, a module, a thread stack, page tables, freed, or other kernel memory. */
async function describeRegion(t: KernelTarget, va: bigint): Promise<string> {
  if (va < 0x0000800000000000n) return va < 0x10000n ? 'user-mode address (near NULL: a null pointer plus an offset)' : 'user-mode address';
  if (va < 0xffff800000000000n) return 'non-canonical address';
  const m = t.modules.at(va);
  if (m) return `inside ${m.imageName}`;
  const pte = await t.pteBase();
  if (pte !== undefined && va >= pte && va < pte + 0x8000000000n) return 'page tables (the self-map)';
  const crash = await t.crashState().catch(() => undefined);
  const th = crash?.thread;
  if (th?.stackLimit && th.stackBase && va >= th.stackLimit - 0x10000n && va < th.stackBase) return va < th.stackLimit ? 'just below the thread\'s kernel stack (stack overflow?)' : 'the crashing thread\'s kernel stack';
  const tr = await t.translate(va).catch(() => undefined);
  if (tr?.state.kind === 'freed') return 'freed memory (the PTE says the page was freed)';
  if (tr && tr.pa === undefined && tr.state.kind !== 'not-in-dump') return `kernel memory that is not mapped (${tr.reason ?? tr.state.kind})`;
  return 'kernel address (pool or other system memory)';
}

export async function analyze(t: KernelTarget): Promise<AnalysisReport> {
  const started = Date.now();
  const h = t.dump.header;
  const code = h.bugcheckCode;
  const base = code & 0x0fffffff;
  const args = h.bugcheckArgs;
  const doc = bugcheckInfo(code, args);
  const limitations = [...t.limitations];
  let context: RegisterContext | undefined;
  let exceptionRecord: ExceptionRecordInfo | undefined;
  let stackCommand = 'k';

  const readRecord = async <T>(what: string, address: bigint, size: number, decode: (b: Uint8Array) => T): Promise<T | undefined> => {
    try {
      return decode(await t.memory.read(address, size));
    } catch (e) {
      limitations.push(`${what} at ${addr64(address)} is not readable: ${(e as Error).message}`);
      return undefined;
    }
  };

  const readExceptionRecord = async (address: bigint) => {
    const exr = await readRecord('exception record', address, 0x98, (b) => decodeExceptionRecord64(b));
    if (!exr) return;
    exceptionRecord = { address, code: exr.code, codeName: ntstatusName(exr.code), flags: exr.flags, exceptionAddress: exr.address, exceptionAddressSymbol: await t.symbolize(exr.address), parameters: exr.parameters };
    if (exr.code === 0xc0000005 && exr.parameters.length >= 2) {
      const verb = exr.parameters[0] === 0n ? 'read from' : exr.parameters[0] === 1n ? 'write to' : 'execute';
      exceptionRecord.accessLine = `Attempt to ${verb} address ${exr.parameters[1].toString(16).padStart(16, '0')}`;
    }
  };
  const useContextRecord = async (address: bigint) => {
    const regs = await readRecord('context record', address, 0x100, (b) => decodeX64Context(b));
    if (regs) {
      context = { address, kind: 'context', registers: regs };
      stackCommand = `.cxr 0x${address.toString(16)} ; kb`;
    }
  };
  let explicitTrap: bigint | undefined;

  if (EXCEPTION_BUGCHECKS_WITH_RECORDS.has(base) && base === 0x7e) {
    // SYSTEM_THREAD_EXCEPTION_NOT_HANDLED: exception record (Arg3) and context (Arg4).
    await readExceptionRecord(args[2]);
    await useContextRecord(args[3]);
  } else if (base === 0x3b) {
    // SYSTEM_SERVICE_EXCEPTION: the context record is Arg3.
    await useContextRecord(args[2]);
  } else if (base === 0x139) {
    // KERNEL_SECURITY_CHECK_FAILURE: Arg2 is the trap frame, Arg3 the exception record.
    if (args[2]) await readExceptionRecord(args[2]);
    if (args[1]) explicitTrap = args[1];
  } else if (base === 0x8e && args[2]) {
    // KERNEL_MODE_EXCEPTION_NOT_HANDLED: Arg3 is the trap frame.
    explicitTrap = args[2];
  } else if (base === 0x1e) {
    // KMODE_EXCEPTION_NOT_HANDLED: the exception is in the arguments themselves.
    const code1e = Number(args[0] & 0xffffffffn);
    exceptionRecord = { code: code1e, codeName: ntstatusName(code1e), flags: 0, exceptionAddress: args[1], exceptionAddressSymbol: await t.symbolize(args[1]), parameters: [args[2], args[3]] };
    if (code1e === 0xc0000005) exceptionRecord.accessLine = `Attempt to ${args[2] === 0n ? 'read from' : args[2] === 1n ? 'write to' : 'execute'} address ${args[3].toString(16).padStart(16, '0')}`;
  }
  let registers: X64Registers | undefined = context?.registers;
  let trapFrame: RegisterContext | undefined;
  if (!registers && explicitTrap !== undefined) {
    try {
      const regs = await t.trapRegisters(explicitTrap);
      trapFrame = { kind: 'trap', address: explicitTrap, registers: regs };
      registers = regs;
      stackCommand = `.trap 0x${explicitTrap.toString(16)} ; kb`;
    } catch (e) {
      limitations.push(`trap frame at ${explicitTrap.toString(16)} (from the arguments) unreadable: ${(e as Error).message}`);
    }
  }
  if (!registers && t.dump.context) {
    registers = t.dump.context;
    context = { kind: 'bugcheck', registers };
    if ([0x50, 0x0a, 0xd1, 0x8e, 0x1e, 0x7f].includes(base)) {
      // Page faults and traps: the trap frame is the first machine frame the bugcheck stack unwinds through.
      const bugFrames = await t.walk(t.dump.context, { maxFrames: 32 });
      const machine = bugFrames.find((f) => f.method === 'machine-frame');
      if (machine) {
        try {
          const regs = await t.trapRegisters(machine.sp);
          trapFrame = { kind: 'trap', address: machine.sp, registers: regs };
          registers = regs;
          context = undefined;
          stackCommand = `.trap 0x${machine.sp.toString(16)} ; kb`;
        } catch (e) {
          limitations.push(`trap frame at ${machine.sp.toString(16)} unreadable: ${(e as Error).message}`);
        }
      } else limitations.push('no trap frame found by unwinding the bugcheck stack (nt\'s unwind data or the stack pages are missing): the dump header context was used instead');
    }
  }

  const frames = registers ? await t.walk(registers, { maxFrames: 128 }) : [];
  const stack: StackEntry[] = [];
  for (const f of frames) {
    const m = t.modules.at(f.ip);
    const s = await t.memory.readSparse(f.sp + 8n, 32);
    const argsOf = [0, 1, 2, 3].map((i) => (s.valid.subarray(i * 8, i * 8 + 8).every((v) => v === 1) ? new DataView(s.bytes.buffer, s.bytes.byteOffset + i * 8, 8).getBigUint64(0, true) : undefined));
    const parts = await t.symbolParts(f.ip);
    stack.push({ childSp: f.sp, retAddr: f.returnAddress, callSite: (await t.symbolize(f.ip)) ?? addr64(f.ip), args: argsOf, module: m?.name, symbol: parts?.symbol, offset: parts?.displacement, guessed: frames[f.index - 1]?.guessed ?? false });
  }
  const stackNotes = frames.at(-1)?.note ? [frames.at(-1)!.note!] : [];

  // Blame: the first frame outside Windows; failing that, the first that is not a relay (nt, hal, KMDF); failing that, frame 0.
  const withModule = stack.filter((s) => s.module && !s.guessed);
  const blamed = withModule.find((s) => !isOsModule(s.module!)) ?? withModule.find((s) => !RELAY_MODULES.has(s.module!.toLowerCase())) ?? withModule[0];
  const blamedModule = blamed ? t.modules.byModuleName(blamed.module!) : undefined;
  const moduleName = blamedModule?.name ?? 'Unknown_Module';
  const imageName = blamedModule?.imageName ?? 'Unknown_Image';

  let access: 'read' | 'write' | 'execute' | undefined;
  let faultAddress: bigint | undefined;
  if (exceptionRecord?.code === 0xc0000005 && exceptionRecord.parameters.length >= 2) {
    access = exceptionRecord.parameters[0] === 0n ? 'read' : exceptionRecord.parameters[0] === 8n ? 'execute' : 'write';
    faultAddress = exceptionRecord.parameters[1];
  } else if (base === 0x50) {
    access = args[1] & 0x10n ? 'execute' : args[1] & 2n ? 'write' : 'read';
    faultAddress = args[0];
  } else if (base === 0xd1 || base === 0x0a) {
    access = args[2] & 8n ? 'execute' : args[2] & 1n ? 'write' : 'read';
    faultAddress = args[0];
  }
  const isAv = access !== undefined;
  const bucket = failureBucket({ bugcheckCode: code, baseCode: base, exceptionCode: exceptionRecord?.code, access: access === 'write' ? 'W' : access === 'execute' ? 'X' : 'R', module: moduleName, func: blamed?.symbol });
  const region = faultAddress === undefined || faultAddress === 0xffffffffffffffffn ? '' : await describeRegion(t, faultAddress);

  // The faulting instruction and its operand address, when its code is available.
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
  const rootCause = runRules({
    page,
    pageCommand: faultAddress !== undefined ? `!pte ${faultAddress.toString(16)}` : undefined,
    operand,
    exceptionCommand: exceptionRecord?.address !== undefined ? `.exr 0x${exceptionRecord.address.toString(16)}` : undefined,
    registers,
    registersCommand: context?.address !== undefined ? `.cxr 0x${context.address.toString(16)}` : trapFrame?.address !== undefined ? `.trap 0x${trapFrame.address.toString(16)}` : 'r',
    faultAddress,
    access,
    blamedModule: moduleName,
    blamedIsOs: blamedModule ? isOsModule(blamedModule.name) : true,
    stackAddresses: stack.map((s) => s.retAddr),
    modules: t.modules,
  });
  const rank = { high: 0, medium: 1, low: 2 } as const;
  // Pool bugchecks name the block in their arguments (a header or the data after it); others: registers.
  const poolCandidates = [0x19, 0xc2, 0x13a, 0xc5].includes(base)
    ? args.flatMap((a, i) => [{ label: `Arg${i + 1}`, value: a }, { label: `Arg${i + 1} (as a header)`, value: a + 16n }])
    : registerCandidates(registers);
  rootCause.push(...(await poolRules(t, poolCandidates, trapFrame?.address !== undefined ? `.trap 0x${trapFrame.address.toString(16)}` : context?.address !== undefined ? `.cxr 0x${context.address.toString(16)}` : 'r', stack).catch(() => [])));
  rootCause.sort((a, b) => rank[a.confidence] - rank[b.confidence]);

  // The process the crashing thread belonged to, read by field name through nt's types.
  const crash = await t.crashState().catch(() => undefined);
  let processName = crash?.process?.name || undefined;
  if (base === 0xef && args[0]) {
    // CRITICAL_PROCESS_DIED: Arg1 is the process that died; that is the process to name.
    processName = (await t.process(args[0]).catch(() => undefined))?.name ?? processName;
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

  return {
    schemaVersion: ANALYSIS_SCHEMA_VERSION,
    bugcheck: { code, name: doc.name ?? `BUGCHECK_${code.toString(16).toUpperCase()}`, summary: doc.summary, args: args.map((value, i) => ({ value, meaning: doc.args[i]?.meaning ?? `Argument ${i + 1}`, ...(doc.args[i]?.note ? { note: doc.args[i].note } : {}) })), ...(doc.subcode ? { subcode: doc.subcode.meaning } : {}) },
    keyValues: [
      ...(isAv ? [{ key: exceptionRecord ? 'AV.Fault' : 'AV.Type', value: access === 'write' ? 'Write' : access === 'execute' ? 'Execute' : 'Read' }] : []),
      { key: 'Bugcheck.Code.LegacyAPI', value: `0x${code.toString(16)}` },
      { key: 'Failure.Bucket', value: bucket },
      { key: 'Failure.Hash', value: failureHash(bucket) },
    ],
    avType: isAv ? (access === 'write' ? 'Write' : access === 'execute' ? 'Execute' : 'Read') : undefined,
    faultingAddress: faultAddress !== undefined && access ? { address: faultAddress, access, region } : undefined,
    exceptionRecord,
    context,
    faultingIp: registers ? { address: registers.rip, symbol: await t.symbolize(registers.rip) } : undefined,
    stack,
    stackNotes,
    symbolName: blamed ? (blamed.symbol ? `${moduleName}!${blamed.symbol}+${blamed.offset!.toString(16)}` : `${moduleName}+${blamed.offset!.toString(16)}`) : 'Unknown',
    moduleName,
    imageName,
    faultingModule: blamedModule ? { base: blamedModule.base, name: blamedModule.name } : undefined,
    bucketIdFuncOffset: blamed?.offset !== undefined ? blamed.offset.toString(16) : undefined,
    failureBucketId: bucket,
    failureHash: failureHash(bucket),
    stackCommand,
    osVersion: `10.0.${h.ntBuild}${buildLab ? `.${buildLab.split('.')[1] ?? '1'}` : ''}`,
    buildLabStr: buildLab,
    imageVersion,
    osPlatformType: h.machine,
    followup: 'MachineOwner',
    rootCause,
    symbols: symbolStatus,
    processName,
    currentIrql: crash?.prcb?.irql,
    trapFrame,
    limitations,
    elapsedMs: Date.now() - started,
  };
}
