// Physical memory of a full (DumpType 1) dump: the pages of each run follow the header back to back. A file
// cut short (the machine rebooted while writing, a partial upload) keeps the pages before the cut; pages
// past it read as missing, like memory the dump never had.
import type { ByteSource } from '../../io/byte-source.js';
import { FormatError } from '../../io/errors.js';
import { PAGE_SIZE, type PhysicalMemory } from '../../memory/physical.js';
import type { PhysicalRun } from './header.js';
import { type FileSpan, pastEndReason, readPhysicalSpans, readPhysicalSpansInto, type SpanMap } from './read-physical.js';

export class RunsPhysicalMemory implements PhysicalMemory, SpanMap {
  /** Pages readable from the file (fewer than declared when it is truncated). */
  readonly pageCount: number;
  /** Pages the runs declare. */
  readonly declaredPages: number;
  /** File size the runs imply: header + every declared page. */
  readonly expectedSize: number;
  /** Cumulative page index of each run's first page in the file. */
  private readonly starts: number[] = [];

  constructor(
    private readonly source: ByteSource,
    private readonly dataOffset: number,
    private readonly runList: readonly PhysicalRun[],
  ) {
    let total = 0;
    let prevEnd = -1;
    for (const [i, r] of runList.entries()) {
      if (r.basePage < prevEnd) throw new FormatError('kernel dump', `physical memory run ${i} (base page 0x${r.basePage.toString(16)}) overlaps or is out of order`);
      prevEnd = r.basePage + r.pageCount;
      this.starts.push(total);
      total += r.pageCount;
    }
    this.declaredPages = total;
    this.expectedSize = dataOffset + total * PAGE_SIZE;
    if (!Number.isSafeInteger(this.expectedSize)) throw new FormatError('kernel dump', `physical memory runs describe ${total} pages, too many to address`);
    this.pageCount = Math.min(total, Math.max(0, Math.floor((source.size - dataOffset) / PAGE_SIZE)));
  }

  /** File offset of a declared page (which may lie past the end of a truncated file). */
  private declaredOffset(pfn: number): number | undefined {
    let lo = 0;
    let hi = this.runList.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.runList[mid];
      if (pfn < r.basePage) hi = mid - 1;
      else if (pfn >= r.basePage + r.pageCount) lo = mid + 1;
      else return this.dataOffset + (this.starts[mid] + pfn - r.basePage) * PAGE_SIZE;
    }
    return undefined;
  }

  private fileOffset(pfn: number): number | undefined {
    const off = this.declaredOffset(pfn);
    return off !== undefined && off + PAGE_SIZE <= this.source.size ? off : undefined;
  }

  hasPage(pfn: number): boolean {
    return this.fileOffset(pfn) !== undefined;
  }

  missing(pfn: number): string {
    const off = this.declaredOffset(pfn);
    return off === undefined ? `page frame 0x${pfn.toString(16)} is not in the dump` : pastEndReason(pfn, off, this.source.size);
  }

  async readPage(pfn: number): Promise<Uint8Array | undefined> {
    const off = this.fileOffset(pfn);
    return off === undefined ? undefined : this.source.read(off, PAGE_SIZE);
  }

  /** File location of up to `maxPages` present pages from `pfn` (they stay inside one run). */
  spanAt(pfn: number, maxPages: number): FileSpan | undefined {
    const off = this.fileOffset(pfn);
    if (off === undefined) return undefined;
    let pages = 1;
    while (pages < maxPages && this.fileOffset(pfn + pages) === off + pages * PAGE_SIZE) pages++;
    return { fileOffset: off, pages };
  }

  read(pa: number, length: number): Promise<Uint8Array> {
    return readPhysicalSpans(this.source, this, pa, length);
  }

  readInto(pa: number, dest: Uint8Array): Promise<void> {
    return readPhysicalSpansInto(this.source, this, pa, dest);
  }

  /** Runs of readable pages: a truncated file's runs end at the cut. */
  *runs(): Iterable<{ basePfn: number; pageCount: number }> {
    let left = this.pageCount;
    for (const r of this.runList) {
      if (left <= 0) return;
      const n = Math.min(r.pageCount, left);
      if (n > 0) yield { basePfn: r.basePage, pageCount: n };
      left -= r.pageCount;
    }
  }
}
