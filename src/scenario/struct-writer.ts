// Writes kernel structures field by field, by name, through the type model (the scenario kernel's PDB):
// the same names dumpscope later reads them by, so a layout mistake shows up as a test failure.
import { FormatError } from '../io/errors.js';
import type { UdtType } from '../symbols/types.js';
import { resolveField } from '../target/struct-view.js';
import type { MemoryBuilder } from './memory-builder.js';

export class StructWriter {
  constructor(
    private readonly mem: MemoryBuilder,
    readonly type: UdtType,
    readonly address: bigint,
  ) {
    mem.map(address, type.size);
  }

  offset(path: string): number {
    const f = resolveField(this.type, path);
    if (!f) throw new FormatError(`type ${this.type.name}`, `has no field ${path}`);
    return f.offset;
  }

  addressOf(path: string): bigint {
    return this.address + BigInt(this.offset(path));
  }

  /** Sets an integer or pointer field (bitfields are merged into their storage unit). */
  set(path: string, value: bigint | number): this {
    const f = resolveField(this.type, path);
    if (!f) throw new FormatError(`type ${this.type.name}`, `has no field ${path}`);
    const size = f.type.size;
    if (![1, 2, 4, 8].includes(size)) throw new FormatError(`type ${this.type.name}`, `field ${path} (${size} bytes) is not an integer`);
    const at = this.address + BigInt(f.offset);
    let v = BigInt.asUintN(64, BigInt(value));
    if (f.bitLength !== undefined) {
      const old = this.readUint(at, size);
      const mask = ((1n << BigInt(f.bitLength)) - 1n) << BigInt(f.bitPosition ?? 0);
      v = (old & ~mask) | ((v << BigInt(f.bitPosition ?? 0)) & mask);
    }
    const b = new Uint8Array(size);
    for (let i = 0; i < size; i++) b[i] = Number((v >> BigInt(8 * i)) & 0xffn);
    this.mem.write(at, b);
    return this;
  }

  bytes(path: string, data: Uint8Array): this {
    this.mem.write(this.addressOf(path), data);
    return this;
  }

  private readUint(at: bigint, size: number): bigint {
    const b = this.mem.read(at, size);
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    return v;
  }
}
