// The faulting context a bugcheck points at: exception and context records named in its arguments
// (0x7E, 0x3B, 0x139), the exception carried in the arguments themselves (0x1E), a trap frame named in
// them (0x8E, 0x139) or met unwinding the bugcheck stack (the page-fault family). When none is found the
// registers are those of the KeBugCheckEx call — good for walking the stack, never evidence of the fault.
import { decodeExceptionRecord64, decodeX64Context } from '../formats/kernel-dump/records.js';
import { ntstatusName } from '../knowledge/errors.js';
import type { KernelTarget } from '../target/kernel-target.js';
import type { X64Gpr, X64Registers } from '../target/x64-registers.js';
import { addr64 } from '../util/hex.js';
import { exceptionShortName } from '../knowledge/exception-names.js';
import { fastFailName } from './bucket.js';
import type { ExceptionRecordInfo, RegisterContext } from './report.js';

export interface FaultingContext {
  context?: RegisterContext;
  trapFrame?: RegisterContext;
  exceptionRecord?: ExceptionRecordInfo;
  /** The registers to walk the stack from. */
  registers?: X64Registers;
  /** True when `registers` are the faulting context (trap frame or context record), not the bugcheck call's. */
  faulting: boolean;
  stackCommand: string;
  /** `.trap 0x…` / `.cxr 0x…` of the faulting context, else `r`. */
  registersCommand: string;
  /**
   * Where STACK_TEXT starts. For a trap frame it is the bugcheck context (WinDbg shows KeBugCheckEx, the
   * fault handlers and then the driver, with `.cxr; .ecxr ; kb`); `registers` stays the trap frame's.
   */
  stackRegisters?: X64Registers;
  /** The command that shows the stack from the faulting context itself, when STACK_TEXT starts elsewhere. */
  faultingStackCommand?: string;
  /** Registers of `registers` that hold no evidence: a trap frame's non-volatiles (never saved there). */
  unsaved?: readonly X64Gpr[];
}

/**
 * The non-volatile registers a _KTRAP_FRAME does not save on a page fault or interrupt: its Rbx/Rsi/Rdi
 * fields are stale and `.trap` shows them as 0 (the 0x50 walkthrough: `!ddt` Rbx 0x474, `.trap` rbx=0).
 */
export const TRAP_UNSAVED: readonly X64Gpr[] = ['rbx', 'rsi', 'rdi', 'r12', 'r13', 'r14', 'r15'];

/** The 64-bit register an addressing register name belongs to (`ebx` → rbx, `r12d` → r12). */
export function fullRegister(name: string): string {
  const n = name.toLowerCase();
  const r = /^r(8|9|1[0-5])[dwb]?$/.exec(n);
  if (r) return `r${r[1]}`;
  return /^e(ax|bx|cx|dx|si|di|sp|bp|ip)$/.test(n) ? `r${n.slice(1)}` : n;
}

/** WinDbg's STACK_COMMAND when the stack is the bugcheck context's (trap frames, no faulting record at all). */
export const BUGCHECK_STACK_COMMAND = '.cxr; .ecxr ; kb';

/** Bugchecks raised from the page-fault or trap path: their trap frame is the first machine frame of the bugcheck stack. */
const TRAP_BUGCHECKS = new Set([0x50, 0x0a, 0xd1, 0xd3, 0xce, 0xd5, 0xd6, 0xbe, 0xfc, 0x8e, 0x1e, 0x7f]);

/** `.exr`'s line under a fail-fast record: the FAST_FAIL code in Parameter[0] and its name. */
function subcodeLine(code: number, params: bigint[]): string | undefined {
  if (code !== 0xc0000409 || params[0] === undefined) return undefined;
  const name = fastFailName(params[0]);
  return `Subcode: 0x${params[0].toString(16)}${name ? ` FAST_FAIL_${name}` : ''}`;
}

function accessLine(code: number, params: bigint[]): string | undefined {
  if (code !== 0xc0000005 || params.length < 2) return undefined;
  const verb = params[0] === 0n ? 'read from' : params[0] === 1n ? 'write to' : 'execute non-executable';
  return `Attempt to ${verb} address ${params[1].toString(16).padStart(16, '0')}`;
}

