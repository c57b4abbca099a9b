// Truncation at every 4 KiB boundary: a dump, image or symbol file cut short (a partial upload, a full
// disk) must end in a result or a DumpscopeError that says what is missing — never an exception of
// JavaScript's own, a hang or unbounded memory. Each cut runs open, info and, for dumps, the session and
// `!analyze -v` with the dump's own symbols, in a worker that is stopped if it exceeds the time bound.
// Big inputs whose cases are slow (the real triage dump loads a 6 MB ISF table per case) are sampled
// deterministically in the default budget and swept at every boundary under `npm run fuzz`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { ScenarioName } from '../../src/scenario/scenarios.js';
import { corpus, repo, skipUnlessCorpus } from '../helpers/corpus.js';
import type { FuzzJob } from '../helpers/fuzz-jobs.js';
import { CORPUS_SYMBOLS, SCENARIO_SYMBOLS, type ScenarioLayout, scenarioDump, storeFiles } from '../helpers/fuzz-inputs.js';
import { cutsFor, pageBoundaries } from '../helpers/fuzz-mutate.js';
import { assertMemoryBounded, FuzzRunner } from '../helpers/fuzz-runner.js';

const runner = new FuzzRunner();
after(() => runner.close());

/**
 * The whole file first (it must reach `deepest` with a result, so the cuts exercise a working path), then
 * every cut. `check` sees each cut's result for properties beyond "no bug".
 */
async function sweep(input: string, bytes: Uint8Array, job: (b: Uint8Array) => FuzzJob, cuts: number[], deepest: string, check?: (cut: number, r: Awaited<ReturnType<FuzzRunner['run']>>) => void): Promise<void> {
  const whole = await runner.check(job(bytes), { input, mutation: 'none (the whole file)' });
  const deep = whole.steps.find((s) => s.step === deepest);
  assert.equal(deep?.outcome, 'result', `${input}: the whole file does not reach ${deepest}: ${JSON.stringify(whole.steps)}`);
  const results = await runner.sweep(cuts.length, (i) => ({ job: job(bytes.subarray(0, cuts[i])), info: { input, mutation: `cut at 0x${cuts[i].toString(16)} of 0x${bytes.length.toString(16)} bytes` } }));
  if (check) for (const [i, r] of results.entries()) check(cuts[i], r);
}

const dumpJob = (name: string, symbols?: string) => (bytes: Uint8Array): FuzzJob => ({ kind: 'dump', name, bytes, symbols, analyze: true });

/** A cut dump that still analyzes says it is truncated (the limitation a support engineer must see). */
const saysTruncated = (input: string) => (cut: number, r: Awaited<ReturnType<FuzzRunner['run']>>) => {
  if (r.limitations) assert.ok(r.limitations.some((l) => /truncated dump/.test(l)), `${input} cut at 0x${cut.toString(16)} analyzes without saying it is truncated: ${r.limitations.join(' | ')}`);
};

test('the shipped sample (walkthrough-0x50.dmp) cut at every page boundary', async () => {
  const bytes = new Uint8Array(readFileSync(repo('samples/walkthrough-0x50.dmp')));
  await sweep('samples/walkthrough-0x50.dmp', bytes, dumpJob('walkthrough-0x50.dmp', SCENARIO_SYMBOLS), pageBoundaries(bytes.length), 'analyze', saysTruncated('the sample'));
});

const LAYOUTS: ScenarioLayout[] = ['full', 'kernel-bitmap', 'full-bitmap', 'full32', 'triage'];
for (const name of ['0x50', '0x7e', '0xd1', '0x3b'] as ScenarioName[]) {
  test(`scenario ${name} in every layout (${LAYOUTS.join(', ')}) cut at every page boundary`, async () => {
    for (const layout of LAYOUTS) {
      const bytes = await scenarioDump(name, layout);
      // The 32-bit layout has no translation yet: its deepest step is the session, analysis still runs.
      await sweep(`scenario ${name} written as ${layout}`, bytes, dumpJob(`${name}-${layout}.dmp`, SCENARIO_SYMBOLS), pageBoundaries(bytes.length), 'analyze', saysTruncated(`${name} ${layout}`));
    }
  });
}

