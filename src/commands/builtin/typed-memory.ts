// Reads of typed values for dt and dx: whole objects are read once as one sparse block (a structure's
// fields are then served from it), other reads go to the address space. Missing bytes give undefined,
// never an exception, so one unreadable field does not stop a display.
import type { AddressSpace, SparseBytes } from '../../memory/address-space.js';

/** Largest object read as one block (bigger types are read field by field). */
const MAX_BLOCK = 1 << 20;
/** Blocks kept (each distinct structure a display follows). */
const MAX_BLOCKS = 64;

const M64 = (1n << 64n) - 1n;

export class TypedMemory {
  private readonly blocks: { base: bigint; end: bigint; s: SparseBytes }[] = [];

  constructor(private readonly mem: AddressSpace) {}

  /** Reads [address, address+size) as one block for later field reads. */
  async preload(address: bigint, size: number): Promise<void> {
    if (size <= 0 || size > MAX_BLOCK || this.find(address, size)) return;
    const s = await this.mem.readSparse(address, size);
    if (this.blocks.length >= MAX_BLOCKS) this.blocks.shift();
    this.blocks.push({ base: address, end: address + BigInt(size), s });
  }

  private find(address: bigint, size: number) {
    const end = address + BigInt(size);
    return this.blocks.find((b) => address >= b.base && end <= b.end);
  }

  /** The bytes when every one of them is in the dump. */
  async bytes(address: bigint, size: number): Promise<Uint8Array | undefined> {
    if (size <= 0) return new Uint8Array(0);
    address &= M64;
    const b = this.find(address, size);
    let s: SparseBytes;
    let at = 0;
    if (b) {
      s = b.s;
      at = Number(address - b.base);
    } else s = await this.mem.readSparse(address, size);
    for (let i = 0; i < size; i++) if (!s.valid[at + i]) return undefined;
    return s.bytes.subarray(at, at + size);
  }

  /** As many bytes as are readable from the start (for strings), at most `size`. */
  async prefix(address: bigint, size: number): Promise<Uint8Array> {
    address &= M64;
    const b = this.find(address, size);
    const s = b ? b.s : await this.mem.readSparse(address, size);
    const at = b ? Number(address - b.base) : 0;
    let n = 0;
    while (n < size && s.valid[at + n]) n++;
    return s.bytes.subarray(at, at + n);
  }

  /** Unsigned little-endian value of 1–16 bytes. */
  async uint(address: bigint, size: number): Promise<bigint | undefined> {
    const b = await this.bytes(address, size);
    if (!b) return undefined;
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    return v;
  }
}

/** The bits a bitfield holds, from its storage unit's value. */
export function bitsOf(v: bigint, position: number, length: number): bigint {
  return (v >> BigInt(position)) & ((1n << BigInt(length)) - 1n);
}

/** A float or double from its bit pattern. */
export function floatOf(v: bigint, size: number): number {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setBigUint64(0, v & M64, true);
  return size === 4 ? dv.getFloat32(0, true) : dv.getFloat64(0, true);
}
