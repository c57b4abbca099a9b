// Layouts of !t, !p, !thread, !process and !running, character for character: the expected text is copied
// from the walkthroughs (/work/shared/reference) and from published WinDbg/mex output; the views are
// filled with the values those outputs show.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { renderMexProcess, renderMexThread } from '../../src/render/mex.js';
import { renderProcesses, renderRunning, renderThread } from '../../src/render/process-thread.js';
import { dhms, hms, mexDate, mexDuration, mexSize } from '../../src/render/thread-times.js';
import type { ProcessInfo, ThreadInfo } from '../../src/target/kernel-objects.js';
import { repo } from '../helpers/corpus.js';

const W50 = repo('../shared/reference/walkthrough-bugcheck-0x50-000_00f47b712fb2cc93.md');
const W7E = repo('../shared/reference/walkthrough-bugcheck-0x7e-001_cbe3b53bd4d35d2f.md');

/** The expected block must itself appear in the walkthrough (when the reference is present). */
function inWalkthrough(file: string, block: string): void {
  if (!existsSync(file)) return;
  assert.ok(readFileSync(file, 'utf8').replace(/\r\n/g, '\n').includes(block), `not in ${file}:\n${block}`);
}

const thread = (o: Partial<ThreadInfo>): ThreadInfo => ({ processId: 4n, threadId: 0n, origin: 'memory', ...o });

// `!mex.t ffff8008e4604040` in the 0x7E walkthrough: 0x15 frames, so the frame column is two wide.
const T_7E = `Process                   Thread                       CID       UserTime KernelTime ContextSwitches Wait Reason Time State
System (ffff8008dd8e9040) ffff8008e4604040 (E|K|W|R|V) 4.15dc           0      266ms            5730 Executive      0 Running on processor 3

Priority:
    Current Base Decrement ForegroundBoost IO Page
    13      12   0         0               0  5

 # Child-SP         Return           Call Site
 0 ffffa1088a4adb88 fffff80766450c9c nt!KeBugCheckEx
 1 ffffa1088a4adb90 fffff807663f0e81 nt!PspSystemThreadStartup$filt$0+0x44
 2 ffffa1088a4adbd0 fffff8076643d3af nt!_C_specific_handler+0xa1
 3 ffffa1088a4adc40 fffff807662660c3 nt!RtlpExecuteHandlerForException+0xf
 4 ffffa1088a4adc70 fffff80766206fee nt!RtlDispatchException+0x2f3
 5 ffffa1088a4ae3e0 fffff807664478fc nt!KiDispatchException+0x1ae
 6 ffffa1088a4aeac0 fffff80766442983 nt!KiExceptionDispatch+0x13c
 7 ffffa1088a4aeca0 fffff8076624f3d4 nt!KiGeneralProtectionFault+0x343
 8 ffffa1088a4aee30 fffff807662ad6b1 nt!RtlpHpVsFreeChunkInsert+0x1b4
 9 ffffa1088a4aee60 fffff80766aad2b0 nt!RtlpHpFreeHeap+0x421
 a ffffa1088a4aef00 fffff80784da115b nt!ExFreePoolWithTag+0x1a0
 b ffffa1088a4aef90 fffff80784da11ed EvilDriver+0x115b
 c ffffa1088a4af090 fffff80784da150b EvilDriver+0x11ed
 d ffffa1088a4af0c0 fffff80784da1440 EvilDriver+0x150b
 e ffffa1088a4af100 fffff807667654d4 EvilDriver+0x1440
 f ffffa1088a4af130 fffff80766765b23 nt!PnpCallDriverEntry+0x54
10 ffffa1088a4af180 fffff80766764727 nt!IopLoadDriver+0x523
11 ffffa1088a4af340 fffff807662b8bd5 nt!IopLoadUnloadDriver+0x57
12 ffffa1088a4af380 fffff80766212667 nt!ExpWorkerThread+0x155
13 ffffa1088a4af570 fffff807664370a4 nt!PspSystemThreadStartup+0x57
14 ffffa1088a4af5c0 0000000000000000 nt!KiStartSystemThread+0x34`;

/** The stack rows of a `!t` block, parsed back into data. */
function stackOf(block: string) {
  return block
    .split('\n')
    .filter((l) => /^ *[0-9a-f]+ [0-9a-f]{16} [0-9a-f]{16} /.test(l))
    .map((l) => {
      const [, sp, ret, site] = l.trim().split(' ');
      return { sp: BigInt(`0x${sp}`), ret: BigInt(`0x${ret}`), site };
    });
}

