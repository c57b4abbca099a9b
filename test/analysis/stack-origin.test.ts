// STACK_TEXT marks a frame by how the walk found it: unwind data (no mark), its callee's epilog run, or a
// stack scan — the same words `k` uses (docs/stack-walking.md), from the walk's own record of each step.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { frameOrigin } from '../../src/analysis/stack.js';
import { analyzeWithDisplay } from '../../src/commands/builtin/analyze.js';
import { renderAnalysisText } from '../../src/render/analysis.js';
import { openSample } from '../commands/sample-session.js';
import { corpus, skipUnlessCorpus } from '../helpers/corpus.js';

test('frameOrigin: a frame is as guessed as the step from its callee, and says which guess', () => {
  // Frame 0 is the context; each step's `guessed`/`guess` describe how the next frame was found.
  const walk = [{ guessed: false }, { guessed: true, guess: 'epilog' as const }, { guessed: true, guess: 'call' as const }, { guessed: true, guess: 'symbol' as const }, { guessed: true }, { guessed: false }];
  assert.deepEqual(frameOrigin(walk, 0), { guessed: false });
  assert.deepEqual(frameOrigin(walk, 1), { guessed: false });
  assert.deepEqual(frameOrigin(walk, 2), { guessed: true, guess: 'epilog' });
  assert.deepEqual(frameOrigin(walk, 3), { guessed: true, guess: 'call' });
  assert.deepEqual(frameOrigin(walk, 4), { guessed: true, guess: 'symbol' });
  // A guess with no kind recorded reads as a stack scan, the fallback's first kind.
  assert.deepEqual(frameOrigin(walk, 5), { guessed: true, guess: 'call' });
});

test("STACK_TEXT labels an epilog frame as such and only scanned frames as 'found by stack scan'", async () => {
  const s = await openSample();
  try {
    const r = await analyzeWithDisplay(s.session);
    assert.ok(r.stack.length >= 6);
    // The sample's own stack (all from unwind data), with frames 3..5 marked the three ways a walk guesses.
    const kinds = [undefined, undefined, undefined, 'epilog', 'call', 'symbol'] as const;
    const stack = r.stack.map((e, i) => (kinds[i] ? { ...e, guessed: true, guess: kinds[i] } : e));
    const text = renderAnalysisText({ ...r, stack });
    const lines = text.split('\n');
    const at = lines.indexOf('STACK_TEXT:  ');
    assert.ok(at >= 0, text);
    const rows = lines.slice(at + 1, at + 1 + r.stack.length);
    for (const [i, e] of r.stack.entries()) assert.ok(rows[i].includes(e.callSite), `${i}: ${rows[i]}`);
    assert.ok(rows.slice(0, 3).every((l) => !l.includes('guessed')), rows.slice(0, 3).join('\n'));
    assert.ok(rows[3].endsWith(`${r.stack[3].callSite} (guessed: found by running the epilog code)`), rows[3]);
    assert.ok(rows[4].endsWith(`${r.stack[4].callSite} (guessed: found by stack scan)`), rows[4]);
    assert.ok(rows[5].endsWith(`${r.stack[5].callSite} (guessed: found by stack scan, code not in the dump)`), rows[5]);
    assert.equal(rows.filter((l) => l.includes('found by stack scan')).length, 2);
    // The unmarked report has no marks at all.
    assert.ok(!renderAnalysisText(r).includes('guessed'));
  } finally {
    await s.close();
  }
});

const TRIAGE = 'kernel/win10-19041-x64-triage-1000007e.dmp';
test("the real triage dump: the frame IofCallDriver's epilog gives is marked as an epilog frame, those after it as scanned", { skip: skipUnlessCorpus(TRIAGE) || skipUnlessCorpus('isf') }, async () => {
  const s = await openSample(corpus(TRIAGE), `${corpus('symbols')};${corpus('isf')}`);
  try {
    const r = await analyzeWithDisplay(s.session);
    // nt's image is not in the store: past nt!IofCallDriver+0x55 (whose code the dump keeps) the walk runs its
    // epilog (docs/stack-walking.md), then scans nt's frames without their code.
    const i = r.stack.findIndex((e) => e.callSite === 'nt!IofCallDriver+0x55');
    assert.ok(i > 0, r.stack.map((e) => e.callSite).join('\n'));
    assert.deepEqual([r.stack[i].guessed, r.stack[i + 1].guess], [false, 'epilog']);
    const text = renderAnalysisText(r);
    assert.match(text, /: nt!PnpAsynchronousCall\+0xea \(guessed: found by running the epilog code\)$/m);
    assert.match(text, /: nt!PnpSendIrp\+0x9e \(guessed: found by stack scan, code not in the dump\)$/m);
  } finally {
    await s.close();
  }
});
