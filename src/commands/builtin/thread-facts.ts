// What the thread views (`!thread`, `!process … 7`, `!t`) say about a thread beyond its own fields: the
// processor that runs it (or has it next), its process names, wait objects, the names of its state and
// wait reason, how long ago it last waited, and its stack.
import type { StackListing } from '../../render/stack.js';
import type { Session } from '../session.js';
import { type KernelClock, kernelClock, ticksSince } from '../../target/kernel-clock.js';
import type { ProcessInfo, ThreadInfo } from '../../target/kernel-objects.js';
import type { KernelTarget } from '../../target/kernel-target.js';
import { enumNames, type WaitObject, waitObjects } from '../../target/object-details.js';
import { allProcessors, threadContext } from '../../target/thread-context.js';
import { buildStackListing } from './stack.js';

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

export { allProcessors, frozenContext } from '../../target/thread-context.js';

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
 * The thread's stack, from the registers threadContext (src/target/thread-context.ts) decides on: the
 * bugcheck context, a frozen processor's context or the switch frame. Undefined with a reason when none.
 */
export async function threadStackListing(t: KernelTarget, th: ThreadInfo, withArgs: boolean, max = 64, signal?: AbortSignal): Promise<{ stack?: StackListing; rip?: bigint; note?: string; notes?: string[] }> {
  const c = await threadContext(t, th);
  if (!c.registers) return { note: `no stack: ${c.reason ?? 'no saved context'}` };
  return { stack: await buildStackListing(t, c.registers, withArgs, max, { thread: th, signal }), rip: c.registers.rip };
}
