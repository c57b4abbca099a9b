// Builds the shared type model (symbols/types.ts) from TPI records. Types are created on demand and
// memoized by type index; pointer targets, structure fields and function signatures are resolved on
// first access, so self-referencing and mutually recursive types cost nothing until they are walked.
// Forward references are replaced by the definition with the same unique name (or name).
import { FormatError } from '../../io/errors.js';
import type { ArrayType, BaseType, EnumType, Field, FunctionType, PointerType, Type, UdtType } from '../../symbols/types.js';
import type { TypeStream } from './tpi.js';
import { LF, type Member, PROP_FWDREF, type TypeRecord } from './type-records.js';

const VOID: Type = { kind: 'void', name: 'void', size: 0 };
const MAX_DEPTH = 64;
const MAX_CONTINUATIONS = 4096;

// Simple (built-in) type indices below 0x1000: low byte = kind, bits 8..11 = pointer mode.
const SIMPLE = new Map<number, [name: string, size: number, signed: boolean, float?: boolean]>([
  [0x08, ['HRESULT', 4, true]],
  [0x10, ['signed char', 1, true]],
  [0x20, ['unsigned char', 1, false]],
  [0x70, ['char', 1, true]],
  [0x71, ['wchar_t', 2, false]],
  [0x7a, ['char16_t', 2, false]],
  [0x7b, ['char32_t', 4, false]],
  [0x7c, ['char8_t', 1, false]],
  [0x68, ['__int8', 1, true]],
  [0x69, ['unsigned __int8', 1, false]],
  [0x11, ['short', 2, true]],
  [0x21, ['unsigned short', 2, false]],
  [0x72, ['__int16', 2, true]],
  [0x73, ['unsigned __int16', 2, false]],
  [0x12, ['long', 4, true]],
  [0x22, ['unsigned long', 4, false]],
  [0x74, ['int', 4, true]],
  [0x75, ['unsigned int', 4, false]],
  [0x13, ['__int64', 8, true]],
  [0x23, ['unsigned __int64', 8, false]],
  [0x76, ['__int64', 8, true]],
  [0x77, ['unsigned __int64', 8, false]],
  [0x14, ['__int128', 16, true]],
  [0x24, ['unsigned __int128', 16, false]],
  [0x78, ['__int128', 16, true]],
  [0x79, ['unsigned __int128', 16, false]],
  [0x46, ['__half', 2, true, true]],
  [0x40, ['float', 4, true, true]],
  [0x41, ['double', 8, true, true]],
  [0x42, ['long double', 10, true, true]],
  [0x30, ['bool', 1, false]],
  [0x31, ['bool16', 2, false]],
  [0x32, ['bool32', 4, false]],
  [0x33, ['bool64', 8, false]],
]);

export function simpleType(ti: number): Type {
  const kind = ti & 0xff;
  const mode = (ti >> 8) & 0xf;
  let base: Type;
  if (kind === 0x03 || kind === 0x00) base = VOID;
  else {
    const s = SIMPLE.get(kind);
    base = s ? ({ kind: 'base', name: s[0], size: s[1], signed: s[2], ...(s[3] ? { float: true } : {}) } as BaseType) : VOID;
  }
  if (mode === 0) return base;
  const size = mode === 4 ? 4 : mode === 6 ? 8 : mode === 5 ? 6 : 2; // near32, near64, far32, near/far16
  return { kind: 'pointer', size, target: base };
}

class LazyPointer implements PointerType {
  readonly kind = 'pointer';
  private t?: Type;
  constructor(
    readonly size: number,
    private readonly resolve: () => Type,
  ) {}
  get target(): Type {
    this.t ??= this.resolve();
    return this.t;
  }
}

class LazyUdt implements UdtType {
  readonly kind = 'udt';
  private f?: readonly Field[];
  constructor(
    readonly udtKind: 'struct' | 'union' | 'class',
    readonly name: string,
    readonly size: number,
    private readonly build: () => Field[],
  ) {}
  get fields(): readonly Field[] {
    this.f ??= this.build();
    return this.f;
  }
}

class LazyEnum implements EnumType {
  readonly kind = 'enum';
  private e?: { name: string; value: bigint }[];
  constructor(
    readonly name: string,
    readonly size: number,
    readonly base: Type,
    private readonly build: () => { name: string; value: bigint }[],
  ) {}
  get enumerators(): readonly { name: string; value: bigint }[] {
    this.e ??= this.build();
    return this.e;
  }
}

