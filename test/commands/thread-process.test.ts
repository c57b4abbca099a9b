// !running, !process, !thread, !t, !p and !us on a full-memory dump with several processes and threads in
// every state (test/helpers/thread-fixture.ts): each value checked against what the fixture builder wrote.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createEngine } from '../../src/commands/registry.js';
import { openSession } from '../../src/node/open-session.js';
import { scenarioBinDir } from '../../src/node/scenario-files.js';
import { CLOCK_INCREMENT, SYSTEM_FIGURES, TICK_COUNT } from '../../src/scenario/kernel-scenario.js';
import { type ThreadFixture, USER_APP, USER_START, USER_TEB, writeThreadFixture } from '../helpers/thread-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'dumpscope-threads-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const io = { out: () => {}, err: () => {}, stderrIsTty: false, env: {} };
const opts = { sympath: scenarioBinDir(), offline: true, json: false, markdown: false, commands: [], rest: [] };
const h16 = (v: bigint) => v.toString(16).padStart(16, '0');
let fx: ThreadFixture;

before(async () => {
  fx = await writeThreadFixture(join(dir, 'threads.dmp'));
});

async function run(path: string, commands: string) {
  const { session, target, close } = await openSession(path, opts, io);
  try {
    const results = await createEngine().run(session, commands);
    for (const r of results) assert.ok(r.ok, r.error ?? r.text);
    return { texts: results.map((r) => r.text), target };
  } finally {
    await close();
  }
}

test('!running: the crashing processor, the one frozen running a worker, the one with a Standby thread; the idle one only with -i', async () => {
  const { texts } = await run(fx.path, '!running; !running -i; !running -t');
  const [busy, all, stacks] = texts.map((t) => t.split('\n'));
  assert.equal(busy[1], 'System Processors:  (000000000000000f)');
  assert.equal(busy[2], '  Idle Processors:  (0000000000000008)'); // only processor 3 runs its idle thread with nothing next
  assert.equal(busy[4], '       Prcbs             Current         (pri) Next            (pri) Idle');
  const row = (n: number, current: bigint, pri: number, next?: bigint, nextPri?: number) =>
    `  ${n}    ${h16(0xfffff80114800180n + BigInt(n) * 0x10000n)}  ${h16(current)} (${String(pri).padStart(2)}) ${next ? `${h16(next)} (${String(nextPri).padStart(2)})` : ' '.repeat(21)} ${h16(fx.idle[n])}  ................`;
  // Priorities as written: workers 13, idle threads 0, the Standby thread 15.
  assert.deepEqual(busy.slice(5), [row(0, fx.crash, 13), row(1, fx.running1, 13), row(2, fx.idle[2], 0, fx.standby, 15)]);
  assert.equal(all.length, busy.length + 1);
  assert.equal(all.at(-1), row(3, fx.idle[3], 0));
  // -t: the crashing processor's stack from the bugcheck context, processor 1's from its frozen context.
  const text = stacks.join('\n');
  assert.match(text, /nt!KeBugCheckEx\n01 [0-9a-f`]+ [0-9a-f`]+ +nt!KiBugCheckDispatch\+0x/);
  assert.match(text, /nt!ExpWorkerThread\+0x[0-9a-f]+\n01 [0-9a-f`]+ [0-9a-f`]+ +nt!PspSystemThreadStartup\+0x/);
});

test('!process 0 0: System, smss.exe and userapp.exe with their sessions, parents, page directories and handle counts', async () => {
  const { texts } = await run(fx.path, '!process 0 0');
  const blocks = texts[0].split('\n\n');
  assert.equal(blocks.length, 3);
  assert.match(blocks[0], /^\*\*\*\* NT ACTIVE PROCESS DUMP \*\*\*\*\nPROCESS ffffa50840000220\n {4}SessionId: none {2}Cid: 0004 {4}Peb: 00000000 {2}ParentCid: 0000\n {4}DirBase: 01000000 {2}ObjectTable: [0-9a-f]{16} {2}HandleCount: 2858\.\n {4}Image: System$/);
  assert.equal(SYSTEM_FIGURES.handles, 2858);
  const [, smss, user] = blocks.map((b) => b.split('\n'));
  assert.equal(smss[0], `PROCESS ${h16(fx.smss)}`);
  assert.equal(smss[1], '    SessionId: none  Cid: 017c    Peb: b1c2d3e000  ParentCid: 0004');
  assert.match(smss[2], /HandleCount: {2}53\.$/);
  assert.equal(user[0], `PROCESS ${h16(fx.userApp)}`);
  assert.equal(user[1], `    SessionId: 1  Cid: 20f0    Peb: ${USER_APP.peb.toString(16)}  ParentCid: 0004`);
  assert.match(user[2], /HandleCount: {2}46\.$/);
  // Its own page directory, not System's.
  assert.notEqual(user[2].slice(0, 21), blocks[0].split('\n')[3].slice(0, 21));
  assert.equal(user[3], '    Image: userapp.exe');
});

