// x64 stack walking the way Windows does it (RtlVirtualUnwind): unwind codes undo the prolog, epilogs are
// recognised and emulated, machine frames switch to the interrupted context (with the registers of the
// kernel trap frame around them, when the types describe it), functions without unwind data are leaves.
// Where a module's unwind data is missing, scan.ts guesses the caller and the frame is marked. Bad unwind
// data, unreadable memory and stacks that leave their bounds end the walk with a note; the frames found
// before are kept. Every walk is bounded, and stops when the command's abort signal fires (Ctrl-C).
import type { AddressSpace } from '../memory/address-space.js';
import type { X64Registers } from '../target/x64-registers.js';
import { checkpoint, isAbort } from '../util/checkpoint.js';
import { emulateEpilog } from './epilog.js';
import { type GuessKind, guessCaller } from './scan.js';
import { getReg, hexAddr, M64, messageOf, readU64, setReg } from './stack-read.js';
import type { FunctionUnwind, UnwindData, UnwindLookup } from './types.js';

export type FrameMethod = 'context' | 'unwind' | 'leaf' | 'machine-frame' | 'epilog' | 'scan';
export type { GuessKind } from './scan.js';

export interface StackFrame {
  /** Frame number as `k` prints it. */
  index: number;
  /** The instruction address executing in this frame (the call site shown in the listing). */
  ip: bigint;
  /** Stack pointer in this frame (`Child-SP`). */
  sp: bigint;
  /** Where this frame returns to (`RetAddr`); 0 when the walk ends here. */
  returnAddress: bigint;
  /** How the *caller* of this frame was found: via unwind data, machine frame, scanning… */
  method: FrameMethod;
  /** True when the next frame was guessed (no unwind data) rather than computed. */
  guessed: boolean;
  /** With `guessed`: how the next frame was found, and why that was needed. */
  guess?: GuessKind;
  guessReason?: string;
  /** Register state in this frame (nonvolatile ones are exact; volatile ones are what was known). */
  registers: X64Registers;
  /** For a machine frame: the KTRAP_FRAME whose registers the next frame got, when it was located. */
  trapFrame?: bigint;
  /** Registers of this frame read from the trap frame of the machine frame below it. */
  fromTrapFrame?: { address: bigint; registers: (keyof X64Registers)[] };
  /** Things to know about this frame that did not stop the walk (a trap frame that could not be read). */
  remarks?: string[];
  /** Why the walk stopped after this frame, if it did for a reason worth telling. */
  note?: string;
  /** The walk stopped here only because it reached maxFrames. */
  limitReached?: boolean;
}

/** A stack the walk may run on: [limit, base), with frames below `top` (InitialStack; defaults to base). */
export interface StackRange {
  name: string;
  limit: bigint;
  base: bigint;
  top?: bigint;
}

export interface UnwindOptions {
  maxFrames?: number;
  /** The current stack's bounds, when known (kernel stack limit/base): frames outside stop the walk. */
  stackLimit?: bigint;
  stackBase?: bigint;
  /** Every stack the walk may move between (thread, DPC, ISR stacks); frames on none of them stop the walk. */
  stacks?: StackRange[];
  /** How many bytes the scanning fallback may search for one return address. */
  scanBytes?: number;
  /** Aborts the walk (it then throws CommandAbortedError, the one error walkStack lets through). */
  signal?: AbortSignal;
}

/** Hard bound on any walk, whatever maxFrames asks for. */
const MAX_FRAMES = 4096;
/** Chained unwind entries followed at most for one frame. */
const MAX_CHAIN = 32;
const KERNEL_SPACE = 0xffff800000000000n;

type TrapInfo = { address: bigint; registers: (keyof X64Registers)[] } | { unavailable: string };

