// Writes kernel dumps from an in-memory page set: full (physical memory runs), kernel-bitmap (SDMP) and
// full-bitmap (FDMP) for x64, and a 32-bit PAGEDUMP full dump. Output goes to a positioned-write sink,
// so a sparse 16 GiB dump never exists in memory (and takes little disk on a file system with holes).
import { PAGE_SIZE } from '../../memory/physical.js';
import type { X64Registers } from '../../target/x64-registers.js';
import { DumpscopeError } from '../../io/errors.js';
import { BITMAP_HEADER_SIZE, MAX_BITMAP_PAGES } from './bitmap-memory.js';
import { encodeExceptionRecord64, encodeX64Context, type ExceptionRecord } from './records.js';
import { type DumpTrailer, encodeTrailer, pageRunsToRanges } from './valid-ranges.js';

export interface DumpSink {
  write(offset: number, bytes: Uint8Array): Promise<void>;
  /** Sets the final size (extends with a hole when larger than what was written). */
  truncate(size: number): Promise<void>;
  /** Bytes never written read as zero (a new file, memory): the writer then skips pages of zeros (holes). */
  readonly zeroFilled?: boolean;
}

export type WriteLayout = 'full' | 'kernel-bitmap' | 'full-bitmap' | 'full32';

export interface DumpFacts {
  ntBuild: number;
  majorVersion?: number;
  machineImageType?: number;
  processors: number;
  bugcheckCode: number;
  bugcheckArgs: bigint[];
  directoryTableBase: bigint;
  pfnDatabase?: bigint;
  psLoadedModuleList?: bigint;
  psActiveProcessHead?: bigint;
  kdDebuggerDataBlock?: bigint;
  context?: X64Registers;
  exception?: ExceptionRecord;
  /** Raw CONTEXT / EXCEPTION_RECORD64 bytes (conversion keeps them exactly); used instead of the above. */
  contextBytes?: Uint8Array;
  exceptionBytes?: Uint8Array;
  systemTime?: bigint;
  systemUpTime?: bigint;
  comment?: string;
  attributes?: number;
  /** ProductType/SuiteMask (vertarget's "Product: WinNt, suite: …"), and the other DUMP_HEADER64 fields. */
  productType?: number;
  suiteMask?: number;
  miniDumpFields?: number;
  secondaryDataState?: number;
  writerStatus?: number;
  kdSecondaryVersion?: number;
  bootId?: number;
  /**
   * The source's raw header (conversion): the starting point of the written one, so fields not named here
   * survive too. Fields above win over it.
   */
  rawHeader?: Uint8Array;
}

export interface WriteOptions {
  layout: WriteLayout;
  /** Size of the physical address space in pages (bitmap layouts); default: highest page + 1. */
  physicalPages?: number;
  /**
   * dumpscope's metadata trailer (valid-ranges.ts): the bytes of the pages that are real, and notes. A
   * full layout whose runs had to be merged gets one anyway, so the zero pages it adds read as missing.
   */
  trailer?: DumpTrailer;
}

const PAGE_FILL = new TextEncoder().encode('PAGE');

function filled(size: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i += 4) b.set(PAGE_FILL.subarray(0, Math.min(4, size - i)), i);
  return b;
}

/** A run of consecutive page frames. */
export interface PageRun {
  basePage: number;
  pageCount: number;
}

/** Groups sorted PFNs into runs of consecutive pages. */
export function pagesToRuns(pfns: readonly number[]): PageRun[] {
  const runs: PageRun[] = [];
  for (const p of pfns) {
    const last = runs[runs.length - 1];
    if (last && last.basePage + last.pageCount === p) last.pageCount++;
    else runs.push({ basePage: p, pageCount: 1 });
  }
  return runs;
}

/**
 * Fits sorted, disjoint runs into at most `max` by closing the smallest gaps between neighbours (the pages
 * of a closed gap are written as zeros). Physical memory is mostly contiguous, so few pages are added.
 */
