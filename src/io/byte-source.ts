// The bottom layer: random-access asynchronous bytes. Files of many GiB, browser Blobs and in-memory
// buffers all look the same above this line. Offsets are plain numbers: exact up to 2^53 bytes.

export interface ByteSource {
  /** A name for messages: file path, blob name, "buffer". */
  readonly name: string;
  /** Total size in bytes. */
  readonly size: number;
  /**
   * Reads exactly `length` bytes at `offset`. Throws ReadPastEndError when the range is not inside the source.
   * The returned array may be a view into a cache: callers must not modify it.
   */
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * Optional bulk path: fills `dest` from `offset` without allocating. Streaming readers (convert, large
   * sequential scans) reuse one buffer through it; fresh allocations per read cost page faults.
   */
  readInto?(offset: number, dest: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

import { ReadPastEndError } from './errors.js';

/** Throws ReadPastEndError unless [offset, offset+length) lies inside a source of `size` bytes. */
export function checkRange(source: string, offset: number, length: number, size: number): void {
  if (
    !Number.isSafeInteger(offset) ||
    !Number.isSafeInteger(length) ||
    offset < 0 ||
    length < 0 ||
    offset + length > size
  ) {
    throw new ReadPastEndError(source, offset, length, size);
  }
}