class LazyFunction implements FunctionType {
  readonly kind = 'function';
  readonly size = 0;
  private list?: { params: Type[]; variadic: boolean };
  constructor(
    private readonly ret: () => Type,
    private readonly args: () => { params: Type[]; variadic: boolean },
  ) {}
  get returnType(): Type {
    return this.ret();
  }
  get params(): readonly Type[] {
    this.list ??= this.args();
    return this.list.params;
  }
  get variadic(): boolean {
    this.list ??= this.args();
    return this.list.variadic;
  }
}

export class PdbTypes {
  private readonly cache = new Map<number, Type>();
  private definitions?: Map<string, number>;

  constructor(
    private readonly tpi: TypeStream,
    private readonly format: string,
  ) {}

  /** The model type for a type index (simple or from the stream). */
  type(ti: number, depth = 0): Type {
    if (ti < this.tpi.begin) return simpleType(ti);
    const hit = this.cache.get(ti);
    if (hit) return hit;
    if (depth > MAX_DEPTH) throw new FormatError(this.format, `type 0x${ti.toString(16)} is nested more than ${MAX_DEPTH} levels deep (a cycle?)`);
    const t = this.build(ti, this.tpi.record(ti), depth);
    this.cache.set(ti, t);
    return t;
  }

  private build(ti: number, r: TypeRecord, depth: number): Type {
    switch (r.leaf) {
      case 'modifier':
        return this.type(r.referent, depth + 1); // const/volatile do not change the layout
      case 'pointer':
        return new LazyPointer(r.size || 8, () => this.type(r.referent));
      case 'array': {
        const element = this.type(r.element, depth + 1);
        const count = element.size > 0 ? Math.floor(r.size / element.size) : 0;
        return { kind: 'array', size: r.size, count, element } satisfies ArrayType;
      }
      case 'udt': {
        const def = r.props & PROP_FWDREF ? this.definitionOf(r.uniqueName ?? r.name) : ti;
        if (def !== undefined && def !== ti) return this.type(def, depth + 1);
        const udtKind = r.udtKind === 'interface' ? 'struct' : r.udtKind;
        if (def === undefined) return new LazyUdt(udtKind, r.name, 0, () => []); // declared, never defined
        return new LazyUdt(udtKind, r.name, r.size, () => this.fields(r.fieldList));
      }
      case 'enum': {
        const def = r.props & PROP_FWDREF ? this.definitionOf(r.uniqueName ?? r.name) : ti;
        if (def !== undefined && def !== ti) return this.type(def, depth + 1);
        const base = this.type(r.underlying, depth + 1);
        // Enumerators may be stored in an unsigned numeric leaf (RED = -2 as 0xFFFFFFFE): read them in the
        // width and signedness of the underlying type.
        const bits = Math.max(1, base.size) * 8;
        const signed = base.kind === 'base' && base.signed;
        return new LazyEnum(r.name, base.size, base, () =>
          this.members(r.fieldList).flatMap((m) => (m.kind === 'enumerate' ? [{ name: m.name, value: signed ? BigInt.asIntN(bits, m.value) : BigInt.asUintN(bits, m.value) }] : [])),
        );
      }
      case 'procedure':
      case 'mfunction':
        return new LazyFunction(
          () => this.type(r.returnType),
          () => {
            if (!this.tpi.has(r.argList)) return { params: [], variadic: false };
            const a = this.tpi.record(r.argList);
            if (a.leaf !== 'arglist') return { params: [], variadic: false };
            // Index 0 (T_NOTYPE) is not a parameter: last in the list it marks `...` (also how MSVC
            // records C's unprototyped `f()`).
            return { params: a.args.filter((x) => x !== 0).map((x) => this.type(x)), variadic: a.args.length > 0 && a.args[a.args.length - 1] === 0 };
          },
        );
      case 'bitfield':
        return this.type(r.type, depth + 1);
      default:
        throw new FormatError(this.format, `type 0x${ti.toString(16)} (${r.leaf === 'other' ? `leaf 0x${r.kind.toString(16)}` : r.leaf}) is not a data type`);
    }
  }

  /** Members of a field list, following LF_INDEX continuations (bounded). */
  members(fieldList: number): Member[] {
    const out: Member[] = [];
    let ti = fieldList;
    for (let n = 0; n < MAX_CONTINUATIONS && ti !== 0; n++) {
      if (!this.tpi.has(ti)) return out;
      const r = this.tpi.record(ti);
      if (r.leaf !== 'fieldlist') throw new FormatError(this.format, `type 0x${ti.toString(16)} should be a field list`);
      ti = 0;
      for (const m of r.members) {
        if (m.kind === 'index') ti = m.type;
        else out.push(m);
      }
    }
    return out;
  }

