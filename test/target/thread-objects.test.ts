// Thread and process fields read by name: owner versus attached process, the clock, enumeration names from
// nt's types, and the notes given when a type or a page is missing.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { threadStackListing } from '../../src/commands/builtin/thread-facts.js';
import { createEngine } from '../../src/commands/registry.js';
import { openSession } from '../../src/node/open-session.js';
import { scenarioBinDir } from '../../src/node/scenario-files.js';
import { TICK_COUNT, TIME_ZONE_BIAS } from '../../src/scenario/kernel-scenario.js';
import { DEFAULT_MS_PER_TICK, kernelClock, ticksSince } from '../../src/target/kernel-clock.js';
import type { KernelTarget } from '../../src/target/kernel-target.js';
import { enumNames, handleCountOf, sessionIdOf } from '../../src/target/object-details.js';
import { corpus, skipUnlessCorpus } from '../helpers/corpus.js';
import { writeThreadFixture } from '../helpers/thread-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'dumpscope-thread-objects-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const io = { out: () => {}, err: () => {}, stderrIsTty: false, env: {} };
const opts = { sympath: scenarioBinDir(), offline: true, json: false, markdown: false, commands: [], rest: [] };
const TRIAGE = 'kernel/win10-19041-x64-triage-1000007e.dmp';

test('a thread attached to another process keeps its owner (KTHREAD.Process) and names the attached one apart', async () => {
  const fx = await writeThreadFixture(join(dir, 'fx.dmp'));
  const { target, close } = await openSession(fx.path, opts, io);
  try {
    const attached = await target.thread(fx.attached);
    assert.equal(attached.processAddress, fx.system);
    assert.equal(attached.attachedProcess, fx.userApp);
    const own = await target.thread(fx.userWait);
    assert.equal(own.processAddress, fx.userApp);
    assert.equal(own.attachedProcess, undefined);
    assert.equal(own.waitMode, 1);
    assert.equal(own.alertable, true);
    assert.equal(own.ioPriority, 2);
    assert.equal(own.pagePriority, 5);
    // The clock the builder wrote: 15.625 ms ticks, the tick count at the crash, UTC-7.
    const clock = await kernelClock(target);
    assert.deepEqual([clock.msPerTick, clock.increment, clock.tickCount, clock.timeZoneBias], [15.625, 'KeMaximumIncrement', TICK_COUNT, TIME_ZONE_BIAS]);
    assert.equal(ticksSince(Number(TICK_COUNT) - 7, clock), 7);
    // Session and handle count by field name.
    const user = await target.process(fx.userApp);
    assert.equal(await sessionIdOf(target, user), 1);
    assert.equal(await handleCountOf(target, user), 46);
    assert.equal(await sessionIdOf(target, await target.process(fx.system)), undefined);
    // The scenario kernel's PDB has no _KWAIT_REASON: the public table is used.
    assert.equal((await enumNames(target, '_KWAIT_REASON')).get(15), 'WrQueue');
  } finally {
    await close();
  }
});

test('without _KSWITCH_FRAME in the types a waiting thread gets a clear note instead of a stack', async () => {
  const types = { struct: async (n: string) => Promise.reject(new Error(`has no structure ${n}`)) };
  const stub = {
    kernelTypes: async () => types,
    crashState: async () => ({ notes: [] }),
    processors: async () => [],
    threadRegisters: async () => undefined,
  } as unknown as KernelTarget;
  const r = await threadStackListing(stub, { processId: 4n, threadId: 8n, address: 0x1000n, kernelStack: 0xfffff90fb6d067c0n, origin: 'memory' }, false);
  assert.equal(r.stack, undefined);
  assert.equal(r.note, "no stack: nt's types have no _KSWITCH_FRAME to read its saved context with");
  const none = await threadStackListing(stub, { processId: 4n, threadId: 8n, address: 0x2000n, origin: 'memory' }, false);
  assert.equal(none.note, 'no stack: the thread has no saved kernel stack pointer');
});

test('the real triage dump: enumeration names from the ISF, the assumed clock said so, SessionId none as in !process', { skip: skipUnlessCorpus(TRIAGE) || skipUnlessCorpus('isf') }, async () => {
  const { session, target, close } = await openSession(corpus(TRIAGE), { ...opts, sympath: `${corpus('symbols')};${corpus('isf')}` }, io);
  try {
    // The 19041 ISF's _KWAIT_REASON ends with WrPhysicalFault (39); its _KOBJECTS has Timer2SynchronizationObject (25).
    assert.equal((await enumNames(target, '_KWAIT_REASON')).get(39), 'WrPhysicalFault');
    assert.equal((await enumNames(target, '_KOBJECTS')).get(25), 'Timer2SynchronizationObject');
    const clock = await kernelClock(target);
    assert.equal(clock.msPerTick, DEFAULT_MS_PER_TICK);
    assert.equal(clock.increment, 'assumed');
    const [p, t, pr] = await createEngine().run(session, '!p; !thread; !process 0 0');
    // mex writes 0 in Ses for a process outside any session, WinDbg's !process `none`.
    assert.match(p.text, /^System ffffc08bdce94180 \(E\|K\|O\) {3}0 4 \(0n4\) 0 \(0n0\) 0{16} /m);
    assert.match(pr.text, /SessionId: none {2}Cid: 0004/);
    assert.match(t.text, /\(KeMaximumIncrement is not in the dump: thread times assume 15\.625 ms per clock tick\)/);
    assert.match(t.text, /^Attached Process {10}N\/A {12}Image: {9}N\/A$/m);
  } finally {
    await close();
  }
});

test('the real triage dump: !thread on a process and !process on a thread say TYPE mismatch, as WinDbg does', { skip: skipUnlessCorpus(TRIAGE) || skipUnlessCorpus('isf') }, async () => {
  const { session, target, close } = await openSession(corpus(TRIAGE), { ...opts, sympath: `${corpus('symbols')};${corpus('isf')}` }, io);
  try {
    const c = await target.crashState();
    const th = c.thread?.address as bigint;
    const pr = c.process?.address as bigint;
    // The ISF's _KOBJECTS: ThreadObject 6, ProcessObject 3 (the values the check compares Header.Type with).
    const objects = await enumNames(target, '_KOBJECTS');
    assert.equal(objects.get(6), 'ThreadObject');
    assert.equal(objects.get(3), 'ProcessObject');
    const [a, b, ok1, ok2] = await createEngine().run(session, `!thread ${pr.toString(16)}; !process ${th.toString(16)} 0; !thread ${th.toString(16)}; !process ${pr.toString(16)} 0`);
    assert.equal(a.ok, false);
    assert.equal(a.text, `!thread: TYPE mismatch for thread object at ${pr.toString(16).padStart(16, '0')}`);
    assert.equal(b.ok, false);
    assert.equal(b.text, `!process: TYPE mismatch for process object at ${th.toString(16).padStart(16, '0')}`);
    assert.ok(ok1.ok && ok2.ok, ok1.text + ok2.text);
  } finally {
    await close();
  }
});
