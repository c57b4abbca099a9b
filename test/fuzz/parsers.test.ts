// Property-based fuzzing with fixed seeds of every parser that reads a file, on real files (the corpus)
// and scenario dumps in every layout: random bit flips, 32- and 64-bit extremes at random offsets and an
// optional cut. A failure must be a DumpscopeError (what and where); anything else — a TypeError, a
// RangeError, an engine message swallowed into the output, a hang past the time bound, a heap exhausted —
// is a bug, reported with the seed, the mutation and the input. The targeted sweeps live beside this file:
// truncation at every page boundary, extremes in named fields, memory-only damage with symbols, cycles.
// `npm test` runs each property's small default count; `npm run fuzz` (FUZZ_RUNS=20000) a long one.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { evaluateExpression } from '../../src/commands/expr/masm.js';
import { DumpscopeError } from '../../src/io/errors.js';
import { parseSymbolPath } from '../../src/symbols/symbol-path.js';
import { corpus, repo, skipUnlessCorpus } from '../helpers/corpus.js';
import { fuzzParams } from '../helpers/fuzz-budget.js';
import type { FuzzJob } from '../helpers/fuzz-jobs.js';
import { gcabMissing, mszipCab, SCENARIO_SYMBOLS, scenarioDump, storeFiles } from '../helpers/fuzz-inputs.js';
import { applyDamage, damage, damageText } from '../helpers/fuzz-mutate.js';
import { assertMemoryBounded, FuzzRunner, fuzzProperty } from '../helpers/fuzz-runner.js';

const runner = new FuzzRunner();
after(() => runner.close());

/** Damage anywhere in `good`, each case through `job`. `divisor` scales FUZZ_RUNS down for costly cases. */
function damaged(input: string, good: Uint8Array, seed: number, ciRuns: number, divisor: number, job: (b: Uint8Array) => FuzzJob, shrink = false) {
  return fuzzProperty(runner, { input, ...fuzzParams(seed, ciRuns, divisor), arb: damage(good.length), job: (m) => job(applyDamage(good, m)), text: damageText, shrink });
}

const dump = (name: string, symbols?: string) => (bytes: Uint8Array): FuzzJob => ({ kind: 'dump', name, bytes, symbols, analyze: true });
const read = (path: string) => new Uint8Array(readFileSync(path));

test('the shipped sample and the 0x50 scenario in every layout: header, bitmap, triage parts and analysis', async () => {
  const jobs = [damaged('samples/walkthrough-0x50.dmp', read(repo('samples/walkthrough-0x50.dmp')), 7001, 30, 10, dump('sample.dmp', SCENARIO_SYMBOLS))];
  let seed = 7010;
  for (const layout of ['full', 'kernel-bitmap', 'full-bitmap', 'full32', 'triage'] as const) {
    jobs.push(damaged(`scenario 0x50 written as ${layout}`, await scenarioDump('0x50', layout), seed++, 12, 20, dump(`0x50-${layout}.dmp`, SCENARIO_SYMBOLS)));
  }
  await Promise.all(jobs);
});

test('the real kernel dumps: x64 and ARM64 triage, the cut-off full dump', { skip: skipUnlessCorpus('kernel') }, async () => {
  let seed = 7100;
  await Promise.all(
    readdirSync(corpus('kernel')).sort().map((f) => damaged(`corpus kernel/${f}`, read(corpus(`kernel/${f}`)), seed++, 16, 20, dump(f, corpus('symbols')))),
  );
});

test('the broken corpus files fail clearly, whole and damaged', { skip: skipUnlessCorpus('broken') }, async () => {
  let seed = 7200;
  for (const f of readdirSync(corpus('broken')).sort()) {
    const good = read(corpus(`broken/${f}`));
    const r = await runner.check(dump(f)(good), { input: `corpus broken/${f}`, mutation: 'none' });
    const open = r.steps.find((s) => s.step === 'open');
    // The corpus README: each must produce a clear error saying what is wrong and at which offset.
    assert.equal(open?.outcome, 'error', `${f} opened: ${JSON.stringify(r.steps)}`);
    assert.match(open?.message ?? '', /offset 0x[0-9a-f]+/, `${f}: ${open?.message}`);
    await damaged(`corpus broken/${f}`, good, seed++, 15, 50, dump(f), true);
  }
});

test('user-mode minidumps (MDMP) through the dump opener and info', { skip: skipUnlessCorpus('user') }, async () => {
  let seed = 7300;
  await Promise.all(readdirSync(corpus('user')).sort().map((f) => damaged(`corpus user/${f}`, read(corpus(`user/${f}`)), seed++, 6, 40, dump(f), true)));
});

test('PE images: headers, sections, CodeView, exports, imports, version resource, .pdata and unwind info', async () => {
  const images = [...['ntoskrnl.exe', 'Driver.sys'].map((n) => ({ path: join(SCENARIO_SYMBOLS, n), name: n })), ...storeFiles((n) => /\.(exe|sys)$/i.test(n))];
  let seed = 7400;
  await Promise.all(images.map((img) => damaged(img.path, read(img.path), seed++, 20, 4, (b) => ({ kind: 'pe', name: img.name, bytes: b }), true)));
});

