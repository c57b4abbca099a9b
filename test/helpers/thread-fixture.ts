// A full-memory kernel dump with more than the System process, for the thread and process views: the
// scenario kernel with four processors (each with its idle thread), System worker threads waiting on a
// work queue, a thread running on processor 1 (its context frozen in its PRCB), a Standby thread chosen
// next on processor 2, a System thread attached to a user process, smss.exe (no session) and userapp.exe
// (session 1, its own page directory, parent 4) whose two threads wait in user and kernel mode on events.
// Processor 0 crashes (MANUALLY_INITIATED_CRASH). Every value a test expects is exported from here.
import { writeKernelDump } from '../../src/formats/kernel-dump/writer.js';
import { FileSink } from '../../src/node/file-sink.js';
import { readScenarioBinaries } from '../../src/node/scenario-files.js';
import { KernelScenario, TICK_COUNT, zeroRegisters } from '../../src/scenario/kernel-scenario.js';
import { StructWriter } from '../../src/scenario/struct-writer.js';

export const USER_APP = { name: 'userapp.exe', pid: 0x20f0, sessionId: 1, peb: 0x000000ca7d683000n, handles: 46, virtualSize: 0x1_0580_0000n, peakVirtualSize: 0x1_0600_0000n, commitPages: 310n, quotaPaged: 124_232n, quotaNonPaged: 8_040n, createTime: (BigInt(Date.UTC(2023, 8, 23, 14, 27, 39, 606)) + 11_644_473_600_000n) * 10_000n };
export const SMSS = { name: 'smss.exe', pid: 0x17c, handles: 53 };
export const USER_TEB = 0x000000ca7d684000n;
export const USER_START = 0x00007ff67f522800n;

export interface ThreadFixture {
  path: string;
  system: bigint;
  userApp: bigint;
  smss: bigint;
  crash: bigint;
  workers: bigint[];
  workQueue: bigint;
  running1: bigint;
  standby: bigint;
  attached: bigint;
  userWait: bigint;
  kernelWait: bigint;
  event: bigint;
  idle: bigint[];
}

/**
 * Writes the fixture as a full dump at `path`. `increment` overrides KeMaximumIncrement (100 ns units);
 * `mutate` runs last, to damage what a hostile-input test wants damaged.
 */
