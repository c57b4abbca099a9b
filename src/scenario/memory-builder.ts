// Builds the physical memory of a synthetic x64 kernel: 4-level page tables with the PML4 mapping itself at
// a chosen (randomized-looking) self-map slot, pages allocated on first write, and raw PTE values for the
// states crash analysis cares about (freed, transition…). The result feeds the dump writer.
import { FormatError, LimitExceededError } from '../io/errors.js';

const PAGE = 4096;
const VALID_KERNEL_RW = 0x0a00000000000863n; // present, writable, accessed, dirty, NX clear (as Windows shows ---DA--KWEV)
const TABLE_ENTRY = 0x0a00000000000863n;

const PFN_MASK = 0xfffffffffn; // bits 12-47 of an entry, shifted down
const LARGE = 0x80n;

/** Where a virtual page's entry lives: a PTE slot in a page table, or inside a 2 MiB / 1 GiB page. */
type Leaf = { kind: 'pte'; table: number; index: number } | { kind: 'large'; pfn: number };

export class MemoryBuilder {
  readonly pages = new Map<number, Uint8Array>();
  private nextPfn: number;
  readonly pml4Pfn: number;
  /** Frames claimed without a page (a converted dump's PTEs name them, its file lacks them). */
  private readonly reserved = new Set<number>();
  /** Large pages claimed the same way: 2 MiB ones by frame >> 9, 1 GiB ones by frame >> 18. */
  private readonly reserved2m = new Set<number>();
  private readonly reserved1g = new Set<number>();
  /** Most pages `allocPfn` may create (a bound on memory for builders fed by untrusted input). */
  maxPages = Number.POSITIVE_INFINITY;

  constructor(
    /**
     * PML4 index that points back at the PML4 (the self-map); undefined for page tables without one (a dump
     * rebuilt from a small one whose MmPteBase is unknown).
     */
    readonly selfMapIndex: number | undefined,
    firstPfn = 0x1000,
    /** Where the PML4 goes (default: the first free frame). */
    pml4Pfn?: number,
  ) {
    this.nextPfn = firstPfn;
    if (pml4Pfn === undefined) this.pml4Pfn = this.allocPfn();
    else {
      this.pml4Pfn = pml4Pfn;
      this.pages.set(pml4Pfn, new Uint8Array(PAGE));
    }
    if (selfMapIndex !== undefined) {
      if (!Number.isInteger(selfMapIndex) || selfMapIndex < 0x100 || selfMapIndex > 0x1fe) throw new RangeError(`self-map slot 0x${selfMapIndex.toString(16)} is not a kernel PML4 slot (0x100-0x1fe)`);
      this.setEntry(this.pml4Pfn, selfMapIndex, (BigInt(this.pml4Pfn) << 12n) | TABLE_ENTRY);
    }
  }

  /** The base of the page-table self-map (MmPteBase), if there is one. */
  get pteBase(): bigint | undefined {
    return this.selfMapIndex === undefined ? undefined : 0xffff000000000000n | (BigInt(this.selfMapIndex) << 39n);
  }

  get directoryTableBase(): bigint {
    return BigInt(this.pml4Pfn) << 12n;
  }

  /** Is the frame free for a new page (no page, not reserved)? */
  isFree(pfn: number): boolean {
    return !this.pages.has(pfn) && !this.reserved.has(pfn) && !this.reserved2m.has(Math.floor(pfn / 512)) && !this.reserved1g.has(Math.floor(pfn / 0x40000));
  }

  /** Is any frame of the aligned large page (512 or 0x40000 frames at `base`) reserved as a large page? */
  largeReserved(base: number, count: number): boolean {
    if (this.reserved1g.has(Math.floor(base / 0x40000))) return true;
    for (let b = base / 512; b < (base + count) / 512; b++) if (this.reserved2m.has(b)) return true;
    return false;
  }