export type StepResult =
  | {
      regs: X64Registers;
      method: FrameMethod;
      guess?: GuessKind;
      guessReason?: string;
      /** The frame's position is computed, not scanned: later fallbacks may trust it. */
      trusted: boolean;
      /** For machine frames: what the trap frame gave the next frame. */
      trap?: TrapInfo;
    }
  | { stop: string };

export interface StepOptions {
  scanBytes?: number;
  /** The frame's stack pointer is exact (default true). */
  trusted?: boolean;
  /** Stack scanning never reads at or above this address. */
  scanTop?: bigint;
  /** Aborts a long stack scan. */
  signal?: AbortSignal;
}

/**
 * Unwinds one frame: from the registers of a frame to its caller's. `exactIp` is true for the first frame
 * and for the frame a machine frame interrupted: their rip is the instruction itself, not a return address.
 */
export async function unwindOne(regs: X64Registers, mem: AddressSpace, data: UnwindData, exactIp: boolean, opts: StepOptions = {}): Promise<StepResult> {
  const r: X64Registers = { ...regs };
  const trusted = opts.trusted ?? true;
  // A return address points after its call: look the call itself up, so a call that ends a function resolves
  // to that function. An exact rip is looked up as it is (a fault at a function's first byte is that function).
  const lookupIp = exactIp ? r.rip : (r.rip - 1n) & M64;
  let found: UnwindLookup;
  try {
    found = await data.lookup(lookupIp);
  } catch (e) {
    return { stop: `unwind data for ${hexAddr(r.rip)} could not be read: ${messageOf(e)}` };
  }
  if (found.kind === 'unknown') return { stop: `${hexAddr(r.rip)} is not inside any loaded module` };
  if (found.kind === 'bad-data') return { stop: `bad unwind data in ${found.module} for ${hexAddr(r.rip)}: ${found.reason}` };
  if (found.kind === 'no-data') {
    const g = await guessCaller(r, mem, data, { trusted, scanTop: opts.scanTop, scanBytes: opts.scanBytes, signal: opts.signal }, `no unwind data for ${found.module} (${found.reason})`);
    if ('stop' in g) return g;
    return { regs: g.regs, method: g.guess === 'epilog' ? 'epilog' : 'scan', guess: g.guess, guessReason: g.reason, trusted: trusted && g.guess === 'epilog' };
  }
  if (found.kind === 'leaf') {
    // A leaf never moves rsp: its return address is at the top of the stack.
    const ret = await readU64(mem, r.rsp);
    if (ret === undefined) return { stop: `stack at ${hexAddr(r.rsp)} is not in the dump` };
    r.rip = ret;
    r.rsp = (r.rsp + 8n) & M64;
    return { regs: r, method: 'leaf', trusted };
  }
  const fnStart = found.imageBase + BigInt(found.fn.begin);
  const offset = Number(r.rip - fnStart);
  if (exactIp && offset >= found.fn.prologSize) {
    const epi = await emulateEpilog(r, mem, data, { imageBase: found.imageBase, fn: found.fn });
    if (epi) return { regs: epi, method: 'epilog', trusted };
  }
  let fn: FunctionUnwind | undefined = found.fn;
  let machineSlot: bigint | undefined;
  let depth = 0;
  let primary = true;
  while (fn) {
    if (++depth > MAX_CHAIN) return { stop: `bad unwind data in ${found.module} for ${hexAddr(regs.rip)}: chained unwind data deeper than ${MAX_CHAIN}` };
    // Inside the prolog only the operations already executed are undone (primary entry only).
    const inProlog = primary && offset >= 0 && offset < fn.prologSize;
    // Saved-register offsets count from the bottom of the fixed allocation: the frame register minus its
    // scaled offset when the function has one (codes with offsets only follow its setting), else rsp.
    // Taken once per record, before its codes restore anything (rbp may be both frame and saved register).
    const frameBase = fn.frameRegister ? (getReg(r, fn.frameRegister) - BigInt(fn.frameOffset * 16)) & M64 : r.rsp;
    for (const op of fn.ops) {
      if (inProlog && op.prologOffset > offset) continue;
      switch (op.op) {
        case 'push_nonvol': {
          const v = await readU64(mem, r.rsp);
          if (v === undefined) return { stop: `saved register at ${hexAddr(r.rsp)} is not in the dump` };
          setReg(r, op.reg, v);
          r.rsp = (r.rsp + 8n) & M64;
          break;
        }
        case 'alloc':
          r.rsp = (r.rsp + BigInt(op.size)) & M64;
          break;
        case 'set_fpreg':
          r.rsp = frameBase;
          break;
        case 'save_nonvol': {
          const at = (frameBase + BigInt(op.offset)) & M64;
          const v = await readU64(mem, at);
          if (v === undefined) return { stop: `saved register at ${hexAddr(at)} is not in the dump` };
          setReg(r, op.reg, v);
          break;
        }
        case 'save_xmm128': // at frameBase + offset too; XMM registers are not part of the walked context
        case 'epilog':
          break;
        case 'push_machframe': {
          // The processor pushed (error code,) rip, cs, rflags, rsp, ss.
          const slot = (r.rsp + (op.errorCode ? 8n : 0n)) & M64;
          const rip = await readU64(mem, slot);
          const rsp = await readU64(mem, slot + 24n);
          if (rip === undefined || rsp === undefined) return { stop: `machine frame at ${hexAddr(slot)} is not in the dump` };
          r.rip = rip;
          r.rsp = rsp;
          machineSlot = slot;
          break;
        }
      }
    }
    fn = fn.chained;
    primary = false;
  }
  if (machineSlot !== undefined) return { regs: r, method: 'machine-frame', trusted, trap: await restoreTrapFrame(r, machineSlot, regs.rip, data) };
  const ret = await readU64(mem, r.rsp);
  if (ret === undefined) return { stop: `return address at ${hexAddr(r.rsp)} is not in the dump` };
  r.rip = ret;
  r.rsp = (r.rsp + 8n) & M64;
  return { regs: r, method: 'unwind', trusted };
}

