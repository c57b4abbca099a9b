// `.reload` takes WinDbg's options: /u MODULE unloads that module's symbols only (lm shows it deferred, the
// others stay loaded), /u alone unloads all, /q prints nothing, /n (no user-mode reload) is accepted, and
// /i (load a mismatched file) is refused saying why. Facts: amdppm+0x334c is WriteIoMemRawEx+0x70 (corpus
// README, amdppm's public PDB), nt's symbols come from the corpus ISF table.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ModulesResult } from '../../src/commands/builtin/modules.js';
import { createEngine } from '../../src/commands/registry.js';
import { openSession } from '../../src/node/open-session.js';
import { corpus, skipUnlessCorpus } from '../helpers/corpus.js';

const TRIAGE = 'kernel/win10-19041-x64-triage-1000007e.dmp';
const skip = skipUnlessCorpus(TRIAGE) || skipUnlessCorpus('symbols/amdppm.pdb') || skipUnlessCorpus('isf/ntkrnlmp.pdb');

test('.reload /u, /q, /n and /i', { skip }, async () => {
  const io = { out: () => {}, err: () => {}, stderrIsTty: false, env: {} };
  const opened = await openSession(corpus(TRIAGE), { sympath: `${corpus('symbols')};${corpus('isf')}`, offline: true, json: false, markdown: false, commands: [], rest: [] }, io);
  const engine = createEngine();
  const one = async (cmd: string) => (await engine.run(opened.session, cmd))[0];
  const status = async (name: string) => {
    const lm = (await one(`lm m ${name}`)).result as ModulesResult;
    return lm.rows.find((r) => r.name === name)?.symbols;
  };
  try {
    assert.match((await one('ln amdppm+0x334c')).text, /amdppm!WriteIoMemRawEx\+0x70/);
    assert.match((await one('ln nt+0x1000')).text, /nt!/);
    assert.equal(await status('amdppm'), '(pdb symbols)');
    assert.equal(await status('nt'), '(isf symbols)');

    const u = await one('.reload /u amdppm');
    assert.ok(u.ok, u.text);
    assert.equal(u.text, '(amdppm: symbols unloaded; searched again on next use)');
    assert.equal(await status('amdppm'), '(deferred)', 'the named module is unloaded');
    assert.equal(await status('nt'), '(isf symbols)', 'the others stay loaded');
    assert.match((await one('ln amdppm+0x334c')).text, /amdppm!WriteIoMemRawEx\+0x70/, 'found again on next use');

    const q = await one('.reload /q');
    assert.ok(q.ok);
    assert.equal(q.text, '');
    const n = await one('.reload /n /f');
    assert.ok(n.ok, n.text);
    assert.match(n.text, /symbol servers are asked again/);

    await one('ln amdppm+0x334c');
    const all = await one('.reload /u');
    assert.ok(all.ok);
    assert.match(all.text, /^\(symbols of all \d+ modules unloaded/);
    assert.equal(await status('amdppm'), '(deferred)');
    assert.equal(await status('nt'), '(deferred)');

    const i = await one('.reload /i amdppm');
    assert.equal(i.ok, false);
    assert.match(i.text, /\/i: loading mismatched symbol files is not supported/);
    const bad = await one('.reload /z');
    assert.equal(bad.ok, false);
    assert.match(bad.text, /unknown option \/z/);
  } finally {
    await opened.close();
  }
});
