// The writer's second round: header fields carried through (raw header), the small dump's validity marker and
// MiniDumpFields, and the metadata trailer that keeps a converted dump from claiming bytes nobody captured.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { convertKernelDump } from '../../../src/formats/kernel-dump/convert.js';
import { openKernelDump } from '../../../src/formats/kernel-dump/kernel-dump.js';
import { writeTriageDump } from '../../../src/formats/kernel-dump/triage-writer.js';
import { encodeTrailer, normalizeRanges, readTrailer } from '../../../src/formats/kernel-dump/valid-ranges.js';
import { type DumpFacts, MemorySink, type WriteLayout, writeKernelDump } from '../../../src/formats/kernel-dump/writer.js';
import { BufferSource } from '../../../src/io/buffer-source.js';
import { X64AddressSpace } from '../../../src/memory/x64-paging.js';
import { MemoryBuilder } from '../../../src/scenario/memory-builder.js';
import { fuzzParams } from '../../helpers/fuzz-budget.js';

const facts: DumpFacts = { ntBuild: 19041, processors: 2, bugcheckCode: 0x7e, bugcheckArgs: [0xc0000005n, 1n, 2n, 3n], directoryTableBase: 0x1ad000n };
const page = (pfn: number) => new Uint8Array(4096).fill((pfn % 250) + 1);
const u32 = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset).getUint32(o, true);
const ascii = (b: Uint8Array, o: number, n: number) => String.fromCharCode(...b.subarray(o, o + n));

async function write(layout: WriteLayout, f: DumpFacts, pages: Map<number, Uint8Array>, trailer?: Parameters<typeof writeKernelDump>[3]['trailer']): Promise<Uint8Array> {
  const sink = new MemorySink();
  await writeKernelDump(sink, f, pages, { layout, trailer });
  return sink.toBytes();
}

test('a raw header is carried through: unnamed and reserved bytes kept, given facts win, layout fields rewritten', async () => {
  // A source header with every byte patterned, and the fields that matter set by hand (offsets of DUMP_HEADER64).
  const raw = new Uint8Array(0x2000).map((_, i) => (i * 7 + 3) & 0xff);
  raw.set(new TextEncoder().encode('PAGEDU64'), 0);
  const dv = new DataView(raw.buffer);
  dv.setUint32(0x1040, 1, true); // ProductType: WinNt
  dv.setUint32(0x1044, 0x110, true); // SuiteMask: TerminalServer | SingleUserTS
  dv.setUint32(0x1054, 0xc, true); // BootId
  const out = await write('kernel-bitmap', { ...facts, rawHeader: raw, bugcheckCode: 0x50 }, new Map([[5, page(5)]]));
  for (const [from, to] of [
    [0x60, 0x80], // VersionUser
    [0x88, 0x348], // the run descriptor: a bitmap layout keeps the source's
    [0xfb0, 0x1030], // Comment
    [0x1038, 0x1058], // MiniDumpFields … BootId
    [0x1058, 0x2000], // reserved
  ]) {
    assert.deepEqual(out.subarray(from, to), raw.subarray(from, to), `bytes 0x${from.toString(16)}..0x${to.toString(16)}`);
  }
  assert.equal(u32(out, 0x38), 0x50, 'BugCheckCode from the facts');
  assert.equal(u32(out, 0xf98), 6, 'DumpType of the layout');
  assert.equal(u32(out, 0xfa0), out.length, 'RequiredDumpSpace is the file size');
  const d = await openKernelDump(new BufferSource(out));
  assert.deepEqual([d.header.productType, d.header.suiteMask, d.header.bootId], [1, 0x110, 0xc]);
  // A full layout rewrites the run descriptor (and fills what its runs do not use with "PAGE").
  const full = await write('full', { ...facts, rawHeader: raw }, new Map([[5, page(5)]]));
  assert.deepEqual([u32(full, 0x88), u32(full, 0x90), u32(full, 0x98), u32(full, 0xa0)], [1, 1, 5, 1]);
  assert.equal(ascii(full, 0xa8, 8), 'PAGEPAGE');
});

test('without a raw header, ProductType, SuiteMask, MiniDumpFields and BootId are written where Windows keeps them', async () => {
  const out = await write('full', { ...facts, productType: 3, suiteMask: 0x110, miniDumpFields: 0xcff, bootId: 7, writerStatus: 0 }, new Map([[1, page(1)]]));
  assert.deepEqual([u32(out, 0x1040), u32(out, 0x1044), u32(out, 0x1038), u32(out, 0x1054), u32(out, 0x1048)], [3, 0x110, 0xcff, 7, 0]);
  assert.equal(ascii(out, 0x103c, 4), 'PAGE', 'SecondaryDataState not given: Windows\' fill');
});