test('!process ADDR 7: the process counters and both threads, waiting in user and kernel mode on one event', async () => {
  const { texts } = await run(fx.path, `!process ${fx.userApp.toString(16)} 7`);
  const t = texts[0];
  assert.match(t, /^ {4}QuotaPoolUsage\[PagedPool\] {9}124232$/m);
  assert.match(t, /^ {4}QuotaPoolUsage\[NonPagedPool\] {6}8040$/m);
  assert.match(t, /^ {4}VirtualSize {23}4184 Mb$/m); // 0x105800000 bytes
  assert.match(t, /^ {4}CommitCharge {22}310$/m);
  const threads = t.split('\n\n').slice(1);
  assert.equal(threads.length, 2);
  const [user, kernel] = threads.map((b) => b.split('\n').map((l) => l.slice(8)));
  assert.match(user[0], new RegExp(`^THREAD ${h16(fx.userWait)} {2}Cid 20f0\\.[0-9a-f]{4} {2}Teb: ${h16(USER_TEB)} Win32Thread: 0{16} WAIT: \\(UserRequest\\) UserMode Alertable$`));
  assert.equal(user[1], `    ${h16(fx.event)}  SynchronizationEvent`);
  assert.equal(user[2], `Owning Process            ${h16(fx.userApp)}       Image:         userapp.exe`);
  assert.ok(user.includes(`Win32 Start Address 0x${h16(USER_START)}`), 'a user address outside every module is shown bare');
  assert.ok(user.includes('UserTime                  00:00:00.078'), '5 ticks of 15.625 ms');
  assert.ok(user.some((l) => / nt!NtWaitForSingleObject\+0x[0-9a-f]+$/.test(l)));
  assert.match(kernel[0], / WAIT: \(Executive\) KernelMode Non-Alertable$/);
  assert.equal(kernel[1], `    ${h16(fx.event)}  SynchronizationEvent`);
  assert.ok(kernel.includes('Priority 13 BasePriority 12 PriorityDecrement 2 IoPriority 2 PagePriority 5'));
});

test('!thread: a worker waiting on the work queue, with its wait age; the attached thread shows owner and attached process apart', async () => {
  const { texts } = await run(fx.path, `!thread ${fx.workers[0].toString(16)}; !thread ${fx.attached.toString(16)}; !thread ${fx.idle[3].toString(16)}; !thread ${fx.standby.toString(16)}`);
  const [worker, attached, idle, standby] = texts.map((t) => t.split('\n'));
  assert.match(worker[0], / WAIT: \(WrQueue\) KernelMode Non-Alertable$/);
  assert.equal(worker[1], `    ${h16(fx.workQueue)}  QueueObject`);
  // The builder's first worker waits since TICK_COUNT - 1000: 1000 ticks of 15.625 ms = 15.625 s.
  assert.equal(worker[4], `Wait Start TickCount      ${TICK_COUNT - 1000n}         Ticks: 1000 (0:00:00:15.625)`);
  assert.ok(worker.some((l) => / nt!KiSwapContext\+0x[0-9a-f]+$/.test(l)) && worker.some((l) => / nt!ExpWorkerThread\+0x/.test(l)));
  assert.equal(attached[0].endsWith('WAIT: (WrResource) KernelMode Non-Alertable'), true);
  assert.equal(attached[1].trim().endsWith('NotificationEvent'), true);
  assert.equal(attached[2], `Owning Process            ${h16(fx.system)}       Image:         System`);
  assert.equal(attached[3], `Attached Process          ${h16(fx.userApp)}       Image:         userapp.exe`);
  assert.equal(idle[0], `THREAD ${h16(fx.idle[3])}  Cid 0000.0000  Teb: 0000000000000000 Win32Thread: 0000000000000000 RUNNING on processor 3`);
  assert.match(idle[1], /Image: {9}Idle$/);
  assert.match(standby[0], / STANDBY on processor 2$/);
});

