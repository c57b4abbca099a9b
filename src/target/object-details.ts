// Details the thread and process views need beyond the _ETHREAD/_EPROCESS fields themselves, each read by
// field name and bounded: the objects a waiting thread waits on (its wait blocks, the dispatcher header of
// each object and how many others wait on it), a process's session id and handle count, and names of
// kernel enumerations (wait reasons, thread states, object types) from nt's types when they carry them.
import type { KernelTarget } from './kernel-target.js';
import type { ProcessInfo, ThreadInfo } from './kernel-objects.js';
import { type ListWalk, walkList } from './list-walk.js';

// Public, stable values, used when the type source has no enumeration of that name (the scenario kernel).
const FALLBACK: Record<string, readonly string[]> = {
  _KWAIT_REASON: ['Executive', 'FreePage', 'PageIn', 'PoolAllocation', 'DelayExecution', 'Suspended', 'UserRequest', 'WrExecutive', 'WrFreePage', 'WrPageIn', 'WrPoolAllocation', 'WrDelayExecution', 'WrSuspended', 'WrUserRequest', 'WrSpare0', 'WrQueue', 'WrLpcReceive', 'WrLpcReply', 'WrVirtualMemory', 'WrPageOut', 'WrRendezvous', 'WrKeyedEvent', 'WrTerminated', 'WrProcessInSwap', 'WrCpuRateControl', 'WrCalloutStack', 'WrKernel', 'WrResource', 'WrPushLock', 'WrMutex', 'WrQuantumEnd', 'WrDispatchInt', 'WrPreempted', 'WrYieldExecution', 'WrFastMutex', 'WrGuardedMutex', 'WrRundown', 'WrAlertByThreadId', 'WrDeferredPreempt', 'WrPhysicalFault'],
  _KTHREAD_STATE: ['Initialized', 'Ready', 'Running', 'Standby', 'Terminated', 'Waiting', 'Transition', 'DeferredReady', 'GateWaitObsolete', 'WaitingForProcessInSwap'],
  _KOBJECTS: ['EventNotificationObject', 'EventSynchronizationObject', 'MutantObject', 'ProcessObject', 'QueueObject', 'SemaphoreObject', 'ThreadObject', 'GateObject', 'TimerNotificationObject', 'TimerSynchronizationObject', 'Spare2Object', 'Spare3Object', 'Spare4Object', 'Spare5Object', 'Spare6Object', 'Spare7Object', 'Spare8Object', 'ProfileCallbackObject', 'ApcObject', 'DpcObject', 'DeviceQueueObject', 'PriQueueObject', 'InterruptObject', 'ProfileObject', 'Timer2NotificationObject', 'Timer2SynchronizationObject', 'ThreadedDpcObject'],
};

export type KernelEnum = '_KWAIT_REASON' | '_KTHREAD_STATE' | '_KOBJECTS';

/** value → name of a kernel enumeration: nt's own (PDB or ISF) when it has one, else the public table. */
export async function enumNames(t: KernelTarget, name: KernelEnum): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const kt = await t.kernelTypes();
  const ty = kt ? await kt.source.findType(name).catch(() => undefined) : undefined;
  if (ty?.kind === 'enum' && ty.enumerators.length) {
    for (const e of ty.enumerators) if (e.value >= 0n && e.value < 0x10000n) out.set(Number(e.value), e.name);
  } else {
    for (const [i, n] of FALLBACK[name].entries()) out.set(i, n);
  }
  return out;
}

export interface WaitObject {
  address: bigint;
  /** DISPATCHER_HEADER.Type. */
  type?: number;
  /** As WinDbg's `!thread` names it: 'SynchronizationEvent', 'QueueObject', … */
  typeName: string;
  /** Wait blocks of other threads on the same object (its WaitListHead minus this one). */
  otherWaiters?: number;
}

// WinDbg's names for the dispatcher objects !thread lists; others keep the enumeration's name.
const WINDBG_OBJECT_NAMES: Record<string, string> = {
  EventNotificationObject: 'NotificationEvent',
  EventSynchronizationObject: 'SynchronizationEvent',
  MutantObject: 'Mutant',
  SemaphoreObject: 'Semaphore',
  TimerNotificationObject: 'NotificationTimer',
  TimerSynchronizationObject: 'SynchronizationTimer',
};

const MAX_WAIT_BLOCKS = 64;

/**
 * Each dispatcher object's wait list, walked once per target: thousands of threads waiting on one object
 * (`!process 0 7`, `!us`) would otherwise walk its thousands of entries once per thread.
 */
const waitListCache = new WeakMap<KernelTarget, Map<bigint, Promise<{ blocks: Set<bigint>; walk: ListWalk }>>>();

