// An address space with extra captured ranges laid over another: a small dump's copies of the crashing
// PRCB, thread and process become readable at their virtual addresses once those addresses are known.
import { MemoryNotPresentError } from '../io/errors.js';
import type { AddressSpace, SparseBytes } from './address-space.js';

export class OverlaySpace implements AddressSpace {
  private readonly parts: { va: bigint; bytes: Uint8Array }[] = [];
  constructor(private readonly base: AddressSpace) {}

  /** Adds a range; earlier ranges and the base win where they already have bytes. */
  add(va: bigint, bytes: Uint8Array): void {
    this.parts.push({ va, bytes });
  }

  async readSparse(va: bigint, length: number): Promise<SparseBytes> {
    const s = await this.base.readSparse(va, length);
    if (s.valid.every((v) => v === 1)) return s;
    const end = va + BigInt(length);
    for (const p of this.parts) {
      const pEnd = p.va + BigInt(p.bytes.length);
      if (pEnd <= va || p.va >= end) continue;
      const from = p.va > va ? p.va : va;
      const to = pEnd < end ? pEnd : end;
      for (let a = from; a < to; a++) {
        const i = Number(a - va);
        if (!s.valid[i]) {
          s.bytes[i] = p.bytes[Number(a - p.va)];
          s.valid[i] = 1;
        }
      }
    }
    return s;
  }

  async read(va: bigint, length: number): Promise<Uint8Array> {
    const s = await this.readSparse(va, length);
    const miss = s.valid.indexOf(0);
    if (miss >= 0) throw new MemoryNotPresentError('virtual', va + BigInt(miss), 'not in the dump');
    return s.bytes;
  }
}
