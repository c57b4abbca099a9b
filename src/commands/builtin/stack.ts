// `k`, `kb`, `kn`, `kv`, `kL`, `kc`: the call stack of the current context.
import { renderStack, type StackListing, type StackRow, type StackStyle } from '../../render/stack.js';
import type { ThreadInfo } from '../../target/kernel-objects.js';
import type { KernelTarget } from '../../target/kernel-target.js';
import type { StackFrame } from '../../unwind/x64-unwinder.js';
import { X64_GPRS, type X64Registers } from '../../target/x64-registers.js';
import { homeSpaceArgs } from '../../analysis/home-space.js';
import { DumpscopeError } from '../../io/errors.js';
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

/** The first `limit` frames of a walk that went further, the last one marked as a walk stopped at the limit would be. */
function cutAt(frames: StackFrame[], limit: number): StackFrame[] {
  const out = frames.slice(0, limit);
  out[limit - 1] = { ...out[limit - 1], note: `stopped after ${limit} frames`, limitReached: true };
  return out;
}

/** Walks the stack of `regs` and symbolizes each frame (with the first four stack arguments when asked). */
export async function buildStackListing(t: KernelTarget, regs: X64Registers, withArgs: boolean, max = 256, opts: StackListingOptions = {}): Promise<StackListing> {
  const bounds = opts.thread ? await t.stackBoundsFor(opts.thread, regs.rsp) : undefined;
  const limit = Math.max(1, Math.min(Math.floor(max) || 1, 1024));
  // A frame's "Args to Child" lie at its caller's Child-SP, so with args the walk goes one frame past the
  // listing: `kb 3`'s last line then shows what `kb` shows for it, not a guess.
  const walked = await t.walk(regs, { ...bounds, maxFrames: withArgs ? limit + 1 : limit, signal: opts.signal });
  const frames = walked.length > limit ? cutAt(walked, limit) : walked;
  const rows: StackRow[] = [];
  for (const f of frames) {
    await checkpoint(opts.signal);
    const argsOf = [];
    if (withArgs) {
      // "Args to Child": the home space above the return address (one helper, shared with STACK_TEXT).
      argsOf.push(...(await homeSpaceArgs(t.memory, walked, f.index)));
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
  if (bounds?.note) notes.push(`(${bounds.note})`);
  const firstGuess = frames.find((f) => f.guessed);
  const why = whyGuessed(firstGuess?.guessReason);
  if (firstGuess && why) notes.push(`(frames ${(firstGuess.index + 1).toString(16).padStart(2, '0')} and above are guesses: ${why})`);
  for (const f of frames) for (const r of f.remarks ?? []) notes.push(`(frame ${f.index.toString(16).padStart(2, '0')}: ${r})`);
  const last = frames[frames.length - 1];
  if (last?.note && !(last.limitReached && opts.countRequested)) notes.push(`(stack walk stopped: ${last.note})`);
  return { rows, notes };
}

/**
 * `k` with WinDbg's letters: a base (`k`, `kb`, `kp`, `kv`) then any of `c` (call sites only), `n` (frame
 * numbers, which dumpscope always prints), `L` and `M` (source lines and DML links, which a dump has none of),
 * in the documented order: `kvn`, `kbn`, `knL`, `kcn` …
 */
const STACK_NAMES = ['', 'b', 'p', 'v'].flatMap((base) => {
  const out: string[] = [];
  const opts = ['c', 'n', 'l', 'm'];
  for (let mask = 0; mask < 1 << opts.length; mask++) out.push(`k${base}${opts.filter((_, i) => mask & (1 << i)).join('')}`);
  return out;
});

/** `k = StackPtr [InstructionPtr] [FrameCount]` (x64): where to start; without InstructionPtr the return address at StackPtr. */
async function startAt(session: Parameters<StackCommandRun>[0], regs: X64Registers, words: string[]): Promise<{ regs: X64Registers; count?: string }> {
  const t = kernelTarget(session);
  const sp = await evalArg(session, words[0]);
  if (words.length >= 3) return { regs: { ...regs, rsp: sp, rip: await evalArg(session, words[1]) }, count: words[2] };
  const b = await t.memory.read(sp, 8);
  return { regs: { ...regs, rsp: (sp + 8n) & M64, rip: new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true) }, count: words[1] };
}
type StackCommandRun = CommandSpec<StackResult>['run'];

export const stackCommand: CommandSpec<StackResult> = {
  names: STACK_NAMES,
  summary: 'Call stack of the current context (kb/kv: with the first four stack arguments; c: call sites only)',
  usage: 'k[b|p|v][c][n][L] [= StackPtr [InstructionPtr]] [FRAMES]',
  async run(session, args, name, signal) {
    const t = kernelTarget(session);
    const base = name.slice(1).replace(/[cnlm]/g, '');
    const clean = /^k[bpv]?[^bpv]*c/.test(name);
    const style: StackStyle = clean ? 'kc' : base === 'b' || base === 'p' ? 'kb' : base === 'v' ? 'kv' : 'k';
    let countText = args.trim() || undefined;
    // `.thread` chose a thread whose registers are unknown: no stack, as !thread says (not another thread's).
    if (session.noContext && !countText?.startsWith('=')) return { kind: 'stack', style, listing: { rows: [], notes: [`(no stack: ${session.noContext})`], preamble: [LAST_SET_CONTEXT] } };
    // `k = SP IP` needs no context: the other registers start at zero.
    let regs = session.noContext ? (Object.fromEntries(X64_GPRS.map((r) => [r, 0n])) as unknown as X64Registers) : await currentRegisters(session);
    let explicit = false;
    if (countText?.startsWith('=')) {
      const words = countText.slice(1).trim().split(/\s+/).filter(Boolean);
      if (!words.length) throw new DumpscopeError(`${name}: '=' needs a stack pointer`, 'BAD_ARGUMENT');
      const s = await startAt(session, regs, words);
      regs = s.regs;
      countText = s.count;
      explicit = true;
    }
    const max = countText ? Number(await evalArg(session, countText)) : 256;
    const threadAddress = session.variables.get('$thread');
    const thread = threadAddress ? await t.thread(threadAddress).catch(() => undefined) : (await t.crashState().catch(() => undefined))?.thread;
    const withArgs = !clean && (base === 'b' || base === 'v' || base === 'p');
    const listing = await buildStackListing(t, regs, withArgs, max, { thread, countRequested: !!countText, signal });
    if (session.registers && !explicit) listing.preamble = [LAST_SET_CONTEXT];
    return { kind: 'stack', style, listing };
  },
  renderText: (r) => renderStack(r.listing, r.style),
};