test("!t: a user thread's row with TEB, times, wait age and wait block list; Standby and running threads", async () => {
  const { texts } = await run(fx.path, `!t ${fx.userWait.toString(16)}; !t ${fx.standby.toString(16)}; !t ${fx.running1.toString(16)}; !t`);
  const [user, standby, running, crash] = texts.map((t) => t.split('\n'));
  assert.equal(user[0], 'Process                        Thread                       CID       TEB              UserTime KernelTime ContextSwitches Wait Reason    Time State');
  // UserTime 5 ticks (78.125 ms), KernelTime 3 (46.875 ms); waiting TICK_COUNT - 998 ticks: 15.594 s.
  assert.match(user[1], new RegExp(`^userapp\\.exe \\(${h16(fx.userApp)}\\) ${h16(fx.userWait)} \\(E\\|K\\|W\\|R\\|V\\) 20f0\\.[0-9a-f]{3} {2}${h16(USER_TEB)} {5}78ms {7}47ms {14}\\d\\d UserRequest 15s\\.594 Waiting$`));
  assert.deepEqual(user.slice(3, 6), ['WaitBlockList:', '    Object           Type                 Other Waiters', `    ${h16(fx.event)} SynchronizationEvent             1`]);
  assert.deepEqual(user.slice(7, 10), ['Priority:', '    Current Base Decrement ForegroundBoost IO Page', '    9       8    0         0               2  5']);
  assert.equal(user.at(-1)?.endsWith('nt!NtWaitForSingleObject+0x25') || user.some((l) => /nt!NtWaitForSingleObject\+/.test(l)), true);
  assert.match(standby[1], / WrPreempted {1,}\d+s\.\d{3} Standby on processor 2$/);
  assert.ok(standby.includes('(no stack: the thread has no saved kernel stack pointer)'));
  assert.match(running[1], / Executive {6}0 Running on processor 1$/);
  assert.match(running.join('\n'), /^0 [0-9a-f]{16} [0-9a-f]{16} nt!ExpWorkerThread\+0x/m);
  assert.match(crash[1], / Executive {6}0 Running on processor 0$/);
  assert.match(crash.join('\n'), /^0 [0-9a-f]{16} [0-9a-f]{16} nt!KeBugCheckEx$/m);
});

test("!p: userapp.exe's row and memory details in its time zone; System's match the 0x7E walkthrough's figures", async () => {
  const { texts } = await run(fx.path, `!p ${fx.userApp.toString(16)}; !p`);
  const [user, system] = texts.map((t) => t.split('\n'));
  // Created 2023-09-23 14:27:39.606 UTC; the fixture's time zone is UTC-7.
  assert.equal(user[2], `userapp.exe ${h16(fx.userApp)} (E|K|O)   1 20f0 (0n8432) 4 (0n4) ${h16(USER_APP.peb)} 09/23/2023 07:27:39.606 AM    ?     46    2`);
  // The figures the fixture wrote are those of a published notmyfault64.exe `!p`.
  assert.deepEqual(user.slice(6, 9), ['    VM      Peak    Commit Size PP Quota  NPP Quota', '    ======= ======= =========== ========= =========', '    4.09 GB 4.09 GB     1.21 MB 121.32 KB   7.85 KB']);
  assert.ok(user.includes("(Mods: the process's module list lives in user memory (its PEB), which is not in this dump)"));
  assert.ok(!user.includes('File Server Threads (Active threads running srv or srv2 driver)'));
  // The 0x7E walkthrough's `!p` memory lines, verbatim.
  assert.deepEqual(system.slice(6, 9), ['    VM      Peak     Commit Size NPP Quota', '    ======= ======== =========== =========', '    3.98 MB 15.53 MB       40 KB     272 B']);
  assert.match(system[2], /^System [0-9a-f]{16} \(E\|K\|O\) {3}0 4 \(0n4\) 0 \(0n0\) 0{16} 09\/23\/2023 0\d:\d\d:\d\d\.\d{3} AM {4}0 {3}2858 {4}6$/); // six System threads
});

