// Physical memory of a full (DumpType 1) dump: the pages of each run follow the header back to back.
import type { ByteSource } from '../../io/byte-source.js';
import { FormatError } from '../../io/errors.js';
import { PAGE_SIZE, type PhysicalMemory } from '../../memory/physical.js';
import type { PhysicalRun } from './header.js';
import { type FileSpan, readPhysicalSpans, readPhysicalSpansInto } from './read-physical.js';

export class RunsPhysicalMemory implements PhysicalMemory {
  readonly pageCount: number;
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
    this.pageCount = total;
    // Declared pages may lie past the end of a truncated file; reads of those fail with ReadPastEndError.
    if (!Number.isSafeInteger(dataOffset + total * PAGE_SIZE)) throw new FormatError('kernel dump', `physical memory runs describe ${total} pages, too many to address`);
  }

  private fileOffset(pfn: number): number | undefined {
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

  hasPage(pfn: number): boolean {
    return this.fileOffset(pfn) !== undefined;
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
    return readPhysicalSpans(this.source, (p, n) => this.spanAt(p, n), pa, length);
  }

  readInto(pa: number, dest: Uint8Array): Promise<void> {
    return readPhysicalSpansInto(this.source, (p, n) => this.spanAt(p, n), pa, dest);
  }

  *runs(): Iterable<{ basePfn: number; pageCount: number }> {
    for (const r of this.runList) yield { basePfn: r.basePage, pageCount: r.pageCount };
  }
}

