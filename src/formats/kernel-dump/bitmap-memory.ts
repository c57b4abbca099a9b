// Physical memory of bitmap dumps (kernel/automatic/active "SDMP", complete "FDMP"): a bit per page frame
// says whether the page is in the file; present pages follow FirstPage in PFN order. A popcount prefix per
// 4096-bit block turns PFN → file offset into one table lookup plus a short count.
import type { ByteSource } from '../../io/byte-source.js';
import { LE } from '../../io/bytes.js';
import { FormatError } from '../../io/errors.js';
import { PAGE_SIZE, type PhysicalMemory } from '../../memory/physical.js';
import { type FileSpan, readPhysicalSpans, readPhysicalSpansInto } from './read-physical.js';

export const BITMAP_HEADER_SIZE = 0x38;
const BLOCK_BITS = 4096;

export interface BitmapHeader {
  signature: 'SDMP' | 'FDMP';
  firstPage: number;
  totalPresentPages: number;
  /** Number of bits (page frames) the bitmap covers. */
  pages: number;
}

export function parseBitmapHeader(bytes: Uint8Array, at: number, fileSize: number): BitmapHeader {
  const le = new LE(bytes, 'bitmap dump header', at);
  const signature = le.ascii(0, 4);
  if (signature !== 'SDMP' && signature !== 'FDMP') throw new FormatError(le.format, `signature '${signature}' is not SDMP or FDMP`, at);
  if (le.ascii(4, 4) !== 'DUMP') throw new FormatError(le.format, `ValidDump is '${le.ascii(4, 4)}', expected 'DUMP'`, at + 4);
  const firstPage = le.u64n(0x20, 'FirstPage');
  const totalPresentPages = le.u64n(0x28, 'TotalPresentPages');
  const pages = le.u64n(0x30, 'Pages');
  const bitmapBytes = Math.ceil(pages / 8);
  if (at + BITMAP_HEADER_SIZE + bitmapBytes > fileSize) {
    throw new FormatError(le.format, `bitmap of ${pages} pages (${bitmapBytes} bytes) extends past the end of the ${fileSize}-byte file`, at + 0x30);
  }
  if (firstPage < at + BITMAP_HEADER_SIZE + bitmapBytes) throw new FormatError(le.format, `FirstPage 0x${firstPage.toString(16)} lies inside the bitmap`, at + 0x20);
  return { signature: signature as 'SDMP' | 'FDMP', firstPage, totalPresentPages, pages };
}

const POP8 = new Uint8Array(256).map((_, i) => {
  let n = 0;
  for (let v = i; v; v >>= 1) n += v & 1;
  return n;
});

export class BitmapPhysicalMemory implements PhysicalMemory {
  readonly pageCount: number;
  private readonly prefix: Float64Array;

  constructor(
    private readonly source: ByteSource,
    readonly header: BitmapHeader,
    private readonly bitmap: Uint8Array,
  ) {
    const blocks = Math.ceil(header.pages / BLOCK_BITS);
    this.prefix = new Float64Array(blocks + 1);
    let total = 0;
    for (let b = 0; b < blocks; b++) {
      this.prefix[b] = total;
      const end = Math.min(bitmap.length, (b + 1) * (BLOCK_BITS / 8));
      for (let i = b * (BLOCK_BITS / 8); i < end; i++) total += POP8[bitmap[i]];
    }
    this.prefix[blocks] = total;
    this.pageCount = total;
    if (total !== header.totalPresentPages) {
      throw new FormatError('bitmap dump header', `bitmap has ${total} present pages but TotalPresentPages says ${header.totalPresentPages}`);
    }
  }

  hasPage(pfn: number): boolean {
    if (!Number.isInteger(pfn) || pfn < 0 || pfn >= this.header.pages) return false;
    return ((this.bitmap[pfn >> 3] >> (pfn & 7)) & 1) === 1;
  }

  private rank(pfn: number): number {
    const block = Math.floor(pfn / BLOCK_BITS);
    let n = this.prefix[block];
    const startByte = block * (BLOCK_BITS / 8);
    const byte = pfn >> 3;
    for (let i = startByte; i < byte; i++) n += POP8[this.bitmap[i]];
    return n + POP8[this.bitmap[byte] & ((1 << (pfn & 7)) - 1)];
  }

  async readPage(pfn: number): Promise<Uint8Array | undefined> {
    if (!this.hasPage(pfn)) return undefined;
    return this.source.read(this.header.firstPage + this.rank(pfn) * PAGE_SIZE, PAGE_SIZE);
  }

  /** File location of up to `maxPages` consecutive present pages from `pfn`. */
  spanAt(pfn: number, maxPages: number): FileSpan | undefined {
    if (!this.hasPage(pfn)) return undefined;
    let pages = 1;
    while (pages < maxPages && this.hasPage(pfn + pages)) pages++;
    return { fileOffset: this.header.firstPage + this.rank(pfn) * PAGE_SIZE, pages };
  }

  read(pa: number, length: number): Promise<Uint8Array> {
    return readPhysicalSpans(this.source, (p, n) => this.spanAt(p, n), pa, length);
  }

  readInto(pa: number, dest: Uint8Array): Promise<void> {
    return readPhysicalSpansInto(this.source, (p, n) => this.spanAt(p, n), pa, dest);
  }

  *runs(): Iterable<{ basePfn: number; pageCount: number }> {
    let start = -1;
    const n = this.header.pages;
    for (let pfn = 0; pfn <= n; pfn++) {
      // Whole bytes that are all absent (outside a run) or all present (inside one) are skipped at once.
      if ((pfn & 7) === 0 && pfn + 8 <= n) {
        const byte = this.bitmap[pfn >> 3];
        if ((byte === 0 && start < 0) || (byte === 0xff && start >= 0)) {
          pfn += 7;
          continue;
        }
      }
      const present = pfn < n && this.hasPage(pfn);
      if (present && start < 0) start = pfn;
      else if (!present && start >= 0) {
        yield { basePfn: start, pageCount: pfn - start };
        start = -1;
      }
    }
  }
}