test('!us: threads of every process grouped by stack; a filter on a user thread\'s system service', async () => {
  const { texts } = await run(fx.path, '!us; !us NtWaitForSingleObject');
  // Two workers, the attached thread and userapp's kernel waiter share one stack; nine threads in all
  // (idle threads are in no process's list).
  assert.match(texts[0], /^4 threads \[stats\]: /m);
  assert.match(texts[0], /over 8 thread\(s\)$/m);
  assert.match(texts[1], new RegExp(`^1 thread \\[stats\\]: ${h16(fx.userWait)}$`, 'm'));
  assert.match(texts[1], /^Threads matching filter: 1 out of 8$/m);
});

test('thread times follow KeMaximumIncrement; an implausible value falls back to 15.625 ms and says so', async () => {
  const ten = await writeThreadFixture(join(dir, 'ten-ms.dmp'), { increment: 100_000 });
  const { texts } = await run(ten.path, `!t ${ten.userWait.toString(16)}; !thread ${ten.userWait.toString(16)}`);
  // 5 and 3 ticks of 10 ms; waited 998 ticks: 9.980 s.
  assert.match(texts[0], / 50ms {7}30ms .* 9s\.980 Waiting$/m);
  assert.match(texts[1], /^UserTime {18}00:00:00\.050$/m);
  assert.ok(!texts[0].includes('KeMaximumIncrement'));
  const zero = await writeThreadFixture(join(dir, 'zero.dmp'), { increment: 0 });
  const z = await run(zero.path, '!t');
  assert.match(z.texts[0], /\(KeMaximumIncrement holds an implausible 0: thread times assume 15\.625 ms per clock tick\)/);
  assert.match(z.texts[0], / {7}0 {7}47ms /);
  assert.equal(CLOCK_INCREMENT, 156250);
});

test('hostile thread and process fields: wait blocks, handle tables and free-list counts out of bounds end in notes, not hangs', async () => {
  const bad = await writeThreadFixture(join(dir, 'hostile.dmp'), {
    mutate: async (k, f) => {
      // 255 wait blocks announced, the list pointing into unmapped memory; a handle table at a wild address.
      (await k.struct('_ETHREAD', f.userWait)).set('Tcb.WaitBlockCount', 255).set('Tcb.WaitBlockList', 0xffffa5087fff0000n);
      (await k.struct('_EPROCESS', f.userApp)).set('ObjectTable', 0xffffa5087ffe0000n);
      // A wait reason no table names, and a switch frame pointer into unmapped memory.
      (await k.struct('_ETHREAD', f.kernelWait)).set('Tcb.KernelStack', 0xffffa5087ffd0000n).set('Tcb.WaitReason', 200);
      // A free-list count no handle table could have.
      k.mem.u32(await k.global('ExpFreeListCount'), 0xffffffff);
      // The event's wait list loops on itself without reaching its head.
      const head = f.event + BigInt(await k.types.offsetOf('_DISPATCHER_HEADER', 'WaitListHead'));
      const first = new DataView(k.mem.read(head, 8).buffer).getBigUint64(0, true);
      k.mem.u64(first, first);
    },
  });
  const started = Date.now();
  const { texts } = await run(bad.path, `!t ${bad.userWait.toString(16)}; !process ${bad.userApp.toString(16)} 7; !thread ${bad.kernelWait.toString(16)}; !process 0 0; !t ${bad.kernelWait.toString(16)}`);
  assert.ok(Date.now() - started < 20_000);
  assert.match(texts[0], /\(wait block at ffffa5087fff0000 is not in the dump\)/);
  assert.match(texts[1], /HandleCount: <Data Not Accessible>/);
  assert.equal(texts[3].match(/HandleCount: <Data Not Accessible>/g)?.length, 3);
  // Its KernelStack is not on its own stack: no switch frame is read there (it could be another thread's).
  assert.match(texts[2], /\(no stack: its saved KernelStack ffffa5087ffd0000 is outside its own stack \(StackLimit [0-9a-f]{16}, StackBase [0-9a-f]{16}\)\)/);
  // An unknown wait reason is shown as its number, never as a name it does not have.
  assert.match(texts[2], / WAIT: \(200\) KernelMode Non-Alertable$/m);
  assert.match(texts[4], / 200 {9}\d+s\.\d{3} Waiting$/m);
  // The looping wait list gives no waiter count rather than a wrong one.
  assert.match(texts[2], new RegExp(`^ {4}${h16(bad.event)} {2}SynchronizationEvent$`, 'm'));
  assert.match(texts[4], new RegExp(`^ {4}${h16(bad.event)} SynchronizationEvent {13}\\?$`, 'm'));
});

