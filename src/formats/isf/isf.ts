// Volatility 3 "Intermediate Symbol Format" tables: JSON with base_types, user_types, enums and symbols.
// They give the same SymbolSource as a PDB: symbol RVAs and type layouts by name. The JSON comes from an
// untrusted file, so every value is checked for its expected shape when it is first used.
import { FormatError } from '../../io/errors.js';
import type { SymbolInfo, SymbolMatch, SymbolSource } from '../../symbols/symbol-source.js';
import type { BaseType, EnumType, Field, PointerType, Type, UdtType } from '../../symbols/types.js';

type Json = unknown;

export interface IsfIdentity {
  pdbName?: string;
  guid?: string;
  age?: number;
  machine?: number;
}

const VOID: Type = { kind: 'void', name: 'void', size: 0 };
const MAX_DEPTH = 64;

// ISF spells some base types differently from WinDbg's C spelling, which the rest of the program uses.
const SPELLING: Record<string, string> = {
  'long long': '__int64',
  'unsigned long long': 'unsigned __int64',
  wchar: 'wchar_t',
  f32: 'float',
  f64: 'double',
};

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isIndex(v: Json): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

export class IsfTable implements SymbolSource {
  readonly kind = 'isf' as const;
  private readonly types = new Map<string, Type>();
  private index?: { sorted: SymbolInfo[]; byName: Map<string, SymbolInfo> };
  readonly identity: IsfIdentity;
  private readonly pointerSize: number;

  private constructor(
    private readonly root: Record<string, Json>,
    readonly name: string,
  ) {
    this.identity = this.readIdentity();
    const p = this.section('base_types').pointer;
    this.pointerSize = isObject(p) && isIndex(p.size) && p.size > 0 && p.size <= 16 ? p.size : 8;
  }

  /** Parses ISF JSON text (already decompressed). */
  static parse(text: string, name = 'ISF'): IsfTable {
    let root: Json;
    try {
      root = JSON.parse(text);
    } catch (e) {
      throw new FormatError(`ISF ${name}`, `not valid JSON (${(e as Error).message})`);
    }
    if (!isObject(root)) throw new FormatError(`ISF ${name}`, 'the top level is not a JSON object');
    for (const key of ['base_types', 'user_types', 'symbols']) {
      if (!isObject(root[key])) throw new FormatError(`ISF ${name}`, `the "${key}" section is missing or not an object`);
    }
    const meta = root.metadata;
    if (isObject(meta) && typeof meta.format === 'string' && !/^[4-9]\./.test(meta.format)) {
      throw new FormatError(`ISF ${name}`, `format version ${meta.format} is older than the 4.x this reader knows`);
    }
    return new IsfTable(root, name);
  }

  get description(): string {
    const id = this.identity;
    return id.guid ? `${this.name} (${id.pdbName ?? '?'} ${id.guid}-${id.age ?? '?'})` : this.name;
  }

  private get format(): string {
    return `ISF ${this.name}`;
  }

  private section(key: string): Record<string, Json> {
    const s = this.root[key];
    return isObject(s) ? s : {};
  }

  private readIdentity(): IsfIdentity {
    const meta = this.root.metadata;
    const pdb = isObject(meta) && isObject(meta.windows) && isObject(meta.windows.pdb) ? meta.windows.pdb : undefined;
    if (!pdb) return {};
    return {
      pdbName: typeof pdb.database === 'string' ? pdb.database : undefined,
      guid: typeof pdb.GUID === 'string' && /^[0-9A-Fa-f]{32}$/.test(pdb.GUID) ? pdb.GUID.toUpperCase() : undefined,
      age: isIndex(pdb.age) ? pdb.age : undefined,
      machine: isIndex(pdb.machine_type) ? pdb.machine_type : undefined,
    };
  }

  // ---- symbols ----

  private symbolIndex() {
    if (this.index) return this.index;
    const sorted: SymbolInfo[] = [];
    const byName = new Map<string, SymbolInfo>();
    for (const [name, v] of Object.entries(this.section('symbols'))) {
      if (!isObject(v) || !isIndex(v.address)) continue;
      const t = isObject(v.type) ? v.type : undefined;
      const isFunction = t?.kind === 'function';
      const info: SymbolInfo = { name, rva: v.address, kind: isFunction ? 'function' : 'public', isFunction };
      sorted.push(info);
      byName.set(name, info);
    }
    sorted.sort((a, b) => a.rva - b.rva);
    this.index = { sorted, byName };
    return this.index;
  }