export function mergeRuns(runs: readonly PageRun[], max: number): { runs: PageRun[]; zeroPages: number } {
  if (runs.length <= max) return { runs: runs.map((r) => ({ ...r })), zeroPages: 0 };
  const gaps = runs.slice(1).map((r, i) => ({ i, size: r.basePage - (runs[i].basePage + runs[i].pageCount) }));
  gaps.sort((a, b) => a.size - b.size || a.i - b.i);
  const close = new Uint8Array(runs.length);
  let zeroPages = 0;
  for (const g of gaps.slice(0, runs.length - max)) {
    close[g.i] = 1;
    zeroPages += g.size;
  }
  const out: PageRun[] = [];
  let cur = { ...runs[0] };
  for (let i = 1; i < runs.length; i++) {
    if (close[i - 1]) cur.pageCount = runs[i].basePage + runs[i].pageCount - cur.basePage;
    else {
      out.push(cur);
      cur = { ...runs[i] };
    }
  }
  out.push(cur);
  return { runs: out, zeroPages };
}

/** Offsets in DUMP_HEADER64 of the fields beyond the bugcheck (the on-disk format, the same for every build). */
const H64 = { comment: 0xfb0, systemUpTime: 0x1030, miniDumpFields: 0x1038, secondaryDataState: 0x103c, productType: 0x1040, suiteMask: 0x1044, writerStatus: 0x1048, kdSecondaryVersion: 0x104d, attributes: 0x1050, bootId: 0x1054 } as const;
const RUNS_AREA = [0x88, 0x348] as const; // PhysicalMemoryBlockBuffer[700]

/**
 * DUMP_HEADER64 for `facts`. When the facts carry the source's raw header, it is the starting point, so
 * every field — the ones named in DumpFacts and the ones it does not name (reserved bytes, fields a later
 * Windows adds) — is kept; fields given in the facts win, and the layout's own fields (DumpType, runs,
 * RequiredDumpSpace) are always written. Without one, unset fields keep Windows' "PAGE" fill.
 */