  private fields(fieldList: number): Field[] {
    const out: Field[] = [];
    for (const m of this.members(fieldList)) {
      if (m.kind === 'base' && !m.virtual) {
        out.push({ name: '__BaseClass', offset: m.offset, type: this.type(m.type), role: 'base' });
        continue;
      }
      // Virtual bases sit where the virtual-base table says at run time: no fixed offset to show.
      if (m.kind === 'vfunctab') {
        // The pointer's target is a table shape (LF_VTSHAPE), not a data type; the compiler puts it first.
        const p = this.tpi.has(m.type) ? this.tpi.record(m.type) : undefined;
        out.push({ name: '__VFN_table', offset: 0, type: { kind: 'pointer', size: p?.leaf === 'pointer' && p.size ? p.size : 8, target: VOID }, role: 'vfptr' });
        continue;
      }
      if (m.kind !== 'member') continue;
      const raw = m.type >= this.tpi.begin && this.tpi.has(m.type) ? this.tpi.record(m.type) : undefined;
      if (raw?.leaf === 'bitfield') {
        out.push({ name: m.name, offset: m.offset, type: this.type(raw.type), bitPosition: raw.position, bitLength: raw.length });
      } else out.push({ name: m.name, offset: m.offset, type: this.type(m.type) });
    }
    return out;
  }

  /** Name → type index of every complete structure, union, class and enum (first definition wins). */
  private defs(): Map<string, number> {
    if (this.definitions) return this.definitions;
    const map = new Map<string, number>();
    for (let ti = this.tpi.begin; ti < this.tpi.end; ti++) {
      const k = this.tpi.leafKind(ti);
      if (k !== LF.STRUCTURE && k !== LF.CLASS && k !== LF.UNION && k !== LF.ENUM && k !== LF.INTERFACE) continue;
      const r = this.tpi.record(ti);
      if ((r.leaf !== 'udt' && r.leaf !== 'enum') || r.props & PROP_FWDREF) continue;
      if (r.uniqueName && !map.has(r.uniqueName)) map.set(r.uniqueName, ti);
      if (!map.has(`\0${r.name}`)) map.set(`\0${r.name}`, ti);
    }
    this.definitions = map;
    return map;
  }

  private definitionOf(key: string): number | undefined {
    const d = this.defs();
    return d.get(key) ?? d.get(`\0${key}`);
  }

  /** A complete user-defined type or enum by name ('_LIST_ENTRY', 'std::exception'). */
  findType(name: string): Type | undefined {
    const ti = this.defs().get(`\0${name}`);
    return ti === undefined ? undefined : this.type(ti);
  }

  /** The type index of a complete type by name (for `pdb --type` reports). */
  typeIndexOf(name: string): number | undefined {
    return this.defs().get(`\0${name}`);
  }

  /**
   * Every complete structure, union, class and enum by type index. Names repeat: anonymous types all
   * share '<anonymous-tag>' and separate compilands may define different types under one name.
   */
  definitionList(): { name: string; ti: number }[] {
    const out: { name: string; ti: number }[] = [];
    for (let ti = this.tpi.begin; ti < this.tpi.end; ti++) {
      const k = this.tpi.leafKind(ti);
      if (k !== LF.STRUCTURE && k !== LF.CLASS && k !== LF.UNION && k !== LF.ENUM && k !== LF.INTERFACE) continue;
      const r = this.tpi.record(ti);
      if ((r.leaf === 'udt' || r.leaf === 'enum') && !(r.props & PROP_FWDREF)) out.push({ name: r.name, ti });
    }
    return out;
  }

  /** Type indices of the complete definitions named `name` (several for '<anonymous-tag>'). */
  definitionsNamed(name: string): number[] {
    return this.definitionList()
      .filter((d) => d.name === name)
      .map((d) => d.ti);
  }

  /** The procedure or member-function type at `ti` (a procedure symbol's type), else undefined. */
  functionType(ti: number): FunctionType | undefined {
    if (!Number.isSafeInteger(ti) || !this.tpi.has(ti)) return undefined;
    const k = this.tpi.leafKind(ti);
    if (k !== LF.PROCEDURE && k !== LF.MFUNCTION) return undefined;
    const t = this.type(ti);
    return t.kind === 'function' ? t : undefined;
  }

  /** The type at a type index of this stream (`pdb --type 0x1d25`), or undefined when it is not one. */
  typeAtIndex(ti: number): Type | undefined {
    return Number.isSafeInteger(ti) && this.tpi.has(ti) ? this.type(ti) : undefined;
  }

  typeNames(): string[] {
    return [...this.defs().keys()].filter((k) => k.startsWith('\0')).map((k) => k.slice(1));
  }
}
