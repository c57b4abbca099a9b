import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { BITMAP_HEADER_SIZE, BitmapPhysicalMemory, parseBitmapHeader } from '../../../src/formats/kernel-dump/bitmap-memory.js';
import { openKernelDump } from '../../../src/formats/kernel-dump/kernel-dump.js';
import { type DumpFacts, MemorySink, writeKernelDump } from '../../../src/formats/kernel-dump/writer.js';
import type { ByteSource } from '../../../src/io/byte-source.js';
import { BufferSource } from '../../../src/io/buffer-source.js';
import { main } from '../../../src/cli/main.js';
import { FileSink } from '../../../src/node/file-sink.js';
import { FileSource } from '../../../src/node/file-source.js';
import { fuzzParams } from '../../helpers/fuzz-budget.js';

const dir = mkdtempSync(join(tmpdir(), 'dumpscope-bitmap-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const facts: DumpFacts = { ntBuild: 19041, processors: 1, bugcheckCode: 0xe2, bugcheckArgs: [], directoryTableBase: 0x1ad000n };

function page(pfn: number): Uint8Array {
  const p = new Uint8Array(4096);
  new DataView(p.buffer).setUint32(0, pfn, true);
  p[4095] = pfn & 0xff;
  return p;
}

async function bitmapDump(pfns: number[], physicalPages?: number): Promise<Uint8Array> {
  const sink = new MemorySink();
  await writeKernelDump(sink, facts, new Map(pfns.map((p) => [p, page(p)])), { layout: 'kernel-bitmap', physicalPages });
  return sink.toBytes();
}

/** The bitmap memory of `bytes`, with chunks of `chunkBytes` so a few pages reach every chunk case. */
async function withChunks(bytes: Uint8Array, chunkBytes: number, source: ByteSource = new BufferSource(bytes)): Promise<BitmapPhysicalMemory> {
  const bh = parseBitmapHeader(bytes.subarray(0x2000, 0x2000 + BITMAP_HEADER_SIZE), 0x2000, bytes.length);
  return BitmapPhysicalMemory.open(source, bh, 0x2000 + BITMAP_HEADER_SIZE, chunkBytes);
}

async function runsOf(m: BitmapPhysicalMemory): Promise<[number, number][]> {
  const out: [number, number][] = [];
  for await (const r of m.runs()) out.push([r.basePfn, r.pageCount]);
  return out;
}

test('chunks that are all absent, all present or mixed: pages, ranks, spans and runs agree with the page set', async () => {
  // 512-byte chunks hold 4096 page frames: frames 4096-8191 all present (a full chunk), 8192-12287 absent.
  const pfns = [0, 1, 2, 7, 8, 4095, ...Array.from({ length: 4096 }, (_, i) => 4096 + i), 12288, 12290, 20000];
  const bytes = await bitmapDump(pfns);
  const m = await withChunks(bytes, 512);
  assert.equal(m.pageCount, pfns.length);
  for (const p of [0, 2, 4095, 4096, 6000, 8191, 12288, 12290, 20000]) assert.deepEqual(await m.readPage(p), page(p), `page ${p}`);
  for (const p of [3, 9, 8192, 10000, 12289, 19999, 20001, 1e9]) assert.equal(await m.readPage(p), undefined, `page ${p}`);
  assert.deepEqual(await runsOf(m), [[0, 3], [7, 2], [4095, 4097], [12288, 1], [12290, 1], [20000, 1]]);
  // A read across the full chunk's edges is one span of file-contiguous pages.
  const b = await m.read(4095 * 4096 + 4000, 4096 * 4096);
  assert.equal(new DataView(b.buffer, b.byteOffset).getUint32(96, true), 4096);
  await assert.rejects(m.read(8191 * 4096, 8192), /page frame 0x2000 is not in the dump/);
});

test('random page sets read back the same whatever the chunk size (property)', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uniqueArray(fc.nat(40_000), { minLength: 1, maxLength: 60 }), fc.constantFrom(512, 1024, 4096), async (list, chunk) => {
      const pfns = list.sort((a, b) => a - b);
      const m = await withChunks(await bitmapDump(pfns), chunk);
      for (const p of pfns) assert.deepEqual(await m.readPage(p), page(p));
      assert.equal((await runsOf(m)).reduce((n, [, c]) => n + c, 0), pfns.length);
      assert.equal(await m.hasPage(pfns[0] + 40_001), false);
    }),
    fuzzParams(3, 40, 40),
  );
});

test('the bitmap is read in bounded pieces, never whole', async () => {
  const total = 2 ** 27; // 16 MiB of bitmap: sixteen 1 MiB chunks
  const bytes = await bitmapDump([5, 2 ** 26 + 3, total - 1], total);
  let largest = 0;
  const inner = new BufferSource(bytes);
  const spy: ByteSource = {
    name: 'spy',
    size: bytes.length,
    read: (o, n) => {
      largest = Math.max(largest, n);
      return inner.read(o, n);
    },
    readInto: async (o, d) => {
      largest = Math.max(largest, d.length);
      d.set(await inner.read(o, d.length));
    },
    close: async () => {},
  };
  const d = await openKernelDump(spy);
  for (const p of [5, 2 ** 26 + 3, total - 1]) assert.deepEqual(await d.physical!.readPage(p), page(p));
  assert.ok(largest <= 8 << 20, `largest read ${largest} bytes`);
});

test('a 16 TiB address space (a 512 MiB bitmap): convert writes it; info and page reads work without holding it', async () => {
  const src = join(dir, 'small.dmp');
  const s = await FileSink.create(src);
  await writeKernelDump(s, facts, new Map([3, 0x25754a].map((p) => [p, page(p)])), { layout: 'full' });
  await s.commit();
  const big = join(dir, 'big.dmp');
  const io = (out: string[]) => ({ out: (t: string) => out.push(t), err: (t: string) => out.push(t), stderrIsTty: false, env: {} });
  const out: string[] = [];
  assert.equal(await main(['convert', src, big, '--to', 'kernel-bitmap', '--physical-size', '16T'], io(out)), 0, out.join(''));
  // Header 0x2000, bitmap header 0x38 and 2^32 bits (512 MiB), rounded up to a page; then the two pages.
  assert.equal(statSync(big).size, 0x2000 + 2 ** 29 + 0x1000 + 2 * 4096);
  const peakBefore = process.resourceUsage().maxRSS * 1024;
  const info: string[] = [];
  assert.equal(await main(['info', big, '--json'], io(info)), 0, info.join(''));
  const j = JSON.parse(info.join(''));
  assert.deepEqual([j.bitmap.pages, j.bitmap.presentPages], [2 ** 32, 2]);
  const d = await openKernelDump(await FileSource.open(big));
  assert.deepEqual(await d.physical!.readPage(0x25754a), page(0x25754a));
  await d.source.close();
  const grew = process.resourceUsage().maxRSS * 1024 - peakBefore;
  assert.ok(grew < 2 ** 28, `peak RSS grew by ${grew} bytes: the bitmap was held whole`);
});
