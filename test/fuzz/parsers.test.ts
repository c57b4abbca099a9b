// Property-based fuzzing of every parser that reads a file, with a fixed seed: real files (corpus) and
// scenario dumps, truncated, bit-flipped and with huge counts written into them. A failure must be a
// DumpscopeError (what and where); anything else — TypeError, RangeError, a hang — is a bug.
// `npm test` runs a short budget; `npm run fuzz` (FUZZ_RUNS=20000) a long one.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { extractCab } from '../../src/formats/cab/cab.js';
import { IsfTable } from '../../src/formats/isf/isf.js';
import { openKernelDump } from '../../src/formats/kernel-dump/kernel-dump.js';
import { writeKernelDump, MemorySink } from '../../src/formats/kernel-dump/writer.js';
import { openDump } from '../../src/formats/open-dump.js';
import { PdbFile } from '../../src/formats/pdb/pdb.js';
import { PeImage } from '../../src/formats/pe/pe-image.js';
import { decodeXz } from '../../src/formats/xz/xz.js';
import { BufferSource } from '../../src/io/buffer-source.js';
import { DumpscopeError } from '../../src/io/errors.js';
import { evaluateExpression } from '../../src/commands/expr/masm.js';
import { parseSymbolPath } from '../../src/symbols/symbol-path.js';
import { KernelTarget } from '../../src/target/kernel-target.js';
import { analyze } from '../../src/analysis/analyze.js';
import { readScenarioBinaries } from '../../src/node/scenario-files.js';
import { buildScenario } from '../../src/scenario/scenarios.js';
import { corpus, skipUnlessCorpus } from '../helpers/corpus.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const SEED = 20261122;

/** Mutations: bit flips, byte overwrites, 32-bit huge values, then an optional cut. */
const mutation = (len: number) =>
  fc.record({
    flips: fc.array(fc.tuple(fc.nat(len - 1), fc.integer({ min: 1, max: 255 })), { maxLength: 6 }),
    huge: fc.array(fc.tuple(fc.nat(len - 1), fc.constantFrom(0xffffffff, 0x7fffffff, 0x80000000, 0x10000)), { maxLength: 2 }),
    cut: fc.option(fc.nat(len), { nil: undefined }),
  });

function mutate(good: Uint8Array, m: { flips: [number, number][]; huge: [number, number][]; cut?: number }): Uint8Array {
  const b = good.slice(0, m.cut === undefined ? good.length : Math.max(m.cut, 1));
  for (const [at, x] of m.flips) if (at < b.length) b[at] ^= x;
  for (const [at, v] of m.huge) if (at + 4 <= b.length) new DataView(b.buffer).setUint32(at, v, true);
  return b;
}

async function expectOnlyDumpscopeErrors(f: () => Promise<unknown>): Promise<void> {
  try {
    await f();
  } catch (e) {
    assert.ok(e instanceof DumpscopeError, `not a DumpscopeError: ${(e as Error)?.stack ?? e}`);
  }
}

async function fuzz(good: Uint8Array, body: (b: Uint8Array) => Promise<unknown>, runs = RUNS): Promise<void> {
  await fc.assert(fc.asyncProperty(mutation(good.length), async (m) => expectOnlyDumpscopeErrors(() => body(mutate(good, m)))), { seed: SEED, numRuns: runs });
}

const file = (rel: string) => new Uint8Array(readFileSync(corpus(rel)));
const storeFile = (name: string) => {
  const d = corpus(`symbols/${name}`);
  return new Uint8Array(readFileSync(join(d, readdirSync(d)[0], name)));
};

test('kernel dump reader and the whole analysis on mutated scenario dumps', { timeout: 600_000 }, async () => {
  const bins = await readScenarioBinaries();
  const s = await buildScenario('0x50', bins, { extraThreads: 1 });
  const sink = new MemorySink();
  await writeKernelDump(sink, s.facts, s.pages, { layout: 'kernel-bitmap' });
  const good = sink.toBytes();
  const provider = { findImage: async () => ({ found: false as const, reason: 'fuzz' }) };
  await fuzz(good, async (b) => {
    const d = await openKernelDump(new BufferSource(b, 'fuzz.dmp'));
    const t = new KernelTarget(d, provider);
    await t.init();
    await analyze(t);
  }, Math.max(10, Math.floor(RUNS / 3)));
});

