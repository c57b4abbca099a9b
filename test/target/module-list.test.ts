// lm over the loaded-module list: `lm a ADDR` keeps the module containing ADDR, and a list that loops is
// said at the end of the listing (as analyze says it), not hidden.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createEngine } from '../../src/commands/registry.js';
import { openSession } from '../../src/node/open-session.js';
import { scenarioBinDir } from '../../src/node/scenario-files.js';
import { writeThreadFixture } from '../helpers/thread-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'dumpscope-module-list-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const io = { out: () => {}, err: () => {}, stderrIsTty: false, env: {} };
const opts = { sympath: scenarioBinDir(), offline: true, json: false, markdown: false, commands: [], rest: [] };

test('lm a ADDR lists the one module containing ADDR; a looping module list is noted', async () => {
  let first = 0n;
  const fx = await writeThreadFixture(join(dir, 'loop.dmp'), {
    mutate: async (k) => {
      // PsLoadedModuleList → nt → Driver → …: make the second entry's Flink point back at the first.
      const head = await k.global('PsLoadedModuleList');
      const q = (a: bigint) => new DataView(k.mem.read(a, 8).buffer).getBigUint64(0, true);
      first = q(head);
      k.mem.u64(q(first), first);
    },
  });
  const { session, close } = await openSession(fx.path, opts, io);
  try {
    const [lm, lmA, nt] = await createEngine().run(session, 'lm; lm a Driver+0x10; lm a nt');
    for (const r of [lm, lmA, nt]) assert.ok(r.ok, r.text);
    assert.ok(lm.text.split('\n').includes(`(loaded-module list: the list loops back to ${first.toString(16)} without reaching its head)`), lm.text);
    const rows = (t: string) => t.split('\n').filter((l) => /^[0-9a-f]{8}`/.test(l));
    assert.deepEqual(rows(lmA.text).map((l) => l.split(/\s+/)[2]), ['Driver']);
    assert.deepEqual(rows(nt.text).map((l) => l.split(/\s+/)[2]), ['nt']);
  } finally {
    await close();
  }
});
