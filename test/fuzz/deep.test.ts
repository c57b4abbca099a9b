// Damage confined to a dump's memory pages: the headers and the bitmap stay intact, so every case opens,
// gets the scenario kernel's symbols (`-y fixtures/scenario/bin`) and reaches the typed paths — process
// and thread lists, the module list, pool pages, page tables — through !analyze and a battery of
// commands, first in the bugcheck context, then in the faulting context the analysis switches to. Kernel
// pointers are the targets: rewritten to extremes, to another pointer of the dump (aliasing, loops) or
// shifted a little, plus a few bit flips anywhere in the pages.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import type { ScenarioName } from '../../src/scenario/scenarios.js';
import { repo } from '../helpers/corpus.js';
import { fuzzParams } from '../helpers/fuzz-budget.js';
import { BATTERY, type FuzzResult } from '../helpers/fuzz-jobs.js';
import { memoryPages, SCENARIO_SYMBOLS, scenarioDump } from '../helpers/fuzz-inputs.js';
import { applyMemoryDamage, kernelPointerSlots, memoryDamage, memoryDamageText } from '../helpers/fuzz-mutate.js';
import { assertMemoryBounded, FuzzRunner, fuzzProperty } from '../helpers/fuzz-runner.js';

const runner = new FuzzRunner();
after(() => runner.close());

const ok = (r: FuzzResult, step: string) => r.steps.some((s) => s.step === step && s.outcome === 'result');

async function memoryFuzz(input: string, good: Uint8Array, seed: number, ciRuns: number): Promise<FuzzResult[]> {
  const { start, end } = memoryPages(good);
  const slots = kernelPointerSlots(good, start, end);
  assert.ok(slots.length > 100, `${input}: only ${slots.length} kernel pointers in its pages`);
  const params = fuzzParams(seed, ciRuns, 20);
  return fuzzProperty(runner, {
    input,
    ...params,
    arb: memoryDamage(slots.length, end - start),
    job: (m) => ({ kind: 'dump', name: 'fuzz.dmp', bytes: applyMemoryDamage(good, slots, start, m), symbols: SCENARIO_SYMBOLS, analyze: true, commands: BATTERY, followStackCommand: true }),
    text: (m) => memoryDamageText(slots, start, m),
  });
}

/** The cases went deep: nearly all analyzed, and the typed commands mostly returned results. */
function assertDepth(input: string, results: FuzzResult[]): void {
  const share = (step: string) => results.filter((r) => ok(r, step)).length / results.length;
  assert.ok(share('analyze') >= 0.9, `${input}: only ${(share('analyze') * 100).toFixed(0)} % of the cases reached a result of !analyze`);
  for (const c of ["command '!process 0 0'", "command 'dt nt!_EPROCESS @$proc'", "command 'lm'", "command '!thread'"]) {
    assert.ok(share(c) >= 0.5, `${input}: only ${(share(c) * 100).toFixed(0)} % of the cases got a result from ${c}`);
  }
}

test('the shipped sample: pointers and bytes of its memory pages damaged, !analyze and the battery with symbols', async () => {
  const good = new Uint8Array(readFileSync(repo('samples/walkthrough-0x50.dmp')));
  assertDepth('sample', await memoryFuzz('samples/walkthrough-0x50.dmp', good, 5001, 24));
});

for (const [name, seed] of [['0x50', 5010], ['0x7e', 5020], ['0xd1', 5030], ['0x3b', 5040]] as [ScenarioName, number][]) {
  test(`scenario ${name} (full and kernel-bitmap): memory-only damage, !analyze and the battery with symbols`, async () => {
    // The two layouts side by side: one property per worker.
    const runs = await Promise.all(
      (['full', 'kernel-bitmap'] as const).map(async (layout, i) => memoryFuzz(`scenario ${name} written as ${layout}`, await scenarioDump(name, layout), seed + i, 8)),
    );
    assertDepth(`scenario ${name}`, runs.flat());
  });
}

test('memory stayed bounded during the memory-page fuzzing', (t) => assertMemoryBounded('memory-page fuzzing', t));
