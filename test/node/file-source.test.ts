import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DumpscopeError } from '../../src/io/errors.js';
import { PageCache } from '../../src/io/page-cache.js';
import { FileSource, MAX_READ } from '../../src/node/file-source.js';
import { main } from '../../src/cli/main.js';

const dir = mkdtempSync(join(tmpdir(), 'dumpscope-source-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a directory or a device is refused with a DumpscopeError naming what it is', async () => {
  await assert.rejects(FileSource.open(dir), (e: unknown) => e instanceof DumpscopeError && e.message === `${dir} is a directory, not a dump file`);
  await assert.rejects(FileSource.open('/dev/null'), (e: unknown) => e instanceof DumpscopeError && e.message === '/dev/null is a character device, not a dump file');
  await assert.rejects(FileSource.open(dir, 'symbol file'), /is a directory, not a symbol file$/);
});

test('the CLI says so without a stack trace (exit 1) for every command that opens a file', async () => {
  for (const args of [['info', dir], ['analyze', dir, '--offline'], ['convert', dir, join(dir, 'x.dmp'), '--to', 'full'], ['pdb', dir], ['info', '/dev/null']]) {
    const err: string[] = [];
    const code = await main(args, { out: () => {}, err: (t) => err.push(t), stderrIsTty: false, env: {} });
    assert.equal(code, 1, `${args.join(' ')}: ${err.join('')}`);
    assert.match(err.join(''), /is a (directory|character device), not a (dump|symbol) file$/);
    assert.doesNotMatch(err.join(''), /internal error|\n\s+at /);
  }
});

test('reads larger than the 1 GiB limit are refused clearly; bulk reads are split, and go around the cache', async () => {
  const path = join(dir, 'small.bin');
  writeFileSync(path, new Uint8Array(256 * 1024).map((_, i) => i & 0xff));
  const big = join(dir, 'big.bin');
  writeFileSync(big, '');
  truncateSync(big, MAX_READ + 4096); // sparse: no disk used
  const g = await FileSource.open(big);
  await assert.rejects(g.read(0, MAX_READ + 1), (e: unknown) => e instanceof DumpscopeError && /read of 0x40000001 bytes at offset 0x0 is larger than the 1 GiB limit/.test(e.message));
  await g.close();
  const f = await FileSource.open(path);
  try {
    await assert.rejects(f.read(0, 1 << 20), /goes past the end/);
    const cache = new PageCache(f, { chunkSize: 4096, maxBytes: 65536 });
    const dest = new Uint8Array(200_000);
    await cache.readInto(1000, dest);
    assert.equal(dest[0], 1000 & 0xff);
    assert.equal(dest[199_999], (1000 + 199_999) & 0xff);
    assert.equal(cache.misses, 0, 'a bulk read does not fill the cache');
  } finally {
    await f.close();
  }
});
