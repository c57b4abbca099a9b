// The kernel's table of big pool allocations: nt!PoolBigPageTable, an array of nt!PoolBigPageTableSize
// _POOL_TRACKER_BIG_PAGES entries (Va, Key = the tag, PoolType, NumberOfBytes), all read by field name.
// Allocations of about a page and more (x64: more than 0xfe0 bytes) carry no _POOL_HEADER: this table is
// the only record of their tag and size. A Va with bit 0 set is a free entry. The table is read once per
// dump (bounded, in chunks, with Ctrl-C checkpoints) and kept sorted for lookups.
import { checkpoint } from '../util/checkpoint.js';
import type { KernelTarget } from '../target/kernel-target.js';
import type { KernelTypes } from '../target/struct-view.js';
import { StructView } from '../target/struct-view.js';

export interface BigPageEntry {
  va: bigint;
  tag: number;
  /** The POOL_TYPE the table records (bit 0: paged). */
  poolType: number;
  numberOfBytes: bigint;
  free: boolean;
}

export interface BigPageTable {
  /** Entries in use, sorted by va. */
  entries: BigPageEntry[];
  /** Table slots the dump does not hold (a small dump keeps few of them). */
  missingSlots: number;
  slots: number;
}

/** Slots read at most: real tables hold tens of thousands; the bound keeps a hostile size cheap. */
export const MAX_BIG_PAGE_SLOTS = 1 << 20;
const CHUNK_SLOTS = 2048;

const cache = new WeakMap<object, Promise<BigPageTable | undefined>>();

async function readTable(t: KernelTarget, kt: KernelTypes, signal?: AbortSignal): Promise<BigPageTable | undefined> {
  const nt = t.modules.modules[0];
  if (!nt) return undefined;
  const type = await kt.struct('_POOL_TRACKER_BIG_PAGES').catch(() => undefined);
  const tableVar = await kt.global(nt.base, 'PoolBigPageTable').catch(() => undefined);
  const sizeVar = await kt.global(nt.base, 'PoolBigPageTableSize').catch(() => undefined);
  if (!type || !tableVar || !sizeVar || type.size < 16) return undefined;
  const pointers = await t.memory.readSparse(tableVar, 8);
  const sizes = await t.memory.readSparse(sizeVar, 8);
  if (!pointers.valid.every((v) => v === 1) || !sizes.valid.every((v) => v === 1)) return undefined;
  const table = new DataView(pointers.bytes.buffer, pointers.bytes.byteOffset, 8).getBigUint64(0, true);
  const size = new DataView(sizes.bytes.buffer, sizes.bytes.byteOffset, 8).getBigUint64(0, true);
  if (!table) return undefined;
  const slots = Number(size > BigInt(MAX_BIG_PAGE_SLOTS) ? BigInt(MAX_BIG_PAGE_SLOTS) : size);
  const entries: BigPageEntry[] = [];
  let missingSlots = 0;
  for (let first = 0; first < slots; first += CHUNK_SLOTS) {
    await checkpoint(signal);
    const n = Math.min(CHUNK_SLOTS, slots - first);
    const s = await t.memory.readSparse(table + BigInt(first * type.size), n * type.size);
    for (let i = 0; i < n; i++) {
      const o = i * type.size;
      if (!s.valid.subarray(o, o + type.size).every((v) => v === 1)) {
        missingSlots++;
        continue;
      }
      const v = new StructView(type, s.bytes.subarray(o, o + type.size));
      const va = v.uint('Va');
      // Unused slots hold 0 (or 1: free with no address); a real entry is a kernel address.
      if (va < 0xffff800000000000n) continue;
      entries.push({
        va: va & ~1n,
        tag: v.num('Key'),
        poolType: v.has('PoolType') ? v.num('PoolType') : 0,
        numberOfBytes: v.has('NumberOfBytes') ? v.uint('NumberOfBytes') : 0n,
        free: (va & 1n) === 1n,
      });
    }
  }
  entries.sort((a, b) => (a.va < b.va ? -1 : a.va > b.va ? 1 : 0));
  return { entries, missingSlots, slots };
}

/** The big-page table of the dump (undefined: the kernel's types or symbols do not describe one, or it is not in the dump). */
export function bigPageTable(t: KernelTarget, kt: KernelTypes, signal?: AbortSignal): Promise<BigPageTable | undefined> {
  let p = cache.get(t.memory);
  if (!p) {
    p = readTable(t, kt, signal).catch((e) => {
      // An abort must not leave a failed read cached for the next command.
      cache.delete(t.memory);
      throw e;
    });
    cache.set(t.memory, p);
  }
  return p;
}

/** The big allocation whose pages hold `address` (an allocated one before a free one). */
export function bigPageAt(table: BigPageTable, address: bigint): BigPageEntry | undefined {
  const e = table.entries;
  // The last entry starting at or below the address, then the ones before it at the same start.
  let lo = 0;
  let hi = e.length - 1;
  let i = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (e[mid].va <= address) {
      i = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  let free: BigPageEntry | undefined;
  for (let k = i; k >= 0 && k > i - 8; k--) {
    const x = e[k];
    const pages = (x.numberOfBytes + 0xfffn) & ~0xfffn;
    if (address >= x.va && address < x.va + (pages || 0x1000n)) {
      if (!x.free) return x;
      free ??= x;
    }
  }
  return free;
}