test('triage dump reader on the mutated real dump', { skip: skipUnlessCorpus('kernel/win10-19041-x64-triage-1000007e.dmp'), timeout: 600_000 }, async () => {
  const good = file('kernel/win10-19041-x64-triage-1000007e.dmp');
  const provider = { findImage: async () => ({ found: false as const, reason: 'fuzz' }) };
  await fuzz(good, async (b) => {
    const d = await openKernelDump(new BufferSource(b, 'fuzz.dmp'));
    const t = new KernelTarget(d, provider);
    await analyze(t);
  });
});

test('minidump recognition on mutated user-mode dumps', { skip: skipUnlessCorpus('user') }, async () => {
  for (const f of readdirSync(corpus('user')).slice(0, 4)) {
    const good = file(`user/${f}`);
    await fuzz(good.subarray(0, Math.min(good.length, 1 << 16)), (b) => openDump(new BufferSource(b, f)));
  }
});

test('PE reader (headers, .pdata, unwind info, CodeView) on mutated images', { skip: skipUnlessCorpus('symbols/amdppm.sys') }, async () => {
  for (const name of ['amdppm.sys', 'CrashWithException.exe']) {
    const good = storeFile(name);
    await fuzz(good, async (b) => {
      const pe = await PeImage.open(async (o, n) => (o >= 0 && o + n <= b.length ? b.subarray(o, o + n) : undefined), false, name);
      await pe.codeView();
      for (const fn of (await pe.runtimeFunctions()).slice(0, 64)) await pe.unwindInfo(fn);
    });
  }
});

test('PDB reader (publics, modules, symbols, types) on mutated PDBs', { skip: skipUnlessCorpus('symbols/CrashWithException.pdb'), timeout: 600_000 }, async () => {
  const good = storeFile('CrashWithException.pdb');
  await fuzz(good, async (b) => {
    const pdb = await PdbFile.open(new BufferSource(b, 'fuzz.pdb'));
    await pdb.symbolAt(0x1010);
    await pdb.privateSymbols();
    const types = await pdb.types();
    for (const n of types.typeNames().slice(0, 50)) {
      const t = types.findType(n);
      if (t?.kind === 'udt') for (const f of t.fields) void f.type.size;
    }
  });
});

test('xz and CAB decoders on mutated inputs', { skip: skipUnlessCorpus('isf') }, async () => {
  const d = corpus('isf/ntkrnlmp.pdb');
  const xz = file(`isf/ntkrnlmp.pdb/${readdirSync(d)[0]}`).subarray(0, 65536);
  await fuzz(xz, async (b) => decodeXz(b, { maxOutput: 1 << 24 }));
  // A tiny uncompressed cabinet built by hand: header, one folder, one file, one data block.
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
  await fuzz(cab, async (b) => extractCab(b, { maxOutput: 1 << 20 }));
});

test('ISF reader on mutated JSON documents', () => {
  const doc = JSON.stringify({ metadata: { format: '6.1.0' }, base_types: { int: { kind: 'int', size: 4, signed: true }, pointer: { kind: 'int', size: 8 } }, user_types: { A: { kind: 'struct', size: 16, fields: { x: { offset: 0, type: { kind: 'base', name: 'int' } }, p: { offset: 8, type: { kind: 'pointer', subtype: { kind: 'struct', name: 'A' } } } } } }, symbols: { s: { address: 16 } } });
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(doc.length - 1), fc.string({ minLength: 1, maxLength: 1 })), { maxLength: 6 }), (edits) => {
      const chars = [...doc];
      for (const [at, c] of edits) chars[at] = c;
      try {
        const t = IsfTable.parse(chars.join(''), 'fuzz');
        const a = t.typeByName('A');
        if (a?.kind === 'udt') for (const f of a.fields) if (f.type.kind === 'pointer') void f.type.target.size;
      } catch (e) {
        assert.ok(e instanceof DumpscopeError, String(e));
      }
    }),
    { seed: SEED, numRuns: RUNS * 5 },
  );
});

test('expressions and symbol paths: garbage text gives clear errors', async () => {
  const env = { pointerSize: 8 as const, register: () => undefined, symbol: async () => undefined, readMemory: async () => 0n };
  await fc.assert(
    fc.asyncProperty(fc.string({ maxLength: 40 }), async (s) => {
      await expectOnlyDumpscopeErrors(() => evaluateExpression(s, env));
      parseSymbolPath(s);
    }),
    { seed: SEED, numRuns: RUNS * 10 },
  );
});
