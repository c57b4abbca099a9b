// `convert` on damaged input, up (small dump → full, kernel-bitmap) and down (full-memory dump → triage):
// each case opens the dump, builds the session, converts into memory as `dumpscope convert` does and
// reopens what it wrote. A conversion must end in a dump or a DumpscopeError, within the case's time bound
// (20 s, below the suite's 30 s) and the worker's heap, and the test process's RSS stays under its bound.
// Before: the corpus triage dump with DataBlocksCount 0xfffff took 24-30 s and 720 MB, then failed unclearly.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { corpus, skipUnlessCorpus } from '../helpers/corpus.js';
import { fuzzRuns } from '../helpers/fuzz-budget.js';
import { kernelDumpFields } from '../helpers/fuzz-fields.js';
import type { ConvertTo, FuzzJob, FuzzResult } from '../helpers/fuzz-jobs.js';
import { CORPUS_SYMBOLS, SCENARIO_SYMBOLS, scenarioDump } from '../helpers/fuzz-inputs.js';
import { extremesFor, type Field, fieldMutationText, spread, withField } from '../helpers/fuzz-mutate.js';
import { assertMemoryBounded, FuzzRunner } from '../helpers/fuzz-runner.js';

const runner = new FuzzRunner();
after(() => runner.close());
const CASE_MS = 20_000;

type Case = { f: Field; v: bigint };

/** Every field × extreme, plus targeted values; `ci` of them by default (always the targeted ones), all under npm run fuzz. */
function cases(fields: Field[], targeted: Case[], ci: number): Case[] {
  const all = fields.flatMap((f) => extremesFor(f.width).map((v) => ({ f, v })));
  const n = fuzzRuns(ci, 1) >= all.length ? all.length : ci;
  return [...targeted, ...spread(all, n)];
}

async function convertSweep(input: string, good: Uint8Array, list: Case[], job: (b: Uint8Array) => FuzzJob): Promise<FuzzResult[]> {
  return runner.sweep(list.length, (i) => ({ job: job(withField(good, list[i].f, list[i].v)), info: { input, mutation: fieldMutationText(list[i].f, list[i].v) } }), CASE_MS);
}

const convertJob = (name: string, symbols: string, convert: ConvertTo[]) => (bytes: Uint8Array): FuzzJob => ({ kind: 'dump', name, bytes, symbols, convert });
/** The layouts a case converted to (its convert steps that returned a dump). */
const converted = (r: FuzzResult) => r.steps.filter((x) => x.step.startsWith('convert --to') && x.outcome === 'result').map((x) => x.step.slice('convert --to '.length));
const named = (fields: Field[], name: string) => fields.filter((f) => f.name === name);

test('the real x64 triage dump, damaged header fields, converted up to full and kernel-bitmap', { skip: skipUnlessCorpus('kernel/win10-19041-x64-triage-1000007e.dmp') || skipUnlessCorpus('isf') }, async (t) => {
  const good = new Uint8Array(readFileSync(corpus('kernel/win10-19041-x64-triage-1000007e.dmp')));
  const fields = kernelDumpFields(good);
  // The audit's two cases first: a data-block count whose table is 16 MB, a driver count of 65535.
  const targeted = [...named(fields, 'TRIAGE_DUMP.DataBlocksCount').map((f) => ({ f, v: 0xfffffn })), ...named(fields, 'TRIAGE_DUMP.DriverCount').map((f) => ({ f, v: 65535n }))];
  const r = await convertSweep('corpus win10-19041-x64-triage-1000007e.dmp', good, cases(fields.filter((f) => f.name.startsWith('TRIAGE_DUMP') || f.name.startsWith('DataBlock')), targeted, 4), convertJob('triage.dmp', CORPUS_SYMBOLS, ['full', 'kernel-bitmap']));
  // Both audit cases convert (before: the first failed after 24-30 s and 720 MB).
  for (const i of [0, 1]) assert.deepEqual(converted(r[i]), ['full', 'kernel-bitmap'], `${fieldMutationText(targeted[i].f, targeted[i].v)}: ${JSON.stringify(r[i].steps.slice(-2))}`);
  assertMemoryBounded('convert up, corpus triage', t);
});

test('scenario 0x50 as a small dump, damaged header and triage fields, converted up to full and kernel-bitmap', async (t) => {
  const good = await scenarioDump('0x50', 'triage');
  const fields = kernelDumpFields(good);
  const targeted = named(fields, 'TRIAGE_DUMP.DataBlocksCount').map((f) => ({ f, v: 0xfffffn }));
  const r = await convertSweep('scenario 0x50 written as triage', good, cases(fields, targeted, 12), convertJob('0x50-triage.dmp', SCENARIO_SYMBOLS, ['full', 'kernel-bitmap']));
  assert.deepEqual(converted(r[0]), ['full', 'kernel-bitmap'], JSON.stringify(r[0].steps.slice(-2)));
  assertMemoryBounded('convert up, scenario triage', t);
});

test('scenario 0x50 as a kernel-bitmap dump, damaged header and bitmap fields, converted down to triage and to full', async (t) => {
  const good = await scenarioDump('0x50', 'kernel-bitmap');
  const r = await convertSweep('scenario 0x50 written as kernel-bitmap', good, cases(kernelDumpFields(good), [], 12), convertJob('0x50-kernel-bitmap.dmp', SCENARIO_SYMBOLS, ['triage', 'full']));
  assert.ok(r.some((x) => converted(x).length === 2), 'some damaged dumps still convert both ways');
  assertMemoryBounded('convert down, scenario kernel-bitmap', t);
});
