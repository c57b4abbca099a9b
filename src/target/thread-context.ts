// Which registers a thread's stack starts from: the one decision `.thread`, `!thread`, `!t`, `!us`,
// `!running -t` and the analysis share. The crashing thread: the bugcheck context. A thread some other
// processor was running: the context that processor saved when the bugcheck froze it
// (KPRCB.ProcessorState.ContextFrame). Any other thread: the switch frame SwapContext left at its saved
// KernelStack, only when that lies on the thread's own stack (it may point into another thread's).
// Fields are read by name through nt's types.
import type { PrcbInfo, ThreadInfo } from './kernel-objects.js';
import type { KernelTarget } from './kernel-target.js';
import { threadStack } from './unwind-source.js';
import type { X64Registers } from './x64-registers.js';

export interface ThreadContext {
  registers?: X64Registers;
  /** Where the registers came from. */
  source?: 'bugcheck' | 'processor' | 'switch-frame';
  /** The processor running the thread (source 'bugcheck' or 'processor'). */
  processor?: number;
  /** Why there are no registers ("no stack: …" in the views). */
  reason?: string;
}

const hex16 = (v: bigint) => v.toString(16).padStart(16, '0');

const prcbCache = new WeakMap<KernelTarget, Promise<PrcbInfo[]>>();

/** Every processor's PRCB (and, on small dumps, the crashing one's copy), read once per target, by number. */
export function allProcessors(t: KernelTarget): Promise<PrcbInfo[]> {
  let p = prcbCache.get(t);
  if (!p) {
    p = (async () => {
      const list = await t.processors().catch(() => [] as PrcbInfo[]);
      const crash = (await t.crashState()).prcb;
      if (crash && !list.some((x) => x.number === crash.number)) list.push(crash);
      return list.sort((a, b) => a.number - b.number);
    })();
    prcbCache.set(t, p);
  }
  return p;
}

/**
 * The context a processor saved when the bugcheck froze it (KPRCB.ProcessorState.ContextFrame, by field
 * name); undefined when it is empty or unreadable.
 */
export async function frozenContext(t: KernelTarget, p: PrcbInfo): Promise<X64Registers | undefined> {
  const kt = await t.kernelTypes();
  if (!kt || p.address === undefined) return undefined;
  const v = await kt.read(t.memory, '_KPRCB', p.address).catch(() => undefined);
  if (!v?.has('ProcessorState.ContextFrame.Rip')) return undefined;
  const r = (n: string) => (v.has(`ProcessorState.ContextFrame.${n}`) ? v.uint(`ProcessorState.ContextFrame.${n}`) : 0n);
  const regs: X64Registers = {
    rax: r('Rax'), rbx: r('Rbx'), rcx: r('Rcx'), rdx: r('Rdx'), rsi: r('Rsi'), rdi: r('Rdi'), rip: r('Rip'), rsp: r('Rsp'), rbp: r('Rbp'),
    r8: r('R8'), r9: r('R9'), r10: r('R10'), r11: r('R11'), r12: r('R12'), r13: r('R13'), r14: r('R14'), r15: r('R15'),
  };
  for (const [f, reg] of [['EFlags', 'eflags'], ['SegCs', 'cs'], ['SegSs', 'ss'], ['SegDs', 'ds'], ['SegEs', 'es'], ['SegFs', 'fs'], ['SegGs', 'gs']] as const) {
    if (v.has(`ProcessorState.ContextFrame.${f}`)) regs[reg] = v.num(`ProcessorState.ContextFrame.${f}`);
  }
  return regs.rip && regs.rsp ? regs : undefined;
}

/** A processor's registers at the crash: the bugcheck context on the crashing one, the frozen context on the others. */
export async function processorContext(t: KernelTarget, p: PrcbInfo): Promise<ThreadContext> {
  const crash = await t.crashState();
  if (crash.prcb && crash.prcb.number === p.number) {
    const registers = await t.defaultRegisters();
    return registers ? { registers, source: 'bugcheck', processor: p.number } : { reason: 'the dump header holds no x64 CONTEXT for the crashing processor' };
  }
  const registers = await frozenContext(t, p);
  return registers ? { registers, source: 'processor', processor: p.number } : { reason: `processor ${p.number}'s saved context (PRCB ProcessorState.ContextFrame) is empty or not in the dump` };
}

/** The registers `th`'s stack starts from, and where they came from; or why there are none. */
export async function threadContext(t: KernelTarget, th: ThreadInfo): Promise<ThreadContext> {
  const crash = await t.crashState();
  if (th.address !== undefined && crash.thread?.address === th.address) {
    const registers = await t.defaultRegisters();
    return registers ? { registers, source: 'bugcheck', processor: crash.prcb?.number } : { reason: 'the dump header holds no x64 CONTEXT for the crashing thread' };
  }
  const cpu = th.address === undefined ? undefined : (await allProcessors(t)).find((p) => p.currentThread === th.address);
  if (cpu) return processorContext(t, cpu);
  if (!th.kernelStack) return { reason: 'the thread has no saved kernel stack pointer' };
  // A switch frame read outside the thread's own stack would show another thread's stack as this one's.
  const own = threadStack(th).range;
  if (own && (th.kernelStack < own.limit || th.kernelStack >= own.base)) {
    return { reason: `its saved KernelStack ${hex16(th.kernelStack)} is outside its own stack (StackLimit ${hex16(own.limit)}, StackBase ${hex16(own.base)})` };
  }
  const kt = await t.kernelTypes();
  const frame = kt ? await kt.struct('_KSWITCH_FRAME').catch(() => undefined) : undefined;
  if (!kt || !frame) return { reason: "nt's types have no _KSWITCH_FRAME to read its saved context with" };
  const v = await kt.read(t.memory, '_KSWITCH_FRAME', th.kernelStack).catch(() => undefined);
  if (!v) return { reason: `its switch frame at ${hex16(th.kernelStack)} is not in the dump` };
  const zero = 0n;
  return {
    source: 'switch-frame',
    registers: {
      rax: zero, rbx: zero, rcx: zero, rdx: zero, rsi: zero, rdi: zero, r8: zero, r9: zero, r10: zero, r11: zero, r12: zero, r13: zero, r14: zero, r15: zero,
      rbp: v.has('Rbp') ? v.uint('Rbp') : zero,
      rip: v.uint('Return'),
      rsp: th.kernelStack + BigInt(frame.size),
    },
  };
}
