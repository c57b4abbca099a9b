// Writes kernel dumps from an in-memory page set: full (physical memory runs), kernel-bitmap (SDMP) and
// full-bitmap (FDMP) for x64, and a 32-bit PAGEDUMP full dump. Output goes to a positioned-write sink,
// so a sparse 16 GiB dump never exists in memory (and takes little disk on a file system with holes).
import { PAGE_SIZE } from '../../memory/physical.js';
import type { X64Registers } from '../../target/x64-registers.js';
import { BITMAP_HEADER_SIZE } from './bitmap-memory.js';
import { encodeExceptionRecord64, encodeX64Context, type ExceptionRecord } from './records.js';

export interface DumpSink {
  write(offset: number, bytes: Uint8Array): Promise<void>;
  /** Sets the final size (extends with a hole when larger than what was written). */
  truncate(size: number): Promise<void>;
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
}

export interface WriteOptions {
  layout: WriteLayout;
  /** Size of the physical address space in pages (bitmap layouts); default: highest page + 1. */
  physicalPages?: number;
}

const PAGE_FILL = new TextEncoder().encode('PAGE');

function filled(size: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i += 4) b.set(PAGE_FILL.subarray(0, Math.min(4, size - i)), i);
  return b;
}

/** Groups sorted PFNs into runs of consecutive pages. */
export function pagesToRuns(pfns: readonly number[]): { basePage: number; pageCount: number }[] {
  const runs: { basePage: number; pageCount: number }[] = [];
  for (const p of pfns) {
    const last = runs[runs.length - 1];
    if (last && last.basePage + last.pageCount === p) last.pageCount++;
    else runs.push({ basePage: p, pageCount: 1 });
  }
  return runs;
}

export function header64(f: DumpFacts, dumpType: number, runs: { basePage: number; pageCount: number }[] | undefined, fileSize: number): Uint8Array {
  const h = filled(0x2000);
  const dv = new DataView(h.buffer);
  h.set(new TextEncoder().encode('PAGEDU64'), 0);
  dv.setUint32(8, f.majorVersion ?? 15, true);
  dv.setUint32(0xc, f.ntBuild, true);
  dv.setBigUint64(0x10, f.directoryTableBase, true);
  dv.setBigUint64(0x18, f.pfnDatabase ?? 0n, true);
  dv.setBigUint64(0x20, f.psLoadedModuleList ?? 0n, true);
  dv.setBigUint64(0x28, f.psActiveProcessHead ?? 0n, true);
  dv.setUint32(0x30, f.machineImageType ?? 0x8664, true);
  dv.setUint32(0x34, f.processors, true);
  dv.setUint32(0x38, f.bugcheckCode, true);
  dv.setUint32(0x3c, 0, true);
  for (let i = 0; i < 4; i++) dv.setBigUint64(0x40 + i * 8, f.bugcheckArgs[i] ?? 0n, true);
  dv.setBigUint64(0x80, f.kdDebuggerDataBlock ?? 0n, true);
  if (runs) {
    if (runs.length > 42) throw new RangeError(`a PAGEDU64 header holds at most 42 runs; this page set needs ${runs.length}`);
    dv.setUint32(0x88, runs.length, true);
    dv.setUint32(0x8c, 0, true);
    dv.setBigUint64(0x90, BigInt(runs.reduce((n, r) => n + r.pageCount, 0)), true);
    runs.forEach((r, i) => {
      dv.setBigUint64(0x98 + i * 16, BigInt(r.basePage), true);
      dv.setBigUint64(0xa0 + i * 16, BigInt(r.pageCount), true);
    });
  }
  const ctx = new Uint8Array(3000);
  if (f.contextBytes) ctx.set(f.contextBytes.subarray(0, 3000));
  else if (f.context) ctx.set(encodeX64Context(f.context));
  h.set(ctx, 0x348);
  h.set(f.exceptionBytes ? f.exceptionBytes.subarray(0, 0x98) : f.exception ? encodeExceptionRecord64(f.exception) : new Uint8Array(0x98), 0xf00);
  dv.setUint32(0xf98, dumpType, true);
  dv.setBigUint64(0xfa0, BigInt(fileSize), true);
  dv.setBigUint64(0xfa8, f.systemTime ?? 0n, true);
  if (f.comment) {
    const c = new Uint8Array(0x80);
    c.set(new TextEncoder().encode(f.comment).subarray(0, 0x7f));
    h.set(c, 0xfb0);
  }
  dv.setBigUint64(0x1030, f.systemUpTime ?? 0n, true);
  dv.setUint32(0x1050, f.attributes ?? 0, true);
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
  if (runs.length > 86) throw new RangeError(`a PAGEDUMP header holds at most 86 runs; this page set needs ${runs.length}`);
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
  return h;
}