test('.process and .thread set what !thread, !process -1, !t and !p show by default (k already followed $thread)', async () => {
  const { texts } = await run(fx.path, `.process ${fx.smss.toString(16)}; !process -1 0; !p; !process 0 0 smss.exe; .thread ${fx.kernelWait.toString(16)}; !thread; !t; !thread -1 0; !p`);
  const [, procCurrent, p, byName, , thread, t, line, p2] = texts;
  assert.match(procCurrent, new RegExp(`^PROCESS ${h16(fx.smss)}$`, 'm'));
  assert.match(procCurrent, /^ {4}Image: smss\.exe$/m);
  assert.match(p, new RegExp(`^smss\\.exe ${h16(fx.smss)} `, 'm'));
  assert.equal(byName.split('\n').filter((l) => l.startsWith('PROCESS ')).length, 1, byName);
  assert.match(byName, new RegExp(`^PROCESS ${h16(fx.smss)}$`, 'm'));
  // .thread kernelWait: its process (userapp.exe) becomes the current process too.
  assert.match(thread, new RegExp(`^THREAD ${h16(fx.kernelWait)} {2}Cid 20f0\\.`));
  assert.match(thread, / nt!KeWaitForSingleObject\+0x/);
  assert.match(t.split('\n')[1], new RegExp(`^userapp\\.exe \\(${h16(fx.userApp)}\\) ${h16(fx.kernelWait)} `));
  // Flags 0: only the THREAD line.
  assert.deepEqual(line.split('\n').filter((l) => !l.startsWith('(')), [thread.split('\n')[0]]);
  assert.match(p2, new RegExp(`^userapp\\.exe ${h16(fx.userApp)} `, 'm'));
});

test('!process PID FLAGS, !process 0 2 (threads with their wait objects, no stacks), a bad flags word', async () => {
  const { session, close } = await openSession(fx.path, opts, io);
  try {
    const [byPid, brief, bad, none] = await createEngine().run(session, `!process ${USER_APP.pid.toString(16)} 0; !process 0 2 userapp.exe; !process 0 zz; !process 4711 0`);
    assert.match(byPid.text, new RegExp(`^PROCESS ${h16(fx.userApp)}$`, 'm'));
    const lines = brief.text.split('\n').map((l) => l.trimEnd());
    assert.equal(lines.filter((l) => /^ {8}THREAD /.test(l)).length, 2);
    assert.ok(lines.includes(`            ${h16(fx.event)}  SynchronizationEvent`), brief.text);
    assert.ok(!lines.some((l) => /Owning Process|Child-SP/.test(l)), 'no thread blocks or stacks with flags 2');
    assert.equal(bad.ok, false);
    assert.match(bad.text, /bad flags 'zz'/);
    assert.equal(none.ok, false);
    assert.match(none.text, /no process with ID 0x4711/);
  } finally {
    await close();
  }
});