  /** Keeps a frame from being handed out without creating a page there; or an aligned 2 MiB / 1 GiB page. */
  reserve(pfn: number, count: 1 | 512 | 0x40000 = 1): void {
    if (count === 1) this.reserved.add(pfn);
    else (count === 512 ? this.reserved2m : this.reserved1g).add(Math.floor(pfn / count));
  }

  allocPfn(): number {
    if (this.pages.size >= this.maxPages) throw new LimitExceededError('building memory pages', this.maxPages);
    while (!this.isFree(this.nextPfn)) this.nextPfn++; // skip frames placed on purpose
    const pfn = this.nextPfn++;
    this.pages.set(pfn, new Uint8Array(PAGE));
    return pfn;
  }

  /** A fresh frame, reserved but without a page. */
  reservePfn(): number {
    while (!this.isFree(this.nextPfn)) this.nextPfn++;
    const pfn = this.nextPfn++;
    this.reserved.add(pfn);
    return pfn;
  }

  /**
   * Creates the page tables above `va` with exactly these PML4E, PDPTE and PDE values (frame numbers and
   * software bits included), to reproduce a real machine's `!pte` output.
   */
  placeTables(va: bigint, entries: [bigint, bigint, bigint]): void {
    let table = this.pml4Pfn;
    for (let level = 3; level >= 1; level--) {
      const idx = Number((va >> BigInt(12 + 9 * level)) & 0x1ffn);
      const value = entries[3 - level];
      this.setEntry(table, idx, value);
      table = Number((value >> 12n) & PFN_MASK);
      if (!this.pages.has(table)) this.pages.set(table, new Uint8Array(PAGE));
    }
  }

  private setEntry(tablePfn: number, index: number, value: bigint): void {
    const t = this.pages.get(tablePfn) as Uint8Array;
    new DataView(t.buffer).setBigUint64(index * 8, value, true);
  }

  private getEntry(tablePfn: number, index: number): bigint {
    const t = this.pages.get(tablePfn);
    return t ? new DataView(t.buffer).getBigUint64(index * 8, true) : 0n;
  }

  /** The page of a frame, created zero-filled if absent (a table or page a present entry names). */
  private frame(pfn: number): Uint8Array {
    let p = this.pages.get(pfn);
    if (!p) {
      if (this.pages.size >= this.maxPages) throw new LimitExceededError('building memory pages', this.maxPages);
      this.pages.set(pfn, (p = new Uint8Array(PAGE)));
    }
    return p;
  }

  /**
   * Walks to `va`'s leaf, creating missing tables: entries that are not valid are replaced by new tables.
   * Stops at `depth` tables below the PML4 (3 = the PTE's page table).
   */
  private walk(va: bigint, depth = 3): Leaf {
    this.outsideSelfMap(va);
    let table = this.pml4Pfn;
    for (let level = 3; level > 3 - depth; level--) {
      const idx = Number((va >> BigInt(12 + 9 * level)) & 0x1ffn);
      const e = this.getEntry(table, idx);
      if (e & 1n) {
        if (e & LARGE && (level === 2 || level === 1)) {
          const span = 1n << BigInt(9 * level);
          return { kind: 'large', pfn: Number(((e >> 12n) & PFN_MASK & ~(span - 1n)) + ((va >> 12n) & (span - 1n))) };
        }
        table = Number((e >> 12n) & PFN_MASK);
        this.frame(table);
      } else {
        const pfn = this.allocPfn();
        this.setEntry(table, idx, (BigInt(pfn) << 12n) | TABLE_ENTRY);
        table = pfn;
      }
    }
    return { kind: 'pte', table, index: Number((va >> BigInt(12 + 9 * (3 - depth))) & 0x1ffn) };
  }