  async symbolAt(rva: number): Promise<SymbolMatch | undefined> {
    const s = this.symbolIndex().sorted;
    let lo = 0;
    let hi = s.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid].rva <= rva) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? undefined : { symbol: s[found], displacement: rva - s[found].rva };
  }

  async lookup(name: string): Promise<SymbolInfo | undefined> {
    return this.symbolIndex().byName.get(name);
  }

  /**
   * ISF tables carry no section headers or image size: the last page holding a symbol the table names is
   * the furthest the image is known to reach.
   */
  async extent(): Promise<{ end: number; from: string } | undefined> {
    const last = this.symbolIndex().sorted.at(-1);
    if (!last) return undefined;
    return { end: Math.floor(last.rva / 0x1000) * 0x1000 + 0x1000, from: `the page of the last symbol the ISF table names (${last.name} at ${last.rva.toString(16).padStart(8, '0')}); ISF tables give no image size` };
  }

  async symbols(): Promise<readonly SymbolInfo[]> {
    return this.symbolIndex().sorted;
  }

  // ---- types ----

  async findType(name: string): Promise<Type | undefined> {
    return this.typeByName(name);
  }

  /** Synchronous lookup, for the kernel model's field-by-name reads. */
  typeByName(name: string): Type | undefined {
    if (Object.hasOwn(this.section('user_types'), name)) return this.userType(name, 0);
    if (Object.hasOwn(this.section('enums'), name)) return this.enumType(name, 0);
    return undefined;
  }

  async typeNames(): Promise<readonly string[]> {
    return [...Object.keys(this.section('user_types')), ...Object.keys(this.section('enums'))];
  }

  private baseType(name: Json, at: string): Type {
    if (typeof name !== 'string') throw new FormatError(this.format, `${at}: base type without a name`);
    const cached = this.types.get(`base:${name}`);
    if (cached) return cached;
    const b = this.section('base_types')[name];
    if (!isObject(b)) throw new FormatError(this.format, `${at}: base type "${name}" is not defined`);
    let t: Type;
    if (b.kind === 'void' || name === 'void') t = VOID;
    else {
      if (!isIndex(b.size) || b.size > 16) throw new FormatError(this.format, `base type "${name}" has an invalid size`);
      t = { kind: 'base', name: SPELLING[name] ?? name, size: b.size, signed: b.signed === true, ...(b.kind === 'float' ? { float: true } : {}) } satisfies BaseType;
    }
    this.types.set(`base:${name}`, t);
    return t;
  }

  /** Resolves a type reference object ({kind, name | subtype | count …}). */
  private ref(r: Json, at: string, depth: number): Type {
    if (depth > MAX_DEPTH) throw new FormatError(this.format, `${at}: type nested more than ${MAX_DEPTH} levels deep`);
    if (!isObject(r)) throw new FormatError(this.format, `${at}: type reference is not an object`);
    switch (r.kind) {
      case 'base':
        return this.baseType(r.name, at);
      case 'pointer': {
        const sub = r.subtype;
        let target: Type | undefined;
        const self = this;
        return {
          kind: 'pointer',
          size: this.pointerSize,
          get target() {
            target ??= sub === undefined ? VOID : self.ref(sub, `${at} -> pointer`, 0);
            return target;
          },
        } satisfies PointerType;
      }
      case 'array': {
        if (!isIndex(r.count)) throw new FormatError(this.format, `${at}: array without a valid count`);
        const element = this.ref(r.subtype, `${at}[]`, depth + 1);
        return { kind: 'array', count: r.count, size: r.count * element.size, element };
      }
      case 'struct':
      case 'union':
      case 'class':
        if (typeof r.name !== 'string') throw new FormatError(this.format, `${at}: ${r.kind} reference without a name`);
        return this.userType(r.name, depth + 1, r.kind);
      case 'enum':
        if (typeof r.name !== 'string') throw new FormatError(this.format, `${at}: enum reference without a name`);
        return this.enumType(r.name, depth + 1);
      case 'function':
        return { kind: 'function', size: 0, returnType: VOID, params: [] };
      case 'bitfield':
        return this.ref(r.type, `${at} (bitfield)`, depth + 1);
      default:
        throw new FormatError(this.format, r.kind === undefined ? `${at}: type has no kind` : `${at}: unknown type kind ${JSON.stringify(r.kind)}`);
    }
  }

  private userType(name: string, depth: number, refKind?: string): Type {
    const cached = this.types.get(`udt:${name}`);
    if (cached) return cached;
    const u = this.section('user_types')[name];
    if (!isObject(u)) {
      // Referenced but not defined (Volatility drops some): an opaque type of unknown size.
      const kind = refKind === 'union' ? 'union' : refKind === 'class' ? 'class' : 'struct';
      return { kind: 'udt', udtKind: kind, name, size: 0, fields: [] };
    }
    if (!isIndex(u.size)) throw new FormatError(this.format, `user type "${name}" has an invalid size`);
    const udtKind = u.kind === 'union' ? 'union' : u.kind === 'class' ? 'class' : 'struct';
    const rawFields = isObject(u.fields) ? u.fields : {};
    let fields: Field[] | undefined;
    const self = this;
    const t: UdtType = {
      kind: 'udt',
      udtKind,
      name,
      size: u.size,
      get fields() {
        fields ??= self.buildFields(name, rawFields, u.size as number);
        return fields;
      },
    };
    this.types.set(`udt:${name}`, t);
    void depth;
    return t;
  }

  private buildFields(owner: string, raw: Record<string, Json>, size: number): Field[] {
    const out: Field[] = [];
    for (const [fname, f] of Object.entries(raw)) {
      const at = `${owner}.${fname}`;
      if (!isObject(f) || !isIndex(f.offset)) throw new FormatError(this.format, `${at}: field without a valid offset`);
      if (f.offset > size) throw new FormatError(this.format, `${at}: offset ${f.offset} is past the ${size}-byte type`);
      const type = this.ref(f.type, at, 0);
      const tr = f.type as Record<string, Json>;
      if (tr.kind === 'bitfield') {
        if (!isIndex(tr.bit_position) || !isIndex(tr.bit_length) || tr.bit_length === 0 || tr.bit_position + tr.bit_length > 64) {
          throw new FormatError(this.format, `${at}: invalid bit position or length`);
        }
        out.push({ name: fname, offset: f.offset, type, bitPosition: tr.bit_position, bitLength: tr.bit_length });
      } else out.push({ name: fname, offset: f.offset, type });
    }
    // JSON.parse keeps key order. A generator that kept the declaration order is followed; Volatility's
    // sorts the keys by name, which loses it: then offset order, at one offset a bitfield run (by bit
    // position) before the other members (as in _KTHREAD's MiscFlags), those in name order.
    if (out.some((f, i) => i > 0 && out[i - 1].name > f.name)) return out;
    const bit = (f: Field) => (f.bitLength === undefined ? 1 : 0);
    return out.sort((a, b) => a.offset - b.offset || bit(a) - bit(b) || (a.bitPosition ?? 0) - (b.bitPosition ?? 0));
  }

  private enumType(name: string, depth: number): Type {
    const cached = this.types.get(`enum:${name}`);
    if (cached) return cached;
    const e = this.section('enums')[name];
    if (!isObject(e)) return { kind: 'enum', name, size: 4, base: this.baseTypeOr('int'), enumerators: [] } satisfies EnumType;
    const base = typeof e.base === 'string' ? this.baseType(e.base, `enum ${name}`) : this.baseTypeOr('int');
    const consts = isObject(e.constants) ? e.constants : {};
    const enumerators = Object.entries(consts)
      .filter((x): x is [string, number] => typeof x[1] === 'number' && Number.isSafeInteger(x[1]))
      .map(([n, v]) => ({ name: n, value: BigInt(v) }))
      .sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
    const size = isIndex(e.size) && e.size <= 16 ? e.size : base.size;
    const t: EnumType = { kind: 'enum', name, size, base, enumerators };
    this.types.set(`enum:${name}`, t);
    void depth;
    return t;
  }

  private baseTypeOr(name: string): Type {
    try {
      return this.baseType(name, 'enum');
    } catch {
      return { kind: 'base', name, size: 4, signed: true };
    }
  }
}
