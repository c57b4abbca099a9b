// A virtual address space made of captured blocks (triage dumps, minidumps): each block maps a virtual
// range to bytes in the file. Everything else is unknown.
import type { ByteSource } from '../io/byte-source.js';
import { MemoryNotPresentError } from '../io/errors.js';
import type { AddressSpace, SparseBytes } from './address-space.js';

export interface CapturedBlock {
  va: bigint;
  fileOffset: number;
  size: number;
  /** What the block holds ('call stack', 'data block', 'thread', …). */
  what: string;
}

export class BlockAddressSpace implements AddressSpace {
  readonly blocks: CapturedBlock[];

  constructor(
    private readonly source: ByteSource,
    blocks: CapturedBlock[],
  ) {
    // Keep only blocks that lie inside the file; sorted by address for lookup.
    this.blocks = blocks.filter((b) => b.size > 0 && b.fileOffset + b.size <= source.size).sort((a, b) => (a.va < b.va ? -1 : a.va > b.va ? 1 : 0));
  }

  /** The block containing `va`, or undefined. Later-listed overlapping blocks do not override earlier ones. */
  private blockAt(va: bigint): CapturedBlock | undefined {
    let lo = 0;
    let hi = this.blocks.length - 1;
    let found: CapturedBlock | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const b = this.blocks[mid];
      if (b.va <= va) {
        if (va < b.va + BigInt(b.size)) found = b;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found) return found;
    // Blocks can overlap; fall back to a short backwards scan from the insertion point.
    for (let i = Math.min(lo, this.blocks.length - 1); i >= 0 && i >= lo - 8; i--) {
      const b = this.blocks[i];
      if (b.va <= va && va < b.va + BigInt(b.size)) return b;
    }
    return undefined;
  }

  async readSparse(va: bigint, length: number): Promise<SparseBytes> {
    const bytes = new Uint8Array(length);
    const valid = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const a = va + BigInt(done);
      const b = this.blockAt(a);
      if (!b) {
        // Skip to the next captured block (or the end) instead of probing byte by byte.
        const next = this.blocks.find((x) => x.va > a);
        done = next ? Math.min(length, Number(next.va - va)) : length;
        continue;
      }
      const inBlock = Number(a - b.va);
      const n = Math.min(b.size - inBlock, length - done);
      bytes.set(await this.source.read(b.fileOffset + inBlock, n), done);
      valid.fill(1, done, done + n);
      done += n;
    }
    return { bytes, valid };
  }

  async read(va: bigint, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const a = va + BigInt(done);
      const b = this.blockAt(a);
      if (!b) throw new MemoryNotPresentError('virtual', a, 'not captured in this small dump');
      const inBlock = Number(a - b.va);
      const n = Math.min(b.size - inBlock, length - done);
      out.set(await this.source.read(b.fileOffset + inBlock, n), done);
      done += n;
    }
    return out;
  }
}
