// Processes, threads and processors of the crashed kernel, read by field name from _EPROCESS, _ETHREAD
// and _KPRCB views. Fields a given Windows build lacks are left undefined rather than guessed.
import { StructView } from './struct-view.js';

export interface ThreadInfo {
  address?: bigint;
  processId: bigint;
  threadId: bigint;
  /** The owning process (KTHREAD.Process). */
  processAddress?: bigint;
  /** The process whose address space the thread is attached to (ApcState.Process), when not its own. */
  attachedProcess?: bigint;
  state?: number;
  waitReason?: number;
  /** KernelMode (0) or UserMode (1): the mode the wait was requested in. */
  waitMode?: number;
  waitIrql?: number;
  alertable?: boolean;
  priority?: number;
  basePriority?: number;
  priorityDecrement?: number;
  foregroundBoost?: number;
  ioPriority?: number;
  pagePriority?: number;
  idealProcessor?: number;
  nextProcessor?: number;
  initialStack?: bigint;
  stackLimit?: bigint;
  stackBase?: bigint;
  kernelStack?: bigint;
  /** KTHREAD.CallbackStack, on builds that have it (WinDbg's `Call`). */
  callbackStack?: bigint;
  startAddress?: bigint;
  win32StartAddress?: bigint;
  trapFrame?: bigint;
  teb?: bigint;
  win32Thread?: bigint;
  contextSwitches?: number;
  /** Clock ticks. */
  kernelTime?: number;
  userTime?: number;
  /** Tick count at the thread's last wait or switch. */
  waitTime?: number;
  waitBlockList?: bigint;
  waitBlockCount?: number;
  /** Where the bytes came from: the small dump's own copy, or memory. */
  origin: 'dump-copy' | 'memory';
}

export interface ProcessInfo {
  address?: bigint;
  name: string;
  processId: bigint;
  parentId?: bigint;
  directoryTableBase?: bigint;
  peb?: bigint;
  activeThreads?: number;
  /** FILETIME (100 ns since 1601, UTC). */
  createTime?: bigint;
  /** EPROCESS.Session (an _MM_SESSION_SPACE); 0 for processes outside any session (System). */
  sessionSpace?: bigint;
  sessionId?: number;
  objectTable?: bigint;
  /** Bytes. */
  virtualSize?: bigint;
  peakVirtualSize?: bigint;
  /** Pages. */
  commitCharge?: bigint;
  /** ProcessQuotaUsage[0] and [1] (nonpaged and paged pool), bytes. */
  quotaNonPaged?: bigint;
  quotaPaged?: bigint;
  /** Clock ticks of all its threads, finished ones included (KPROCESS). */
  kernelTime?: number;
  userTime?: number;
  basePriority?: number;
  /** `!process` flag 1's memory lines, each from its EPROCESS field by name (undefined where the types lack it). */
  vadRoot?: bigint;
  vadCount?: bigint;
  cloneRoot?: bigint;
  privatePages?: bigint;
  modifiedPages?: bigint;
  lockedPages?: bigint;
  deviceMap?: bigint;
  /** The primary token: Token's EX_FAST_REF value without its reference-count bits. */
  token?: bigint;
  /** Pages: Vm's working set now, its minimum and maximum, and its peak. */
  workingSet?: bigint;
  workingSetMin?: bigint;
  workingSetMax?: bigint;
  peakWorkingSet?: bigint;
  pageFaults?: bigint;
  job?: bigint;
  origin: 'dump-copy' | 'memory';
}

export interface PrcbInfo {
  address?: bigint;
  number: number;
  currentThread: bigint;
  nextThread?: bigint;
  idleThread?: bigint;
  /** IRQL at the crash, from the KPCR that contains this PRCB (when its page is in the dump). */
  irql?: number;
  /**
   * The 16 built-in queued spin locks (LockQueue[0..15]) as `!running` shows them: '.' free, 'O' owned by
   * this processor, 'W' waiting for it (the low bits of each entry's Lock pointer).
   */
  lockQueue?: string;
  origin: 'dump-copy' | 'memory';
}

/** A field's value when the type has it and the bytes reach it. */
function opt<T>(v: StructView, path: string, read: (p: string) => T): T | undefined {
  return v.has(path) ? read(path) : undefined;
}