test('the real x64 triage dump cut at page boundaries, analyzed with the corpus store and nt ISF', { skip: skipUnlessCorpus('kernel/win10-19041-x64-triage-1000007e.dmp') || skipUnlessCorpus('isf') }, async () => {
  const bytes = new Uint8Array(readFileSync(corpus('kernel/win10-19041-x64-triage-1000007e.dmp')));
  // Each case parses the ISF table again (~0.4 s): 14 cuts by default, all 353 under npm run fuzz. Its last
  // 0xab4 bytes belong to no part the header names, so not every cut is one the reader can notice.
  await sweep('corpus kernel/win10-19041-x64-triage-1000007e.dmp', bytes, dumpJob('win10-19041-x64-triage-1000007e.dmp', CORPUS_SYMBOLS), cutsFor(bytes.length, 14, 4), 'analyze');
});

test('the real ARM64 triage dump and the cut-off 16 KiB full dump at every page boundary', { skip: skipUnlessCorpus('kernel') }, async () => {
  for (const f of ['win11-22000-arm64-triage-1c8.dmp', 'win10-19045-x64-full-first16k.dmp']) {
    const bytes = new Uint8Array(readFileSync(corpus(`kernel/${f}`)));
    await sweep(`corpus kernel/${f}`, bytes, dumpJob(f, corpus('symbols')), pageBoundaries(bytes.length), 'analyze');
  }
});

test('every PE image (scenario binaries and corpus store) cut at every page boundary', async () => {
  const images = [
    ...['ntoskrnl.exe', 'Driver.sys', 'EvilDriver.sys', 'IoctlDriver.sys'].map((n) => ({ path: join(SCENARIO_SYMBOLS, n), name: n })),
    ...storeFiles((n) => /\.(exe|sys|dll)$/i.test(n)),
  ];
  for (const img of images) {
    const bytes = new Uint8Array(readFileSync(img.path));
    await sweep(img.path, bytes, (b) => ({ kind: 'pe', name: img.name, bytes: b }), pageBoundaries(bytes.length), 'unwind info');
  }
});

test('every PDB (scenario, fixture and corpus store) cut at page boundaries (200 spread over the biggest)', async () => {
  const pdbs = [
    ...['ntkrnlmp.pdb', 'Driver.pdb'].map((n) => ({ path: join(SCENARIO_SYMBOLS, n), name: n })),
    { path: repo('fixtures/pdb/bin/types.pdb'), name: 'types.pdb' },
    ...storeFiles((n) => n.endsWith('.pdb')),
  ];
  for (const p of pdbs) {
    const bytes = new Uint8Array(readFileSync(p.path));
    // A PDB cut anywhere loses its stream directory or streams: each cut is a quick, clear error.
    const cuts = pageBoundaries(bytes.length);
    await sweep(p.path, bytes, (b) => ({ kind: 'symbols', name: p.name, bytes: b, typeLimit: 200 }), cuts.length > 250 ? cutsFor(bytes.length, 200, 16).slice(0, 200) : cuts, 'type layouts');
  }
});

test('the nt ISF table (.json.xz) cut at page boundaries of the compressed file', { skip: skipUnlessCorpus('isf') }, async () => {
  const path = corpus('isf/ntkrnlmp.pdb/5278AFF86C341677D7D7835C85B7B844-1.json.xz');
  const bytes = new Uint8Array(readFileSync(path));
  // Decoding up to a late cut takes ~0.3 s: 12 cuts by default, all 144 under npm run fuzz.
  await sweep(path, bytes, (b) => ({ kind: 'symbols', name: 'nt.json.xz', bytes: b, typeLimit: 100 }), cutsFor(bytes.length, 12, 3), 'type layouts');
});

test('memory stayed bounded during the truncation sweeps', (t) => assertMemoryBounded('truncation sweeps', t));
