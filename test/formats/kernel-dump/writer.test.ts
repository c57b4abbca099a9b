import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { type KernelDump, openKernelDump, dumpTypeName } from '../../../src/formats/kernel-dump/kernel-dump.js';
import { type DumpFacts, MemorySink, mergeRuns, type WriteLayout, writeKernelDump } from '../../../src/formats/kernel-dump/writer.js';
import { main } from '../../../src/cli/main.js';
import { UsageError } from '../../../src/cli/command.js';
import { parseSize } from '../../../src/cli/commands/convert.js';
import { BufferSource } from '../../../src/io/buffer-source.js';
import { PageCache } from '../../../src/io/page-cache.js';
import { FileSink } from '../../../src/node/file-sink.js';
import { FileSource } from '../../../src/node/file-source.js';
import { fuzzParams } from '../../helpers/fuzz-budget.js';

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

/** Page frames in `runs` runs of 1 page, `gap` absent pages apart. */
function spaced(runs: number, gap: number): number[] {
  return Array.from({ length: runs }, (_, i) => 10 + i * (gap + 1));
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
    assert.equal(await d.physical!.hasPage(3), false);
  }
});

test('random sparse page sets round-trip in every layout (property)', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uniqueArray(fc.nat(200_000), { minLength: 1, maxLength: 30 }), fc.constantFrom<WriteLayout>('full', 'kernel-bitmap', 'full-bitmap'), async (pfns, layout) => {
      const d = await roundTrip(layout, pfns.sort((a, b) => a - b));
      let listed = 0;
      for await (const r of d.physical!.runs()) listed += r.pageCount;
      assert.equal(listed, pfns.length);
    }),
    fuzzParams(11, 40, 40),
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
  await assert.rejects(openKernelDump(new BufferSource(bad)), /FirstPage 0x[0-9a-f]+ lies inside the bitmap|more than any machine/);
  const bad2 = good.slice();
  new DataView(bad2.buffer).setBigUint64(0x2028, 7n, true); // TotalPresentPages disagrees with the bitmap
  // Pages are located by the bitmap, so it is trusted: the dump opens, its one page reads, a warning says why.
  const d2 = await openKernelDump(new BufferSource(bad2));
  assert.deepEqual(await d2.physical?.readPage(3), page(3, 1));
  assert.match(d2.limitations.join('\n'), /TotalPresentPages \(file offset 0x2028\) says 7 pages but the bitmap has 1 set bits; pages are located by the bitmap/);
  assert.equal(d2.truncation, undefined);
  const bad3 = good.slice();
  bad3[0x2038] |= 0x01; // a flipped bit adds page frame 0: its pages no longer fit the file
  const d3 = await openKernelDump(new BufferSource(bad3));
  assert.match(d3.limitations.join('\n'), /says 1 pages but the bitmap has 2 set bits.*the bitmap itself may be damaged/);
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
    fuzzParams(5, 300, 4),
  );
});

test('mergeRuns closes the smallest gaps first', () => {
  // Gaps: 3 (after [0,2)), 94 (after [5,6)), 2 (after [100,101)); two runs allowed → close the 2 and the 3.
  const r = mergeRuns([{ basePage: 0, pageCount: 2 }, { basePage: 5, pageCount: 1 }, { basePage: 100, pageCount: 1 }, { basePage: 103, pageCount: 1 }], 2);
  assert.deepEqual(r, { runs: [{ basePage: 0, pageCount: 6 }, { basePage: 100, pageCount: 4 }], zeroPages: 5 });
});

test('a full dump of more than 42 runs merges the closest ones: every page reads back, the closed gaps read as not in the dump', async () => {
  const pfns = [...spaced(60, 2), ...spaced(40, 5).map((p) => p + 100_000)]; // 100 runs: gaps of 2, then of 5
  const pages = new Map(pfns.map((p) => [p, page(p, 3)]));
  const sink = new MemorySink();
  const r = await writeKernelDump(sink, facts, pages, { layout: 'full' });
  // 99 gaps, 42 runs allowed: close 100 - 42 = 58 of them, the smallest first (gaps of 2 pages): 116 zero pages.
  assert.deepEqual({ headerRuns: r.headerRuns, mergedFrom: r.mergedFrom, zeroPages: r.zeroPages, pages: r.pages }, { headerRuns: 42, mergedFrom: 100, zeroPages: 116, pages: 100 });
  // Header, 216 pages, then the metadata trailer: 100 ranges of 16 bytes (one per source run) and a 32-byte footer.
  assert.equal(r.size, 0x2000 + (100 + 116) * 4096 + 100 * 16 + 32);
  const bytes = sink.toBytes();
  assert.equal(new TextDecoder().decode(bytes.subarray(bytes.length - 32, bytes.length - 24)), 'DSCPMETA');
  const d = await openKernelDump(new BufferSource(bytes));
  assert.equal(d.header.physicalRuns.length, 42);
  for (const p of pfns) assert.deepEqual(await d.physical!.readPage(p), pages.get(p), `page ${p}`);
  // The file holds zeros there (other tools read them), but no one captured them: our reader says not in the dump.
  assert.deepEqual(bytes.subarray(0x2000 + 4096, 0x2000 + 2 * 4096), new Uint8Array(4096), 'the file has zeros at the closed gap');
  assert.equal(await d.physical!.readPage(11), undefined, 'a closed gap reads as not in the dump');
  await assert.rejects(d.physical!.read(11 * 4096, 8), /not real/);
  assert.equal(await d.physical!.readPage(100_000 + 11), undefined, 'an open gap stays absent');
  let listed = 0;
  for await (const run of d.physical!.runs()) listed += run.pageCount;
  assert.equal(listed, 100, 'runs() lists only the real pages');
  assert.deepEqual(d.limitations, []);
});