test('one unreadable KiProcessorBlock entry loses only that processor, with a note', async () => {
  const bad = await writeThreadFixture(join(dir, 'bad-prcb.dmp'), {
    mutate: async (k) => {
      k.mem.u64((await k.global('KiProcessorBlock')) + 2n * 8n, 0xffffdead00000000n);
    },
  });
  const { texts } = await run(bad.path, '!running -i');
  const lines = texts[0].split('\n');
  // Processors 0, 1 and 3 remain (mask 0b1011); processor 2's PRCB is at an unmapped address.
  assert.equal(lines[1], 'System Processors:  (000000000000000b)');
  assert.deepEqual(lines.filter((l) => /^ {2}\d {4}/.test(l)).map((l) => l.trim()[0]), ['0', '1', '3']);
  assert.ok(lines.some((l) => /^\(KiProcessorBlock\[2\] = ffffdead00000000: its PRCB is unreadable .*processor 2 is left out\)$/.test(l)), texts[0]);
});

test('stack limits: a KernelStack on another thread\'s stack is not taken as the thread\'s own; an rsp outside (or inverted limits) bounds the walk with a note', async () => {
  const bad = await writeThreadFixture(join(dir, 'stack-limits.dmp'), {
    mutate: async (k, f) => {
      const other = await k.struct('_ETHREAD', f.userWait);
      const ks = new DataView(k.mem.read(other.addressOf('Tcb.KernelStack'), 8).buffer).getBigUint64(0, true);
      (await k.struct('_ETHREAD', f.kernelWait)).set('Tcb.KernelStack', ks);
    },
  });
  const { texts } = await run(bad.path, `!thread ${bad.kernelWait.toString(16)}; !us`);
  assert.match(texts[0], /\(no stack: its saved KernelStack [0-9a-f]{16} is outside its own stack \(StackLimit [0-9a-f]{16}, StackBase [0-9a-f]{16}\)\)/);
  // !us: userapp's user waiter stands alone, the kernel waiter is listed as having no stack, with why.
  assert.match(texts[1], new RegExp(`^1 thread \\[stats\\]: ${h16(bad.userWait)}$`, 'm'));
  assert.match(texts[1], new RegExp(`^ {4}${h16(bad.kernelWait)} its saved KernelStack [0-9a-f]{16} is outside its own stack`, 'm'));
  assert.match(texts[1], new RegExp(`^ {4}${h16(bad.standby)} the thread has no saved kernel stack pointer$`, 'm'));
  assert.match(texts[1], /^2 threads with no stack:$/m);

  const inverted = await writeThreadFixture(join(dir, 'inverted.dmp'), {
    mutate: async (k, f) => {
      const c = await k.struct('_ETHREAD', f.crash);
      const lim = new DataView(k.mem.read(c.addressOf('Tcb.StackLimit'), 8).buffer).getBigUint64(0, true);
      const base = new DataView(k.mem.read(c.addressOf('Tcb.StackBase'), 8).buffer).getBigUint64(0, true);
      c.set('Tcb.StackLimit', base).set('Tcb.StackBase', lim);
    },
  });
  const inv = await run(inverted.path, 'k');
  assert.match(inv.texts[0], /nt!KiBugCheckDispatch\+0x/);
  assert.match(inv.texts[0], /^\(the thread's stack limits are inverted \(StackLimit [0-9a-f`]+, StackBase [0-9a-f`]+\) and on no processor's DPC or ISR stack: the walk is bounded to [0-9a-f`]+-[0-9a-f`]+\)$/m);

  const elsewhere = await writeThreadFixture(join(dir, 'elsewhere.dmp'), {
    mutate: async (k, f) => {
      // The crashing thread's limits say it owns the first worker's stack: the bugcheck rsp is outside them.
      const w = await k.struct('_ETHREAD', f.workers[0]);
      const q = (field: string) => new DataView(k.mem.read(w.addressOf(field), 8).buffer).getBigUint64(0, true);
      (await k.struct('_ETHREAD', f.crash)).set('Tcb.StackLimit', q('Tcb.StackLimit')).set('Tcb.StackBase', q('Tcb.StackBase')).set('Tcb.InitialStack', q('Tcb.InitialStack'));
    },
  });
  const out = await run(elsewhere.path, 'k');
  assert.match(out.texts[0], /^\(rsp [0-9a-f`]+ is outside the thread's stack \([0-9a-f`]+-[0-9a-f`]+\) and on no processor's DPC or ISR stack: the walk is bounded to /m);
  assert.match(out.texts[0], /nt!KeBugCheckEx/);
});