/** A field that is a plain pointer in some builds and a structure in others: its value only when it is a number. */
function scalar(v: StructView, path: string): bigint | undefined {
  try {
    return v.has(path) ? v.uint(path) : undefined;
  } catch {
    return undefined;
  }
}

export function readThread(v: StructView, origin: ThreadInfo['origin']): ThreadInfo {
  const u = (p: string) => opt(v, p, (x) => v.uint(x));
  const n = (p: string) => opt(v, p, (x) => v.num(x));
  const i = (p: string) => opt(v, p, (x) => v.int(x));
  const owner = u('Tcb.Process') || u('Tcb.ApcState.Process');
  const current = u('Tcb.ApcState.Process');
  const alertable = n('Tcb.Alertable');
  return {
    address: v.address,
    processId: v.uint('Cid.UniqueProcess'),
    threadId: v.uint('Cid.UniqueThread'),
    processAddress: owner,
    attachedProcess: current && owner && current !== owner ? current : undefined,
    state: n('Tcb.State'),
    waitReason: n('Tcb.WaitReason'),
    waitMode: n('Tcb.WaitMode'),
    waitIrql: n('Tcb.WaitIrql'),
    alertable: alertable === undefined ? undefined : alertable !== 0,
    priority: i('Tcb.Priority'),
    basePriority: i('Tcb.BasePriority'),
    priorityDecrement: i('Tcb.PriorityDecrement'),
    foregroundBoost: n('Tcb.ForegroundBoost'),
    ioPriority: n('ThreadIoPriority'),
    pagePriority: n('ThreadPagePriority'),
    idealProcessor: n('Tcb.IdealProcessor'),
    nextProcessor: n('Tcb.NextProcessor'),
    initialStack: u('Tcb.InitialStack'),
    stackLimit: u('Tcb.StackLimit'),
    stackBase: u('Tcb.StackBase'),
    kernelStack: u('Tcb.KernelStack'),
    callbackStack: u('Tcb.CallbackStack'),
    startAddress: u('StartAddress'),
    win32StartAddress: u('Win32StartAddress'),
    trapFrame: u('Tcb.TrapFrame'),
    teb: u('Tcb.Teb'),
    win32Thread: u('Tcb.Win32Thread'),
    contextSwitches: n('Tcb.ContextSwitches'),
    kernelTime: n('Tcb.KernelTime'),
    userTime: n('Tcb.UserTime'),
    waitTime: n('Tcb.WaitTime'),
    waitBlockList: u('Tcb.WaitBlockList'),
    waitBlockCount: n('Tcb.WaitBlockCount'),
    origin,
  };
}

/** Element `i` of an array field, as a view (undefined past the array or the bytes). */
export function arrayElement(v: StructView, path: string, i: number): StructView | undefined {
  if (!v.has(path)) return undefined;
  const f = v.field(path);
  if (f.type.kind !== 'array' || f.type.element.kind !== 'udt' || i < 0 || i >= f.type.count) return undefined;
  const el = f.type.element;
  const at = f.offset + i * el.size;
  if (at + el.size > v.bytes.length) return undefined;
  return new StructView(el, v.bytes.subarray(at, at + el.size), v.address === undefined ? undefined : v.address + BigInt(at));
}

