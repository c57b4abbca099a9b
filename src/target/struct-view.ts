// Reads kernel structures by field name through the type model (PDB or ISF), never by fixed offsets.
// A view is a structure type plus its bytes (read from memory or taken from a dump's copy); dotted paths
// ('Tcb.ApcState.Process', 'Cid.UniqueThread') descend into nested structures and anonymous unions.
import { FormatError } from '../io/errors.js';
import type { AddressSpace } from '../memory/address-space.js';
import type { SymbolSource } from '../symbols/symbol-source.js';
import { type Field, findField, type Type, type UdtType } from '../symbols/types.js';

export interface ResolvedField {
  offset: number;
  type: Type;
  bitPosition?: number;
  bitLength?: number;
}

/** Offset and type of a dotted field path inside `t`. */
export function resolveField(t: UdtType, path: string): ResolvedField | undefined {
  let cur: Type = t;
  let offset = 0;
  let last: Field | undefined;
  for (const part of path.split('.')) {
    if (cur.kind !== 'udt') return undefined;
    const f = findField(cur, part);
    if (!f) return undefined;
    offset += f.offset;
    cur = f.type;
    last = f;
  }
  return last ? { offset, type: cur, bitPosition: last.bitPosition, bitLength: last.bitLength } : undefined;
}

export class StructView {
  private readonly dv: DataView;
  constructor(
    readonly type: UdtType,
    readonly bytes: Uint8Array,
    /** Virtual address of the structure, when known. */
    readonly address?: bigint,
  ) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  has(path: string): boolean {
    const f = resolveField(this.type, path);
    return !!f && f.offset + Math.max(1, f.type.size) <= this.bytes.length;
  }

  field(path: string): ResolvedField {
    const f = resolveField(this.type, path);
    if (!f) throw new FormatError(`type ${this.type.name}`, `has no field ${path}`);
    if (f.offset + f.type.size > this.bytes.length) throw new FormatError(`type ${this.type.name}`, `field ${path} (+0x${f.offset.toString(16)}) lies past the ${this.bytes.length} bytes available`);
    return f;
  }

  /** An integer field of any size up to 8 bytes (bitfields extracted), zero-extended. */
  uint(path: string): bigint {
    const f = this.field(path);
    let v: bigint;
    switch (f.type.size) {
      case 1:
        v = BigInt(this.dv.getUint8(f.offset));
        break;
      case 2:
        v = BigInt(this.dv.getUint16(f.offset, true));
        break;
      case 4:
        v = BigInt(this.dv.getUint32(f.offset, true));
        break;
      case 8:
        v = this.dv.getBigUint64(f.offset, true);
        break;
      default:
        throw new FormatError(`type ${this.type.name}`, `field ${path} is ${f.type.size} bytes, not an integer`);
    }
    if (f.bitLength !== undefined) v = (v >> BigInt(f.bitPosition ?? 0)) & ((1n << BigInt(f.bitLength)) - 1n);
    return v;
  }

  num(path: string): number {
    return Number(this.uint(path));
  }

  /** A signed integer field (KPRIORITY, NTSTATUS). */
  int(path: string): number {
    const f = this.field(path);
    const v = this.uint(path);
    const bits = f.bitLength ?? f.type.size * 8;
    return Number(BigInt.asIntN(bits, v));
  }

  /** The raw bytes of a field (arrays, embedded structures). */
  raw(path: string): Uint8Array {
    const f = this.field(path);
    return this.bytes.subarray(f.offset, f.offset + f.type.size);
  }

  /** An embedded structure as its own view. */
  sub(path: string): StructView {
    const f = this.field(path);
    if (f.type.kind !== 'udt') throw new FormatError(`type ${this.type.name}`, `field ${path} is not a structure`);
    return new StructView(f.type, this.raw(path), this.address === undefined ? undefined : this.address + BigInt(f.offset));
  }

  /** A NUL-terminated single-byte string held in a char array field (ImageFileName). */
  cstring(path: string): string {
    const b = this.raw(path);
    const end = b.indexOf(0);
    return new TextDecoder('latin1').decode(end < 0 ? b : b.subarray(0, end));
  }
}

/** Named structure types from the kernel's symbol source, with clear errors when one is missing. */
export class KernelTypes {
  private readonly cache = new Map<string, Promise<UdtType>>();
  constructor(readonly source: SymbolSource) {}

  struct(name: string): Promise<UdtType> {
    let p = this.cache.get(name);
    if (!p) {
      p = this.source.findType(name).then((t) => {
        if (t?.kind !== 'udt') throw new FormatError(this.source.description, `has no structure ${name}`);
        return t;
      });
      this.cache.set(name, p);
    }
    return p;
  }

  async offsetOf(typeName: string, path: string): Promise<number> {
    const f = resolveField(await this.struct(typeName), path);
    if (!f) throw new FormatError(this.source.description, `${typeName} has no field ${path}`);
    return f.offset;
  }

  /** Reads a structure from memory as a view (throws MemoryNotPresentError when it is not in the dump). */
  async read(memory: AddressSpace, typeName: string, address: bigint): Promise<StructView> {
    const t = await this.struct(typeName);
    return new StructView(t, await memory.read(address, t.size), address);
  }

  /** Reads as much of a structure as is present; the view is cut at the first missing byte. */
  async readPartial(memory: AddressSpace, typeName: string, address: bigint): Promise<StructView> {
    const t = await this.struct(typeName);
    const s = await memory.readSparse(address, t.size);
    const n = s.valid.indexOf(0);
    return new StructView(t, n < 0 ? s.bytes : s.bytes.subarray(0, n), address);
  }

  /** Address of a kernel global by name, relative to the kernel base. */
  async global(kernelBase: bigint, name: string): Promise<bigint | undefined> {
    const s = await this.source.lookup(name);
    return s ? kernelBase + BigInt(s.rva) : undefined;
  }
}
