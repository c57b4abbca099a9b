// Virtual memory: what the target model, commands and analysis read. Kernel dumps translate through page
// tables (x64 paging); small dumps expose only the blocks they captured.

/** One level of a page walk, as `!pte` prints it. */
export interface PagingLevel {
  /** 'PML5E' | 'PXE' | 'PPE' | 'PDE' | 'PTE' */
  name: string;
  /** Physical address of the entry. */
  /** Physical address of the entry (unknown when it was read through the self-map in virtual memory). */
  entryPa?: number;
  /** Virtual address of the entry through the self-map, when the self-map base is known. */
  entryVa?: bigint;
  /** Raw 64-bit entry value; undefined when the page holding the entry is not in the dump. */
  value?: bigint;
  valid: boolean;
  /** Large page at this level (PPE: 1 GiB, PDE: 2 MiB). */
  large?: boolean;
}

/** Why a non-present PTE is not present, decoded the Windows way. */
export type PteState =
  | { kind: 'valid'; pfn: number }
  | { kind: 'transition'; pfn: number; protection: number }
  | { kind: 'prototype'; protoAddress: bigint }
  | { kind: 'pagefile'; pageFileNumber: number; pageFileOffset: number; protection: number }
  | { kind: 'demand-zero'; protection: number }
  | { kind: 'freed'; raw: bigint }
  | { kind: 'zero' }
  | { kind: 'not-in-dump' };

export interface Translation {
  va: bigint;
  levels: PagingLevel[];
  /** Physical address when the walk ended in a valid mapping. */
  pa?: number;
  /** Decoded state of the last entry read (why it is not present, or that it is valid). */
  state: PteState;
  /** Human-readable reason when `pa` is undefined ("Page has been freed", "not canonical", …). */
  reason?: string;
}

export interface SparseBytes {
  bytes: Uint8Array;
  /** valid[i] is 1 when bytes[i] was read from the dump, 0 when it is unknown (shown as ?? by `db`). */
  valid: Uint8Array;
}

export interface AddressSpace {
  /** Reads exactly `length` bytes; throws MemoryNotPresentError at the first unreadable byte. */
  read(va: bigint, length: number): Promise<Uint8Array>;
  /** Reads what is there and marks what is not; never throws for missing memory. */
  readSparse(va: bigint, length: number): Promise<SparseBytes>;
  /** Page-table walk, when this space is translated (undefined for captured-block spaces). */
  translate?(va: bigint): Promise<Translation>;
}
