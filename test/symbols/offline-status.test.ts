// With --offline, `lmvm` says which servers were skipped for a module whose files were not found locally
// (beside, not instead of, the usual lines), and says nothing of the kind for a module found locally. The
// server URL is never contacted (nothing listens there). Module facts: the corpus README (Wdf01000's PDB
// is not available; amdppm's image and PDB are in the store).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createEngine } from '../../src/commands/registry.js';
import { openSession } from '../../src/node/open-session.js';
import { corpus, skipUnlessCorpus } from '../helpers/corpus.js';

const TRIAGE = 'kernel/win10-19041-x64-triage-1000007e.dmp';
const work = mkdtempSync(join(tmpdir(), 'dumpscope-offline-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('--offline: lmvm says the symbol server was skipped', { skip: skipUnlessCorpus(TRIAGE) || skipUnlessCorpus('symbols/amdppm.pdb') }, async () => {
  const url = 'http://127.0.0.1:9/symbols';
  const errors: string[] = [];
  const io = { out: () => {}, err: (t: string) => void errors.push(t), stderrIsTty: false, env: {} };
  const sympath = `${corpus('symbols')};srv*${join(work, 'cache')}*${url}`;
  const opened = await openSession(corpus(TRIAGE), { sympath, offline: true, json: false, markdown: false, commands: [], rest: [] }, io);
  try {
    const engine = createEngine();
    const [wdf] = await engine.run(opened.session, 'lmvm Wdf01000');
    assert.ok(wdf.ok, wdf.text);
    assert.match(wdf.text, new RegExp(`^ {4}Symbol status: {4}symbol server skipped \\(offline\\) for Wdf01000\\.pdb: ${url.replace(/[.]/g, '\\.')}$`, 'm'));
    const [amd] = await engine.run(opened.session, 'lmvm amdppm');
    assert.ok(amd.ok, amd.text);
    assert.match(amd.text, /amdppm +\(pdb symbols\)/);
    assert.doesNotMatch(amd.text, /Symbol status/, 'found locally: nothing was skipped that mattered');
    assert.deepEqual(errors.filter((e) => /skipped/.test(e)), [], 'said by lmvm, not on stderr');
  } finally {
    await opened.close();
  }
});
