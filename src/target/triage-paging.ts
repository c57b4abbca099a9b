// The paging entries a small dump captured through the self-map (dumpscope's triage export keeps them for
// every page it keeps), put back in the page tables of a rebuilt full-memory image: software PTEs (freed,
// paged out, transition) verbatim, present entries with the page frame they name, so `!pte` on the rebuilt
// dump prints what it printed on the original, and the freed-page rule finds its freed page.
import type { MemoryBuilder } from '../scenario/memory-builder.js';

const PFN_FIELD = 0x000ffffffffff000n;
const LARGE = 0x80n;
/** Frames kept as captured only below 2^28 (1 TiB of physical memory), so a bitmap stays small. */
const MAX_KEPT_PFN = 2 ** 28;
/** Large pages kept with their frames (more are rebuilt as 4 KiB pages): bounds the checks on hostile input. */
const MAX_LARGE_2M = 4096;
const MAX_LARGE_1G = 64;
/** Bytes of the self-map each level occupies: PXEs, PPEs, PDEs, PTEs. */
const SPANS = [0x1000n, 0x200000n, 0x40000000n, 0x8000000000n];

export interface CapturedEntry {
  /** 0 = PXE, 1 = PPE, 2 = PDE, 3 = PTE. */
  level: number;
  /** The (canonical) virtual address the entry translates. */
  va: bigint;
  value: bigint;
}

function canonical(va: bigint): bigint {
  return va & 0x800000000000n ? va | 0xffff000000000000n : va;
}

/** Bases of the four self-map levels (PXE first) for a self-map at `pteBase`. */
export function selfMapBases(pteBase: bigint): bigint[] {
  const step = (b: bigint) => (pteBase + ((b >> 9n) & 0x7ffffffff8n)) & 0xffffffffffffffffn;
  const pde = step(pteBase);
  const ppe = step(pde);
  return [step(ppe), ppe, pde, pteBase];
}

/**
 * Every 8-byte paging entry in captured self-map bytes, with its level and the address it translates.
 * An address inside several levels' ranges is an entry of the innermost one (the PXEs lie inside the PPE
 * range, and so on), which is how the self-map folds the tables into each other.
 */
export function capturedEntries(blocks: Iterable<{ va: bigint; bytes: Uint8Array }>, pteBase: bigint): CapturedEntry[] {
  const bases = selfMapBases(pteBase);
  const seen = new Map<bigint, CapturedEntry>();
  for (const b of blocks) {
    const dv = new DataView(b.bytes.buffer, b.bytes.byteOffset, b.bytes.byteLength);
    for (let off = Number((8n - (b.va & 7n)) & 7n); off + 8 <= b.bytes.length; off += 8) {
      const e = b.va + BigInt(off);
      const level = [0, 1, 2, 3].find((l) => e >= bases[l] && e < bases[l] + SPANS[l]);
      if (level === undefined) continue;
      const index = (e - bases[level]) >> 3n;
      seen.set(e, { level, va: canonical(index << BigInt(12 + 9 * (3 - level))), value: dv.getBigUint64(off, true) });
    }
  }
  return [...seen.values()].sort((a, b) => a.level - b.level || (a.va < b.va ? -1 : a.va > b.va ? 1 : 0));
}

/** Large (2 MiB / 1 GiB) leaf at a PPE or PDE. */
function isLarge(e: CapturedEntry): boolean {
  return (e.value & 1n) === 1n && (e.value & LARGE) !== 0n && (e.level === 1 || e.level === 2);
}

/**
 * Writes captured entries into `mem`'s page tables, top level first. Present entries keep their frame
 * when it is free for that role (a table, a data page, a large page's range); otherwise (a frame named
 * twice for different roles, or absurdly high) a fresh one is used. Data pages are reserved, not created:
 * the rebuilt dump holds a page only where the small dump captured its bytes. Returns how many entries
 * could not be placed (under a not-present or large entry above them: unreachable).
 */
export function placeCapturedEntries(mem: MemoryBuilder, entries: readonly CapturedEntry[], selfMapIndex: number): number {
  const role = new Map<number, 'table' | 'data'>([[mem.pml4Pfn, 'table']]);
  const pfnOf = (v: bigint) => Number((v & PFN_FIELD) >> 12n);
  const withPfn = (v: bigint, pfn: number) => (v & ~PFN_FIELD) | (BigInt(pfn) << 12n);
  // Claim every frame first, so frames the builder hands out later never collide with a captured one.
  const value = new Map<CapturedEntry, bigint>();
  const late: CapturedEntry[] = [];
  let large2m = 0;
  let large1g = 0;
  for (const e of entries) {
    if (!(e.value & 1n)) {
      value.set(e, e.value);
      continue;
    }
    if (e.level === 0 && Number((e.va >> 39n) & 0x1ffn) === selfMapIndex) {
      value.set(e, withPfn(e.value, mem.pml4Pfn)); // the self-map entry points at the PML4, wherever it is
      continue;
    }
    const pfn = pfnOf(e.value);
    if (isLarge(e)) {
      const count = e.level === 1 ? 0x40000 : 0x200;
      const base = pfn - (pfn % count);
      // A large page keeps its frames when none of them is claimed yet (and only so many: each check costs);
      // otherwise it is dropped, and captured bytes there get 4 KiB pages.
      let free = base + count <= MAX_KEPT_PFN && (count === 0x200 ? ++large2m <= MAX_LARGE_2M : ++large1g <= MAX_LARGE_1G) && !mem.largeReserved(base, count);
      if (free && count === 0x200) for (let p = base; free && p < base + count; p++) free = !role.has(p) && mem.isFree(p);
      if (free && count !== 0x200) for (const p of role.keys()) if (p >= base && p < base + count) free = false;
      if (free) {
        mem.reserve(base, count);
        value.set(e, e.value);
      }
      continue;
    }
    const want = e.level === 3 ? 'data' : 'table';
    const had = role.get(pfn);
    if (pfn < MAX_KEPT_PFN && (had === undefined ? mem.isFree(pfn) : had === want && want === 'data')) {
      role.set(pfn, want);
      mem.reserve(pfn);
      value.set(e, e.value);
    } else late.push(e);
  }
  for (const e of late) value.set(e, withPfn(e.value, mem.reservePfn()));
  let unplaced = 0;
  for (const e of entries) {
    const v = value.get(e);
    if (v === undefined || !mem.setEntryAt(e.va, e.level, v)) unplaced++;
  }
  return unplaced;
}
