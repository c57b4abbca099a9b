import assert from 'node:assert/strict';
import { test } from 'node:test';
import { corpus, skipUnlessCorpus } from '../helpers/corpus.js';
import { openSample } from './sample-session.js';

// `x` and `ln` print the same phrase after a name without type information: `(<no parameter info>)` for
// code, `= <no type information>` for data (WinDbg's two phrases). The corpus triage dump has nt from its
// ISF table (no symbol types, and nt's image is not in the corpus) and amdppm from its public PDB.
const TRIAGE = 'kernel/win10-19041-x64-triage-1000007e.dmp';

test('x and ln agree on each symbol\'s suffix (ISF nt, public-PDB amdppm)', { skip: skipUnlessCorpus(TRIAGE) || skipUnlessCorpus('isf') }, async () => {
  const t = await openSample(corpus(TRIAGE), `${corpus('symbols')};${corpus('isf')}`);
  try {
    for (const name of ['nt!KeBugCheckEx', 'nt!PsLoadedModuleList', 'amdppm!WriteIoMemRawEx']) {
      const [x, ln] = await t.run(`x ${name}; ln ${name}`);
      assert.ok(x.ok && ln.ok, `${x.text}\n${ln.text}`);
      const fromX = / (\(<no parameter info>\)|= <no type information>)$/.exec(x.text.split('\n')[0])?.[1];
      const fromLn = new RegExp(`^ {4}${name.replace('!', '!')} (.*)$`, 'm').exec(ln.text)?.[1];
      assert.ok(fromX, x.text);
      assert.equal(fromLn, fromX, `${name}: x says ${fromX}, ln says ${fromLn}`);
    }
    // amdppm's .pdata has a function at WriteIoMemRawEx (the corpus README: its image has unwind data).
    assert.match((await t.one('x amdppm!WriteIoMemRawEx')).text, /\(<no parameter info>\)$/);
  } finally {
    await t.close();
  }
});
