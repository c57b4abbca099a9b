import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { type KernelDump, openKernelDump, dumpTypeName } from '../../../src/formats/kernel-dump/kernel-dump.js';
import { type DumpFacts, MemorySink, type WriteLayout, writeKernelDump } from '../../../src/formats/kernel-dump/writer.js';
import { BufferSource } from '../../../src/io/buffer-source.js';
import { PageCache } from '../../../src/io/page-cache.js';
import { FileSink } from '../../../src/node/file-sink.js';
import { FileSource } from '../../../src/node/file-source.js';

const facts: DumpFacts = {
  ntBuild: 22621,
  processors: 4,
  bugcheckCode: 0x50,
  bugcheckArgs: [0xffffe5068d8a4000n, 2n, 0xfffff801197f1d1en, 0n],
  directoryTableBase: 0x1ad000n,
  psLoadedModuleList: 0xfffff80116c130e0n,
  kdDebuggerDataBlock: 0xfffff80116c00b20n,
  systemTime: 0x01d9ee2b6f8c2f00n,
  comment: 'written by a test',
};

function page(pfn: number, salt: number): Uint8Array {
  const p = new Uint8Array(4096);
  const dv = new DataView(p.buffer);
  for (let i = 0; i < 4096; i += 8) {
    dv.setUint32(i, pfn, true);
    dv.setUint32(i + 4, salt ^ i, true);
  }
  return p;
}

async function roundTrip(layout: WriteLayout, pfns: number[]): Promise<KernelDump> {
  const pages = new Map(pfns.map((p) => [p, page(p, 7)]));
  const sink = new MemorySink();
  await writeKernelDump(sink, facts, pages, { layout });
  const d = await openKernelDump(new BufferSource(sink.toBytes(), layout));
  for (const p of pfns) assert.deepEqual(await d.physical!.readPage(p), pages.get(p), `${layout} page ${p}`);
  assert.equal(d.physical!.pageCount, new Set(pfns).size);
  return d;
}

test('every layout round-trips header facts and pages', async () => {
  for (const layout of ['full', 'kernel-bitmap', 'full-bitmap', 'full32'] as WriteLayout[]) {
    const d = await roundTrip(layout, [0, 1, 2, 10, 11, 4095, 4096, 70000]);
    assert.equal(d.header.ntBuild, 22621);
    assert.equal(d.header.processors, 4);
    assert.equal(d.header.bugcheckCode, 0x50);
    assert.equal(d.header.is64, layout !== 'full32');
    if (layout !== 'full32') {
      assert.deepEqual(d.header.bugcheckArgs, facts.bugcheckArgs);
      assert.equal(d.header.comment, 'written by a test');
      assert.equal(d.header.machine, 'x64');
    } else assert.equal(d.header.machine, 'x86');
    assert.equal(dumpTypeName(d), layout === 'full32' ? 'full' : layout);
    assert.equal(await d.physical!.readPage(5), undefined);
    assert.equal(d.physical!.hasPage(3), false);
  }
});

test('random sparse page sets round-trip in every layout (property)', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uniqueArray(fc.nat(200_000), { minLength: 1, maxLength: 30 }), fc.constantFrom<WriteLayout>('full', 'kernel-bitmap', 'full-bitmap'), async (pfns, layout) => {
      const runs = new Set(pfns.map((p) => p)).size;
      if (layout === 'full' && runs > 42) return;
      const d = await roundTrip(layout, pfns.sort((a, b) => a - b));
      const listed = [...d.physical!.runs()].reduce((n, r) => n + r.pageCount, 0);
      assert.equal(listed, pfns.length);
    }),
    { seed: 11, numRuns: 40 },
  );
});

test('a 16 GiB sparse bitmap dump on disk: pages at the far end read back, little disk used', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dumpscope-'));
  const path = join(dir, 'sparse16g.dmp');
  try {
    const total = (16 * 2 ** 30) / 4096 + 16; // a little over 16 GiB of physical address space
    const pfns = [0, 1, 12345, total - 2, total - 1];
    const pages = new Map(pfns.map((p) => [p, page(p, 99)]));
    const sink = await FileSink.create(path);
    await writeKernelDump(sink, facts, pages, { layout: 'kernel-bitmap', physicalPages: total });
    await sink.commit();
    const st = statSync(path);
    assert.ok(st.size < 2 ** 24, 'only the bitmap and 5 pages are in the file');
    const d = await openKernelDump(new PageCache(await FileSource.open(path)));
    assert.equal(d.bitmap!.pages, total);
    for (const p of pfns) assert.deepEqual(await d.physical!.readPage(p), pages.get(p));
    assert.equal(await d.physical!.readPage(total - 3), undefined);
    assert.equal(await d.physical!.readPage(total + 5), undefined);
    // A full-runs dump of the same span is a 16 GiB file with holes.
    const fullPath = join(dir, 'sparse16g-full.dmp');
    const fs = await FileSink.create(fullPath);
    const big = new Map([[total - 1, page(total - 1, 1)]]);
    await writeKernelDump(fs, facts, big, { layout: 'full' });
    await fs.commit();
    const f = await openKernelDump(await FileSource.open(fullPath));
    assert.deepEqual(await f.physical!.readPage(total - 1), big.get(total - 1));
    await d.source.close();
    await f.source.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('corrupted bitmap headers are refused with offsets', async () => {
  const sink = new MemorySink();
  await writeKernelDump(sink, facts, new Map([[3, page(3, 1)]]), { layout: 'kernel-bitmap' });
  const good = sink.toBytes();
  const bad = good.slice();
  new DataView(bad.buffer).setBigUint64(0x2030, 1n << 50n, true); // absurd Pages
  await assert.rejects(openKernelDump(new BufferSource(bad)), /extends past the end|more than any machine/);
  const bad2 = good.slice();
  new DataView(bad2.buffer).setBigUint64(0x2028, 7n, true); // TotalPresentPages disagrees with the bitmap
  await assert.rejects(openKernelDump(new BufferSource(bad2)), /TotalPresentPages/);
  await fc.assert(
    fc.asyncProperty(fc.nat(good.length - 1), fc.nat(255), async (at, v) => {
      const m = good.slice();
      m[at] = v;
      try {
        const d = await openKernelDump(new BufferSource(m));
        await d.physical?.readPage(3);
      } catch (e) {
        assert.ok((e as Error).name.endsWith('Error') && 'code' in (e as object), String(e));
      }
    }),
    { seed: 5, numRuns: 300 },
  );
});