/**
 * After a machine frame only rip and rsp are known from the unwind data; a kernel trap frame around it also
 * holds the interrupted volatile registers, rbp and the flags. Copies those into `r` (rip and rsp stay the
 * machine frame's).
 */
async function restoreTrapFrame(r: X64Registers, slot: bigint, handler: bigint, data: UnwindData): Promise<TrapInfo | undefined> {
  if (!data.trapFrame) return undefined;
  let t: Awaited<ReturnType<NonNullable<UnwindData['trapFrame']>>>;
  try {
    t = await data.trapFrame(slot, handler);
  } catch (e) {
    t = { unavailable: messageOf(e) };
  }
  if (!t) return undefined;
  if ('unavailable' in t) return { unavailable: t.unavailable };
  const restored: (keyof X64Registers)[] = [];
  for (const name of t.restored) {
    if (name === 'rip' || name === 'rsp') continue;
    const v = t.registers[name];
    if (v === undefined) continue;
    (r as unknown as Record<string, unknown>)[name] = v;
    restored.push(name);
  }
  return { address: t.address, registers: restored };
}

function rangeOf(ranges: StackRange[], sp: bigint): StackRange | undefined {
  return ranges.find((s) => sp >= s.limit && sp <= s.base);
}

function rangesOf(opts: UnwindOptions): StackRange[] {
  const out = [...(opts.stacks ?? [])];
  const { stackLimit: limit, stackBase: base } = opts;
  if (limit !== undefined && base !== undefined && limit < base && !out.some((s) => s.limit === limit && s.base === base)) out.unshift({ name: "the thread's stack", limit, base });
  return out;
}

function describe(ranges: StackRange[]): string {
  return ranges.map((s) => `${s.name} ${hexAddr(s.limit)}-${hexAddr(s.base)}`).join(', ');
}

