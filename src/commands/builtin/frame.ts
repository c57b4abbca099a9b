// `.frame [/r] [N]`: select frame N of the context's stack as the local scope (WinDbg's "local context"):
// `r`, `u`, `ub` and `@reg` then see the registers unwound to it (rip = the frame's instruction, rsp = its
// Child-SP, nonvolatiles restored). Without N it shows the frame in scope; /r adds its registers.
import { DumpscopeError } from '../../io/errors.js';
import { renderRegisters } from '../../render/registers.js';
import { renderStack, type StackRow } from '../../render/stack.js';
import type { StackFrame } from '../../unwind/x64-unwinder.js';
import type { CommandSpec } from '../command.js';
import { type RegisterState, registerState } from './register-state.js';
import { currentRegisters, evalArg, kernelTarget } from './target-access.js';

export interface FrameResult {
  kind: 'frame';
  /** The frame's `k` line as data. */
  frame: StackRow;
  /** With /r: the registers of that frame. */
  registers?: RegisterState;
  /** Why some of those registers cannot be trusted (a frame found without unwind data). */
  notes: string[];
}

/** Frames `.frame` walks at most: the same bound `k` accepts. */
const MAX_FRAMES = 1024;

export const frameCommand: CommandSpec<FrameResult> = {
  names: ['.frame'],
  summary: 'Select a stack frame as the local scope for r, u, ub and @registers (no number: show the current one; /r: with its registers)',
  usage: '.frame [/r] [FRAME_NUMBER]',
  async run(session, args) {
    const t = kernelTarget(session);
    const showRegs = /(^|\s)\/r(\s|$)/.test(args);
    const numText = args.replace(/(^|\s)\/r(\s|$)/, ' ').trim();
    const wanted = numText ? await evalArg(session, numText) : BigInt(session.frame?.index ?? 0);
    const context = await currentRegisters(session);
    const n = wanted < BigInt(MAX_FRAMES) ? Number(wanted) : MAX_FRAMES;
    // Walk one frame past the one asked for (so its return address is known), or the whole stack when it is
    // out of range, to say how many frames there are.
    let frames: StackFrame[] = await t.walk(context, { maxFrames: Math.min(n + 2, MAX_FRAMES) });
    if (!frames[n]) {
      frames = await t.walk(context, { maxFrames: MAX_FRAMES });
      // The user's number in decimal with WinDbg's 0n prefix, so the two numbers cannot be misread.
      throw new DumpscopeError(`Frame 0n${wanted} is past the end of the stack (0n${frames.length} frames); previous scope unchanged`, 'BAD_ARGUMENT');
    }
    const f = frames[n];
    if (numText) session.selectFrame({ index: n, registers: f.registers });
    const callSite = (await t.symbolize(f.ip)) ?? f.ip.toString(16).padStart(16, '0').replace(/^(.{8})/, '$1`');
    // A frame is a guess when its caller-finding step below it was (as `k` marks it).
    const prev = frames[n - 1];
    const frame: StackRow = { index: n, childSp: f.sp, retAddr: f.returnAddress, callSite, guessed: prev?.guessed ?? false, guess: prev?.guess };
    const notes: string[] = [];
    const num = n.toString(16).padStart(2, '0');
    // A stack-scan guess gives rip and rsp only: nothing restores the non-volatile registers past it. An
    // epilog run from an exact frame does restore them, so its frame is only as good as the guess.
    if (showRegs && frames.slice(0, n).some((x) => x.guessed && x.guess !== 'epilog')) notes.push(`(frame ${num} is past a frame found by stack scan, without unwind data: only rip and rsp are known; the non-volatile registers (rbx rbp rsi rdi r12-r15) are unknown and show the last exactly unwound frame's values)`);
    else if (showRegs && frame.guessed) notes.push(`(frame ${num} was found by running the epilog code after the previous return address, without unwind data: its registers are only as good as that guess)`);
    return { kind: 'frame', frame, registers: showRegs ? await registerState(t, f.registers, true) : undefined, notes };
  },
  renderText(r) {
    const line = renderStack({ rows: [r.frame], notes: [] }, 'k').split('\n').find((l) => /^[0-9a-f]{2} /.test(l)) ?? '';
    return [line, ...(r.registers ? [renderRegisters(r.registers)] : []), ...(r.notes ?? [])].join('\n');
  },
};
