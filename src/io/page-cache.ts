import { type ByteSource, checkRange } from './byte-source.js';

export interface PageCacheOptions {
  /** Bytes per cached chunk (a power of two). Default 64 KiB. */
  chunkSize?: number;
  /** Upper bound on cached bytes. Default 64 MiB. */
  maxBytes?: number;
}

/**
 * A bounded LRU cache of fixed-size chunks in front of a ByteSource. Concurrent reads of the same chunk
 * share one underlying read. Reads larger than the cache go straight through.
 */
export class PageCache implements ByteSource {
  readonly name: string;
  readonly size: number;
  private readonly chunkSize: number;
  private readonly maxChunks: number;
  // Map iteration order is insertion order: re-inserting on hit makes it an LRU.
  private readonly chunks = new Map<number, Promise<Uint8Array>>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly inner: ByteSource,
    options: PageCacheOptions = {},
  ) {
    this.name = inner.name;
    this.size = inner.size;
    this.chunkSize = options.chunkSize ?? 0x10000;
    if (this.chunkSize <= 0 || (this.chunkSize & (this.chunkSize - 1)) !== 0) {
      throw new RangeError('PageCache chunkSize must be a power of two');
    }
    this.maxChunks = Math.max(1, Math.floor((options.maxBytes ?? 64 * 1024 * 1024) / this.chunkSize));
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this.name, offset, length, this.size);
    if (length === 0) return new Uint8Array(0);
    const first = Math.floor(offset / this.chunkSize);
    const last = Math.floor((offset + length - 1) / this.chunkSize);
    if (last - first + 1 > this.maxChunks) return this.inner.read(offset, length);
    if (first === last) {
      const chunk = await this.chunk(first);
      const start = offset - first * this.chunkSize;
      return chunk.subarray(start, start + length);
    }
    const out = new Uint8Array(length);
    const parts = [];
    for (let i = first; i <= last; i++) parts.push(this.chunk(i));
    const chunks = await Promise.all(parts);
    let pos = 0;
    for (let i = first; i <= last; i++) {
      const c = chunks[i - first];
      const cStart = i * this.chunkSize;
      const from = Math.max(offset, cStart) - cStart;
      const to = Math.min(offset + length, cStart + c.length) - cStart;
      out.set(c.subarray(from, to), pos);
      pos += to - from;
    }
    return out;
  }

  /** Bulk reads (scans, convert) go straight to the source: they would only evict what random reads use. */
  async readInto(offset: number, dest: Uint8Array): Promise<void> {
    checkRange(this.name, offset, dest.length, this.size);
    if (dest.length < this.chunkSize * 4) dest.set(await this.read(offset, dest.length));
    else if (this.inner.readInto) await this.inner.readInto(offset, dest);
    else dest.set(await this.inner.read(offset, dest.length));
  }

  private chunk(index: number): Promise<Uint8Array> {
    const hit = this.chunks.get(index);
    if (hit) {
      this.hits++;
      this.chunks.delete(index);
      this.chunks.set(index, hit);
      return hit;
    }
    this.misses++;
    const start = index * this.chunkSize;
    const len = Math.min(this.chunkSize, this.size - start);
    const p = this.inner.read(start, len).then((b) => b.slice()); // copy: inner buffers may be reused
    p.catch(() => this.chunks.delete(index));
    this.chunks.set(index, p);
    while (this.chunks.size > this.maxChunks) {
      const oldest = this.chunks.keys().next().value as number;
      this.chunks.delete(oldest);
    }
    return p;
  }

  async close(): Promise<void> {
    this.chunks.clear();
    await this.inner.close();
  }
}