/** Pages to write, read one at a time (a converted dump's pages never all sit in memory). */
export interface PageSource {
  /** Present page frame numbers, ascending. */
  readonly pfns: readonly number[];
  read(pfn: number): Promise<Uint8Array>;
}

function pageSource(pages: ReadonlyMap<number, Uint8Array> | PageSource): PageSource {
  if (!(pages instanceof Map)) return pages as PageSource;
  const map = pages as ReadonlyMap<number, Uint8Array>;
  return { pfns: [...map.keys()].sort((a, b) => a - b), read: async (p) => map.get(p) as Uint8Array };
}

/** Writes a dump of `pages` (pfn → 4 KiB) in the chosen layout. Returns the file size. */
export async function writeKernelDump(sink: DumpSink, facts: DumpFacts, pages: ReadonlyMap<number, Uint8Array> | PageSource, options: WriteOptions): Promise<number> {
  const src = pageSource(pages);
  const pfns = src.pfns;
  const writePages = async (at: number) => {
    for (let i = 0; i < pfns.length; i++) {
      const page = await src.read(pfns[i]);
      if (page.length !== PAGE_SIZE) throw new RangeError(`page 0x${pfns[i].toString(16)} is not ${PAGE_SIZE} bytes`);
      await sink.write(at + i * PAGE_SIZE, page);
    }
  };
  if (options.layout === 'full' || options.layout === 'full32') {
    const runs = pagesToRuns(pfns);
    const headerSize = options.layout === 'full' ? 0x2000 : 0x1000;
    const size = headerSize + pfns.length * PAGE_SIZE;
    await sink.write(0, options.layout === 'full' ? header64(facts, 1, runs, size) : header32(facts, runs, size));
    await writePages(headerSize);
    await sink.truncate(size);
    return size;
  }
  const total = Math.max(options.physicalPages ?? 0, pfns.length ? pfns[pfns.length - 1] + 1 : 0);
  const bitmapBytes = Math.ceil(total / 8);
  const firstPage = Math.ceil((0x2000 + BITMAP_HEADER_SIZE + bitmapBytes) / PAGE_SIZE) * PAGE_SIZE;
  const size = firstPage + pfns.length * PAGE_SIZE;
  await sink.write(0, header64(facts, options.layout === 'full-bitmap' ? 5 : 6, undefined, size));
  const bh = new Uint8Array(BITMAP_HEADER_SIZE);
  const dv = new DataView(bh.buffer);
  bh.set(new TextEncoder().encode(options.layout === 'full-bitmap' ? 'FDMPDUMP' : 'SDMPDUMP'), 0);
  dv.setBigUint64(0x20, BigInt(firstPage), true);
  dv.setBigUint64(0x28, BigInt(pfns.length), true);
  dv.setBigUint64(0x30, BigInt(total), true);
  await sink.write(0x2000, bh);
  // The bitmap is written in slices so a huge, mostly empty one is never built whole.
  const SLICE = 1 << 20;
  for (let start = 0; start < bitmapBytes; start += SLICE) {
    const slice = new Uint8Array(Math.min(SLICE, bitmapBytes - start));
    let any = false;
    for (const p of pfns) {
      const byte = p >> 3;
      if (byte >= start && byte < start + slice.length) {
        slice[byte - start] |= 1 << (p & 7);
        any = true;
      }
    }
    if (any || start === 0) await sink.write(0x2000 + BITMAP_HEADER_SIZE + start, slice);
  }
  await writePages(firstPage);
  await sink.truncate(size);
  return size;
}

/** A sink that collects the file in memory (tests, small dumps, the browser). */
export class MemorySink implements DumpSink {
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
