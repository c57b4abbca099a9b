// `lm m PATTERN` lists the unloaded drivers matching the pattern too, and `lmv` gives each what WinDbg prints
// for one (MmUnloadedDrivers keeps only the name and range). The real triage dump's unloaded list holds dam.sys,
// WdBoot.sys, hwpolicy.sys and mcupdate.dll (test/formats/kernel-dump/convert-corpus.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { corpus, skipUnlessCorpus } from '../helpers/corpus.js';
import { openSample } from './sample-session.js';

const TRIAGE = 'kernel/win10-19041-x64-triage-1000007e.dmp';

test('lm m d*: the matching unloaded dam.sys under "Unloaded modules:", no other unloaded driver; lmv: its size from its range', { skip: skipUnlessCorpus(TRIAGE) || skipUnlessCorpus('isf') }, async () => {
  const s = await openSample(corpus(TRIAGE), `${corpus('symbols')};${corpus('isf')}`);
  try {
    const [lm, lmv, none] = await s.run('lm m d*; lmv m dam; lm m zz*');
    const tail = lm.text.split('\n\nUnloaded modules:\n')[1];
    assert.ok(tail, lm.text);
    const rows = tail.split('\n');
    assert.equal(rows.length, 1);
    const m = /^([0-9a-f]{8})`([0-9a-f]{8}) ([0-9a-f]{8})`([0-9a-f]{8}) {3}dam\.sys$/.exec(rows[0])!;
    assert.ok(m, rows[0]);
    const size = BigInt(`0x${m[3]}${m[4]}`) - BigInt(`0x${m[1]}${m[2]}`);
    // `lmv m dam`: the name without its extension matches as WinDbg's module name does.
    assert.deepEqual(lmv.text.split('\n').slice(-4), [rows[0], '    Timestamp: unavailable (00000000)', '    Checksum:  00000000', `    ImageSize:  ${size.toString(16).toUpperCase().padStart(8, '0')}`]);
    assert.doesNotMatch(none.text, /Unloaded modules/);
  } finally {
    await s.close();
  }
});
