// Physical memory of bitmap dumps (kernel/automatic/active "SDMP", complete "FDMP"): a bit per page frame
// says whether the page is in the file; present pages follow FirstPage in PFN order.
//
// The bitmap of a machine with terabytes of address space is gigabytes long, so it is never held whole:
// opening scans it once in 1 MiB chunks (counting pages per chunk, noting chunks that are all absent or all
// present), and a few chunks at a time are read back on demand, each with a popcount prefix per 4096-bit
// block. PFN → file offset is then one chunk prefix, one block prefix and at most 512 byte popcounts.
import type { ByteSource } from '../../io/byte-source.js';
import { LE } from '../../io/bytes.js';
import { FormatError } from '../../io/errors.js';
import { PAGE_SIZE, type PhysicalMemory } from '../../memory/physical.js';
import { bytesText } from './header.js';
import { type FileSpan, pastEndReason, readPhysicalSpans, readPhysicalSpansInto, type SpanMap } from './read-physical.js';

export const BITMAP_HEADER_SIZE = 0x38;
/** Sanity bound for a bitmap: 2^40 page frames is 4 PiB of physical address space. */
export const MAX_BITMAP_PAGES = 2 ** 40;
const CHUNK_BYTES = 1 << 20;
const BLOCK_BYTES = 512;
const CACHED_CHUNKS = 8;
const SCAN_CHUNKS = 8;
const EMPTY = 0;
const FULL = 1;
const MIXED = 2;

export interface BitmapHeader {
  signature: 'SDMP' | 'FDMP';
  firstPage: number;
  totalPresentPages: number;
  /** Number of bits (page frames) the bitmap covers. */
  pages: number;
  /** Set when the file ends inside the bitmap: how many of its bits (page frames) the file still holds. */
  bitsInFile?: number;
}

export function parseBitmapHeader(bytes: Uint8Array, at: number, fileSize: number): BitmapHeader {
  const le = new LE(bytes, 'bitmap dump header', at);
  const signature = le.ascii(0, 4);
  if (signature !== 'SDMP' && signature !== 'FDMP') throw new FormatError(le.format, `signature ${bytesText(bytes.subarray(0, 4))} is not SDMP or FDMP`, at);
  if (le.ascii(4, 4) !== 'DUMP') throw new FormatError(le.format, `ValidDump is ${bytesText(bytes.subarray(4, 8))}, expected 'DUMP'`, at + 4);
  const firstPage = le.u64n(0x20, 'FirstPage');
  const totalPresentPages = le.u64n(0x28, 'TotalPresentPages');
  const pages = le.u64n(0x30, 'Pages');
  const bitmapBytes = Math.ceil(pages / 8);
  if (firstPage < at + BITMAP_HEADER_SIZE + bitmapBytes) throw new FormatError(le.format, `FirstPage 0x${firstPage.toString(16)} lies inside the bitmap`, at + 0x20);
  const h: BitmapHeader = { signature: signature as 'SDMP' | 'FDMP', firstPage, totalPresentPages, pages };
  // A file cut inside its bitmap (pages come after it, so none is left) still opens: the bits present say
  // which pages the dump had; the caller reports the cut. Only a bitmap that cannot fit even the header
  // FirstPage names is an impossible one.
  if (at + BITMAP_HEADER_SIZE + bitmapBytes > fileSize) h.bitsInFile = Math.max(0, fileSize - at - BITMAP_HEADER_SIZE) * 8;
  return h;
}

const POP8 = new Uint8Array(256).map((_, i) => {
  let n = 0;
  for (let v = i; v; v >>= 1) n += v & 1;
  return n;
});

