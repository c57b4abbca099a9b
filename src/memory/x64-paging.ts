// x64 virtual → physical translation over a dump's physical memory: 4-level paging (5-level when LA57 is
// in use), 2 MiB and 1 GiB pages, and a record of every level for `!pte`. Page-table pages go through a
// small bounded cache; a walk is at most five reads, so it cannot loop even on self-referencing tables.
import { MemoryNotPresentError } from '../io/errors.js';
import { isCanonical48 } from '../util/hex.js';
import type { AddressSpace, PagingLevel, SparseBytes, Translation } from './address-space.js';
import { PAGE_SIZE, type PhysicalMemory } from './physical.js';
import { DEFAULT_PTE_LAYOUT, decodePte, explainPte, type PteLayout, ptePfn } from './pte.js';

const NAMES4 = ['PXE', 'PPE', 'PDE', 'PTE'];
const NAMES5 = ['PML5E', 'PXE', 'PPE', 'PDE', 'PTE'];
const M64 = (1n << 64n) - 1n;

/** Virtual address of the page-table entry mapping `va` through the self-map at `pteBase` (one level up). */
export function selfMapEntry(va: bigint, pteBase: bigint, levels = 4): bigint {
  const bitsVa = BigInt(12 + 9 * levels);
  const mask = ((1n << (bitsVa - 9n)) - 1n) & ~7n;
  return (pteBase + ((va >> 9n) & mask)) & M64;
}

export interface X64Options {
  /** MmPteBase: the randomized self-map base, for entry virtual addresses. */
  pteBase?: bigint;
  fiveLevel?: boolean;
  pteLayout?: PteLayout;
  /** How many page-table pages to keep. */
  cachePages?: number;
}

export class X64AddressSpace implements AddressSpace {
  private readonly cache = new Map<number, Uint8Array | null>();
  private readonly levels: number;

  constructor(
    readonly physical: PhysicalMemory,
    readonly directoryTableBase: bigint,
    private readonly options: X64Options = {},
  ) {
    this.levels = options.fiveLevel ? 5 : 4;
  }

  private async tablePage(pfn: number): Promise<Uint8Array | undefined> {
    const hit = this.cache.get(pfn);
    if (hit !== undefined) {
      this.cache.delete(pfn);
      this.cache.set(pfn, hit);
      return hit ?? undefined;
    }
    const page = (await this.physical.readPage(pfn)) ?? null;
    this.cache.set(pfn, page);
    if (this.cache.size > (this.options.cachePages ?? 512)) this.cache.delete(this.cache.keys().next().value as number);
    return page ?? undefined;
  }

  async translate(va: bigint): Promise<Translation> {
    va &= M64;
    const levels: PagingLevel[] = [];
    const names = this.levels === 5 ? NAMES5 : NAMES4;
    if (this.levels === 4 && !isCanonical48(va)) {
      return { va, levels, state: { kind: 'zero' }, reason: 'address is not canonical (bits 48-63 must copy bit 47)' };
    }
    // Entry VAs through the self-map: PTE first, then each level up.
    const entryVas: (bigint | undefined)[] = [];
    if (this.options.pteBase !== undefined) {
      let e = va;
      for (let i = 0; i < this.levels; i++) {
        e = selfMapEntry(e, this.options.pteBase, this.levels);
        entryVas.unshift(e);
      }
    }
    let tablePfn = Number((this.directoryTableBase >> 12n) & 0xffffffffffn);
    for (let level = 0; level < this.levels; level++) {
      const shift = BigInt(12 + 9 * (this.levels - 1 - level));
      const index = Number((va >> shift) & 0x1ffn);
      const entryPa = tablePfn * PAGE_SIZE + index * 8;
      const page = await this.tablePage(tablePfn);
      const rec: PagingLevel = { name: names[level], entryPa, entryVa: entryVas[level], valid: false };
      levels.push(rec);
      if (!page) {
        return { va, levels, state: { kind: 'not-in-dump' }, reason: `${names[level]} page (pfn ${tablePfn.toString(16)}) is not in this dump` };
      }
      const value = new DataView(page.buffer, page.byteOffset + index * 8, 8).getBigUint64(0, true);
      rec.value = value;
      const state = decodePte(value, this.options.pteLayout ?? DEFAULT_PTE_LAYOUT);
      if (state.kind !== 'valid') {
        return { va, levels, state, reason: `${names[level]} not valid: ${explainPte(state)}` };
      }
      rec.valid = true;
      const remaining = this.levels - 1 - level;
      const large = (value & 0x80n) !== 0n && (remaining === 1 || remaining === 2);
      if (large) {
        rec.large = true;
        const span = 1n << shift;
        const base = (value & 0x000ffffffffff000n) & ~(span - 1n);
        return { va, levels, pa: Number(base + (va & (span - 1n))), state: { kind: 'valid', pfn: Number((base + (va & (span - 1n))) >> 12n) } };
      }
      tablePfn = ptePfn(value);
      if (remaining === 0) return { va, levels, pa: tablePfn * PAGE_SIZE + Number(va & 0xfffn), state };
    }
    throw new Error('unreachable');
  }

  async read(va: bigint, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const a = (va + BigInt(done)) & M64;
      const t = await this.translate(a);
      if (t.pa === undefined) throw new MemoryNotPresentError('virtual', a, t.reason ?? 'not mapped');
      const n = Math.min(PAGE_SIZE - Number(a & 0xfffn), length - done);
      out.set(await this.physical.read(t.pa, n), done);
      done += n;
    }
    return out;
  }

  async readSparse(va: bigint, length: number): Promise<SparseBytes> {
    const bytes = new Uint8Array(length);
    const valid = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const a = (va + BigInt(done)) & M64;
      const n = Math.min(PAGE_SIZE - Number(a & 0xfffn), length - done);
      const t = await this.translate(a);
      if (t.pa !== undefined) {
        const page = await this.physical.readPage(Math.floor(t.pa / PAGE_SIZE));
        if (page) {
          const off = t.pa % PAGE_SIZE;
          bytes.set(page.subarray(off, off + n), done);
          const known = this.physical.knownBytes?.(Math.floor(t.pa / PAGE_SIZE));
          if (known) valid.set(known.subarray(off, off + n), done);
          else valid.fill(1, done, done + n);
        }
      }
      done += n;
    }
    return { bytes, valid };
  }
}

