import { type ByteSource, checkRange } from './byte-source.js';

/** The part of the browser's Blob/File we use; structural so the core needs no DOM-only types. */
export interface BlobLike {
  readonly size: number;
  readonly name?: string;
  slice(start?: number, end?: number): { arrayBuffer(): Promise<ArrayBuffer> };
}

/** A ByteSource over a browser Blob or File: each read slices the blob, so nothing is loaded whole. */
export class BlobSource implements ByteSource {
  readonly size: number;
  readonly name: string;
  constructor(private readonly blob: BlobLike, name?: string) {
    this.size = blob.size;
    this.name = name ?? blob.name ?? 'blob';
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this.name, offset, length, this.size);
    return new Uint8Array(await this.blob.slice(offset, offset + length).arrayBuffer());
  }
  async close(): Promise<void> {}
}
