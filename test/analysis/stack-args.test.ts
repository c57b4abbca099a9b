// STACK_TEXT's "Args to Child" are each function's home space: the four qwords at the caller's Child-SP
// (just above the return address), as `kb` and WinDbg print them. The expectations come from the 0x50
// walkthrough's own STACK_TEXT (relations between its lines), from memory read directly, and from the real
// triage dump's `kb` after `.cxr` (read before the helper was shared).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeWithDisplay } from '../../src/commands/builtin/analyze.js';
import { renderAnalysisText } from '../../src/render/analysis.js';
import { openSample } from '../commands/sample-session.js';
import { corpus, skipUnlessCorpus } from '../helpers/corpus.js';
import { skipUnlessWalkthroughs, WALK50 } from '../helpers/walkthrough.js';
import { readFileSync } from 'node:fs';

interface Row {
  childSp: bigint;
  retAddr: bigint;
  args: bigint[];
  site: string;
}

const q = (s: string) => BigInt(`0x${s.replace('`', '')}`);

/** The STACK_TEXT rows of a text report (ours or the walkthrough's). */
function stackRows(text: string): Row[] {
  const lines = text.split('\n');
  const at = lines.indexOf('STACK_TEXT:  ');
  const rows: Row[] = [];
  for (const l of lines.slice(at + 1)) {
    const m = /^([0-9a-f]{8}`[0-9a-f]{8}) ([0-9a-f]{8}`[0-9a-f]{8}) +: (\S+) (\S+) (\S+) (\S+) : (\S+)/.exec(l);
    if (!m) break;
    rows.push({ childSp: q(m[1]), retAddr: q(m[2]), args: [m[3], m[4], m[5], m[6]].map(q), site: m[7] });
  }
  return rows;
}

const bySite = (rows: Row[], re: RegExp) => {
  const i = rows.findIndex((r) => re.test(r.site));
  assert.ok(i >= 0, `no ${re} in ${rows.map((r) => r.site).join(', ')}`);
  return i;
};

/**
 * What the walkthrough's STACK_TEXT shows and ours must too: KeBugCheckEx's args are the code, Arg1, Arg2 and
 * the trap frame (its home space); KiPageFault's first is the faulting driver's return address (the driver
 * frame's Child-SP holds it); MiSystemFault's are not KeBugCheckEx's shifted by one slot (Child-SP + 8).
 */
function assertWalkthroughRelations(text: string, code: bigint, a1: bigint, a2: bigint) {
  const rows = stackRows(text);
  const trap = q(/^TRAP_FRAME: {2}([0-9a-f]+) /m.exec(text)![1]);
  assert.deepEqual(rows[0].args, [code, a1, a2, trap], rows[0].site);
  const kpf = bySite(rows, /^nt!KiPageFault/);
  assert.equal(rows[kpf].args[0], rows[kpf + 1].retAddr, 'KiPageFault\'s first arg is the driver frame\'s return address');
  assert.notDeepEqual(rows[1].args.slice(0, 3), rows[0].args.slice(1), "MiSystemFault's args are not KeBugCheckEx's shifted by one");
}

test("the walkthrough's STACK_TEXT has the home-space relations the tests rely on", { skip: skipUnlessWalkthroughs() }, () => {
  const text = readFileSync(WALK50, 'utf8');
  assert.equal(stackRows(text).length, 15);
  assertWalkthroughRelations(text, 0x50n, 0xffffe5068d8a4000n, 2n);
});

test('the sample: STACK_TEXT args follow the walkthrough and are the qwords at the next Child-SP', async () => {
  const s = await openSample();
  try {
    const r = await analyzeWithDisplay(s.session);
    const text = renderAnalysisText(r);
    const args = s.target.dump.header.bugcheckArgs;
    assertWalkthroughRelations(text, 0x50n, args[0], args[1]);
    const rows = stackRows(text);
    assert.equal(rows.length, r.stack.length);
    for (let i = 0; i + 1 < rows.length; i++) {
      const b = await s.target.memory.read(rows[i + 1].childSp, 32);
      const dv = new DataView(b.buffer, b.byteOffset, 32);
      assert.deepEqual(rows[i].args, [0, 1, 2, 3].map((k) => dv.getBigUint64(k * 8, true)), rows[i].site);
    }
  } finally {
    await s.close();
  }
});

const TRIAGE = 'kernel/win10-19041-x64-triage-1000007e.dmp';
test("the real triage dump: STACK_TEXT's args are kb's after .cxr (frame 00: ffff8504`29892148 0 0 fffff804`8b58f3a0)", { skip: skipUnlessCorpus(TRIAGE) || skipUnlessCorpus('isf') }, async () => {
  const s = await openSample(corpus(TRIAGE), `${corpus('symbols')};${corpus('isf')}`);
  try {
    const rows = stackRows(renderAnalysisText(await analyzeWithDisplay(s.session)));
    assert.equal(rows[0].site, 'amdppm!WriteIoMemRawEx+0x70');
    assert.deepEqual(rows[0].args, [0xffff850429892148n, 0n, 0n, 0xfffff8048b58f3a0n]);
    // Frame 01's Child-SP is where frame 00's home space lies.
    assert.equal(rows[1].childSp, 0xffff850429892150n);
    // kb 9: the last frame of a count-limited walk has no caller frame to read its home space from.
    const kb = (await s.run('.cxr 0xffff850429891720; kb 9')).map((o) => o.text).join('\n');
    const kbRows = kb.split('\n').filter((l) => /^[0-9a-f]{2} [0-9a-f]{8}`/.test(l)).map((l) => l.slice(3).split(' : ')[1]);
    assert.equal(kbRows.length, 9);
    for (let i = 0; i < 8; i++) assert.equal(kbRows[i], rows[i].args.map((v) => { const h = v.toString(16).padStart(16, '0'); return `${h.slice(0, 8)}\`${h.slice(8)}`; }).join(' '), `frame ${i}`);
  } finally {
    await s.close();
  }
});