test('a small dump ends with its validity marker: ValidOffset = SizeOfDump - 4 holds TRGD; MiniDumpFields and TriageOptions as Windows writes them', async () => {
  const content = {
    prcb: new Uint8Array(0x100),
    process: new Uint8Array(0x80),
    thread: new Uint8Array(0x80),
    callStack: { va: 0xffff850429890000n, bytes: new Uint8Array(0x200) },
    drivers: [{ path: '\\SystemRoot\\system32\\ntoskrnl.exe', base: 0xfffff8047ba00000n, size: 0x1000, checksum: 1, timestamp: 2 }],
    unloaded: [],
    blocks: [{ va: 0xfffff8047c600000n, bytes: new Uint8Array(0x1000).fill(9) }],
  };
  const sink = new MemorySink();
  const size = await writeTriageDump(sink, facts, { ...content, debuggerData: new Uint8Array(0x340) });
  const b = sink.toBytes();
  const T = 0x2000;
  assert.equal(b.length, size);
  assert.equal(u32(b, T + 4), size, 'SizeOfDump');
  assert.equal(u32(b, T + 8), size - 4, 'ValidOffset');
  assert.equal(ascii(b, size - 4, 4), 'TRGD');
  assert.equal(u32(b, T + 0x44), 0xffffffff, 'TriageOptions');
  assert.equal(u32(b, 0x1038), 0xcff, 'MiniDumpFields: basic info, debugger data, data blocks (the corpus dump\'s value)');
  assert.deepEqual((await openKernelDump(new BufferSource(b))).limitations, []);
  // Without the debugger data copy, its flag goes.
  const s2 = new MemorySink();
  await writeTriageDump(s2, facts, content);
  assert.equal(u32(s2.toBytes(), 0x1038), 0x8ff);
  // Another writer's dump without the marker, or without MiniDumpFields, still opens, with a warning.
  const bad = b.slice();
  bad.set(new TextEncoder().encode('UMPD'), size - 4);
  const w = (await openKernelDump(new BufferSource(bad))).limitations;
  assert.equal(w.length, 1);
  assert.match(w[0], /^small dump not validated: the ULONG at TRIAGE_DUMP\.ValidOffset \(0x[0-9a-f]+\) is 0x44504d55, not 'TRGD'/);
  const noFields = b.slice();
  noFields.set(new TextEncoder().encode('PAGE'), 0x1038);
  assert.match((await openKernelDump(new BufferSource(noFields))).limitations.join('\n'), /MiniDumpFields \(0x1038\) is not set/);
  const noKd = b.slice();
  new DataView(noKd.buffer).setUint32(0x1038, 0x8ff, true);
  assert.match((await openKernelDump(new BufferSource(noKd))).limitations.join('\n'), /does not list the debugger data/);
});

test('a trailer marks the real bytes: exact reads refuse the rest, sparse reads through the page tables mark it unknown', async () => {
  // One data page at VA 0xfffff80000010000 behind real page tables; only its bytes 0x100..0x180 were captured.
  const mem = new MemoryBuilder(0x1ed);
  const va = 0xfffff80000010000n;
  mem.write(va, new Uint8Array(0x1000).fill(0x41));
  const dataPfn = [...mem.pages.keys()].at(-1) as number;
  const tables = [...mem.pages.keys()].filter((p) => p !== dataPfn);
  const ranges = [...tables.map((p) => ({ start: p * 4096, end: (p + 1) * 4096 })), { start: dataPfn * 4096 + 0x100, end: dataPfn * 4096 + 0x180 }];
  for (const layout of ['full', 'kernel-bitmap', 'full-bitmap'] as const) {
    const bytes = await write(layout, { ...facts, directoryTableBase: mem.directoryTableBase }, mem.pages, { ranges, notes: ['converted from a test'] });
    const d = await openKernelDump(new BufferSource(bytes));
    assert.deepEqual(d.limitations, ['converted from a test'], layout);
    const space = new X64AddressSpace(d.physical!, mem.directoryTableBase);
    const s = await space.readSparse(va + 0xf0n, 0xa0);
    assert.deepEqual([...s.valid], [...new Array(0x10).fill(0), ...new Array(0x80).fill(1), ...new Array(0x10).fill(0)], layout);
    assert.deepEqual(await space.read(va + 0x100n, 0x80), new Uint8Array(0x80).fill(0x41));
    await assert.rejects(space.read(va + 0xf8n, 0x10), /physical address 0x[0-9a-f]+8 is not readable.*not real/);
    // Converting it again keeps the pages and the ranges (and the notes).
    const again = new MemorySink();
    await convertKernelDump(d, again, { layout: layout === 'full' ? 'kernel-bitmap' : 'full' });
    const e = await openKernelDump(new BufferSource(again.toBytes()));
    assert.deepEqual(e.trailer, d.trailer, `${layout} converted`);
    assert.deepEqual((await new X64AddressSpace(e.physical!, mem.directoryTableBase).readSparse(va + 0xf0n, 0xa0)).valid, s.valid);
  }
});

