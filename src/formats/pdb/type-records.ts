// CodeView type records (the leaves of the TPI stream) decoded into plain objects. Only the leaves that
// describe data layout are decoded in full; the rest are kept as their leaf number so nothing is lost.
import type { LE } from '../../io/bytes.js';
import { FormatError } from '../../io/errors.js';

export const LF = {
  MODIFIER: 0x1001,
  POINTER: 0x1002,
  PROCEDURE: 0x1008,
  MFUNCTION: 0x1009,
  VTSHAPE: 0x000a,
  ARGLIST: 0x1201,
  FIELDLIST: 0x1203,
  BITFIELD: 0x1205,
  METHODLIST: 0x1206,
  BCLASS: 0x1400,
  VBCLASS: 0x1401,
  IVBCLASS: 0x1402,
  INDEX: 0x1404,
  VFUNCTAB: 0x1409,
  ENUMERATE: 0x1502,
  ARRAY: 0x1503,
  CLASS: 0x1504,
  STRUCTURE: 0x1505,
  UNION: 0x1506,
  ENUM: 0x1507,
  MEMBER: 0x150d,
  STMEMBER: 0x150e,
  METHOD: 0x150f,
  NESTTYPE: 0x1510,
  ONEMETHOD: 0x1511,
  INTERFACE: 0x1519,
} as const;

/** Structure/enum property bits (CV_prop_t). */
export const PROP_FWDREF = 0x80;
export const PROP_HAS_UNIQUE_NAME = 0x200;

export type Member =
  | { kind: 'member'; name: string; type: number; offset: number; attr: number }
  | { kind: 'static'; name: string; type: number }
  | { kind: 'enumerate'; name: string; value: bigint }
  | { kind: 'base'; type: number; offset: number; virtual: boolean }
  | { kind: 'nested'; name: string; type: number }
  | { kind: 'method'; name: string; type?: number; count?: number }
  | { kind: 'vfunctab'; type: number }
  | { kind: 'index'; type: number };

export type TypeRecord =
  | { leaf: 'modifier'; referent: number; isConst: boolean; isVolatile: boolean; isUnaligned: boolean }
  | { leaf: 'pointer'; referent: number; size: number; ptrKind: number; mode: number; isConst: boolean; isVolatile: boolean }
  | { leaf: 'procedure'; returnType: number; paramCount: number; argList: number }
  | { leaf: 'mfunction'; returnType: number; classType: number; thisType: number; paramCount: number; argList: number }
  | { leaf: 'arglist'; args: number[] }
  | { leaf: 'fieldlist'; members: Member[] }
  | { leaf: 'bitfield'; type: number; length: number; position: number }
  | { leaf: 'array'; element: number; index: number; size: number; name: string }
  | {
      leaf: 'udt';
      udtKind: 'struct' | 'class' | 'union' | 'interface';
      count: number;
      props: number;
      fieldList: number;
      size: number;
      name: string;
      uniqueName?: string;
    }
  | { leaf: 'enum'; count: number; props: number; underlying: number; fieldList: number; name: string; uniqueName?: string }
  | { leaf: 'other'; kind: number };

/** A cursor over one record's bytes; numeric leaves and names advance it. */
class Cursor {
  constructor(
    readonly r: LE,
    public at: number,
  ) {}
  u16(): number {
    const v = this.r.u16(this.at);
    this.at += 2;
    return v;
  }
  u32(): number {
    const v = this.r.u32(this.at);
    this.at += 4;
    return v;
  }
  /** A CodeView numeric leaf: a literal below 0x8000, else a tag followed by the value. */
  numeric(): bigint {
    const tag = this.u16();
    if (tag < 0x8000) return BigInt(tag);
    const r = this.r;
    const at = this.at;
    switch (tag) {
      case 0x8000:
        this.at += 1;
        return BigInt((r.u8(at) << 24) >> 24);
      case 0x8001:
        this.at += 2;
        return BigInt(r.i16(at));
      case 0x8002:
        this.at += 2;
        return BigInt(r.u16(at));
      case 0x8003:
        this.at += 4;
        return BigInt(r.i32(at));
      case 0x8004:
        this.at += 4;
        return BigInt(r.u32(at));
      case 0x8009:
        this.at += 8;
        return r.i64(at);
      case 0x800a:
        this.at += 8;
        return r.u64(at);
      default:
        throw new FormatError(r.format, `numeric leaf of kind 0x${tag.toString(16)} is not an integer`, r.base + at - 2);
    }
  }
  /** A numeric leaf that must be a non-negative size or offset below 2^53. */
  count(what: string): number {
    const at = this.at;
    const v = this.numeric();
    if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) throw new FormatError(this.r.format, `${what} ${v} is out of range`, this.r.base + at);
    return Number(v);
  }
  name(): string {
    const s = this.r.cstr(this.at, this.r.length - this.at);
    this.at += new TextEncoder().encode(s).length + 1;
    return s;
  }
  /** Field-list entries are padded to 4 bytes with 0xF1..0xF3 bytes whose low nibble is the distance. */
  skipPad(): void {
    while (this.at < this.r.length) {
      const b = this.r.u8(this.at);
      if (b < 0xf0) return;
      this.at += Math.max(1, b & 0x0f);
    }
  }
}

function udtName(c: Cursor, props: number): { name: string; uniqueName?: string } {
  const name = c.name();
  if (props & PROP_HAS_UNIQUE_NAME && c.at < c.r.length) return { name, uniqueName: c.name() };
  return { name };
}

