// Processes, threads and processors of the crashed kernel, read by field name from _EPROCESS, _ETHREAD
// and _KPRCB views. Fields a given Windows build lacks are left undefined rather than guessed.
import type { StructView } from './struct-view.js';

export interface ThreadInfo {
  address?: bigint;
  processId: bigint;
  threadId: bigint;
  processAddress?: bigint;
  state?: number;
  waitReason?: number;
  priority?: number;
  basePriority?: number;
  initialStack?: bigint;
  stackLimit?: bigint;
  stackBase?: bigint;
  kernelStack?: bigint;
  startAddress?: bigint;
  win32StartAddress?: bigint;
  trapFrame?: bigint;
  teb?: bigint;
  contextSwitches?: number;
  kernelTime?: number;
  userTime?: number;
  waitTime?: number;
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
  createTime?: bigint;
  /** EPROCESS.Session (an _MM_SESSION_SPACE); 0 for processes outside any session (System). */
  sessionSpace?: bigint;
  sessionId?: number;
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
  origin: 'dump-copy' | 'memory';
}

/** A field's value when the type has it and the bytes reach it. */
function opt<T>(v: StructView, path: string, read: (p: string) => T): T | undefined {
  return v.has(path) ? read(path) : undefined;
}

export function readThread(v: StructView, origin: ThreadInfo['origin']): ThreadInfo {
  const u = (p: string) => opt(v, p, (x) => v.uint(x));
  const n = (p: string) => opt(v, p, (x) => v.num(x));
  const i = (p: string) => opt(v, p, (x) => v.int(x));
  return {
    address: v.address,
    processId: v.uint('Cid.UniqueProcess'),
    threadId: v.uint('Cid.UniqueThread'),
    processAddress: u('Tcb.ApcState.Process') || u('Tcb.Process'),
    state: n('Tcb.State'),
    waitReason: n('Tcb.WaitReason'),
    priority: i('Tcb.Priority'),
    basePriority: i('Tcb.BasePriority'),
    initialStack: u('Tcb.InitialStack'),
    stackLimit: u('Tcb.StackLimit'),
    stackBase: u('Tcb.StackBase'),
    kernelStack: u('Tcb.KernelStack'),
    startAddress: u('StartAddress'),
    win32StartAddress: u('Win32StartAddress'),
    trapFrame: u('Tcb.TrapFrame'),
    teb: u('Tcb.Teb'),
    contextSwitches: n('Tcb.ContextSwitches'),
    kernelTime: n('Tcb.KernelTime'),
    userTime: n('Tcb.UserTime'),
    waitTime: n('Tcb.WaitTime'),
    origin,
  };
}

export function readProcess(v: StructView, origin: ProcessInfo['origin']): ProcessInfo {
  const u = (p: string) => opt(v, p, (x) => v.uint(x));
  return {
    address: v.address,
    name: v.cstring('ImageFileName'),
    processId: v.uint('UniqueProcessId'),
    parentId: u('InheritedFromUniqueProcessId'),
    directoryTableBase: u('Pcb.DirectoryTableBase'),
    peb: u('Peb'),
    activeThreads: opt(v, 'ActiveThreads', (x) => v.num(x)),
    createTime: u('CreateTime'),
    sessionSpace: u('Session'),
    origin,
  };
}

export function readPrcb(v: StructView, origin: PrcbInfo['origin']): PrcbInfo {
  return {
    address: v.address,
    number: v.num('Number'),
    currentThread: v.uint('CurrentThread'),
    nextThread: opt(v, 'NextThread', (x) => v.uint(x)),
    idleThread: opt(v, 'IdleThread', (x) => v.uint(x)),
    origin,
  };
}

// KTHREAD_STATE values (stable across Windows versions).
export const THREAD_STATES = ['Initialized', 'Ready', 'Running', 'Standby', 'Terminated', 'Waiting', 'Transition', 'DeferredReady', 'GateWaitObsolete', 'WaitingForProcessInSwap'];
