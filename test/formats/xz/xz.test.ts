import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { crc64 } from '../../../src/formats/xz/crc.js';
import { sha256 } from '../../../src/formats/xz/sha256.js';
import { decodeXz } from '../../../src/formats/xz/xz.js';
import { DumpscopeError, LimitExceededError, UnsupportedError } from '../../../src/io/errors.js';
import { corpus, skipUnlessCorpus } from '../../helpers/corpus.js';
import { fuzzParams } from '../../helpers/fuzz-budget.js';

function xzMissing(): false | string {
  try {
    execFileSync('xz', ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'the xz command is not installed';
  }
}

const dir = mkdtempSync(join(tmpdir(), 'dumpscope-xz-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function xz(data: Uint8Array, args: string[]): Uint8Array {
  return new Uint8Array(execFileSync('xz', ['-c', ...args], { input: data, maxBuffer: 1 << 28 }));
}

/** Deterministic test inputs: random bytes, repetitive text, a mix with long matches and short repeats. */
function inputs(): Record<string, Uint8Array> {
  let seed = 12345;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed >>> 16;
  };
  const random = Uint8Array.from({ length: 200_000 }, () => rnd() & 0xff);
  const text = new TextEncoder().encode('The quick brown fox jumps over the lazy dog. '.repeat(20_000));
  const mix = new Uint8Array(3_000_000);
  for (let i = 0; i < mix.length; ) {
    const kind = rnd() % 3;
    const n = 1 + (rnd() % 5000);
    for (let k = 0; k < n && i < mix.length; k++, i++) mix[i] = kind === 0 ? rnd() & 0xff : kind === 1 ? (i % 7) * 31 : mix[Math.max(0, i - 1 - (rnd() % 300))];
  }
  return { empty: new Uint8Array(0), one: new Uint8Array([42]), random, text, mix };
}

const variants: string[][] = [
  ['-0'],
  ['-6'],
  ['-9e'],
  ['--check=crc32'],
  ['--check=crc64'],
  ['--check=sha256'],
  ['--check=none'],
  ['--block-size=65536'],
  ['--format=xz', '--lzma2=preset=6,lc=0,lp=2,pb=0'],
  ['--format=xz', '--lzma2=preset=1,lc=4,lp=0,pb=4'],
];

test('decodes what the xz command produces, for every preset, check and block layout', { skip: xzMissing() }, () => {
  for (const [name, data] of Object.entries(inputs())) {
    for (const v of variants) {
      const out = decodeXz(xz(data, v));
      assert.equal(out.length, data.length, `${name} ${v.join(' ')}`);
      assert.ok(Buffer.from(out).equals(Buffer.from(data)), `${name} ${v.join(' ')}`);
    }
  }
});

test('concatenated streams and stream padding', { skip: xzMissing() }, () => {
  const a = new TextEncoder().encode('first stream\n'.repeat(1000));
  const b = new TextEncoder().encode('second\n'.repeat(777));
  const xa = xz(a, ['--check=crc32']);
  const xb = xz(b, ['--check=sha256']);
  const joined = new Uint8Array([...xa, 0, 0, 0, 0, ...xb, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(new TextDecoder().decode(decodeXz(joined)), new TextDecoder().decode(new Uint8Array([...a, ...b])));
  assert.throws(() => decodeXz(new Uint8Array([...xa, 0, 0]), {}), DumpscopeError);
});

test('uncompressed LZMA2 chunks (incompressible input at a low preset)', { skip: xzMissing() }, () => {
  const data = inputs().random;
  const c = xz(data, ['-0', '--block-size=100000']);
  assert.ok(Buffer.from(decodeXz(c)).equals(Buffer.from(data)));
});

test('the corpus ISF table decodes to exactly what `xz -dc` gives', { skip: skipUnlessCorpus('isf/ntkrnlmp.pdb') || xzMissing() }, () => {
  const d = corpus('isf/ntkrnlmp.pdb');
  const path = join(d, readdirSync(d)[0]);
  const ours = decodeXz(new Uint8Array(readFileSync(path)));
  const theirs = execFileSync('xz', ['-dc', path], { maxBuffer: 1 << 28 });
  assert.equal(createHash('sha256').update(ours).digest('hex'), createHash('sha256').update(theirs).digest('hex'));
  assert.equal(typeof JSON.parse(new TextDecoder().decode(ours)), 'object');
});

test('maxOutput is enforced', { skip: xzMissing() }, () => {
  const c = xz(new Uint8Array(100_000), ['-6']);
  assert.throws(() => decodeXz(c, { maxOutput: 50_000 }), LimitExceededError);
});

test('filters other than LZMA2 are reported as unsupported', { skip: xzMissing() }, () => {
  const c = xz(inputs().text, ['--x86', '--lzma2']);
  assert.throws(() => decodeXz(c), (e) => e instanceof UnsupportedError && /x86 BCJ/.test(e.message));
});

test('CRC64 and SHA-256 match node:crypto and the xz reference value', () => {
  // CRC-64/XZ check value of "123456789".
  assert.equal(crc64(new TextEncoder().encode('123456789')).toString(16), '995dc9bbdf1939fa');
  for (const n of [0, 1, 55, 56, 63, 64, 65, 1000]) {
    const b = Uint8Array.from({ length: n }, (_, i) => (i * 37) & 0xff);
    assert.equal(Buffer.from(sha256(b)).toString('hex'), createHash('sha256').update(b).digest('hex'));
  }
});

test('truncated and bit-flipped streams fail with typed errors, never anything else', { skip: xzMissing() }, () => {
  const good = xz(new TextEncoder().encode('hostile input must give a clear error. '.repeat(3000)), ['--check=crc64', '--block-size=20000']);
  for (let cut = 0; cut < good.length; cut += 7) {
    assert.throws(() => decodeXz(good.subarray(0, cut)), DumpscopeError, `cut at ${cut}`);
  }
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (flips) => {
      const b = good.slice();
      for (const [at, x] of flips) b[at] ^= x;
      try {
        decodeXz(b, { maxOutput: 1 << 22 });
      } catch (e) {
        assert.ok(e instanceof DumpscopeError, String(e));
      }
    }),
    fuzzParams(42, 300, 4),
  );
});