test("!t: the 0x7E walkthrough's !mex.t block, character for character", () => {
  inWalkthrough(W7E, T_7E);
  const text = renderMexThread({
    thread: thread({ address: 0xffff8008e4604040n, processAddress: 0xffff8008dd8e9040n, threadId: 0x15dcn, contextSwitches: 5730, priority: 13, basePriority: 12, priorityDecrement: 0, foregroundBoost: 0, ioPriority: 0, pagePriority: 5 }),
    processName: 'System',
    state: 'Running on processor 3',
    waitReason: 'Executive',
    userMs: 0,
    kernelMs: 266,
    sinceMs: 0,
    waitObjects: [],
    stack: stackOf(T_7E),
    notes: [],
  });
  assert.equal(text, T_7E);
});

// `!mex.t` in the 0x50 walkthrough: 15 frames (last number e), so the frame column is one wide.
const T_50 = `Process                   Thread                       CID       UserTime KernelTime ContextSwitches Wait Reason Time State
System (ffffa508414e9040) ffffa508467e7040 (E|K|W|R|V) 4.13c0           0       31ms             400 Executive      0 Running on processor 0

Priority:
    Current Base Decrement ForegroundBoost IO Page
    12      12   0         0               0  5

# Child-SP         Return           Call Site
0 fffff90fb6d8ebb8 fffff801164a1e1d nt!KeBugCheckEx
1 fffff90fb6d8ebc0 fffff801162401dc nt!MiSystemFault+0x237b4d
2 fffff90fb6d8ecc0 fffff80116442d29 nt!MmAccessFault+0x29c
3 fffff90fb6d8ede0 fffff801197f1d1e nt!KiPageFault+0x369
4 fffff90fb6d8ef78 fffff801197f1176 Driver+0x1d1e
5 fffff90fb6d8ef80 fffff801197f1255 Driver+0x1176
6 fffff90fb6d8f090 fffff801197f156b Driver+0x1255
7 fffff90fb6d8f0c0 fffff801197f14a0 Driver+0x156b
8 fffff90fb6d8f100 fffff801167654d4 Driver+0x14a0
9 fffff90fb6d8f130 fffff80116765b23 nt!PnpCallDriverEntry+0x54
a fffff90fb6d8f180 fffff80116764727 nt!IopLoadDriver+0x523
b fffff90fb6d8f340 fffff801162b8bd5 nt!IopLoadUnloadDriver+0x57
c fffff90fb6d8f380 fffff80116212667 nt!ExpWorkerThread+0x155
d fffff90fb6d8f570 fffff801164370a4 nt!PspSystemThreadStartup+0x57
e fffff90fb6d8f5c0 0000000000000000 nt!KiStartSystemThread+0x34`;

test("!t: the 0x50 walkthrough's !mex.t block (a one-digit frame column)", () => {
  inWalkthrough(W50, T_50);
  const text = renderMexThread({
    thread: thread({ address: 0xffffa508467e7040n, processAddress: 0xffffa508414e9040n, threadId: 0x13c0n, contextSwitches: 400, priority: 12, basePriority: 12, priorityDecrement: 0, foregroundBoost: 0, ioPriority: 0, pagePriority: 5 }),
    processName: 'System',
    state: 'Running on processor 0',
    waitReason: 'Executive',
    userMs: 0,
    kernelMs: 31,
    sinceMs: 0,
    waitObjects: [],
    stack: stackOf(T_50),
    notes: [],
  });
  assert.equal(text, T_50);
});

