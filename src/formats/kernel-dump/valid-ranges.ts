// dumpscope's metadata trailer: what a converted full-memory dump holds that its layout cannot say. A full
// or bitmap dump stores whole pages, so a dump rebuilt from a small one (which captured parts of pages), or a
// full dump whose merged runs filled gaps with zero pages, would otherwise claim bytes nobody captured. The
// trailer lists the physical byte ranges that are real; our reader treats the rest of the file's pages as
// not in the dump. It also carries notes (the dump was converted from a small or a truncated one) that the
// reader reports as limitations.
//
// Layout, after the last page (other tools ignore bytes there; Windows itself appends secondary data):
//   count × { u64 physical address, u64 length }   ascending, disjoint (only when flag 1 is set)
//   notes: UTF-8 text, one note per line
//   footer, the file's last 32 bytes: 'DSCPMETA', u32 version (1), u32 flags, u64 range count,
//                                      u32 notes length, u32 zero
// Flag 1: the ranges are complete — bytes of the dump's pages outside them are not real.
import type { ByteSource } from '../../io/byte-source.js';
import { LE } from '../../io/bytes.js';
import { MemoryNotPresentError } from '../../io/errors.js';
import { PAGE_SIZE, type PhysicalMemory } from '../../memory/physical.js';

export const TRAILER_MAGIC = 'DSCPMETA';
const FOOTER = 32;
const VERSION = 1;
const FLAG_RANGES = 1;
/** Bounds for a hostile trailer: a real one lists a few thousand ranges and a few notes. */
const MAX_RANGES = 1 << 24;
const MAX_NOTES = 1 << 16;

/** A physical byte range [start, end). */
export interface ByteRange {
  start: number;
  end: number;
}

export interface DumpTrailer {
  /** The real bytes, when the trailer lists them (ascending, disjoint, non-empty). */
  ranges?: ByteRange[];
  notes: string[];
}

