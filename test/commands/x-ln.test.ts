import assert from 'node:assert/strict';
import { test } from 'node:test';
import { xCommand } from '../../src/commands/builtin/symbols.js';
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

// The scenario driver's private PDB records each procedure's type. Expected lists are the declarations in
// fixtures/scenario/src/driver.c (ULONG64 is unsigned __int64; const is not part of the spelling, as in WinDbg).
test('x and ln on a private PDB print the parameter types; thunks and data keep their phrases', async () => {
  const t = await openSample();
  try {
    const x = (await t.one('x Driver!*')).text.split('\n');
    const line = (n: string) => x.find((l) => l.includes(` Driver!${n} `));
    assert.match(line('CopyBlocks') ?? '', /Driver!CopyBlocks \(unsigned char \*, unsigned char \*, unsigned __int64\)$/);
    assert.match(line('FillBuffer') ?? '', /Driver!FillBuffer \(unsigned __int64\)$/);
    assert.match(line('RunTest') ?? '', /Driver!RunTest \(int\)$/);
    assert.match(line('DriverEntry') ?? '', /Driver!DriverEntry \(void \*, void \*\)$/);
    // Import thunks are publics: code without a recorded type.
    assert.match(line('ExFreePoolWithTag') ?? '', /\(<no parameter info>\)$/);
    assert.match(line('_imp_ExFreePoolWithTag') ?? '', /= <no type information>$/);
    const ln = (await t.one('ln Driver!FillBuffer')).text;
    assert.match(ln, /^ {4}Driver!FillBuffer \(unsigned __int64\)$/m);
    // Not exact: no suffix line at all.
    assert.doesNotMatch((await t.one('ln Driver!FillBuffer+1')).text, /Exact matches/);
  } finally {
    await t.close();
  }
});

test('x prints an empty parameter list as (void) and a variadic one with ...', () => {
  const text = xCommand.renderText({
    kind: 'x',
    truncated: false,
    matches: [
      { address: 0x1000n, name: 'm!f', isFunction: true, params: [] },
      { address: 0x2000n, name: 'm!printf', isFunction: true, params: ['char *', '...'] },
    ],
  });
  assert.equal(text, '00000000`00001000 m!f (void)\n00000000`00002000 m!printf (char *, ...)');
});