function waitList(t: KernelTarget, head: bigint, entryOffset: number): Promise<{ blocks: Set<bigint>; walk: ListWalk }> {
  let byHead = waitListCache.get(t);
  if (!byHead) waitListCache.set(t, (byHead = new Map()));
  let p = byHead.get(head);
  if (!p) {
    p = walkList(t.memory, head, entryOffset, 4096).then((walk) => ({ blocks: new Set(walk.items), walk }));
    byHead.set(head, p);
  }
  return p;
}

/** The objects a waiting thread waits on: its wait blocks (an array at WaitBlockList, WaitBlockCount long). */
export async function waitObjects(t: KernelTarget, th: ThreadInfo): Promise<{ objects: WaitObject[]; note?: string }> {
  const kt = await t.kernelTypes();
  if (!kt || !th.waitBlockList || th.state !== 5) return { objects: [] };
  const block = await kt.struct('_KWAIT_BLOCK').catch(() => undefined);
  if (!block) return { objects: [], note: "nt's types have no _KWAIT_BLOCK" };
  const count = Math.min(Math.max(th.waitBlockCount ?? 1, 1), MAX_WAIT_BLOCKS);
  const names = await enumNames(t, '_KOBJECTS');
  const objects: WaitObject[] = [];
  const waitListOffset = await kt.offsetOf('_DISPATCHER_HEADER', 'WaitListHead').catch(() => undefined);
  const entryOffset = await kt.offsetOf('_KWAIT_BLOCK', 'WaitListEntry').catch(() => undefined);
  for (let i = 0; i < count; i++) {
    const at = th.waitBlockList + BigInt(i * block.size);
    const wb = await kt.read(t.memory, '_KWAIT_BLOCK', at).catch(() => undefined);
    if (!wb) return { objects, note: `wait block at ${at.toString(16)} is not in the dump` };
    const object = wb.has('Object') ? wb.uint('Object') : 0n;
    if (!object) continue;
    const header = await kt.read(t.memory, '_DISPATCHER_HEADER', object).catch(() => undefined);
    const type = header?.has('Type') ? header.num('Type') : undefined;
    const enumName = type === undefined ? undefined : names.get(type);
    const typeName = enumName ? (WINDBG_OBJECT_NAMES[enumName] ?? enumName) : type === undefined ? 'object not in the dump' : `type ${type}`;
    let otherWaiters: number | undefined;
    if (header && waitListOffset !== undefined && entryOffset !== undefined) {
      const w = await waitList(t, object + BigInt(waitListOffset), entryOffset);
      if (!w.walk.note) otherWaiters = w.blocks.size - (w.blocks.has(at) ? 1 : 0);
    }
    objects.push({ address: object, type, typeName, otherWaiters });
  }
  return { objects };
}

/** MM_SESSION_SPACE.SessionId of the process's session; undefined when it has none (System) or it is unreadable. */
export async function sessionIdOf(t: KernelTarget, p: ProcessInfo): Promise<number | undefined> {
  if (p.sessionId !== undefined) return p.sessionId;
  if (!p.sessionSpace) return undefined;
  const kt = await t.kernelTypes();
  const s = kt ? await kt.readPartial(t.memory, '_MM_SESSION_SPACE', p.sessionSpace).catch(() => undefined) : undefined;
  return s?.has('SessionId') ? s.num('SessionId') : undefined;
}

/**
 * Open handles of a process: the sum of HandleCount over the handle table's per-processor free lists
 * (FreeLists[0 .. ExpFreeListCount-1], the table's array being sized at run time). Undefined when the
 * table, the count or a list is not readable — WinDbg then says `<Data Not Accessible>`.
 */
export async function handleCountOf(t: KernelTarget, p: ProcessInfo): Promise<number | undefined> {
  const kt = await t.kernelTypes();
  const nt = t.modules.kernel;
  if (!kt || !nt || !p.objectTable) return undefined;
  const freeList = await kt.struct('_HANDLE_TABLE_FREE_LIST').catch(() => undefined);
  const listsAt = await kt.offsetOf('_HANDLE_TABLE', 'FreeLists').catch(() => undefined);
  const countAt = await kt.offsetOf('_HANDLE_TABLE_FREE_LIST', 'HandleCount').catch(() => undefined);
  if (!freeList || listsAt === undefined || countAt === undefined) return undefined;
  const lists = await kt.global(nt.base, 'ExpFreeListCount');
  const nb = lists ? await t.memory.read(lists, 4).catch(() => undefined) : undefined;
  const n = nb ? new DataView(nb.buffer, nb.byteOffset, 4).getUint32(0, true) : undefined;
  if (n === undefined || n < 1 || n > 4096) return undefined;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const b = await t.memory.read(p.objectTable + BigInt(listsAt + i * freeList.size + countAt), 4).catch(() => undefined);
    if (!b) return undefined;
    total += new DataView(b.buffer, b.byteOffset, 4).getInt32(0, true);
  }
  return total >= 0 ? total : undefined;
}