export function header64(f: DumpFacts, dumpType: number, runs: { basePage: number; pageCount: number }[] | undefined, fileSize: number): Uint8Array {
  const raw = f.rawHeader && f.rawHeader.length >= 0x2000 && new TextDecoder('latin1').decode(f.rawHeader.subarray(0, 8)) === 'PAGEDU64' ? f.rawHeader : undefined;
  const h = raw ? raw.slice(0, 0x2000) : filled(0x2000);
  const dv = new DataView(h.buffer);
  // A fact given wins; else the raw header's bytes stay; else the default (when there is one).
  const u32 = (o: number, v: number | undefined, dflt?: number) => {
    const x = v ?? (raw ? undefined : dflt);
    if (x !== undefined) dv.setUint32(o, x >>> 0, true);
  };
  const u64 = (o: number, v: bigint | undefined, dflt?: bigint) => {
    const x = v ?? (raw ? undefined : dflt);
    if (x !== undefined) dv.setBigUint64(o, BigInt.asUintN(64, x), true);
  };
  h.set(new TextEncoder().encode('PAGEDU64'), 0);
  u32(8, f.majorVersion, 15);
  dv.setUint32(0xc, f.ntBuild, true);
  dv.setBigUint64(0x10, f.directoryTableBase, true);
  u64(0x18, f.pfnDatabase, 0n);
  u64(0x20, f.psLoadedModuleList, 0n);
  u64(0x28, f.psActiveProcessHead, 0n);
  u32(0x30, f.machineImageType, 0x8664);
  dv.setUint32(0x34, f.processors, true);
  dv.setUint32(0x38, f.bugcheckCode, true);
  for (let i = 0; i < 4; i++) dv.setBigUint64(0x40 + i * 8, f.bugcheckArgs[i] ?? 0n, true);
  u64(0x80, f.kdDebuggerDataBlock, 0n);
  if (runs) {
    if (runs.length > MAX_RUNS_64) throw new RangeError(`a PAGEDU64 header holds at most ${MAX_RUNS_64} runs; merge them first (mergeRuns)`);
    h.set(filled(RUNS_AREA[1] - RUNS_AREA[0]), RUNS_AREA[0]);
    dv.setUint32(0x88, runs.length, true);
    dv.setBigUint64(0x90, BigInt(runs.reduce((n, r) => n + r.pageCount, 0)), true);
    runs.forEach((r, i) => {
      dv.setBigUint64(0x98 + i * 16, BigInt(r.basePage), true);
      dv.setBigUint64(0xa0 + i * 16, BigInt(r.pageCount), true);
    });
  } else if (dumpType === 4) {
    h.set(filled(RUNS_AREA[1] - RUNS_AREA[0]), RUNS_AREA[0]); // a small dump has no run descriptor
  }
  if (f.contextBytes || f.context || !raw) {
    const ctx = new Uint8Array(3000);
    if (f.contextBytes) ctx.set(f.contextBytes.subarray(0, 3000));
    else if (f.context) ctx.set(encodeX64Context(f.context));
    h.set(ctx, 0x348);
  }
  if (f.exceptionBytes || f.exception || !raw) {
    h.set(f.exceptionBytes ? f.exceptionBytes.subarray(0, 0x98) : f.exception ? encodeExceptionRecord64(f.exception) : new Uint8Array(0x98), 0xf00);
  }
  dv.setUint32(0xf98, dumpType, true);
  dv.setBigUint64(0xfa0, BigInt(fileSize), true);
  u64(0xfa8, f.systemTime, 0n);
  if (f.comment !== undefined) {
    const c = new Uint8Array(0x80);
    c.set(new TextEncoder().encode(f.comment).subarray(0, 0x7f));
    h.set(c, H64.comment);
  }
  u64(H64.systemUpTime, f.systemUpTime, 0n);
  u32(H64.miniDumpFields, f.miniDumpFields);
  u32(H64.secondaryDataState, f.secondaryDataState);
  u32(H64.productType, f.productType);
  u32(H64.suiteMask, f.suiteMask);
  u32(H64.writerStatus, f.writerStatus);
  if (f.kdSecondaryVersion !== undefined) h[H64.kdSecondaryVersion] = f.kdSecondaryVersion & 0xff;
  u32(H64.attributes, f.attributes, 0);
  u32(H64.bootId, f.bootId);
  return h;
}

function header32(f: DumpFacts, runs: { basePage: number; pageCount: number }[], fileSize: number): Uint8Array {
  const h = filled(0x1000);
  const dv = new DataView(h.buffer);
  h.set(new TextEncoder().encode('PAGEDUMP'), 0);
  dv.setUint32(8, f.majorVersion ?? 15, true);
  dv.setUint32(0xc, f.ntBuild, true);
  dv.setUint32(0x10, Number(f.directoryTableBase & 0xffffffffn), true);
  dv.setUint32(0x14, Number((f.pfnDatabase ?? 0n) & 0xffffffffn), true);
  dv.setUint32(0x18, Number((f.psLoadedModuleList ?? 0n) & 0xffffffffn), true);
  dv.setUint32(0x1c, Number((f.psActiveProcessHead ?? 0n) & 0xffffffffn), true);
  dv.setUint32(0x20, f.machineImageType ?? 0x14c, true);
  dv.setUint32(0x24, f.processors, true);
  dv.setUint32(0x28, f.bugcheckCode, true);
  for (let i = 0; i < 4; i++) dv.setUint32(0x2c + i * 4, Number((f.bugcheckArgs[i] ?? 0n) & 0xffffffffn), true);
  dv.setUint32(0x60, Number((f.kdDebuggerDataBlock ?? 0n) & 0xffffffffn), true);
  if (runs.length > MAX_RUNS_32) throw new RangeError(`a PAGEDUMP header holds at most ${MAX_RUNS_32} runs; merge them first (mergeRuns)`);
  dv.setUint32(0x64, runs.length, true);
  dv.setUint32(0x68, runs.reduce((n, r) => n + r.pageCount, 0), true);
  runs.forEach((r, i) => {
    dv.setUint32(0x6c + i * 8, r.basePage, true);
    dv.setUint32(0x70 + i * 8, r.pageCount, true);
  });
  h.set(new Uint8Array(1200), 0x320);
  h.set(new Uint8Array(0x50), 0x7d0);
  dv.setUint32(0xf88, 1, true);
  dv.setBigUint64(0xfa0, BigInt(fileSize), true);
  dv.setBigUint64(0xfb8, f.systemUpTime ?? 0n, true);
  dv.setBigUint64(0xfc0, f.systemTime ?? 0n, true);
  if (f.productType !== undefined) dv.setUint32(0xf94, f.productType, true);
  if (f.suiteMask !== undefined) dv.setUint32(0xf98, f.suiteMask, true);
  return h;
}