  /** Data mapped into the self-map's slot would overwrite the page tables themselves. */
  private outsideSelfMap(va: bigint): void {
    if (this.selfMapIndex !== undefined && Number((va >> 39n) & 0x1ffn) === this.selfMapIndex && va >= 0xffff800000000000n) {
      throw new FormatError('memory layout', `0x${va.toString(16)} lies in the page-table self-map (PML4 slot 0x${this.selfMapIndex.toString(16)}); nothing else may be mapped there`);
    }
  }

  /** The page-table page (PT) holding `va`'s PTE, creating the upper levels as needed. */
  private ptFor(va: bigint): number {
    const leaf = this.walk(va);
    if (leaf.kind !== 'pte') throw new RangeError(`0x${va.toString(16)} lies in a large page: it has no PTE`);
    return leaf.table;
  }

  /** Sets `va`'s PTE to a raw value (a freed page: 0x00003E9800000000-style software PTEs). */
  setPte(va: bigint, value: bigint): void {
    this.setEntry(this.ptFor(va), Number((va >> 12n) & 0x1ffn), value);
  }

  /**
   * Sets the paging entry of `va` at `level` (0 = PXE … 3 = PTE) to a raw value, creating the tables above
   * it where their entries are zero. False when an entry above is present but not a table (not valid, or
   * a large page): the entry cannot be reached.
   */
  setEntryAt(va: bigint, level: number, value: bigint): boolean {
    let table = this.pml4Pfn;
    for (let l = 0; l < level; l++) {
      const shift = BigInt(12 + 9 * (3 - l));
      const idx = Number((va >> shift) & 0x1ffn);
      const e = this.getEntry(table, idx);
      if (e === 0n) {
        const pfn = this.allocPfn();
        this.setEntry(table, idx, (BigInt(pfn) << 12n) | TABLE_ENTRY);
        table = pfn;
      } else if (e & 1n && !(e & LARGE && (l === 1 || l === 2))) {
        table = Number((e >> 12n) & PFN_MASK);
        this.frame(table);
      } else return false;
    }
    this.setEntry(table, Number((va >> BigInt(12 + 9 * (3 - level))) & 0x1ffn), value);
    return true;
  }

  /** Backs [va, va+size) with fresh pages (existing mappings are kept). */
  map(va: bigint, size: number): void {
    const start = va & ~0xfffn;
    for (let p = start; p < va + BigInt(size); p += 0x1000n) {
      const leaf = this.walk(p);
      if (leaf.kind === 'large' || this.getEntry(leaf.table, leaf.index) & 1n) continue;
      this.setEntry(leaf.table, leaf.index, (BigInt(this.allocPfn()) << 12n) | VALID_KERNEL_RW);
    }
  }

  private pageOf(va: bigint): Uint8Array | undefined {
    const leaf = this.walk(va);
    if (leaf.kind === 'large') return this.frame(leaf.pfn);
    const e = this.getEntry(leaf.table, leaf.index);
    return e & 1n ? this.frame(Number((e >> 12n) & PFN_MASK)) : undefined;
  }

  write(va: bigint, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; ) {
      const a = va + BigInt(i);
      let page = this.pageOf(a);
      if (!page) {
        this.map(a, 1);
        page = this.pageOf(a) as Uint8Array;
      }
      const off = Number(a & 0xfffn);
      const n = Math.min(PAGE - off, bytes.length - i);
      page.set(bytes.subarray(i, i + n), off);
      i += n;
    }
  }

  read(va: bigint, length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; ) {
      const a = va + BigInt(i);
      const off = Number(a & 0xfffn);
      const n = Math.min(PAGE - off, length - i);
      const page = this.pageOf(a);
      if (page) out.set(page.subarray(off, off + n), i);
      i += n;
    }
    return out;
  }

  u64(va: bigint, v: bigint): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
    this.write(va, b);
  }

  u32(va: bigint, v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    this.write(va, b);
  }

  fill(va: bigint, size: number, byte: number): void {
    this.write(va, new Uint8Array(size).fill(byte));
  }
}