test('!t: a waiting thread with its wait block list, and a user thread with a TEB column (published mex output)', () => {
  // From a published `!mex.t` of a thread waiting on an event (InsightEngineering, deadlock walkthrough).
  const expected = `Process                   Thread                       CID       UserTime KernelTime ContextSwitches Wait Reason    Time State
System (ffff8004ce0ec040) ffff8004d5773040 (E|K|W|R|V) 4.24dc           0      453ms            3723 Executive   20s.296 Waiting

WaitBlockList:
    Object           Type                 Other Waiters
    ffff8004d569df40 SynchronizationEvent             1

Priority:
    Current Base Decrement ForegroundBoost IO Page
    9       8    0         0               0  5
`;
  const text = renderMexThread({
    thread: thread({ address: 0xffff8004d5773040n, processAddress: 0xffff8004ce0ec040n, threadId: 0x24dcn, contextSwitches: 3723, priority: 9, basePriority: 8, priorityDecrement: 0, foregroundBoost: 0, ioPriority: 0, pagePriority: 5 }),
    processName: 'System',
    state: 'Waiting',
    waitReason: 'Executive',
    userMs: 0,
    kernelMs: 453,
    sinceMs: 20_296,
    waitObjects: [{ address: 0xffff8004d569df40n, type: 1, typeName: 'SynchronizationEvent', otherWaiters: 1 }],
    stack: [],
    notes: [],
  });
  assert.equal(text, expected);
  // A thread with a TEB gets the TEB column (published `!mex.t` of an svchost.exe thread, first two lines).
  const user = renderMexThread({
    thread: thread({ address: 0xffffd80c05b7c040n, processAddress: 0xffffd80c06032080n, processId: 0x13f0n, threadId: 0x4a20n, teb: 0x00000009176ac000n, contextSwitches: 199 }),
    processName: 'svchost.exe',
    state: 'Standby on processor 0',
    waitReason: 'WrPreempted',
    userMs: 0,
    kernelMs: 0,
    sinceMs: 0,
    waitObjects: [],
    stack: [],
    notes: [],
  });
  assert.deepEqual(user.split('\n').slice(0, 2), [
    'Process                        Thread                       CID       TEB              UserTime KernelTime ContextSwitches Wait Reason Time State',
    'svchost.exe (ffffd80c06032080) ffffd80c05b7c040 (E|K|W|R|V) 13f0.4a20 00000009176ac000        0          0             199 WrPreempted    0 Standby on processor 0',
  ]);
});

// `!p` in the 0x7E walkthrough.
const P_7E = `Name   Address                  Ses PID     Parent  PEB              Create Time                Mods Handle Thrd User Name
====== ======================== === ======= ======= ================ ========================== ==== ====== ==== =========================
System ffff8008dd8e9040 (E|K|O)   0 4 (0n4) 0 (0n0) 0000000000000000 09/29/2023 11:35:55.475 AM    0      0  223 WORKGROUP\\WINDEV2305EVAL$

Memory Details:

    VM      Peak     Commit Size NPP Quota
    ======= ======== =========== =========
    3.98 MB 15.53 MB       40 KB     272 B

File Server Threads (Active threads running srv or srv2 driver)
Exective Work Queues

Show LPC Port information for process

Show Threads: Unique Stacks    !mex.listthreads (!lt) ffff8008dd8e9040    !process ffff8008dd8e9040 7`;

const process = (o: Partial<ProcessInfo>): ProcessInfo => ({ name: 'System', processId: 4n, origin: 'memory', ...o });

test("!p: the 0x7E walkthrough's !p block, character for character (the user name given, as a dump cannot)", () => {
  inWalkthrough(W7E, P_7E);
  const text = renderMexProcess({
    // 3.98 MB, 15.53 MB: sizes that round to the walkthrough's figures; 40 KB = 10 pages.
    process: process({ address: 0xffff8008dd8e9040n, parentId: 0n, peb: 0n, virtualSize: 4173824n, peakVirtualSize: 16284385n, commitCharge: 10n, quotaNonPaged: 272n, quotaPaged: 0n }),
    sessionId: 0,
    createTime: new Date(Date.UTC(2023, 8, 29, 11, 35, 55, 475)),
    localTime: true,
    modules: 0,
    handles: 0,
    threads: 223,
    userName: 'WORKGROUP\\WINDEV2305EVAL$',
    system: true,
    notes: [],
  });
  assert.equal(text, P_7E);
});

test('!p: a user process (published mex output): wide PID columns, the PP Quota column, no System menu lines', () => {
  // From a published `!p` of notmyfault64.exe (the user name and command line left out).
  const text = renderMexProcess({
    process: process({ name: 'notmyfault64.exe', address: 0xffffa389afab70c0n, processId: 0x20f0n, parentId: 0x1890n, peb: 0x000000ca7d683000n, virtualSize: 0x1_0580_0000n, peakVirtualSize: 0x1_0600_0000n, commitCharge: 310n, quotaPaged: 124_232n, quotaNonPaged: 8_040n }),
    sessionId: 1,
    createTime: new Date(Date.UTC(2023, 7, 13, 4, 53, 59, 28)),
    localTime: true,
    modules: 21,
    handles: 0,
    threads: 4,
    system: false,
    notes: [],
  });
  assert.deepEqual(text.split('\n'), [
    'Name             Address                  Ses PID           Parent        PEB              Create Time                Mods Handle Thrd User Name',
    '================ ======================== === ============= ============= ================ ========================== ==== ====== ==== =========',
    'notmyfault64.exe ffffa389afab70c0 (E|K|O)   1 20f0 (0n8432) 1890 (0n6288) 000000ca7d683000 08/13/2023 04:53:59.028 AM   21      0    4',
    '',
    'Memory Details:',
    '',
    '    VM      Peak    Commit Size PP Quota  NPP Quota',
    '    ======= ======= =========== ========= =========',
    '    4.09 GB 4.09 GB     1.21 MB 121.32 KB   7.85 KB',
    '',
    'Show LPC Port information for process',
    '',
    'Show Threads: Unique Stacks    !mex.listthreads (!lt) ffffa389afab70c0    !process ffffa389afab70c0 7',
  ]);
});

