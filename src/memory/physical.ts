// Physical memory as a dump describes it: 4 KiB pages that are either in the file or not.
export const PAGE_SIZE = 0x1000;
export const PAGE_SHIFT = 12;

export interface PhysicalMemory {
  /** Is this page frame in the dump? (Asynchronous where the answer needs a read, e.g. a large bitmap.) */
  hasPage(pfn: number): boolean | Promise<boolean>;
  /** The 4 KiB page, or undefined when the dump does not contain it. */
  readPage(pfn: number): Promise<Uint8Array | undefined>;
  /** Reads a physical range; throws MemoryNotPresentError naming the first missing page. */
  read(pa: number, length: number): Promise<Uint8Array>;
  /** Fills `dest` from physical address `pa` (no allocation when the source supports it); throws like read(). */
  readInto?(pa: number, dest: Uint8Array): Promise<void>;
  /** For a page the dump holds only in part (a converted dump's metadata says so): 1 per real byte; undefined when all are. */
  knownBytes?(pfn: number): Uint8Array | undefined;
  /** Number of pages present. */
  readonly pageCount: number;
  /** Ascending, non-overlapping runs of present pages (iterate with `for await`). Bounded by the dump's own description. */
  runs(): Iterable<{ basePfn: number; pageCount: number }> | AsyncIterable<{ basePfn: number; pageCount: number }>;
}