test('converting a 100-run bitmap dump to full says how many runs were merged (and exits 0)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dumpscope-'));
  try {
    const pfns = spaced(100, 1);
    const sink = await FileSink.create(join(dir, 'in.dmp'));
    await writeKernelDump(sink, facts, new Map(pfns.map((p) => [p, page(p, 9)])), { layout: 'kernel-bitmap' });
    await sink.commit();
    const out: string[] = [];
    const code = await main(['convert', join(dir, 'in.dmp'), join(dir, 'out.dmp'), '--to', 'full'], { out: (t) => out.push(t), err: (t) => out.push(t), stderrIsTty: false, env: {} });
    assert.equal(code, 0, out.join(''));
    assert.match(out.join(''), /: full, 100 pages, \d+ bytes; the 100 runs of present pages were merged into 42 \(a full dump's header holds at most 42\), the 58 absent pages between them left as holes that read as not in the dump$/);
    const d = await openKernelDump(new PageCache(await FileSource.open(join(dir, 'out.dmp'))));
    for (const p of pfns) assert.deepEqual(await d.physical!.readPage(p), page(p, 9));
    await d.source.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--physical-size: needs a unit, applies to bitmap layouts only, and must cover the pages', async () => {
  assert.equal(parseSize('16G'), 4 * 1024 * 1024);
  assert.equal(parseSize('512MiB'), 512 * 256);
  assert.equal(parseSize('4T'), 2 ** 30);
  for (const bad of ['1234', '0x400000', '16X', '0G']) assert.throws(() => parseSize(bad), UsageError, bad);
  const pages = new Map([[0x25754a, page(1, 1)]]);
  await assert.rejects(writeKernelDump(new MemorySink(), facts, pages, { layout: 'full', physicalPages: 1 << 22 }), /applies to bitmap layouts only/);
  await assert.rejects(writeKernelDump(new MemorySink(), facts, pages, { layout: 'kernel-bitmap', physicalPages: 256 }), /smaller than the highest page present \(0x25754a\)/);
  await assert.rejects(writeKernelDump(new MemorySink(), facts, pages, { layout: 'kernel-bitmap', physicalPages: 2 ** 41 }), /larger than any machine/);
  for (const to of ['full', 'triage']) {
    const err: string[] = [];
    assert.equal(await main(['convert', 'in.dmp', 'out.dmp', '--to', to, '--physical-size', '16G'], { out: () => {}, err: (t) => err.push(t), stderrIsTty: false, env: {} }), 2);
    assert.match(err.join(''), /--physical-size applies to the bitmap layouts/);
  }
});

test('pages are written in large batches, not one write per page', async () => {
  const pfns = Array.from({ length: 3000 }, (_, i) => i + 7); // one run of 3000 pages: three batches of <= 1024
  const writes: number[] = [];
  const sink = new MemorySink();
  const spy = {
    write: (o: number, b: Uint8Array) => {
      writes.push(b.length);
      return sink.write(o, b);
    },
    truncate: (n: number) => sink.truncate(n),
  };
  await writeKernelDump(spy, facts, new Map(pfns.map((p) => [p, page(p, 5)])), { layout: 'full' });
  assert.deepEqual(writes.filter((n) => n >= 4096 && n % 4096 === 0 && n !== 0x2000), [1024 * 4096, 1024 * 4096, 952 * 4096]);
  const d = await openKernelDump(new BufferSource(sink.toBytes()));
  for (const p of [7, 1030, 1031, 3006]) assert.deepEqual(await d.physical!.readPage(p), page(p, 5));
});