test("!thread: WinDbg's layout of a waiting thread (published output), wait reason, mode, object and Ticks included", () => {
  // Published `!thread` of a System worker waiting on a timer (the lines dumpscope derives from the dump;
  // `Not impersonating`, `DeviceMap` and `Call` are not among them).
  const expected = [
    'THREAD ffff8a86824d8080  Cid 0004.0098  Teb: 0000000000000000 Win32Thread: 0000000000000000 WAIT: (Executive) KernelMode Non-Alertable',
    '    ffff8a8682481b50  Timer2SynchronizationObject',
    'Owning Process            ffff8a8682491040       Image:         System',
    'Attached Process          N/A            Image:         N/A',
    'Wait Start TickCount      32             Ticks: 3085 (0:00:00:48.203)',
    'Context Switch Count      8              IdealProcessor: 0',
    'UserTime                  00:00:00.000',
    'KernelTime                00:00:00.000',
    'Win32 Start Address nt!ExpWorkerThread (0xfffff80306f26990)',
    'Stack Init ffffeb018a11cc90 Current ffffeb018a11b670',
    'Base ffffeb018a11d000 Limit ffffeb018a117000',
    'Priority 12 BasePriority 12 PriorityDecrement 0 IoPriority 2 PagePriority 5',
  ];
  const text = renderThread({
    info: thread({ address: 0xffff8a86824d8080n, threadId: 0x98n, teb: 0n, win32Thread: 0n, state: 5, waitReason: 0, waitMode: 0, alertable: false, processAddress: 0xffff8a8682491040n, waitTime: 32, contextSwitches: 8, idealProcessor: 0, userTime: 0, kernelTime: 0, win32StartAddress: 0xfffff80306f26990n, initialStack: 0xffffeb018a11cc90n, kernelStack: 0xffffeb018a11b670n, stackBase: 0xffffeb018a11d000n, stackLimit: 0xffffeb018a117000n, priority: 12, basePriority: 12, priorityDecrement: 0, ioPriority: 2, pagePriority: 5 }),
    processName: 'System',
    waitReasonName: 'Executive',
    waitObjects: [{ address: 0xffff8a8682481b50n, type: 25, typeName: 'Timer2SynchronizationObject' }],
    ticks: 3085,
    msPerTick: 15.625,
    win32StartSymbol: 'nt!ExpWorkerThread',
    notes: [],
  });
  assert.deepEqual(text.split('\n'), expected);
});

test("!thread: a running thread's first line and Ticks: 0 (WinDbg's documented example)", () => {
  const text = renderThread({
    info: thread({ address: 0xffffcb088f0a4480n, processId: 0xe34n, threadId: 0x3814n, teb: 0x0000001a27ca6000n, win32Thread: 0n, state: 2, waitTime: 182835891, contextSwitches: 5989, idealProcessor: 3, userTime: 67, kernelTime: 19 }),
    running: 0,
    waitObjects: [],
    ticks: 0,
    msPerTick: 15.625,
    notes: [],
  });
  const lines = text.split('\n');
  assert.equal(lines[0], 'THREAD ffffcb088f0a4480  Cid 0e34.3814  Teb: 0000001a27ca6000 Win32Thread: 0000000000000000 RUNNING on processor 0');
  assert.ok(lines.includes('Wait Start TickCount      182835891      Ticks: 0'));
  assert.ok(lines.includes('Context Switch Count      5989           IdealProcessor: 3'));
  // 67 ticks of 15.625 ms = 1046.875 ms; 19 ticks = 296.875 ms (the example's 00:00:01.046 and 00:00:00.296
  // come from exact 100 ns times; ours are whole ticks, rounded).
  assert.ok(lines.includes('UserTime                  00:00:01.047'));
  assert.ok(lines.includes('KernelTime                00:00:00.297'));
});

