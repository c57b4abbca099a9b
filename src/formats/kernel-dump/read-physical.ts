import type { ByteSource } from '../../io/byte-source.js';
import { MemoryNotPresentError } from '../../io/errors.js';
import { PAGE_SIZE } from '../../memory/physical.js';

/** Where a run of present pages starting at a PFN lies in the file (pages are contiguous there too). */
export interface FileSpan {
  fileOffset: number;
  /** How many consecutive present pages start at the PFN (at most the number asked for). */
  pages: number;
}

/** How a dump layout finds pages in its file. */
export interface SpanMap {
  /** File location of up to `maxPages` consecutive present pages from `pfn`, or undefined when it is absent. */
  spanAt(pfn: number, maxPages: number): FileSpan | undefined | Promise<FileSpan | undefined>;
  /** Why `pfn` cannot be read (not in the dump, or past the end of a truncated file). */
  missing(pfn: number): string | Promise<string>;
}

/** readPhysicalSpans into a caller's buffer: one file read per span, straight into `dest` when possible. */
export async function readPhysicalSpansInto(source: ByteSource, map: SpanMap, pa: number, dest: Uint8Array): Promise<void> {
  let done = 0;
  while (done < dest.length) {
    const addr = pa + done;
    const pfn = Math.floor(addr / PAGE_SIZE);
    const inPage = addr % PAGE_SIZE;
    const span = await map.spanAt(pfn, Math.ceil((inPage + dest.length - done) / PAGE_SIZE));
    if (!span) throw new MemoryNotPresentError('physical', BigInt(addr), await map.missing(pfn));
    const n = Math.min(span.pages * PAGE_SIZE - inPage, dest.length - done);
    const part = dest.subarray(done, done + n);
    if (source.readInto) await source.readInto(span.fileOffset + inPage, part);
    else part.set(await source.read(span.fileOffset + inPage, n));
    done += n;
  }
}

/**
 * Reads a physical range with one file read per contiguous span of present pages, so sequential reads of
 * a large range run near the file's own read speed. Throws for the first page the dump does not contain.
 */
export async function readPhysicalSpans(source: ByteSource, map: SpanMap, pa: number, length: number): Promise<Uint8Array> {
  // One span covering the whole request: hand back the file bytes without another copy.
  const first = await map.spanAt(Math.floor(pa / PAGE_SIZE), Math.ceil(((pa % PAGE_SIZE) + length) / PAGE_SIZE));
  if (first && first.pages * PAGE_SIZE >= (pa % PAGE_SIZE) + length) return source.read(first.fileOffset + (pa % PAGE_SIZE), length);
  const out = new Uint8Array(length);
  await readPhysicalSpansInto(source, map, pa, out);
  return out;
}

/** The reason given for a page a cut-off file no longer holds. */
export function pastEndReason(pfn: number, fileOffset: number, fileSize: number): string {
  return `page frame 0x${pfn.toString(16)} would be at file offset 0x${fileOffset.toString(16)}, past the end of the truncated file (0x${fileSize.toString(16)} bytes)`;
}