export function readProcess(v: StructView, origin: ProcessInfo['origin']): ProcessInfo {
  const u = (p: string) => opt(v, p, (x) => v.uint(x));
  const n = (p: string) => opt(v, p, (x) => v.num(x));
  // ProcessQuotaUsage is an array of two counters indexed by pool type (0 nonpaged, 1 paged).
  const quota = v.has('ProcessQuotaUsage') ? v.raw('ProcessQuotaUsage') : undefined;
  const q = (i: number) => (quota && quota.length >= (i + 1) * 8 ? new DataView(quota.buffer, quota.byteOffset + i * 8, 8).getBigUint64(0, true) : undefined);
  return {
    address: v.address,
    name: v.cstring('ImageFileName'),
    processId: v.uint('UniqueProcessId'),
    parentId: u('InheritedFromUniqueProcessId'),
    directoryTableBase: u('Pcb.DirectoryTableBase'),
    peb: u('Peb'),
    activeThreads: n('ActiveThreads'),
    createTime: u('CreateTime') ?? u('CreateTime.QuadPart'),
    sessionSpace: u('Session'),
    objectTable: u('ObjectTable'),
    virtualSize: u('VirtualSize'),
    peakVirtualSize: u('PeakVirtualSize'),
    commitCharge: u('CommitCharge'),
    quotaNonPaged: q(0),
    quotaPaged: q(1),
    kernelTime: n('Pcb.KernelTime'),
    userTime: n('Pcb.UserTime'),
    basePriority: opt(v, 'Pcb.BasePriority', (x) => v.int(x)),
    vadRoot: u('VadRoot.Root') ?? scalar(v, 'VadRoot'),
    vadCount: u('VadCount'),
    cloneRoot: u('CloneRoot.Root') ?? scalar(v, 'CloneRoot'),
    privatePages: u('NumberOfPrivatePages'),
    modifiedPages: u('ModifiedPageCount'),
    lockedPages: u('NumberOfLockedPages'),
    deviceMap: u('DeviceMap'),
    // x64 EX_FAST_REF keeps a 4-bit reference count in the pointer's low bits.
    token: opt(v, 'Token.Value', (x) => v.uint(x) & ~0xfn),
    // Windows 10 keeps the working set in Vm.Instance (_MMSUPPORT_FULL); earlier kernels in Vm itself.
    workingSet: u('Vm.Instance.WorkingSetSize') ?? u('Vm.WorkingSetSize'),
    workingSetMin: u('Vm.Instance.MinimumWorkingSetSize') ?? u('Vm.MinimumWorkingSetSize'),
    workingSetMax: u('Vm.Instance.MaximumWorkingSetSize') ?? u('Vm.MaximumWorkingSetSize'),
    peakWorkingSet: u('Vm.Instance.PeakWorkingSetSize') ?? u('Vm.PeakWorkingSetSize'),
    pageFaults: u('Vm.Instance.PageFaultCount') ?? u('Vm.PageFaultCount'),
    job: u('Job'),
    origin,
  };
}

/** LockQueue[0..15] as '.', 'O' (LOCK_QUEUE_OWNER, bit 1) or 'W' (LOCK_QUEUE_WAIT, bit 0). */
function lockQueueText(v: StructView): string | undefined {
  let s = '';
  for (let i = 0; i < 16; i++) {
    const e = arrayElement(v, 'LockQueue', i);
    if (!e?.has('Lock')) return undefined;
    const lock = e.uint('Lock');
    s += lock & 2n ? 'O' : lock & 1n ? 'W' : '.';
  }
  return s;
}

export function readPrcb(v: StructView, origin: PrcbInfo['origin']): PrcbInfo {
  return {
    address: v.address,
    number: v.num('Number'),
    currentThread: v.uint('CurrentThread'),
    nextThread: opt(v, 'NextThread', (x) => v.uint(x)),
    idleThread: opt(v, 'IdleThread', (x) => v.uint(x)),
    lockQueue: lockQueueText(v),
    origin,
  };
}

// KTHREAD_STATE values (stable across Windows versions); the type source's _KTHREAD_STATE wins when present.
export const THREAD_STATES = ['Initialized', 'Ready', 'Running', 'Standby', 'Terminated', 'Waiting', 'Transition', 'DeferredReady', 'GateWaitObsolete', 'WaitingForProcessInSwap'];

/** Where each object kind keeps its dispatcher header's Type, and its _KOBJECTS name and documented value. */
const OBJECT_TYPE = {
  thread: { field: 'Tcb.Header.Type', name: 'ThreadObject', value: 6 },
  process: { field: 'Pcb.Header.Type', name: 'ProcessObject', value: 3 },
} as const;

export type DispatcherKind = keyof typeof OBJECT_TYPE;

/**
 * The dispatcher header's Type of an _ETHREAD/_EPROCESS view compared with what the kind must have (the
 * _KOBJECTS value named ThreadObject/ProcessObject in `objects`, value → name, else 6/3). Returns WinDbg's
 * message on a mismatch; undefined when it matches or the types have no such field (nothing to check).
 */
export function objectTypeMismatch(v: StructView, kind: DispatcherKind, objects: Map<number, string>): string | undefined {
  const spec = OBJECT_TYPE[kind];
  if (!v.has(spec.field)) return undefined;
  const want = [...objects].find(([, n]) => n === spec.name)?.[0] ?? spec.value;
  if (v.num(spec.field) === want) return undefined;
  return `TYPE mismatch for ${kind} object at ${(v.address ?? 0n).toString(16).padStart(16, '0')}`;
}