/** Pages to write, read in batches (a converted dump's pages never all sit in memory). */
export interface PageSource {
  /** Runs of present pages: ascending, disjoint, none empty. */
  readonly runs: readonly PageRun[];
  /** Fills `dest` (a whole number of pages) with consecutive pages from `pfn`, all inside one run. */
  readPages(pfn: number, dest: Uint8Array): Promise<void>;
}

function pageSource(pages: ReadonlyMap<number, Uint8Array> | PageSource): PageSource {
  if (!(pages instanceof Map)) return pages as PageSource;
  const map = pages as ReadonlyMap<number, Uint8Array>;
  return {
    runs: pagesToRuns([...map.keys()].sort((a, b) => a - b)),
    readPages: async (pfn, dest) => {
      for (let i = 0; i * PAGE_SIZE < dest.length; i++) {
        const page = map.get(pfn + i);
        if (!page || page.length !== PAGE_SIZE) throw new RangeError(`page 0x${(pfn + i).toString(16)} is not ${PAGE_SIZE} bytes`);
        dest.set(page, i * PAGE_SIZE);
      }
    },
  };
}

/** What was written. */
export interface WriteResult {
  /** File size in bytes. */
  size: number;
  /** Pages of the page set written. */
  pages: number;
  /** Full layouts: runs in the header, and the runs of the page set when they had to be merged to fit. */
  headerRuns?: number;
  mergedFrom?: number;
  /** Absent pages written as zeros to close the gaps between merged runs. */
  zeroPages: number;
}

const MAX_RUNS_64 = 42; // the 700-byte PhysicalMemoryBlock of DUMP_HEADER64
const MAX_RUNS_32 = 86;
/** Pages per write: large writes run at the disk's speed; two buffers let a read overlap the last write. */
const BATCH_PAGES = 1024;

/**
 * Writes the pages of `src` into the file: a page of `layoutRuns` run k at index i lies at
 * `at + (pages of runs before k + i) * PAGE_SIZE`. Source runs lie inside layout runs (equal, or merged).
 * Pages that follow each other in the file share one write, across runs; a closed gap (zeros) is a hole.
 */
async function writePages(sink: DumpSink, src: PageSource, layoutRuns: readonly PageRun[], at: number): Promise<number> {
  const bufs = [new Uint8Array(BATCH_PAGES * PAGE_SIZE), new Uint8Array(BATCH_PAGES * PAGE_SIZE)];
  let which = 0;
  let fill = 0; // bytes gathered in bufs[which], for the file range starting at fileAt
  let fileAt = 0;
  let inFlight: Promise<void> = Promise.resolve();
  const flush = async () => {
    if (!fill) return;
    await inFlight; // the other buffer's write: done before that buffer is filled again
    const buf = bufs[which].subarray(0, fill);
    inFlight = sink.zeroFilled ? writeNonZero(sink, fileAt, buf) : sink.write(fileAt, buf);
    which ^= 1;
    fill = 0;
  };
  let k = 0;
  let before = 0; // pages of layout runs before run k
  let written = 0;
  for (const r of src.runs) {
    while (k < layoutRuns.length && r.basePage >= layoutRuns[k].basePage + layoutRuns[k].pageCount) before += layoutRuns[k++].pageCount;
    const lr = layoutRuns[k];
    if (!lr || r.basePage < lr.basePage || r.basePage + r.pageCount > lr.basePage + lr.pageCount) throw new RangeError(`run at page 0x${r.basePage.toString(16)} is outside the layout's runs`);
    for (let done = 0; done < r.pageCount; ) {
      const off = at + (before + r.basePage + done - lr.basePage) * PAGE_SIZE;
      if (fill && fileAt + fill !== off) await flush();
      if (!fill) fileAt = off;
      const n = Math.min(BATCH_PAGES - fill / PAGE_SIZE, r.pageCount - done);
      await src.readPages(r.basePage + done, bufs[which].subarray(fill, fill + n * PAGE_SIZE));
      fill += n * PAGE_SIZE;
      done += n;
      written += n;
      if (fill === bufs[which].length) await flush();
    }
  }
  await flush();
  await inFlight;
  return written;
}

