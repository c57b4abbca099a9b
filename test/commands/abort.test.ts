// Ctrl-C on the long thread commands: `!us`, `!process 0 7` and `k` on the 0x50 scenario with 3000 extra
// waiting threads (3001 in all, the benchmark's fixture). The abort is raised from inside a memory read at
// chosen points of the command's work, so where it lands is deterministic; the bound is on how much work
// the command still does after it (memory reads), not on wall time, which a shared machine makes noisy.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ABORTED_TEXT } from '../../src/commands/engine.js';
import { createEngine } from '../../src/commands/registry.js';
import type { Session } from '../../src/commands/session.js';
import type { AddressSpace } from '../../src/memory/address-space.js';
import { openSession } from '../../src/node/open-session.js';
import { scenarioBinDir, writeScenarioDump } from '../../src/node/scenario-files.js';

const EXTRA_THREADS = 3000;
const io = { out: () => {}, err: () => {}, stderrIsTty: false, env: {} };
const dir = mkdtempSync(join(tmpdir(), 'dumpscope-abort-'));
let opened: Awaited<ReturnType<typeof openSession>>;
/** Reads the command makes through the target's address space; `abortAt` aborts `controller` on that read. */
const probe = { reads: 0, abortAt: 0, readsAtAbort: 0, controller: new AbortController() };

before(async () => {
  const path = join(dir, 'threads.dmp');
  await writeScenarioDump('0x50', 'kernel-bitmap', path, { extraThreads: EXTRA_THREADS });
  opened = await openSession(path, { sympath: scenarioBinDir(), offline: true, json: false, markdown: false, commands: [], rest: [] }, io);
  const memory = opened.target.memory as AddressSpace;
  const read = memory.read.bind(memory);
  memory.read = (va, length) => {
    if (++probe.reads === probe.abortAt) {
      probe.readsAtAbort = probe.reads;
      probe.controller.abort();
    }
    return read(va, length);
  };
});

after(async () => {
  await opened?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `command` to the end; returns its output and how many reads it made. */
async function full(command: string) {
  probe.reads = 0;
  probe.abortAt = 0;
  const [o] = await createEngine().run(opened.session as Session, command, new AbortController().signal);
  return { o, reads: probe.reads };
}

/** Runs `command`, aborting it on read number `at`; returns its output and the reads made after the abort. */
async function abortedAt(command: string, at: number) {
  probe.reads = 0;
  probe.abortAt = at;
  probe.controller = new AbortController();
  const [o] = await createEngine().run(opened.session as Session, command, probe.controller.signal);
  return { o, after: probe.reads - probe.readsAtAbort };
}

test('the fixture has 3001 threads, and !us reads all of them when not stopped', async () => {
  const us = await full('!us');
  assert.ok(us.o.ok, us.o.text);
  // The scenario's System process: the crashing thread plus the extra waiting ones.
  assert.match(us.o.text, new RegExp(`over ${EXTRA_THREADS + 1} thread\\(s\\)$`, 'm'));
  // At least a list link and an _ETHREAD per thread, and a stack walk each (several reads).
  assert.ok(us.reads > 4 * EXTRA_THREADS, `${us.reads} reads`);
});

// Points in the work: the thread list walk (the first few thousand reads: list links, then each _ETHREAD),
// and the per-thread part (facts, wait objects, stack walks). A checkpoint at most every 256 list entries
// or one per frame, thread or item means a few hundred reads at most after the abort; without them the
// list walk alone would go on for thousands.
const POINTS = [40, 2_000, 5_000, 12_000];
const MAX_READS_AFTER_ABORT = 300;

for (const command of ['!us', '!process 0 7']) {
  test(`${command} on 3001 threads stops within ${MAX_READS_AFTER_ABORT} reads of an abort, wherever it lands`, async () => {
    for (const at of POINTS) {
      const { o, after } = await abortedAt(command, at);
      assert.equal(o.error, 'aborted', `abort at read ${at}: ${o.text.slice(0, 200)}`);
      assert.equal(o.text, ABORTED_TEXT);
      assert.ok(after <= MAX_READS_AFTER_ABORT, `abort at read ${at}: ${after} more reads`);
    }
  });
}

test('k stops at the next frame of its walk once aborted', async () => {
  const whole = await full('k');
  assert.ok(whole.o.ok && whole.reads > 10, `${whole.reads} reads`);
  // Abort on the walk's first reads: one frame's unwinding may finish (its saved registers, its return
  // address), no further frame is unwound and nothing is symbolized.
  for (const at of [whole.reads - 8, whole.reads - 4]) {
    const { o, after } = await abortedAt('k', at);
    assert.equal(o.error, 'aborted');
    assert.ok(after <= 3, `abort at read ${at} of ${whole.reads}: ${after} more reads`);
  }
});

test('an abort from a timer (as Ctrl-C arrives) ends !us and !process 0 7 promptly', async () => {
  for (const command of ['!us', '!process 0 7']) {
    probe.abortAt = 0;
    const c = new AbortController();
    let abortedAtMs = 0;
    setTimeout(() => {
      abortedAtMs = Date.now();
      c.abort();
    }, 100);
    const [o] = await createEngine().run(opened.session as Session, command, c.signal);
    const late = Date.now() - abortedAtMs;
    assert.equal(o.error, 'aborted', command);
    // The checkpoints yield to the event loop every 15 ms; a generous bound for a loaded machine.
    assert.ok(late < 1_000, `${command}: returned ${late} ms after the abort`);
  }
});