test('!process 0 0: the process block of WinDbg', () => {
  const text = renderProcesses([{ info: process({ address: 0xffffa508414e9040n, parentId: 0n, peb: 0n, sessionSpace: 0n, directoryTableBase: 0x1ad002n, objectTable: 0xffff8d0c8b605e40n }), handleCount: 2858, msPerTick: 15.625 }], [], true);
  assert.equal(
    text,
    ['**** NT ACTIVE PROCESS DUMP ****', 'PROCESS ffffa508414e9040', '    SessionId: none  Cid: 0004    Peb: 00000000  ParentCid: 0000', '    DirBase: 001ad002  ObjectTable: ffff8d0c8b605e40  HandleCount: 2858.', '    Image: System'].join('\n'),
  );
  // Published `!process` lines of a user process: a short PEB, a two-digit handle count.
  const user = renderProcesses([{ info: process({ name: 'ioctlapp.exe', address: 0xffff8a07222e60c0n, processId: 0x2f38n, parentId: 0x1ae0n, peb: 0x6d2896e000n, directoryTableBase: 0x1d5ac002n, objectTable: 0xffffa282a0ce3dc0n }), sessionId: 1, handleCount: 46, msPerTick: 15.625 }], [], false);
  assert.deepEqual(user.split('\n'), ['PROCESS ffff8a07222e60c0', '    SessionId: 1  Cid: 2f38    Peb: 6d2896e000  ParentCid: 1ae0', '    DirBase: 1d5ac002  ObjectTable: ffffa282a0ce3dc0  HandleCount:  46.', '    Image: ioctlapp.exe']);
});

test('!running: masks, then one row per busy processor with (pri) columns and the queued spin locks', () => {
  // A published `!running` capture of a 4-processor machine (processors 0 and 1 shown).
  const text = renderRunning(
    [
      { processor: 0, prcb: 0xfffff80526ad6180n, current: 0xffffda0273eea040n, currentPriority: 8, next: 0xffffda02746490c0n, nextPriority: 14, idle: 0xfffff80599bd15c0n, locks: '................' },
      { processor: 1, prcb: 0xffffaa80efed1180n, current: 0xffffda02717a4080n, currentPriority: 0, next: 0xffffda0274f6b080n, nextPriority: 8, idle: 0xffffda02717a4080n, locks: '................' },
      { processor: 2, prcb: 0xffffaa80eff6d180n, current: 0xffffda0274ec60c0n, currentPriority: 8, idle: 0xffffda0271844280n, locks: '................' },
      { processor: 3, prcb: 0xffffaa80f0009180n, current: 0xffffda02718f3080n, currentPriority: 0, idle: 0xffffda02718f3080n, locks: '................' },
    ],
    [],
  );
  assert.deepEqual(text.split('\n'), [
    '',
    'System Processors:  (000000000000000f)',
    '  Idle Processors:  (0000000000000008)',
    '',
    '       Prcbs             Current         (pri) Next            (pri) Idle',
    '  0    fffff80526ad6180  ffffda0273eea040 ( 8) ffffda02746490c0 (14) fffff80599bd15c0  ................',
    '  1    ffffaa80efed1180  ffffda02717a4080 ( 0) ffffda0274f6b080 ( 8) ffffda02717a4080  ................',
    '  2    ffffaa80eff6d180  ffffda0274ec60c0 ( 8)                       ffffda0271844280  ................',
  ]);
});

test('durations, sizes and dates as mex and WinDbg print them (hand-computed)', () => {
  assert.equal(mexDuration(0), '0');
  assert.equal(mexDuration(31), '31ms');
  assert.equal(mexDuration(1109), '1s.109');
  assert.equal(mexDuration(113_953), '1m:53.953');
  assert.equal(mexDuration(908_984), '15m:08.984');
  assert.equal(hms(31), '00:00:00.031');
  assert.equal(hms(166_015), '00:02:46.015');
  assert.equal(dhms(19_305_937), '0:05:21:45.937');
  assert.equal(mexSize(272n), '272 B');
  assert.equal(mexSize(40n * 1024n), '40 KB');
  assert.equal(mexSize(4n * 1048576n), '4 MB');
  assert.equal(mexSize(2n ** 41n), '2 TB');
  assert.equal(mexDate(new Date(Date.UTC(2024, 9, 12, 18, 17, 51, 83))), '10/12/2024 06:17:51.083 PM');
  assert.equal(mexDate(new Date(Date.UTC(2023, 11, 20, 0, 5, 0, 0))), '12/20/2023 12:05:00.000 AM');
});
