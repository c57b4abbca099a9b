import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { corpus, skipUnlessCorpus } from '../helpers/corpus.js';
import { openSample } from './sample-session.js';

// !pte's entry-address forms and ranges (WinDbg's documentation of !pte), checked against the 0x50
// walkthrough's `!pte ffffe5068d8a4000` (PTE at FFFFBEF28346C520, contains 00003E9800000000) that the
// sample rebuilds; !error's one line per value as WinDbg prints it.
let s: Awaited<ReturnType<typeof openSample>>;
before(async () => {
  s = await openSample();
});
after(() => s?.close());

test('!pte of an address in the self-map, and !pte ADDR 1, walk the VA the entry maps', async () => {
  for (const cmd of ['!pte FFFFBEF28346C520', '!pte FFFFBEF28346C520 1', '!pte FFFFBEF28346C527']) {
    const r = await s.one(cmd);
    assert.ok(r.ok, r.text);
    assert.match(r.text, /^ {43}VA ffffe5068d8a4000$/m, cmd);
    assert.match(r.text, /PTE at FFFFBEF28346C520$/m, cmd);
    assert.match(r.text, /contains 00003E9800000000$/m, cmd);
  }
  const bad = await s.one('!pte ffffe5068d8a4000 1');
  assert.equal(bad.ok, false);
  assert.match(bad.text, /not a page-table entry address/);
});

test('!pte START END lists each page\'s last entry', async () => {
  const r = await s.one('!pte ffffe5068d8a3800 ffffe5068d8a4010');
  assert.ok(r.ok, r.text);
  const lines = r.text.split('\n');
  assert.equal(lines.length, 2);
  // The entries of consecutive pages are 8 bytes apart in the self-map.
  assert.match(lines[0], /^VA ffffe5068d8a3000 {2}PTE at FFFFBEF28346C518 /);
  assert.match(lines[1], /^VA ffffe5068d8a4000 {2}PTE at FFFFBEF28346C520 {4}contains 00003E9800000000 {2}not valid: Page has been freed$/);
  const big = await s.one('!pte 0 10000000');
  assert.equal(big.ok, false);
  assert.match(big.text, /at most 0x1000 pages/);
  assert.match((await s.one('!pte 2000 1000')).text, /below the start/);
});

test('!pte says "contents unknown" under an entry the dump lacks, not "not valid"', { skip: skipUnlessCorpus('kernel/win10-19041-x64-triage-1000007e.dmp') || skipUnlessCorpus('isf') }, async () => {
  const t = await openSample(corpus('kernel/win10-19041-x64-triage-1000007e.dmp'), `${corpus('symbols')};${corpus('isf')}`);
  try {
    const r = await t.one('!pte fffff80000000000');
    assert.ok(r.ok, r.text);
    const [, , contents, state] = r.text.split('\n');
    const col = contents.indexOf('contents not in dump');
    assert.ok(col > 0, r.text);
    assert.equal(state.slice(col, col + 16), 'contents unknown');
    assert.doesNotMatch(r.text, /not valid/);
  } finally {
    await t.close();
  }
});

test('!error prints one line: Win32 for small values, NTSTATUS with flags 1, one HRESULT line', async () => {
  const [two, hr, flagged, ntTwo, nt] = await s.run('!error 2; !error 80070005; !error c0000034 1; !error 2 1; !error c0000034');
  assert.match(two.text, /^Error code: \(Win32\) 0x2 \(2\) - [^\n]+$/);
  assert.match(hr.text, /^Error code: \(HRESULT\) 0x80070005 \(2147942405\) - [^\n]+$/);
  assert.match(flagged.text, /^Error code: \(NTSTATUS\) 0xc0000034 \(3221225524\) - [^\n]+$/);
  assert.equal(flagged.text, nt.text);
  assert.match(ntTwo.text, /^Error code: \(NTSTATUS\) 0x2 \(2\) - [^\n]+$/);
  assert.match((await s.one('!error 1 2 3')).text, /usage: !error VALUE \[FLAGS\]/);
});