/** Is the 4 KiB page at byte `off` all zeros? (32-bit words, eight per test: data pages fail at once.) */
function zeroPage(w: Uint32Array, off: number): boolean {
  for (let i = off >>> 2, end = i + PAGE_SIZE / 4; i < end; i += 8) {
    if ((w[i] | w[i + 1] | w[i + 2] | w[i + 3] | w[i + 4] | w[i + 5] | w[i + 6] | w[i + 7]) !== 0) return false;
  }
  return true;
}

/** Writes the pages of `buf` that are not all zeros, one write per stretch; zero pages stay holes. */
async function writeNonZero(sink: DumpSink, fileAt: number, buf: Uint8Array): Promise<void> {
  const words = new Uint32Array(buf.buffer, buf.byteOffset, buf.length / 4);
  let from = -1;
  for (let off = 0; off <= buf.length; off += PAGE_SIZE) {
    const zero = off === buf.length || zeroPage(words, off);
    if (!zero && from < 0) from = off;
    if (zero && from >= 0) {
      await sink.write(fileAt + from, buf.subarray(from, off));
      from = -1;
    }
  }
}

/** Writes a dump of `pages` (pfn → 4 KiB, or a batched page source) in the chosen layout. */
export async function writeKernelDump(sink: DumpSink, facts: DumpFacts, pages: ReadonlyMap<number, Uint8Array> | PageSource, options: WriteOptions): Promise<WriteResult> {
  const src = pageSource(pages);
  const present = src.runs.reduce((n, r) => n + r.pageCount, 0);
  const last = src.runs[src.runs.length - 1];
  const highest = last ? last.basePage + last.pageCount : 0;
  if (options.layout === 'full' || options.layout === 'full32') {
    if (options.physicalPages !== undefined) throw new DumpscopeError('a physical address space size applies to bitmap layouts only (a full dump lists its runs)', 'BAD_OPTION');
    const is64 = options.layout === 'full';
    if (!is64 && highest > 2 ** 32) throw new DumpscopeError(`page frame 0x${(highest - 1).toString(16)} does not fit the 32-bit full layout`, 'BAD_OPTION');
    const { runs, zeroPages } = mergeRuns(src.runs, is64 ? MAX_RUNS_64 : MAX_RUNS_32);
    const headerSize = is64 ? 0x2000 : 0x1000;
    const pagesEnd = headerSize + (present + zeroPages) * PAGE_SIZE;
    // Zero pages added by merging are not memory anyone captured: the trailer says which pages are real.
    const trailer = options.trailer || zeroPages ? encodeTrailer({ notes: [], ...options.trailer, ranges: options.trailer?.ranges ?? (zeroPages ? pageRunsToRanges(src.runs) : undefined) }) : undefined;
    const size = pagesEnd + (trailer?.length ?? 0);
    await sink.write(0, is64 ? header64(facts, 1, runs, size) : header32(facts, runs, size));
    await writePages(sink, src, runs, headerSize);
    if (trailer) await sink.write(pagesEnd, trailer);
    await sink.truncate(size);
    return { size, pages: present, headerRuns: runs.length, mergedFrom: src.runs.length > runs.length ? src.runs.length : undefined, zeroPages };
  }
  if (options.physicalPages !== undefined && options.physicalPages < highest) {
    throw new DumpscopeError(`the physical address space (0x${options.physicalPages.toString(16)} pages) is smaller than the highest page present (0x${(highest - 1).toString(16)})`, 'BAD_OPTION');
  }
  const total = Math.max(options.physicalPages ?? 0, highest);
  if (total > MAX_BITMAP_PAGES) throw new DumpscopeError(`a bitmap of 0x${total.toString(16)} pages is larger than any machine's physical address space (at most 2^40 pages)`, 'BAD_OPTION');
  const bitmapBytes = Math.ceil(total / 8);
  const firstPage = Math.ceil((0x2000 + BITMAP_HEADER_SIZE + bitmapBytes) / PAGE_SIZE) * PAGE_SIZE;
  const pagesEnd = firstPage + present * PAGE_SIZE;
  const trailer = options.trailer ? encodeTrailer(options.trailer) : undefined;
  const size = pagesEnd + (trailer?.length ?? 0);
  await sink.write(0, header64(facts, options.layout === 'full-bitmap' ? 5 : 6, undefined, size));
  const bh = new Uint8Array(BITMAP_HEADER_SIZE);
  const dv = new DataView(bh.buffer);
  bh.set(new TextEncoder().encode(options.layout === 'full-bitmap' ? 'FDMPDUMP' : 'SDMPDUMP'), 0);
  dv.setBigUint64(0x20, BigInt(firstPage), true);
  dv.setBigUint64(0x28, BigInt(present), true);
  dv.setBigUint64(0x30, BigInt(total), true);
  await sink.write(0x2000, bh);
  await writeBitmap(sink, 0x2000 + BITMAP_HEADER_SIZE, bitmapBytes, src.runs);
  await writePages(sink, src, src.runs, firstPage);
  if (trailer) await sink.write(pagesEnd, trailer);
  await sink.truncate(size);
  return { size, pages: present, zeroPages: 0 };
}