test('PDBs: MSF, DBI, publics, globals, module symbols, TPI types and their layouts', async () => {
  const pdbs = [...['ntkrnlmp.pdb', 'Driver.pdb'].map((n) => ({ path: join(SCENARIO_SYMBOLS, n), name: n })), { path: repo('fixtures/pdb/bin/types.pdb'), name: 'types.pdb' }, ...storeFiles((n) => n.endsWith('.pdb'))];
  let seed = 7500;
  await Promise.all(pdbs.map((p) => damaged(p.path, read(p.path), seed++, 12, 10, (b) => ({ kind: 'symbols', name: p.name, bytes: b, typeLimit: 100 }), true)));
});

test('xz (the nt ISF table, its first 64 KiB and whole) and CAB (hand-made stored, gcab MSZIP)', { skip: skipUnlessCorpus('isf') }, async () => {
  const xz = read(corpus('isf/ntkrnlmp.pdb/5278AFF86C341677D7D7835C85B7B844-1.json.xz'));
  const stored = storedCab();
  await Promise.all([
    damaged('nt ISF .json.xz, first 64 KiB', xz.subarray(0, 65536), 7600, 30, 4, (b) => ({ kind: 'xz', name: 'nt.json.xz', bytes: b }), true),
    // Each whole-file case decodes up to 6 MB: a handful by default.
    damaged('nt ISF .json.xz', xz, 7601, 3, 200, (b) => ({ kind: 'symbols', name: 'nt.json.xz', bytes: b, typeLimit: 50 })),
    damaged('hand-made stored cabinet', stored, 7602, 80, 1, (b) => ({ kind: 'cab', name: 'a.cab', bytes: b }), true),
    ...(gcabMissing() ? [] : [damaged('gcab -c -z cabinet', mszipCab({ 'a.pdb': new TextEncoder().encode('x'.repeat(70000)), 'b.txt': new Uint8Array(300).fill(7) }), 7603, 80, 1, (b) => ({ kind: 'cab', name: 'z.cab', bytes: b }), true)]),
  ]);
});

/** A tiny uncompressed cabinet built by hand: header, one folder, one file, one data block. */
function storedCab(): Uint8Array {
  const cab = new Uint8Array(0x60);
  const dv = new DataView(cab.buffer);
  cab.set(new TextEncoder().encode('MSCF'));
  dv.setUint32(8, cab.length, true);
  dv.setUint32(16, 0x2c, true);
  cab[24] = 3;
  cab[25] = 1;
  dv.setUint16(26, 1, true);
  dv.setUint16(28, 1, true);
  dv.setUint32(36, 0x44, true);
  dv.setUint16(40, 1, true);
  dv.setUint32(0x2c, 8, true);
  cab.set(new TextEncoder().encode('a.txt\0'), 0x3c);
  dv.setUint16(0x48, 8, true);
  dv.setUint16(0x4a, 8, true);
  cab.set(new TextEncoder().encode('abcdefgh'), 0x4c);
  return cab;
}

test('ISF reader on JSON documents with characters replaced', async () => {
  const doc = JSON.stringify({ metadata: { format: '6.1.0' }, base_types: { int: { kind: 'int', size: 4, signed: true }, pointer: { kind: 'int', size: 8 } }, user_types: { A: { kind: 'struct', size: 16, fields: { x: { offset: 0, type: { kind: 'base', name: 'int' } }, p: { offset: 8, type: { kind: 'pointer', subtype: { kind: 'struct', name: 'A' } } }, a: { offset: 8, type: { kind: 'array', count: 2, subtype: { kind: 'base', name: 'int' } } } } } }, enums: { E: { size: 4, base: 'int', constants: { X: 1 } } }, symbols: { s: { address: 16, type: { kind: 'struct', name: 'A' } } } });
  await fuzzProperty(runner, {
    input: 'a small ISF document',
    ...fuzzParams(7700, 120, 2),
    arb: fc.array(fc.tuple(fc.nat(doc.length - 1), fc.constantFrom('0', '9', '-', '.', 'e', '"', '{', '}', '[', ']', ',', ':', 'A', ' ')), { minLength: 1, maxLength: 6 }),
    job: (edits) => {
      const chars = [...doc];
      for (const [at, c] of edits) chars[at] = c;
      return { kind: 'symbols', name: 'edited.json', bytes: new TextEncoder().encode(chars.join('')), types: ['A', 'E'] };
    },
    text: (edits) => edits.map(([at, c]) => `character ${at} = '${c}'`).join(', '),
    shrink: true,
  });
});

test('expressions and symbol paths: garbage text gives clear errors', async () => {
  const env = { pointerSize: 8 as const, register: () => undefined, symbol: async () => undefined, readMemory: async () => 0n };
  const params = fuzzParams(20261122, 600);
  await fc.assert(
    fc.asyncProperty(fc.string({ maxLength: 40 }), async (s) => {
      try {
        await evaluateExpression(s, env);
      } catch (e) {
        assert.ok(e instanceof DumpscopeError, `'${s}': not a DumpscopeError: ${(e as Error)?.stack ?? e}\nseed: ${params.seed}`);
      }
      parseSymbolPath(s);
    }),
    params,
  );
});

test('memory stayed bounded during the random mutations', (t) => assertMemoryBounded('random mutations', t));
