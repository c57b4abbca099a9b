import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { extractCab, isCab, safeCabName } from '../../../src/formats/cab/cab.js';
import { DumpscopeError, UnsupportedError } from '../../../src/io/errors.js';
import { corpus, skipUnlessCorpus } from '../../helpers/corpus.js';
import { fuzzParams } from '../../helpers/fuzz-budget.js';

function gcabMissing(): false | string {
  try {
    execFileSync('gcab', ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'gcab is not installed (apt install gcab)';
  }
}

const dir = mkdtempSync(join(tmpdir(), 'dumpscope-cab-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Builds a cabinet with gcab from files written into a fresh directory (names are stored without paths). */
function gcab(files: Record<string, Uint8Array>, compress: boolean): Uint8Array {
  const d = mkdtempSync(join(dir, 'in-'));
  for (const [n, b] of Object.entries(files)) writeFileSync(join(d, n), b);
  const out = join(d, 'out.cab');
  execFileSync('gcab', ['-c', ...(compress ? ['-z'] : []), '-n', out, ...Object.keys(files)], { cwd: d });
  return new Uint8Array(readFileSync(out));
}

let seed = 99;
const rnd = () => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed >>> 16;
};
const random = Uint8Array.from({ length: 150_000 }, () => rnd() & 0xff);
const text = new TextEncoder().encode('symbol server payload '.repeat(12_000));
const mixed = Uint8Array.from({ length: 300_000 }, (_, i) => (i % 5000 < 2500 ? (i * 7) & 0xff : rnd() & 0xff));

for (const compress of [false, true]) {
  test(`${compress ? 'MSZIP' : 'uncompressed'} cabinets made by gcab extract byte for byte`, { skip: gcabMissing() }, async () => {
    const files = { 'a.bin': random, 'b.txt': text, 'c.dat': mixed, 'empty.txt': new Uint8Array(0), 'small.txt': new TextEncoder().encode('x') };
    const cab = gcab(files, compress);
    assert.ok(isCab(cab));
    const got = await extractCab(cab);
    assert.deepEqual(got.map((f) => f.name).sort(), Object.keys(files).sort());
    for (const f of got) assert.ok(Buffer.from(f.data).equals(Buffer.from(files[f.name as keyof typeof files])), f.name);
  });
}

test('a real PDB compressed as the symbol server does (name.pd_) comes back intact', { skip: gcabMissing() || skipUnlessCorpus('symbols/amdppm.pdb') }, async () => {
  const d = corpus('symbols/amdppm.pdb');
  const pdb = join(d, readdirSync(d)[0], 'amdppm.pdb');
  const work = mkdtempSync(join(dir, 'pdb-'));
  copyFileSync(pdb, join(work, 'amdppm.pdb'));
  execFileSync('gcab', ['-c', '-z', '-n', join(work, 'amdppm.pd_'), 'amdppm.pdb'], { cwd: work });
  const [f] = await extractCab(new Uint8Array(readFileSync(join(work, 'amdppm.pd_'))));
  assert.equal(f.name, 'amdppm.pdb');
  assert.ok(Buffer.from(f.data).equals(readFileSync(pdb)));
});

test('LZX and Quantum folders are refused clearly', { skip: gcabMissing() }, async () => {
  const cab = gcab({ 'x.txt': text.subarray(0, 1000) }, false);
  for (const [type, msg] of [[3, /LZX/], [2, /Quantum/]] as const) {
    const b = cab.slice();
    new DataView(b.buffer).setUint16(36 + 6, type, true);
    await assert.rejects(extractCab(b), (e) => e instanceof UnsupportedError && msg.test(e.message));
  }
});

test('cabinet names that could escape a directory are rejected', () => {
  for (const bad of ['../x', 'a/b', 'a\\b', 'C:x', '.hidden', '', 'nul\0x', 'x'.repeat(300)]) assert.equal(safeCabName(bad), undefined, bad);
  assert.equal(safeCabName('amdppm.pdb'), 'amdppm.pdb');
});

test('truncated and corrupted cabinets fail with typed errors', { skip: gcabMissing() }, async () => {
  const good = gcab({ 'a.txt': text.subarray(0, 70_000), 'b.bin': random.subarray(0, 40_000) }, true);
  for (let cut = 0; cut < good.length; cut += 997) {
    try {
      await extractCab(good.subarray(0, cut));
    } catch (e) {
      assert.ok(e instanceof DumpscopeError, String(e));
    }
  }
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), async (flips) => {
      const b = good.slice();
      for (const [at, x] of flips) b[at] ^= x;
      try {
        await extractCab(b, { maxOutput: 1 << 22 });
      } catch (e) {
        assert.ok(e instanceof DumpscopeError, String(e));
      }
    }),
    fuzzParams(42, 300, 4),
  );
});
