// Physical memory held in a Map of page frames: for tests, the dump writer's inputs, and converted dumps.
import { MemoryNotPresentError } from '../io/errors.js';
import { PAGE_SIZE, type PhysicalMemory } from './physical.js';

export class PageMapPhysicalMemory implements PhysicalMemory {
  constructor(readonly pages = new Map<number, Uint8Array>()) {}

  get pageCount(): number {
    return this.pages.size;
  }
  hasPage(pfn: number): boolean {
    return this.pages.has(pfn);
  }
  async readPage(pfn: number): Promise<Uint8Array | undefined> {
    return this.pages.get(pfn);
  }
  async read(pa: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    for (let done = 0; done < length; ) {
      const addr = pa + done;
      const page = this.pages.get(Math.floor(addr / PAGE_SIZE));
      if (!page) throw new MemoryNotPresentError('physical', BigInt(addr), `page frame 0x${Math.floor(addr / PAGE_SIZE).toString(16)} is not present`);
      const off = addr % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, length - done);
      out.set(page.subarray(off, off + n), done);
      done += n;
    }
    return out;
  }
  *runs(): Iterable<{ basePfn: number; pageCount: number }> {
    let cur: { basePfn: number; pageCount: number } | undefined;
    for (const p of [...this.pages.keys()].sort((a, b) => a - b)) {
      if (cur && cur.basePfn + cur.pageCount === p) cur.pageCount++;
      else {
        if (cur) yield cur;
        cur = { basePfn: p, pageCount: 1 };
      }
    }
    if (cur) yield cur;
  }
  /** A zero-filled page at `pfn`, created on first use. */
  page(pfn: number): Uint8Array {
    let p = this.pages.get(pfn);
    if (!p) this.pages.set(pfn, (p = new Uint8Array(PAGE_SIZE)));
    return p;
  }
}