test('a damaged trailer is ignored with a warning; bytes that merely follow the pages are no trailer', async () => {
  const pages = new Map([[3, page(3)]]);
  const good = await write('full', facts, pages, { ranges: [{ start: 3 * 4096, end: 3 * 4096 + 16 }], notes: [] });
  const end = good.length;
  const version = good.slice();
  new DataView(version.buffer).setUint32(end - 24, 9, true);
  assert.match((await openKernelDump(new BufferSource(version))).limitations[0], /metadata trailer at file offset 0x[0-9a-f]+ is damaged \(version 9, expected 1\); ignored/);
  const huge = good.slice();
  new DataView(huge.buffer).setBigUint64(end - 16, 1000n, true); // 1000 ranges cannot fit after one page
  const h = await openKernelDump(new BufferSource(huge));
  assert.match(h.limitations[0], /its 1000 ranges and 0 bytes of notes do not fit between the end of the dump's pages \(0x3000\) and the footer/);
  assert.deepEqual(await h.physical!.readPage(3), page(3), 'the pages still stand');
  const order = await write('full', facts, new Map([[3, page(3)], [4, page(4)]]), { ranges: [{ start: 3 * 4096, end: 3 * 4096 + 16 }, { start: 4 * 4096, end: 4 * 4096 + 16 }], notes: [] });
  new DataView(order.buffer).setBigUint64(order.length - 32 - 32 + 16, 0n, true); // second range starts at 0
  assert.match((await openKernelDump(new BufferSource(order))).limitations[0], /range 1 at 0x0 overlaps or is out of order/);
  // Secondary data another tool appended: not ours, not a warning.
  const other = new Uint8Array(end + 64);
  other.set(await write('full', facts, pages));
  other.set(new TextEncoder().encode('DumpBlob'), end + 8);
  assert.deepEqual((await openKernelDump(new BufferSource(other))).limitations, []);
  assert.deepEqual(await readTrailer(new BufferSource(new Uint8Array(10)), 0), {});
});

test('trailers round-trip whatever their ranges and notes, and converting between layouts keeps every real byte (property)', async () => {
  const arb = fc.record({
    pfns: fc.uniqueArray(fc.nat(3000), { minLength: 1, maxLength: 12 }),
    cuts: fc.array(fc.tuple(fc.nat(4095), fc.nat(4096)), { maxLength: 12 }),
    notes: fc.array(fc.string({ maxLength: 40 }), { maxLength: 3 }),
    from: fc.constantFrom<WriteLayout>('full', 'kernel-bitmap', 'full-bitmap'),
    to: fc.constantFrom<'full' | 'kernel-bitmap' | 'full-bitmap'>('full', 'kernel-bitmap', 'full-bitmap'),
  });
  await fc.assert(
    fc.asyncProperty(arb, async ({ pfns, cuts, notes, from, to }) => {
      pfns.sort((a, b) => a - b);
      // Ranges that touch are one range once written (encodeTrailer joins them).
      const ranges = normalizeRanges(
        pfns.map((p, i) => {
          const [a, n] = cuts[i] ?? [0, 4096];
          return { start: p * 4096 + a, end: p * 4096 + Math.min(4096, a + Math.max(1, n)) };
        }),
      );
      const clean = notes.map((n) => n.replace(/\n/g, ' ')).filter((n) => n.trim() !== '');
      const bytes = await write(from, facts, new Map(pfns.map((p) => [p, page(p)])), { ranges, notes: clean });
      const d = await openKernelDump(new BufferSource(bytes));
      assert.deepEqual(d.trailer, { ranges, notes: clean });
      const sink = new MemorySink();
      await convertKernelDump(d, sink, { layout: to });
      const e = await openKernelDump(new BufferSource(sink.toBytes()));
      assert.deepEqual(e.trailer?.ranges, ranges);
      for (const r of ranges) {
        const want = new Uint8Array(r.end - r.start).map((_, i) => page(Math.floor((r.start + i) / 4096))[0]);
        assert.deepEqual(await e.physical!.read(r.start, r.end - r.start), want);
        if (r.start % 4096) await assert.rejects(e.physical!.read(r.start - 1, 1), /not real/);
      }
    }),
    fuzzParams(23, 25, 20),
  );
});

test('encodeTrailer joins touching ranges and keeps notes on one line each', () => {
  const t = encodeTrailer({ ranges: [{ start: 0x2000, end: 0x2100 }, { start: 0x1000, end: 0x2000 }], notes: ['a\nb'] });
  assert.equal(t.length, 16 + 3 + 32);
  assert.deepEqual([new DataView(t.buffer).getBigUint64(0, true), new DataView(t.buffer).getBigUint64(8, true)], [0x1000n, 0x1100n]);
  assert.equal(new TextDecoder().decode(t.subarray(16, 19)), 'a b');
});