/** Decodes one record; `rec` holds the leaf kind at offset 0 followed by its data (the length prefix removed). */
export function decodeTypeRecord(rec: LE): TypeRecord {
  const kind = rec.u16(0);
  const c = new Cursor(rec, 2);
  switch (kind) {
    case LF.MODIFIER: {
      const referent = c.u32();
      const m = c.u16();
      return { leaf: 'modifier', referent, isConst: (m & 1) !== 0, isVolatile: (m & 2) !== 0, isUnaligned: (m & 4) !== 0 };
    }
    case LF.POINTER: {
      const referent = c.u32();
      const attr = c.u32();
      return {
        leaf: 'pointer',
        referent,
        ptrKind: attr & 0x1f,
        mode: (attr >> 5) & 7,
        isVolatile: (attr & 0x200) !== 0,
        isConst: (attr & 0x400) !== 0,
        size: (attr >> 13) & 0x3f,
      };
    }
    case LF.PROCEDURE: {
      const returnType = c.u32();
      c.at += 2; // calling convention, function attributes
      const paramCount = c.u16();
      return { leaf: 'procedure', returnType, paramCount, argList: c.u32() };
    }
    case LF.MFUNCTION: {
      const returnType = c.u32();
      const classType = c.u32();
      const thisType = c.u32();
      c.at += 2;
      const paramCount = c.u16();
      return { leaf: 'mfunction', returnType, classType, thisType, paramCount, argList: c.u32() };
    }
    case LF.ARGLIST: {
      const n = c.u32();
      rec.check(c.at, n * 4, 'argument list');
      const args: number[] = [];
      for (let i = 0; i < n; i++) args.push(c.u32());
      return { leaf: 'arglist', args };
    }
    case LF.BITFIELD: {
      const type = c.u32();
      const length = rec.u8(c.at);
      const position = rec.u8(c.at + 1);
      return { leaf: 'bitfield', type, length, position };
    }
    case LF.ARRAY: {
      const element = c.u32();
      const index = c.u32();
      const size = c.count('array size');
      return { leaf: 'array', element, index, size, name: c.at < rec.length ? c.name() : '' };
    }
    case LF.CLASS:
    case LF.STRUCTURE:
    case LF.INTERFACE: {
      const count = c.u16();
      const props = c.u16();
      const fieldList = c.u32();
      c.at += 8; // derivation list, vtable shape
      const size = c.count('structure size');
      const udtKind = kind === LF.CLASS ? 'class' : kind === LF.INTERFACE ? 'interface' : 'struct';
      return { leaf: 'udt', udtKind, count, props, fieldList, size, ...udtName(c, props) };
    }
    case LF.UNION: {
      const count = c.u16();
      const props = c.u16();
      const fieldList = c.u32();
      const size = c.count('union size');
      return { leaf: 'udt', udtKind: 'union', count, props, fieldList, size, ...udtName(c, props) };
    }
    case LF.ENUM: {
      const count = c.u16();
      const props = c.u16();
      const underlying = c.u32();
      const fieldList = c.u32();
      return { leaf: 'enum', count, props, underlying, fieldList, ...udtName(c, props) };
    }
    case LF.FIELDLIST:
      return { leaf: 'fieldlist', members: decodeFieldList(c) };
    default:
      return { leaf: 'other', kind };
  }
}

// Method property values that carry an extra virtual-table offset (introducing virtual methods).
const isIntroVirtual = (attr: number) => ((attr >> 2) & 7) === 4 || ((attr >> 2) & 7) === 6;

function decodeFieldList(c: Cursor): Member[] {
  const out: Member[] = [];
  const r = c.r;
  while (c.at < r.length) {
    const at = c.at;
    const kind = c.u16();
    switch (kind) {
      case LF.MEMBER: {
        const attr = c.u16();
        const type = c.u32();
        const offset = c.count('member offset');
        out.push({ kind: 'member', name: c.name(), type, offset, attr });
        break;
      }
      case LF.STMEMBER: {
        c.u16();
        const type = c.u32();
        out.push({ kind: 'static', name: c.name(), type });
        break;
      }
      case LF.ENUMERATE: {
        c.u16();
        const value = c.numeric();
        out.push({ kind: 'enumerate', name: c.name(), value });
        break;
      }
      case LF.BCLASS: {
        c.u16();
        const type = c.u32();
        out.push({ kind: 'base', type, offset: c.count('base class offset'), virtual: false });
        break;
      }
      case LF.VBCLASS:
      case LF.IVBCLASS: {
        c.u16();
        const type = c.u32();
        c.u32();
        c.numeric();
        c.numeric();
        out.push({ kind: 'base', type, offset: 0, virtual: true });
        break;
      }
      case LF.NESTTYPE: {
        c.u16();
        const type = c.u32();
        out.push({ kind: 'nested', name: c.name(), type });
        break;
      }
      case LF.ONEMETHOD: {
        const attr = c.u16();
        const type = c.u32();
        if (isIntroVirtual(attr)) c.u32();
        out.push({ kind: 'method', name: c.name(), type });
        break;
      }
      case LF.METHOD: {
        const count = c.u16();
        c.u32();
        out.push({ kind: 'method', name: c.name(), count });
        break;
      }
      case LF.VFUNCTAB: {
        c.u16();
        out.push({ kind: 'vfunctab', type: c.u32() });
        break;
      }
      case LF.INDEX: {
        c.u16();
        out.push({ kind: 'index', type: c.u32() });
        break;
      }
      default:
        // An unknown member kind has an unknown length: the rest of the list cannot be trusted.
        throw new FormatError(r.format, `field list member of unknown kind 0x${kind.toString(16)}`, r.base + at);
    }
    c.skipPad();
  }
  return out;
}
