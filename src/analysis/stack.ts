// STACK_TEXT: the stack the report shows and blames from. For a trap frame WinDbg starts at the KeBugCheckEx
// call (nt!KeBugCheckEx → MiSystemFault → MmAccessFault → KiPageFault → the driver) and names it with
// `.cxr; .ecxr ; kb`; when that walk does not reach the faulting instruction (nt's unwind data missing, a
// broken stack) the trap frame's own stack is shown instead, with `.trap … ; kb` and a note saying why.
import type { KernelTarget } from '../target/kernel-target.js';
import type { StackFrame } from '../unwind/x64-unwinder.js';
import type { X64Registers } from '../target/x64-registers.js';
import { addr64 } from '../util/hex.js';
import type { FaultingContext } from './faulting-context.js';
import { homeSpaceArgs } from './home-space.js';
import type { StackEntry } from './report.js';

const MAX_FRAMES = 128;

/**
 * How frame `i` of a walk was found: its callee's step (frame i − 1) says whether unwind data gave it, or a
 * guess did — and which (the callee's epilog run, or a stack scan).
 */
export function frameOrigin(frames: readonly Pick<StackFrame, 'guessed' | 'guess'>[], i: number): Pick<StackEntry, 'guessed' | 'guess'> {
  const callee = i > 0 ? frames[i - 1] : undefined;
  return callee?.guessed ? { guessed: true, guess: callee.guess ?? 'call' } : { guessed: false };
}

async function entries(t: KernelTarget, from: X64Registers): Promise<{ stack: StackEntry[]; note?: string }> {
  const frames = await t.walk(from, { maxFrames: MAX_FRAMES });
  const stack: StackEntry[] = [];
  for (const f of frames) {
    const m = t.modules.at(f.ip);
    // The same columns as `kb` (one helper): the home space above the return address.
    const args = await homeSpaceArgs(t.memory, frames, f.index);
    const parts = await t.symbolParts(f.ip);
    stack.push({ childSp: f.sp, retAddr: f.returnAddress, callSite: (await t.symbolize(f.ip)) ?? addr64(f.ip), args, module: m?.name, symbol: parts?.symbol, offset: parts?.displacement, ...frameOrigin(frames, f.index) });
  }
  return { stack, note: frames.at(-1)?.note };
}

export interface ReportStack {
  stack: StackEntry[];
  notes: string[];
  stackCommand: string;
  /** Index of the frame executing the faulting instruction (0 when the stack starts there or it is unknown). */
  faultIndex: number;
}

/** The stack to print and blame from: a family's thread, else the bugcheck context through a trap frame, else the faulting context's. */
export async function reportStack(t: KernelTarget, fc: FaultingContext, switchTo: { registers: X64Registers; stackCommand: string } | undefined, limitations: string[]): Promise<ReportStack> {
  if (switchTo) {
    const { stack, note } = await entries(t, switchTo.registers);
    return { stack, notes: note ? [note] : [], stackCommand: switchTo.stackCommand, faultIndex: 0 };
  }
  if (fc.stackRegisters && fc.registers) {
    const full = await entries(t, fc.stackRegisters);
    const { rip, rsp } = fc.registers;
    // The faulting frame: the one the machine frame returns into (its caller's RetAddr is the trap's rip).
    const at = full.stack.findIndex((s, i) => i > 0 && full.stack[i - 1].retAddr === rip && (s.childSp === rsp || !full.stack.some((x) => x.childSp === rsp)));
    if (at > 0) return { stack: full.stack, notes: full.note ? [full.note] : [], stackCommand: fc.stackCommand, faultIndex: at };
    limitations.push(`the bugcheck stack does not reach the faulting instruction ${addr64(fc.registers.rip)} (nt's unwind data or its stack pages are missing): STACK_TEXT starts at the trap frame instead`);
  }
  const from = fc.registers;
  if (!from) return { stack: [], notes: [], stackCommand: fc.stackCommand, faultIndex: 0 };
  const { stack, note } = await entries(t, from);
  return { stack, notes: note ? [note] : [], stackCommand: fc.faultingStackCommand ?? fc.stackCommand, faultIndex: 0 };
}
