import { type ByteSource, checkRange } from './byte-source.js';

/** A ByteSource over bytes already in memory (tests, small files, data fetched whole). */
export class BufferSource implements ByteSource {
  readonly size: number;
  constructor(
    private readonly bytes: Uint8Array,
    readonly name = 'buffer',
  ) {
    this.size = bytes.length;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this.name, offset, length, this.size);
    return this.bytes.subarray(offset, offset + length);
  }
  async close(): Promise<void> {}
}
