// `k`, `kb`, `kn`, `kv`, `kL`, `kc`: the call stack of the current context.
import { renderStack, type StackListing, type StackRow, type StackStyle } from '../../render/stack.js';
import type { ThreadInfo } from '../../target/kernel-objects.js';
import type { KernelTarget } from '../../target/kernel-target.js';
import type { X64Registers } from '../../target/x64-registers.js';
import { checkpoint } from '../checkpoint.js';
import type { CommandSpec } from '../command.js';
import { currentRegisters, evalArg, kernelTarget } from './target-access.js';

export interface StackResult {
  kind: 'stack';
  style: StackStyle;
  listing: StackListing;
}

const M64 = (1n << 64n) - 1n;
/** WinDbg's line before a stack walked from a context set by .cxr/.trap/.thread. */
export const LAST_SET_CONTEXT = '  *** Stack trace for last set context - .thread/.cxr resets it';

export interface StackListingOptions {
  /** The thread whose stacks bound the walk (default: the crashing thread, when rsp is on its stack). */
  thread?: ThreadInfo;
  /** The frame count was asked for (`k 3`): reaching it is not worth a note, as in WinDbg. */
  countRequested?: boolean;
  /** The command's abort signal (Ctrl-C): stops the walk and the symbolizing of its frames. */
  signal?: AbortSignal;
}

/** The part of a guess reason that says why guessing was needed ("no unwind data for nt (…)"). */
function whyGuessed(reason: string | undefined): string | undefined {
  return reason?.split('; ')[0];
}

/** Walks the stack of `regs` and symbolizes each frame (with the first four stack arguments when asked). */
export async function buildStackListing(t: KernelTarget, regs: X64Registers, withArgs: boolean, max = 256, opts: StackListingOptions = {}): Promise<StackListing> {
  const bounds = opts.thread ? await t.stackBoundsFor(opts.thread, regs.rsp) : undefined;
  const frames = await t.walk(regs, { ...bounds, maxFrames: Math.max(1, Math.min(max, 1024)), signal: opts.signal });
  const rows: StackRow[] = [];
  for (const f of frames) {
    await checkpoint(opts.signal);
    const argsOf = [];
    if (withArgs) {
      const s = await t.memory.readSparse((f.sp + 8n) & M64, 32);
      for (let i = 0; i < 4; i++) {
        const ok = s.valid.subarray(i * 8, i * 8 + 8).every((v) => v === 1);
        argsOf.push(ok ? new DataView(s.bytes.buffer, s.bytes.byteOffset + i * 8, 8).getBigUint64(0, true) : undefined);
      }
    }
    const prev = frames[f.index - 1];
    rows.push({
      index: f.index,
      childSp: f.sp,
      retAddr: f.returnAddress,
      callSite: (await t.symbolize(f.ip)) ?? f.ip.toString(16).padStart(16, '0').replace(/^(.{8})/, '$1`'),
      args: argsOf.length ? argsOf : undefined,
      trapFrame: f.method === 'machine-frame' ? (f.trapFrame ?? f.sp) : undefined,
      guessed: prev?.guessed ?? false,
      guess: prev?.guess,
      fromTrapFrame: f.fromTrapFrame?.registers,
    });
  }
  const notes: string[] = [];
  const firstGuess = frames.find((f) => f.guessed);
  const why = whyGuessed(firstGuess?.guessReason);
  if (firstGuess && why) notes.push(`(frames ${(firstGuess.index + 1).toString(16).padStart(2, '0')} and above are guesses: ${why})`);
  for (const f of frames) for (const r of f.remarks ?? []) notes.push(`(frame ${f.index.toString(16).padStart(2, '0')}: ${r})`);
  const last = frames[frames.length - 1];
  if (last?.note && !(last.limitReached && opts.countRequested)) notes.push(`(stack walk stopped: ${last.note})`);
  return { rows, notes };
}

export const stackCommand: CommandSpec<StackResult> = {
  names: ['k', 'kb', 'kn', 'kv', 'kl', 'kp', 'kc'],
  summary: 'Call stack of the current context (kb/kv: with the first four stack arguments)',
  usage: 'k[b|n|v|L] [FRAMES]',
  async run(session, args, name, signal) {
    const t = kernelTarget(session);
    const regs = await currentRegisters(session);
    const max = args ? Number(await evalArg(session, args)) : 256;
    const threadAddress = session.variables.get('$thread');
    const thread = threadAddress ? await t.thread(threadAddress).catch(() => undefined) : (await t.crashState().catch(() => undefined))?.thread;
    const listing = await buildStackListing(t, regs, name === 'kb' || name === 'kv' || name === 'kp', max, { thread, countRequested: !!args, signal });
    if (session.registers) listing.preamble = [LAST_SET_CONTEXT];
    const style: StackStyle = name === 'kb' || name === 'kp' ? 'kb' : name === 'kv' ? 'kv' : 'k';
    return { kind: 'stack', style, listing };
  },
  renderText: (r) => renderStack(r.listing, r.style),
};