/** Sorts, drops empty ranges and joins overlapping or touching ones. */
export function normalizeRanges(ranges: Iterable<ByteRange>): ByteRange[] {
  const sorted = [...ranges].filter((r) => r.end > r.start).sort((a, b) => a.start - b.start);
  const out: ByteRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

/** Whole pages of runs as byte ranges. */
export function pageRunsToRanges(runs: Iterable<{ basePage: number; pageCount: number }>): ByteRange[] {
  return normalizeRanges([...runs].map((r) => ({ start: r.basePage * PAGE_SIZE, end: (r.basePage + r.pageCount) * PAGE_SIZE })));
}

export function encodeTrailer(t: DumpTrailer): Uint8Array {
  const ranges = t.ranges ? normalizeRanges(t.ranges) : [];
  const notes = new TextEncoder().encode(t.notes.map((n) => n.replace(/\n/g, ' ')).join('\n'));
  const out = new Uint8Array(ranges.length * 16 + notes.length + FOOTER);
  const dv = new DataView(out.buffer);
  ranges.forEach((r, i) => {
    dv.setBigUint64(i * 16, BigInt(r.start), true);
    dv.setBigUint64(i * 16 + 8, BigInt(r.end - r.start), true);
  });
  out.set(notes, ranges.length * 16);
  const f = out.length - FOOTER;
  out.set(new TextEncoder().encode(TRAILER_MAGIC), f);
  dv.setUint32(f + 8, VERSION, true);
  dv.setUint32(f + 12, t.ranges ? FLAG_RANGES : 0, true);
  dv.setBigUint64(f + 16, BigInt(ranges.length), true);
  dv.setUint32(f + 24, notes.length, true);
  return out;
}

/**
 * The trailer after `dataEnd` (where the layout's pages end), if the file has one. A damaged trailer is
 * ignored with a warning (the dump's pages still stand); anything that is not our footer is not a trailer.
 */
export async function readTrailer(source: ByteSource, dataEnd: number): Promise<{ trailer?: DumpTrailer; warning?: string }> {
  if (source.size < dataEnd + FOOTER) return {};
  const at = source.size - FOOTER;
  const f = new LE(await source.read(at, FOOTER), 'dumpscope metadata trailer', at);
  if (f.ascii(0, 8) !== TRAILER_MAGIC) return {};
  const damaged = (what: string) => ({ warning: `the dumpscope metadata trailer at file offset 0x${at.toString(16)} is damaged (${what}); ignored, so every byte of the dump's pages is taken as real` });
  if (f.u32(8) !== VERSION) return damaged(`version ${f.u32(8)}, expected ${VERSION}`);
  const flags = f.u32(12);
  const count = f.u64(16);
  const notesLength = f.u32(24);
  if (count > BigInt(MAX_RANGES)) return damaged(`${count} ranges`);
  if (notesLength > MAX_NOTES) return damaged(`${notesLength} bytes of notes`);
  const tableAt = at - notesLength - Number(count) * 16;
  if (tableAt < dataEnd) return damaged(`its ${count} ranges and ${notesLength} bytes of notes do not fit between the end of the dump's pages (0x${dataEnd.toString(16)}) and the footer`);
  const body = new LE(await source.read(tableAt, at - tableAt), 'dumpscope metadata trailer', tableAt);
  const notes = new TextDecoder().decode(body.sub(Number(count) * 16, notesLength)).split('\n').filter((n) => n.trim() !== '');
  if (!(flags & FLAG_RANGES)) return { trailer: { notes } };
  const ranges: ByteRange[] = [];
  let prevEnd = -1;
  for (let i = 0; i < Number(count); i++) {
    const start = body.u64(i * 16);
    const length = body.u64(i * 16 + 8);
    const end = start + length;
    if (length === 0n || end > BigInt(Number.MAX_SAFE_INTEGER)) return damaged(`range ${i} is empty or beyond any physical address`);
    if (Number(start) < prevEnd) return damaged(`range ${i} at 0x${start.toString(16)} overlaps or is out of order`);
    ranges.push({ start: Number(start), end: Number(end) });
    prevEnd = Number(end);
  }
  return { trailer: { ranges, notes } };
}

/**
 * Physical memory limited to the byte ranges a trailer marks as real: whole-page reads of a page with real
 * bytes still return it (page tables, `db`'s sparse reads), `knownBytes` says which of its bytes count, and
 * exact reads (`read`) refuse any byte outside the ranges, as for memory the dump does not have.
 */
export class RangedPhysicalMemory implements PhysicalMemory {
  readonly pageCount: number;
  private readonly starts: number[];

  constructor(
    /** The file's pages as the layout stores them (conversion copies from here). */
    readonly base: PhysicalMemory,
    readonly ranges: readonly ByteRange[],
  ) {
    this.starts = ranges.map((r) => r.start);
    let pages = 0;
    let lastPage = -1;
    for (const r of ranges) {
      const first = Math.max(Math.floor(r.start / PAGE_SIZE), lastPage + 1);
      const last = Math.floor((r.end - 1) / PAGE_SIZE);
      if (last >= first) pages += last - first + 1;
      lastPage = Math.max(lastPage, last);
    }
    this.pageCount = Math.min(pages, base.pageCount);
  }

  /** Index of the last range starting at or before `pa` (-1 when none). */
  private indexAt(pa: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid] <= pa) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** Does any real byte lie in the page? */
  private touched(pfn: number): boolean {
    const a = pfn * PAGE_SIZE;
    const i = this.indexAt(a + PAGE_SIZE - 1);
    return i >= 0 && this.ranges[i].end > a;
  }

  hasPage(pfn: number): boolean | Promise<boolean> {
    return this.touched(pfn) ? this.base.hasPage(pfn) : false;
  }

  async readPage(pfn: number): Promise<Uint8Array | undefined> {
    return this.touched(pfn) ? this.base.readPage(pfn) : undefined;
  }

  /** Which bytes of the page are real (1); undefined when all are. */
  knownBytes(pfn: number): Uint8Array | undefined {
    const a = pfn * PAGE_SIZE;
    const i = this.indexAt(a);
    if (i >= 0 && this.ranges[i].start <= a && this.ranges[i].end >= a + PAGE_SIZE) return undefined;
    const mask = new Uint8Array(PAGE_SIZE);
    for (let k = Math.max(0, i); k < this.ranges.length && this.ranges[k].start < a + PAGE_SIZE; k++) {
      const r = this.ranges[k];
      const from = Math.max(r.start, a) - a;
      const to = Math.min(r.end, a + PAGE_SIZE) - a;
      if (to > from) mask.fill(1, from, to);
    }
    return mask;
  }

  /** The first byte of [pa, pa+length) outside the ranges, or undefined. */
  private firstUnknown(pa: number, length: number): number | undefined {
    let at = pa;
    const end = pa + length;
    while (at < end) {
      const i = this.indexAt(at);
      if (i < 0 || this.ranges[i].end <= at) return at;
      at = this.ranges[i].end;
    }
    return undefined;
  }

  private check(pa: number, length: number): void {
    const miss = this.firstUnknown(pa, length);
    if (miss !== undefined) throw new MemoryNotPresentError('physical', BigInt(miss), "not captured: the dump's metadata trailer marks this byte as not real (the dump was converted from one that did not hold it)");
  }

  async read(pa: number, length: number): Promise<Uint8Array> {
    this.check(pa, length);
    return this.base.read(pa, length);
  }

  async readInto(pa: number, dest: Uint8Array): Promise<void> {
    this.check(pa, dest.length);
    if (this.base.readInto) await this.base.readInto(pa, dest);
    else dest.set(await this.base.read(pa, dest.length));
  }

  /** Runs of the file's pages that hold real bytes. */
  async *runs(): AsyncIterable<{ basePfn: number; pageCount: number }> {
    let pending: { basePfn: number; pageCount: number } | undefined;
    for await (const r of this.base.runs()) {
      // The ranges overlapping this run, page by page (a run's pages with no real byte are left out).
      let i = Math.max(0, this.indexAt(r.basePfn * PAGE_SIZE));
      const runEnd = r.basePfn + r.pageCount;
      for (; i < this.ranges.length; i++) {
        const q = this.ranges[i];
        const first = Math.max(Math.floor(q.start / PAGE_SIZE), r.basePfn);
        const last = Math.min(Math.floor((q.end - 1) / PAGE_SIZE), runEnd - 1);
        if (Math.floor(q.start / PAGE_SIZE) >= runEnd) break;
        if (last < first) continue;
        if (pending && pending.basePfn + pending.pageCount >= first) pending.pageCount = Math.max(pending.pageCount, last + 1 - pending.basePfn);
        else {
          if (pending) yield pending;
          pending = { basePfn: first, pageCount: last - first + 1 };
        }
      }
    }
    if (pending) yield pending;
  }
}