function pop32(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** Set bits in bytes[0, n): 32-bit words where aligned, bytes for the tail. */
function popcount(bytes: Uint8Array, n: number): number {
  let total = 0;
  let i = 0;
  if (bytes.byteOffset % 4 === 0) {
    const w = new Uint32Array(bytes.buffer, bytes.byteOffset, n >>> 5 << 3);
    // Eight words per test: bitmaps are mostly zeros (or all ones), and this skips them fast.
    for (let k = 0; k < w.length; k += 8) {
      if ((w[k] | w[k + 1] | w[k + 2] | w[k + 3] | w[k + 4] | w[k + 5] | w[k + 6] | w[k + 7]) === 0) continue;
      for (let j = k; j < k + 8; j++) total += pop32(w[j]);
    }
    i = w.length * 4;
  }
  for (; i < n; i++) total += POP8[bytes[i]];
  return total;
}

interface Chunk {
  bytes: Uint8Array;
  /** Present pages in the chunk before each 4096-bit block. */
  blockPrefix: Uint32Array;
}

export class BitmapPhysicalMemory implements PhysicalMemory, SpanMap {
  /** Readable present pages (fewer than the bitmap's when the file is truncated). */
  readonly pageCount: number;
  /** File size the header implies: FirstPage + every present page. */
  readonly expectedSize: number;
  private readonly bitmapAt: number;
  private readonly chunkCount: number;
  /** Bitmap bytes per chunk (1 MiB; tests use less to reach chunk edges with few pages). */
  private readonly chunkBytes: number;
  private readonly chunkBits: number;
  private readonly kinds: Uint8Array;
  private readonly prefix: Float64Array;
  private readonly cache = new Map<number, Promise<Chunk>>();
  /** Set when the header's TotalPresentPages disagrees with the bitmap (whose count is used). */
  countWarning?: string;

  private constructor(
    private readonly source: ByteSource,
    readonly header: BitmapHeader,
    bitmapAt: number,
    kinds: Uint8Array,
    prefix: Float64Array,
    chunkBytes: number,
  ) {
    this.chunkBytes = chunkBytes;
    this.chunkBits = chunkBytes * 8;
    this.bitmapAt = bitmapAt;
    this.kinds = kinds;
    this.prefix = prefix;
    this.chunkCount = kinds.length;
    this.expectedSize = header.firstPage + header.totalPresentPages * PAGE_SIZE;
    this.pageCount = Math.min(header.totalPresentPages, Math.max(0, Math.floor((source.size - header.firstPage) / PAGE_SIZE)));
  }

  /** Scans the bitmap at `bitmapAt` chunk by chunk: page counts per chunk, checked against TotalPresentPages. */
  static async open(source: ByteSource, declared: BitmapHeader, bitmapAt: number, chunkBytes = CHUNK_BYTES): Promise<BitmapPhysicalMemory> {
    if (chunkBytes <= 0 || chunkBytes % BLOCK_BYTES) throw new RangeError(`chunkBytes must be a multiple of ${BLOCK_BYTES}`);
    // A bitmap cut by the end of the file: only the frames whose bits are in the file are known.
    const cut = declared.bitsInFile !== undefined && declared.bitsInFile < declared.pages;
    const header = cut ? { ...declared, pages: declared.bitsInFile as number } : declared;
    const CHUNK_BITS = chunkBytes * 8;
    const chunks = Math.ceil(header.pages / CHUNK_BITS);
    const kinds = new Uint8Array(chunks);
    const prefix = new Float64Array(chunks + 1);
    // Eight chunks per read: fewer, larger reads run near the disk's speed.
    const bitmapBytes = Math.ceil(header.pages / 8);
    const buf = new Uint8Array(Math.min(SCAN_CHUNKS * chunkBytes, bitmapBytes));
    let total = 0;
    for (let c0 = 0; c0 < chunks; c0 += SCAN_CHUNKS) {
      const len = Math.min(buf.length, bitmapBytes - c0 * chunkBytes);
      const bits = Math.min(SCAN_CHUNKS * CHUNK_BITS, header.pages - c0 * CHUNK_BITS);
      await readBitmap(source, bitmapAt + c0 * chunkBytes, buf.subarray(0, len), bits);
      for (let c = c0; c < Math.min(chunks, c0 + SCAN_CHUNKS); c++) {
        const from = (c - c0) * chunkBytes;
        const part = buf.subarray(from, Math.min(len, from + chunkBytes));
        const n = popcount(part, part.length);
        const chunkBits = Math.min(CHUNK_BITS, header.pages - c * CHUNK_BITS);
        prefix[c] = total;
        kinds[c] = n === 0 ? EMPTY : n === chunkBits ? FULL : MIXED;
        total += n;
      }
    }
    prefix[chunks] = total;
    // Pages are located by the bitmap's own count (a page's rank among the set bits), so when the header's
    // TotalPresentPages disagrees (one flipped bit), the bitmap is trusted and the disagreement reported.
    let countWarning: string | undefined;
    let trusted = header;
    if (cut ? total > header.totalPresentPages : total !== header.totalPresentPages) {
      const at = bitmapAt - BITMAP_HEADER_SIZE + 0x28;
      const fits = header.firstPage + total * PAGE_SIZE <= source.size;
      countWarning =
        `bitmap dump header: TotalPresentPages (file offset 0x${at.toString(16)}) says ${header.totalPresentPages} pages but the bitmap has ${total} set bits; pages are located by the bitmap, so its count is used` +
        (fits ? '' : ` (FirstPage 0x${header.firstPage.toString(16)} + ${total} pages runs past the end of the ${source.size}-byte file: the bitmap itself may be damaged, and pages past the end read as missing)`);
      trusted = { ...header, totalPresentPages: total };
    }
    const m = new BitmapPhysicalMemory(source, trusted, bitmapAt, kinds, prefix, chunkBytes);
    m.countWarning = countWarning;
    return m;
  }

  private chunk(c: number): Promise<Chunk> {
    const hit = this.cache.get(c);
    if (hit) {
      this.cache.delete(c);
      this.cache.set(c, hit);
      return hit;
    }
    const p = (async () => {
      const bits = Math.min(this.chunkBits, this.header.pages - c * this.chunkBits);
      const bytes = new Uint8Array(Math.ceil(bits / 8));
      await readBitmap(this.source, this.bitmapAt + c * this.chunkBytes, bytes, bits);
      const blockPrefix = new Uint32Array(Math.ceil(bytes.length / BLOCK_BYTES));
      let n = 0;
      for (let b = 0; b < blockPrefix.length; b++) {
        blockPrefix[b] = n;
        const start = b * BLOCK_BYTES;
        n += popcount(bytes.subarray(start, Math.min(bytes.length, start + BLOCK_BYTES)), Math.min(BLOCK_BYTES, bytes.length - start));
      }
      return { bytes, blockPrefix };
    })();
    p.catch(() => this.cache.delete(c));
    this.cache.set(c, p);
    while (this.cache.size > CACHED_CHUNKS) this.cache.delete(this.cache.keys().next().value as number);
    return p;
  }

  /** Is the bit of `pfn` set? (The page may still lie past the end of a truncated file.) */
  private async bit(pfn: number): Promise<boolean> {
    if (!Number.isInteger(pfn) || pfn < 0 || pfn >= this.header.pages) return false;
    const c = Math.floor(pfn / this.chunkBits);
    if (this.kinds[c] !== MIXED) return this.kinds[c] === FULL;
    const local = pfn - c * this.chunkBits;
    return (((await this.chunk(c)).bytes[local >> 3] >> (local & 7)) & 1) === 1;
  }

  /** Present pages before `pfn` (its index among the pages in the file). */
  private async rank(pfn: number): Promise<number> {
    const c = Math.floor(pfn / this.chunkBits);
    const local = pfn - c * this.chunkBits;
    if (this.kinds[c] === EMPTY) return this.prefix[c];
    if (this.kinds[c] === FULL) return this.prefix[c] + local;
    const ch = await this.chunk(c);
    const byte = local >> 3;
    const block = Math.floor(byte / BLOCK_BYTES);
    let n = this.prefix[c] + ch.blockPrefix[block];
    for (let i = block * BLOCK_BYTES; i < byte; i++) n += POP8[ch.bytes[i]];
    return n + POP8[ch.bytes[byte] & ((1 << (local & 7)) - 1)];
  }

  async hasPage(pfn: number): Promise<boolean> {
    return (await this.bit(pfn)) && (await this.rank(pfn)) < this.pageCount;
  }

  async missing(pfn: number): Promise<string> {
    if (await this.bit(pfn)) {
      const r = await this.rank(pfn);
      if (r >= this.pageCount) return pastEndReason(pfn, this.header.firstPage + r * PAGE_SIZE, this.source.size);
    }
    return `page frame 0x${pfn.toString(16)} is not in the dump`;
  }

  async readPage(pfn: number): Promise<Uint8Array | undefined> {
    if (!(await this.bit(pfn))) return undefined;
    const r = await this.rank(pfn);
    return r < this.pageCount ? this.source.read(this.header.firstPage + r * PAGE_SIZE, PAGE_SIZE) : undefined;
  }

  /** Consecutive set bits from `pfn`, at most `max`. */
  private async setBitsFrom(pfn: number, max: number): Promise<number> {
    let n = 0;
    while (n < max) {
      const p = pfn + n;
      if (p >= this.header.pages) break;
      const c = Math.floor(p / this.chunkBits);
      const chunkEnd = Math.min((c + 1) * this.chunkBits, this.header.pages, pfn + max);
      if (this.kinds[c] === EMPTY) break;
      if (this.kinds[c] === FULL) {
        n += chunkEnd - p;
        continue;
      }
      const bytes = (await this.chunk(c)).bytes;
      const base = c * this.chunkBits;
      let q = p;
      while (q < chunkEnd) {
        const local = q - base;
        if ((local & 7) === 0 && q + 8 <= chunkEnd && bytes[local >> 3] === 0xff) q += 8;
        else if ((bytes[local >> 3] >> (local & 7)) & 1) q++;
        else return n + (q - p);
      }
      n += q - p;
    }
    return n;
  }

  /** File location of up to `maxPages` consecutive present pages from `pfn`. */
  async spanAt(pfn: number, maxPages: number): Promise<FileSpan | undefined> {
    if (!(await this.bit(pfn))) return undefined;
    const r = await this.rank(pfn);
    if (r >= this.pageCount) return undefined;
    const pages = await this.setBitsFrom(pfn, Math.min(maxPages, this.pageCount - r));
    return { fileOffset: this.header.firstPage + r * PAGE_SIZE, pages };
  }

  read(pa: number, length: number): Promise<Uint8Array> {
    return readPhysicalSpans(this.source, this, pa, length);
  }

  readInto(pa: number, dest: Uint8Array): Promise<void> {
    return readPhysicalSpansInto(this.source, this, pa, dest);
  }

  /** Runs of readable present pages in PFN order; chunk by chunk, so memory stays bounded. */
  async *runs(): AsyncIterable<{ basePfn: number; pageCount: number }> {
    let start = -1;
    let left = this.pageCount; // pages still in the file
    const n = this.header.pages;
    for (let c = 0; c < this.chunkCount && left > 0; c++) {
      const base = c * this.chunkBits;
      const end = Math.min(base + this.chunkBits, n);
      if (this.kinds[c] === EMPTY) {
        if (start >= 0) yield { basePfn: start, pageCount: base - start };
        start = -1;
        continue;
      }
      if (this.kinds[c] === FULL) {
        if (start < 0) start = base;
        const take = Math.min(end - base, left);
        left -= take;
        if (left === 0) {
          yield { basePfn: start, pageCount: base + take - start };
          return;
        }
        continue;
      }
      const bytes = (await this.chunk(c)).bytes;
      for (let pfn = base; pfn < end; pfn++) {
        const local = pfn - base;
        const byte = bytes[local >> 3];
        // Whole bytes that are all absent (outside a run) or all present (inside one, with pages to spare).
        if ((local & 7) === 0 && pfn + 8 <= end) {
          if (byte === 0 && start < 0) {
            pfn += 7;
            continue;
          }
          if (byte === 0xff && start >= 0 && left > 8) {
            left -= 8;
            pfn += 7;
            continue;
          }
        }
        if ((byte >> (local & 7)) & 1) {
          if (start < 0) start = pfn;
          if (--left === 0) {
            yield { basePfn: start, pageCount: pfn + 1 - start };
            return;
          }
        } else if (start >= 0) {
          yield { basePfn: start, pageCount: pfn - start };
          start = -1;
        }
      }
    }
    if (start >= 0) yield { basePfn: start, pageCount: n - start };
  }
}

/** Reads bitmap bytes, clearing the bits past the last page frame (the last byte may be partly used). */
async function readBitmap(source: ByteSource, at: number, dest: Uint8Array, bits: number): Promise<void> {
  if (source.readInto) await source.readInto(at, dest);
  else dest.set(await source.read(at, dest.length));
  if (bits % 8) dest[dest.length - 1] &= (1 << (bits % 8)) - 1;
}
