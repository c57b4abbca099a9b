import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { BufferSource } from '../../src/io/buffer-source.js';
import { ReadPastEndError } from '../../src/io/errors.js';
import { PageCache } from '../../src/io/page-cache.js';
import { BlobSource } from '../../src/io/blob-source.js';
import { fuzzParams } from '../helpers/fuzz-budget.js';

const data = new Uint8Array(10_000).map((_, i) => (i * 7 + 3) & 0xff);

test('PageCache returns the same bytes as the source for any range', async () => {
  const cache = new PageCache(new BufferSource(data), { chunkSize: 256, maxBytes: 1024 });
  await fc.assert(
    fc.asyncProperty(fc.nat(data.length), fc.nat(3000), async (off, len) => {
      len = Math.min(len, data.length - off);
      const got = await cache.read(off, len);
      assert.deepEqual(got, data.subarray(off, off + len));
    }),
    fuzzParams(42, 300, 4),
  );
  assert.ok(cache.hits > 0, 'cache was used');
});

test('reads past the end fail with a typed error naming offset and length', async () => {
  for (const src of [new BufferSource(data, 'mem'), new PageCache(new BufferSource(data, 'mem')), new BlobSource(new Blob([data]), 'blob')]) {
    await assert.rejects(src.read(9_990, 20), (e: unknown) => {
      assert.ok(e instanceof ReadPastEndError);
      assert.equal(e.offset, 9_990);
      assert.equal(e.length, 20);
      assert.match(e.message, /offset 0x2706/);
      return true;
    });
  }
});

test('BlobSource slices without loading the whole blob', async () => {
  const src = new BlobSource(new Blob([data]), 'x');
  assert.deepEqual(await src.read(100, 50), data.subarray(100, 150));
});