export async function faultingContext(t: KernelTarget, limitations: string[]): Promise<FaultingContext> {
  const h = t.dump.header;
  const base = h.bugcheckCode & 0x0fffffff;
  const args = h.bugcheckArgs;
  let context: RegisterContext | undefined;
  let exceptionRecord: ExceptionRecordInfo | undefined;
  let stackCommand = BUGCHECK_STACK_COMMAND;

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
    exceptionRecord = { address, source: 'record', code: exr.code, codeName: ntstatusName(exr.code), exceptionName: exceptionShortName(exr.code), flags: exr.flags, exceptionAddress: exr.address, exceptionAddressSymbol: await t.symbolize(exr.address), parameters: exr.parameters, accessLine: accessLine(exr.code, exr.parameters), subcodeLine: subcodeLine(exr.code, exr.parameters) };
  };
  const useContextRecord = async (address: bigint) => {
    const regs = await readRecord('context record', address, 0x100, (b) => decodeX64Context(b));
    if (regs) {
      context = { address, kind: 'context', registers: regs };
      stackCommand = `.cxr 0x${address.toString(16)} ; kb`;
    }
  };
  let explicitTrap: bigint | undefined;
  if (base === 0x7e) {
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
    // KMODE_EXCEPTION_NOT_HANDLED: the exception is in the arguments themselves (no record in memory).
    const code = Number(args[0] & 0xffffffffn) >>> 0;
    const params = [args[2], args[3]];
    exceptionRecord = { source: 'arguments', code, codeName: ntstatusName(code), exceptionName: exceptionShortName(code), flags: 0, exceptionAddress: args[1], exceptionAddressSymbol: await t.symbolize(args[1]), parameters: params, accessLine: accessLine(code, params) };
  }
  let registers: X64Registers | undefined = context?.registers;
  let trapFrame: RegisterContext | undefined;
  if (!registers && explicitTrap !== undefined) {
    try {
      const regs = await t.trapRegisters(explicitTrap);
      // A trap frame with neither an instruction nor a stack pointer saved nothing usable (0x139 logs show
      // such frames): the bugcheck thread's own stack is the better evidence.
      if (regs.rip === 0n && regs.rsp === 0n) limitations.push(`the trap frame at ${addr64(explicitTrap)} named by the arguments holds rip=0 and rsp=0 (nothing was saved in it): the bugcheck thread's stack is shown instead`);
      else {
        registers = regs;
        trapFrame = { kind: 'trap', address: explicitTrap, registers };
      }
    } catch (e) {
      limitations.push(`trap frame at ${explicitTrap.toString(16)} (from the arguments) unreadable: ${(e as Error).message}`);
    }
  }
  let faulting = registers !== undefined;
  if (!registers && t.dump.context) {
    registers = t.dump.context;
    context = { kind: 'bugcheck', registers };
    if (TRAP_BUGCHECKS.has(base)) {
      // Page faults and traps: the trap frame is the first machine frame the bugcheck stack unwinds through.
      const bugFrames = await t.walk(t.dump.context, { maxFrames: 32 });
      const machine = bugFrames.find((f) => f.method === 'machine-frame');
      if (machine) {
        // The KTRAP_FRAME the walker located around the machine frame (by _KTRAP_FRAME.Rip's offset); the
        // handler's stack pointer only when it could not locate one. The two coincide when the handler's
        // frame is exactly the trap frame, as in the dumps seen so far, but nothing guarantees it.
        const at = machine.trapFrame ?? machine.sp;
        try {
          registers = await t.trapRegisters(at);
          trapFrame = { kind: 'trap', address: at, registers };
          context = undefined;
          faulting = true;
        } catch (e) {
          limitations.push(`trap frame at ${at.toString(16)} unreadable: ${(e as Error).message}`);
        }
      } else limitations.push("no trap frame found by unwinding the bugcheck stack (nt's unwind data or the stack pages are missing): the dump header context was used instead");
    }
    if (!faulting) limitations.push('no faulting context (trap frame or context record) was found: the stack starts at the KeBugCheckEx call, and its registers are not used as evidence');
  }
  const registersCommand = context?.kind === 'context' && context.address !== undefined ? `.cxr 0x${context.address.toString(16)}` : trapFrame?.address !== undefined ? `.trap 0x${trapFrame.address.toString(16)}` : 'r';
  // A trap frame: STACK_TEXT starts at the KeBugCheckEx call and runs through the fault handlers into the
  // driver, as WinDbg prints it (the 0x50 and 0x139 walkthroughs, public 0xA/0xD1 output).
  const trapStack = trapFrame?.address !== undefined && t.dump.context ? { stackRegisters: t.dump.context, faultingStackCommand: `.trap 0x${trapFrame.address.toString(16)} ; kb` } : {};
  return { context, trapFrame, exceptionRecord, registers, faulting, stackCommand, registersCommand, ...trapStack, ...(trapFrame && registers === trapFrame.registers ? { unsaved: TRAP_UNSAVED } : {}) };
}