/**
 * Walks the whole stack from a register context. Problems end the walk with a note; the only error it throws
 * is CommandAbortedError, when `opts.signal` is aborted.
 */
export async function walkStack(start: X64Registers, mem: AddressSpace, data: UnwindData, opts: UnwindOptions = {}): Promise<StackFrame[]> {
  const max = Math.max(1, Math.min(Math.floor(opts.maxFrames ?? 256) || 1, MAX_FRAMES));
  const ranges = rangesOf(opts);
  const frames: StackFrame[] = [];
  let regs = start;
  let exactIp = true;
  let trusted = true;
  let trap: TrapInfo | undefined;
  const seen = new Set<string>([`${start.rip.toString(16)}:${start.rsp.toString(16)}`]);
  for (let i = 0; i < max; i++) {
    await checkpoint(opts.signal);
    const frame: StackFrame = { index: i, ip: regs.rip, sp: regs.rsp, returnAddress: 0n, method: i === 0 ? 'context' : 'unwind', guessed: false, registers: regs };
    if (trap && 'address' in trap) frame.fromTrapFrame = trap;
    else if (trap) frame.remarks = [`only rip and rsp come from the machine frame: ${trap.unavailable}`];
    frames.push(frame);
    const here = rangeOf(ranges, regs.rsp);
    let step: StepResult;
    try {
      step = await unwindOne(regs, mem, data, exactIp, { scanBytes: opts.scanBytes, trusted, scanTop: here ? (here.top ?? here.base) : undefined, signal: opts.signal });
    } catch (e) {
      if (isAbort(e)) throw e;
      step = { stop: `unwinding ${hexAddr(regs.rip)} failed: ${messageOf(e)}` };
    }
    if ('stop' in step) {
      frame.note = step.stop;
      break;
    }
    frame.returnAddress = step.regs.rip;
    frame.method = step.method;
    frame.guessed = step.guess !== undefined;
    if (step.guess) {
      frame.guess = step.guess;
      frame.guessReason = step.guessReason;
    }
    if (step.trap && 'address' in step.trap) frame.trapFrame = step.trap.address;
    const next = step.regs;
    if (next.rip === 0n) break; // the thread's first frame returns nowhere (KiStartSystemThread)
    const there = rangeOf(ranges, next.rsp);
    // The stack grows down: a caller's frame is above its callee's on the same stack. A machine frame may
    // resume on another stack (an interrupt stack the bounds do not list, user space), so it must make
    // progress only when it stays on a known stack; the repeated-context check below bounds the rest.
    const machine = step.method === 'machine-frame';
    if (here === there && (!machine || here !== undefined) && next.rsp <= regs.rsp) {
      frame.note = `${step.method === 'machine-frame' ? "the machine frame's" : 'the'} stack pointer did not increase (${hexAddr(next.rsp)}); stopping`;
      break;
    }
    // A context seen before (a machine frame resuming where it already was, stacks switching back) loops.
    const key = `${next.rip.toString(16)}:${next.rsp.toString(16)}`;
    if (seen.has(key)) {
      frame.note = `the caller (rip ${hexAddr(next.rip)}, rsp ${hexAddr(next.rsp)}) repeats an earlier frame: the stack loops; stopping`;
      break;
    }
    seen.add(key);
    // Leaving every known stack (while in kernel space, and not already on an unknown one) ends the walk.
    if (ranges.length && !there && here && (next.rsp & M64) >= KERNEL_SPACE) {
      frame.note = `caller's stack pointer ${hexAddr(next.rsp)} is outside ${describe(ranges)}`;
      break;
    }
    regs = next;
    exactIp = step.method === 'machine-frame';
    trusted = step.trusted;
    trap = step.trap;
    if (i === max - 1) {
      frame.note = `stopped after ${max} frames`;
      frame.limitReached = true;
    }
  }
  return frames;
}
