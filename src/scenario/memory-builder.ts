// Builds the physical memory of a synthetic x64 kernel: 4-level page tables with the PML4 mapping itself at
// a chosen (randomized-looking) self-map slot, pages allocated on first write, and raw PTE values for the
// states crash analysis cares about (freed, transition…). The result feeds the dump writer.
const PAGE = 4096;
const VALID_KERNEL_RW = 0x0a00000000000863n; // present, writable, accessed, dirty, NX clear (as Windows shows ---DA--KWEV)
const TABLE_ENTRY = 0x0a00000000000863n;

export class MemoryBuilder {
  readonly pages = new Map<number, Uint8Array>();
  private nextPfn: number;
  readonly pml4Pfn: number;

  constructor(
    /** PML4 index that points back at the PML4 (the self-map). */
    readonly selfMapIndex: number,
    firstPfn = 0x1000,
  ) {
    this.nextPfn = firstPfn;
    this.pml4Pfn = this.allocPfn();
    this.setEntry(this.pml4Pfn, selfMapIndex, (BigInt(this.pml4Pfn) << 12n) | TABLE_ENTRY);
  }

  /** The base of the page-table self-map (MmPteBase). */
  get pteBase(): bigint {
    return 0xffff000000000000n | (BigInt(this.selfMapIndex) << 39n);
  }

  get directoryTableBase(): bigint {
    return BigInt(this.pml4Pfn) << 12n;
  }

  allocPfn(): number {
    while (this.pages.has(this.nextPfn)) this.nextPfn++; // skip frames placed on purpose
    const pfn = this.nextPfn++;
    this.pages.set(pfn, new Uint8Array(PAGE));
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
      table = Number((value >> 12n) & 0xfffffffffn);
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

  /** The page-table page (PT) holding `va`'s PTE, creating the upper levels as needed. */
  private ptFor(va: bigint): number {
    let table = this.pml4Pfn;
    for (let level = 3; level >= 1; level--) {
      const idx = Number((va >> BigInt(12 + 9 * level)) & 0x1ffn);
      const e = this.getEntry(table, idx);
      if (e & 1n) table = Number((e >> 12n) & 0xfffffffffn);
      else {
        const pfn = this.allocPfn();
        this.setEntry(table, idx, (BigInt(pfn) << 12n) | TABLE_ENTRY);
        table = pfn;
      }
    }
    return table;
  }

  /** Sets `va`'s PTE to a raw value (a freed page: 0x00003E9800000000-style software PTEs). */
  setPte(va: bigint, value: bigint): void {
    this.setEntry(this.ptFor(va), Number((va >> 12n) & 0x1ffn), value);
  }

  /** Backs [va, va+size) with fresh pages (existing mappings are kept). */
  map(va: bigint, size: number): void {
    const start = va & ~0xfffn;
    for (let p = start; p < va + BigInt(size); p += 0x1000n) {
      const pt = this.ptFor(p);
      const idx = Number((p >> 12n) & 0x1ffn);
      if (this.getEntry(pt, idx) & 1n) continue;
      this.setEntry(pt, idx, (BigInt(this.allocPfn()) << 12n) | VALID_KERNEL_RW);
    }
  }

  private pageOf(va: bigint): Uint8Array | undefined {
    const pt = this.ptFor(va);
    const e = this.getEntry(pt, Number((va >> 12n) & 0x1ffn));
    return e & 1n ? this.pages.get(Number((e >> 12n) & 0xfffffffffn)) : undefined;
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
