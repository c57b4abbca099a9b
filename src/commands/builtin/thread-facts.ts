// What the thread views (`!thread`, `!process … 7`, `!t`) say about a thread beyond its own fields: the
// processor that runs it (or has it next), its process names, wait objects, the names of its state and
// wait reason, how long ago it last waited, and its stack.
import type { StackListing } from '../../render/stack.js';
import type { Session } from '../session.js';
import { type KernelClock, kernelClock, ticksSince } from '../../target/kernel-clock.js';
import type { PrcbInfo, ProcessInfo, ThreadInfo } from '../../target/kernel-objects.js';
import type { X64Registers } from '../../target/x64-registers.js';
import type { KernelTarget } from '../../target/kernel-target.js';
import { enumNames, type WaitObject, waitObjects } from '../../target/object-details.js';
import { threadStack } from '../../target/unwind-source.js';
import { buildStackListing } from './stack.js';

const hex16 = (v: bigint) => v.toString(16).padStart(16, '0');

const prcbCache = new WeakMap<KernelTarget, Promise<PrcbInfo[]>>();

/** The session's current thread: `$thread` (set at open to the crashing thread, then by `.thread`). */
export async function currentThread(session: Session, t: KernelTarget): Promise<ThreadInfo | undefined> {
  const a = session.variables.get('$thread');
  return a ? t.thread(a) : (await t.crashState()).thread;
}

/** The session's current process: `$proc` (the crashing process at open, then `.process` / `.thread`). */
export async function currentProcess(session: Session, t: KernelTarget): Promise<ProcessInfo | undefined> {
  const a = session.variables.get('$proc');
  return a ? t.process(a) : (await t.crashState()).process;
}

/** Every processor's PRCB (and, on small dumps, the crashing one's copy), read once per target. */
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

export interface ThreadFacts {
  processName?: string;
  attachedProcessName?: string;
  running?: number;
  standby?: number;
  stateName?: string;
  waitReasonName?: string;
  waitObjects: WaitObject[];
  ticks?: number;
  clock: KernelClock;
  notes: string[];
}

export async function threadFacts(t: KernelTarget, th: ThreadInfo): Promise<ThreadFacts> {
  const notes: string[] = [];
  const crash = await t.crashState();
  const prcbs = await allProcessors(t);
  const nameOf = async (a: bigint | undefined) => (a ? (await t.process(a).catch(() => undefined))?.name : undefined);
  let running = prcbs.find((p) => th.address !== undefined && p.currentThread === th.address)?.number;
  if (running === undefined && crash.thread?.address === th.address) running = crash.prcb?.number;
  const standby = running === undefined ? prcbs.find((p) => th.address !== undefined && p.nextThread === th.address)?.number : undefined;
  const states = await enumNames(t, '_KTHREAD_STATE');
  const reasons = await enumNames(t, '_KWAIT_REASON');
  const clock = await kernelClock(t);
  const waits = await waitObjects(t, th).catch((e) => ({ objects: [] as WaitObject[], note: (e as Error).message }));
  if (waits.note) notes.push(waits.note);
  return {
    processName: await nameOf(th.processAddress),
    attachedProcessName: await nameOf(th.attachedProcess),
    running,
    standby,
    stateName: th.state === undefined ? undefined : states.get(th.state),
    waitReasonName: th.waitReason === undefined ? undefined : reasons.get(th.waitReason),
    waitObjects: waits.objects,
    ticks: ticksSince(th.waitTime, clock),
    clock,
    notes,
  };
}

/**
 * The context a processor other than the crashing one saved when the bugcheck froze it
 * (KPRCB.ProcessorState.ContextFrame, by field name); undefined when it is empty or unreadable.
 */
export async function frozenContext(t: KernelTarget, p: PrcbInfo): Promise<X64Registers | undefined> {
  const kt = await t.kernelTypes();
  if (!kt || p.address === undefined) return undefined;
  const v = await kt.read(t.memory, '_KPRCB', p.address).catch(() => undefined);
  const r = (n: string) => (v?.has(`ProcessorState.ContextFrame.${n}`) ? v.uint(`ProcessorState.ContextFrame.${n}`) : 0n);
  const regs: X64Registers = {
    rax: r('Rax'), rbx: r('Rbx'), rcx: r('Rcx'), rdx: r('Rdx'), rsi: r('Rsi'), rdi: r('Rdi'), rip: r('Rip'), rsp: r('Rsp'), rbp: r('Rbp'),
    r8: r('R8'), r9: r('R9'), r10: r('R10'), r11: r('R11'), r12: r('R12'), r13: r('R13'), r14: r('R14'), r15: r('R15'),
  };
  return regs.rip && regs.rsp ? regs : undefined;
}

/**
 * The thread's stack: from the bugcheck context for the crashing thread; for a thread running on another
 * processor, from the context that processor saved when it was frozen; else from the switch frame at its
 * KernelStack. Undefined with a reason when none is available.
 */
export async function threadStackListing(t: KernelTarget, th: ThreadInfo, withArgs: boolean, max = 64, signal?: AbortSignal): Promise<{ stack?: StackListing; rip?: bigint; note?: string; notes?: string[] }> {
  const kt = await t.kernelTypes();
  const crash = await t.crashState();
  const cpu = crash.thread?.address === th.address ? undefined : (await allProcessors(t)).find((p) => th.address !== undefined && p.currentThread === th.address);
  // A switch frame is read at KernelStack: one outside the thread's own stack (another thread's, say) would
  // show that other stack as this thread's.
  const own = threadStack(th).range;
  if (!cpu && crash.thread?.address !== th.address && th.kernelStack && own && (th.kernelStack < own.limit || th.kernelStack >= own.base)) {
    return { note: `no stack: its saved KernelStack ${hex16(th.kernelStack)} is outside its own stack (StackLimit ${hex16(own.limit)}, StackBase ${hex16(own.base)})` };
  }
  const regs = cpu ? await frozenContext(t, cpu) : await t.threadRegisters(th).catch(() => undefined);
  if (!regs) {
    if (cpu) return { note: `no stack: processor ${cpu.number}'s saved context (PRCB ProcessorState.ContextFrame) is empty or not in the dump` };
    const frame = kt ? await kt.struct('_KSWITCH_FRAME').catch(() => undefined) : undefined;
    const why = !th.kernelStack ? 'the thread has no saved kernel stack pointer' : !frame ? "nt's types have no _KSWITCH_FRAME to read its saved context with" : 'its switch frame is not in the dump';
    return { note: `no stack: ${why}` };
  }
  return { stack: await buildStackListing(t, regs, withArgs, max, { thread: th, signal }), rip: regs.rip };
}