/** The bitmap, 1 MiB at a time: all-zero slices are left as holes, so a huge, mostly empty one costs little. */
async function writeBitmap(sink: DumpSink, at: number, bitmapBytes: number, runs: readonly PageRun[]): Promise<void> {
  const SLICE = 1 << 20;
  const slice = new Uint8Array(SLICE);
  let r = 0;
  for (let start = 0; start < bitmapBytes; start += SLICE) {
    const len = Math.min(SLICE, bitmapBytes - start);
    const lo = start * 8;
    const hi = (start + len) * 8;
    slice.fill(0, 0, len);
    let any = false;
    while (r < runs.length && runs[r].basePage + runs[r].pageCount <= lo) r++;
    for (let i = r; i < runs.length && runs[i].basePage < hi; i++) {
      const a = Math.max(runs[i].basePage, lo) - lo;
      const b = Math.min(runs[i].basePage + runs[i].pageCount, hi) - lo;
      setBits(slice, a, b);
      any = true;
    }
    if (any || start === 0) await sink.write(at + start, slice.subarray(0, len));
  }
}

/** Sets bits [a, b) of `bytes`. */
function setBits(bytes: Uint8Array, a: number, b: number): void {
  while (a < b && a & 7) {
    bytes[a >> 3] |= 1 << (a & 7);
    a++;
  }
  if (b - a >= 8) {
    bytes.fill(0xff, a >> 3, b >> 3);
    a = b & ~7;
  }
  for (; a < b; a++) bytes[a >> 3] |= 1 << (a & 7);
}

/** A sink that collects the file in memory (tests, small dumps, the browser). */
export class MemorySink implements DumpSink {
  readonly zeroFilled = true;
  private chunks: { offset: number; bytes: Uint8Array }[] = [];
  private size = 0;
  async write(offset: number, bytes: Uint8Array): Promise<void> {
    this.chunks.push({ offset, bytes: bytes.slice() });
    this.size = Math.max(this.size, offset + bytes.length);
  }
  async truncate(size: number): Promise<void> {
    this.size = size;
  }
  toBytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    for (const c of this.chunks) out.set(c.bytes.subarray(0, Math.max(0, this.size - c.offset)), c.offset);
    return out;
  }
}