export async function writeThreadFixture(path: string, opts: { increment?: number; mutate?: (k: KernelScenario, f: Omit<ThreadFixture, 'path'>) => Promise<void> } = {}): Promise<ThreadFixture> {
  const k = new KernelScenario(await readScenarioBinaries(), 4);
  await k.init(['Driver'], 2);
  const nt = k.nt;
  if (opts.increment !== undefined) k.mem.u32(await k.global('KeMaximumIncrement'), opts.increment);
  const workers = k.threads.map((t) => t.ethread);

  const smss = await k.addProcess(SMSS.name, { pid: SMSS.pid, parentPid: 4, peb: 0x000000b1c2d3e000n, handles: SMSS.handles });
  const u = USER_APP;
  const userApp = await k.addProcess(u.name, { pid: u.pid, parentPid: 4, sessionId: u.sessionId, peb: u.peb, handles: u.handles, virtualSize: u.virtualSize, peakVirtualSize: u.peakVirtualSize, commitPages: u.commitPages, quotaPaged: u.quotaPaged, quotaNonPaged: u.quotaNonPaged, createTime: u.createTime });
  const owner = { process: userApp, pid: u.pid };
  const event = await k.dispatcherObject(1); // a synchronization event both user threads wait on
  const waitIn = async (t: { writer: StructWriter; stackBase: bigint }, chain: string[]) => {
    const frames = await k.stack([{ image: nt, fn: 'KiSwapContext', at: 'body' }, ...chain.map((fn) => ({ image: nt, fn }))], t.stackBase - 0x800n);
    const sw = await k.types.struct('_KSWITCH_FRAME');
    const ks = frames[0].sp - BigInt(sw.size);
    new StructWriter(k.mem, sw, ks).set('Return', frames[0].ip).set('Rbp', 0);
    t.writer.set('Tcb.KernelStack', ks);
  };
  // userapp.exe: one thread blocked in NtWaitForSingleObject from user mode, alertable (UserRequest) …
  const userWait = await k.addThread('NtWaitForSingleObject', 5, owner);
  userWait.writer.set('Tcb.WaitReason', 6).set('Tcb.WaitMode', 1).set('Tcb.Alertable', 1).set('Tcb.Teb', USER_TEB).set('Win32StartAddress', USER_START).set('Tcb.Priority', 9).set('Tcb.BasePriority', 8).set('Tcb.UserTime', 5);
  await k.waitOn(userWait.writer, event);
  await waitIn(userWait, ['KeWaitForSingleObject', 'NtWaitForSingleObject']);
  // … and one waiting in kernel mode, not alertable (Executive), on the same event.
  const kernelWait = await k.addThread('ExpWorkerThread', 5, owner);
  kernelWait.writer.set('Tcb.WaitReason', 0).set('Tcb.Teb', USER_TEB + 0x2000n).set('Tcb.PriorityDecrement', 2);
  await k.waitOn(kernelWait.writer, event);
  await waitIn(kernelWait, ['KeWaitForSingleObject', 'ExpWorkerThread', 'PspSystemThreadStartup', 'KiStartSystemThread']);
  // A System worker attached to userapp.exe's address space while it waits (WrResource, on a notification event).
  const attached = await k.addThread('ExpWorkerThread', 5);
  attached.writer.set('Tcb.ApcState.Process', userApp).set('Tcb.WaitReason', 27);
  await k.waitOn(attached.writer, await k.dispatcherObject(0));
  await waitIn(attached, ['KeWaitForSingleObject', 'ExpWorkerThread', 'PspSystemThreadStartup', 'KiStartSystemThread']);
  // Processor 1 runs a worker; KeBugCheckEx froze it, its context is in its PRCB.
  const running1 = await k.addThread('ExpWorkerThread', 2);
  await k.setCurrentThread(1, running1.ethread);
  const r1 = await k.stack([{ image: nt, fn: 'ExpWorkerThread', at: 'body' }, { image: nt, fn: 'PspSystemThreadStartup' }, { image: nt, fn: 'KiStartSystemThread' }], running1.stackBase - 0x600n);
  await k.setProcessorContext(1, { ...zeroRegisters(), rip: r1[0].ip, rsp: r1[0].sp });
  // Processor 2 idles but has chosen a thread to run next.
  const standby = await k.addThread('ExpWorkerThread', 3);
  standby.writer.set('Tcb.WaitReason', 32).set('Tcb.Priority', 15); // WrPreempted
  await k.setNextThread(2, standby.ethread);
  // The crash on processor 0.
  const crash = await k.addThread('ExpWorkerThread', 2);
  await k.setCurrentThread(0, crash.ethread);
  const frames = await k.stack([{ image: nt, fn: 'KeBugCheckEx', at: 'entry' }, { image: nt, fn: 'KiBugCheckDispatch' }, { image: nt, fn: 'KiSystemServiceHandler' }], crash.stackBase - 0x1000n);
  const regs = { ...zeroRegisters(), rip: frames[0].ip, rsp: frames[0].sp, rcx: 0xe2n };
  await k.setProcessorContext(0, regs);
  crash.writer.set('Tcb.KernelStack', frames[0].sp);
  const f = { system: k.systemProcess, userApp, smss, crash: crash.ethread, workers, workQueue: k.workQueue, running1: running1.ethread, standby: standby.ethread, attached: attached.ethread, userWait: userWait.ethread, kernelWait: kernelWait.ethread, event, idle: k.idleThreads };
  await opts.mutate?.(k, f);
  const sink = await FileSink.create(path);
  await writeKernelDump(sink, k.facts(0xe2, [0n, 0n, 0n, 0n], regs, 'dumpscope thread and process fixture'), k.mem.pages, { layout: 'full' });
  await sink.commit();
  return { path, ...f };
}

export { TICK_COUNT };
