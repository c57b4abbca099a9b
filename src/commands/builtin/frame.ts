// `.frame [/r] N`: select frame N of the current stack; /r shows the registers as unwound to that frame.
import { DumpscopeError } from '../../io/errors.js';
import { renderStack } from '../../render/stack.js';
import type { CommandSpec } from '../command.js';
import { currentRegisters, evalArg, kernelTarget, registerDisplay } from './target-access.js';

export interface FrameResult {
  kind: 'frame';
  line: string;
  registers?: string;
}

export const frameCommand: CommandSpec<FrameResult> = {
  names: ['.frame'],
  summary: 'Select a stack frame (with /r: show its registers)',
  usage: '.frame [/r] FRAME_NUMBER',
  async run(session, args) {
    const t = kernelTarget(session);
    const showRegs = /(^|\s)\/r(\s|$)/.test(args);
    const numText = args.replace(/(^|\s)\/r(\s|$)/, ' ').trim();
    if (!numText) throw new DumpscopeError('usage: .frame [/r] FRAME_NUMBER', 'BAD_ARGUMENT');
    const n = Number(await evalArg(session, numText));
    const frames = await t.walk(await currentRegisters(session), { maxFrames: Math.min(n + 2, 1024) });
    const f = frames[n];
    if (!f) throw new DumpscopeError(`frame ${n.toString(16)} does not exist (the stack has ${frames.length} frames)`, 'BAD_ARGUMENT');
    const callSite = (await t.symbolize(f.ip)) ?? f.ip.toString(16);
    const line = renderStack({ rows: [{ index: n, childSp: f.sp, retAddr: f.returnAddress, callSite }], notes: [] }, 'k').split('\n')[1];
    // Only the registers the unwind restored are exact; the rest are carried over (WinDbg does the same).
    return { kind: 'frame', line, registers: showRegs ? await registerDisplay(t, f.registers, true) : undefined };
  },
  renderText: (r) => (r.registers ? `${r.line}\n${r.registers}` : r.line),
};
