// Type graphs that reference themselves: hand-written ISF tables (a struct holding itself by value,
// mutual containment, pointer chains thousands deep, arrays of 2^53 elements, hostile names) and a real
// PDB's TPI records rewritten to point at themselves (a pointer to itself, an array of itself, a struct
// whose member is the struct, a field list that is its own struct…). Record layouts are CodeView's.
import { type MsfLayout, tpiRecords } from './fuzz-fields.js';

export interface TypeCase {
  what: string;
  bytes: Uint8Array;
  /** Type names worth touching first (dt, `dumpscope pdb --type`). */
  types?: string[];
}

const int = { kind: 'base', name: 'int' };
const struct = (name: string) => ({ kind: 'struct', name });
const isf = (user_types: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  new TextEncoder().encode(
    JSON.stringify({
      metadata: { format: '6.2.0', producer: { name: 'dumpscope-fuzz' } },
      base_types: { int: { kind: 'int', size: 4, signed: true, endian: 'little' }, pointer: { kind: 'int', size: 8, signed: false, endian: 'little' }, ...((extra.base_types as object) ?? {}) },
      user_types,
      enums: extra.enums ?? {},
      symbols: extra.symbols ?? { s: { address: 16 } },
    }),
  );

/** Deeply nested JSON is written as text: JSON.stringify itself would recurse that deep. */
function deep(doc: Uint8Array, placeholder: string, open: string, inner: string, depth: number): Uint8Array {
  const text = new TextDecoder().decode(doc).replace(`"${placeholder}"`, open.repeat(depth) + inner + '}'.repeat(depth));
  return new TextEncoder().encode(text);
}

export function isfTypeCases(): TypeCase[] {
  const fields = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, type], i) => [k, { offset: i * 8, type }]));
  const manyFields = Object.fromEntries(Array.from({ length: 20000 }, (_, i) => [`f${i}`, { offset: i * 4, type: int }]));
  return [
    { what: 'struct A holds an A by value', bytes: isf({ A: { kind: 'struct', size: 16, fields: fields({ a: struct('A'), x: int }) } }), types: ['A'] },
    { what: 'A holds a B by value and B holds an A', bytes: isf({ A: { kind: 'struct', size: 8, fields: fields({ b: struct('B') }) }, B: { kind: 'struct', size: 8, fields: fields({ a: struct('A') }) } }), types: ['A', 'B'] },
    { what: 'A points at B and B at A (the ordinary pointer cycle)', bytes: isf({ A: { kind: 'struct', size: 8, fields: fields({ b: { kind: 'pointer', subtype: struct('B') } }) }, B: { kind: 'struct', size: 8, fields: fields({ a: { kind: 'pointer', subtype: struct('A') } }) } }), types: ['A', 'B'] },
    { what: 'a pointer to a pointer … 5000 levels deep', bytes: deep(isf({ A: { kind: 'struct', size: 8, fields: fields({ p: 'DEEP' }) } }), 'DEEP', '{"kind":"pointer","subtype":', '{"kind":"struct","name":"A"}', 5000), types: ['A'] },
    { what: 'arrays of arrays, 200 levels of 2^32 elements', bytes: deep(isf({ A: { kind: 'struct', size: 8, fields: fields({ m: 'DEEP' }) } }), 'DEEP', `{"kind":"array","count":${2 ** 32},"subtype":`, '{"kind":"base","name":"int"}', 200), types: ['A'] },
    { what: 'an array of 2^53 A inside A', bytes: isf({ A: { kind: 'struct', size: 8, fields: fields({ arr: { kind: 'array', count: 2 ** 53, subtype: struct('A') } }) } }), types: ['A'] },
    { what: 'arrays with counts 1e308, -1 and 0.5', bytes: isf({ A: { kind: 'struct', size: 8, fields: fields({ a: { kind: 'array', count: 1e308, subtype: int }, b: { kind: 'array', count: -1, subtype: int }, c: { kind: 'array', count: 0.5, subtype: int } }) } }), types: ['A'] },
    { what: 'an array of 2^53 zero-sized structs', bytes: isf({ Z: { kind: 'struct', size: 0, fields: {} }, A: { kind: 'struct', size: 8, fields: fields({ z: { kind: 'array', count: 2 ** 53, subtype: struct('Z') } }) } }), types: ['A', 'Z'] },
    { what: 'sizes and offsets of 2^64, -1, 1e308 and NaN-like strings', bytes: isf({ A: { kind: 'struct', size: 2 ** 64, fields: { a: { offset: -1, type: int }, b: { offset: 1e308, type: int }, c: { offset: 'NaN', type: int } } } }), types: ['A'] },
    { what: 'bitfields at bit 1000, of length 0 and of length 2^53', bytes: isf({ A: { kind: 'struct', size: 8, fields: { a: { offset: 0, type: { kind: 'bitfield', bit_position: 1000, bit_length: 3, type: int } }, b: { offset: 0, type: { kind: 'bitfield', bit_position: 0, bit_length: 0, type: int } }, c: { offset: 0, type: { kind: 'bitfield', bit_position: 0, bit_length: 2 ** 53, type: int } } } } }), types: ['A'] },
    { what: 'an enum whose base is a struct, and one whose base is missing', bytes: isf({ A: { kind: 'struct', size: 8, fields: fields({ e: { kind: 'enum', name: 'E' }, f: { kind: 'enum', name: 'F' } }) } }, { enums: { E: { size: 4, base: 'A', constants: { X: 1 } }, F: { size: 4, base: 'nosuch', constants: { Y: 2 ** 64 } } } }), types: ['A', 'E', 'F'] },
    { what: 'types and fields named __proto__, constructor and toString', bytes: new TextEncoder().encode(`{"metadata":{"format":"6.2.0"},"base_types":{"int":{"kind":"int","size":4,"signed":true},"pointer":{"kind":"int","size":8}},"user_types":{"__proto__":{"kind":"struct","size":8,"fields":{"__proto__":{"offset":0,"type":{"kind":"struct","name":"constructor"}}}},"constructor":{"kind":"struct","size":8,"fields":{"toString":{"offset":0,"type":{"kind":"struct","name":"__proto__"}}}}},"enums":{},"symbols":{"__proto__":{"address":1},"hasOwnProperty":{"address":2}}}`), types: ['__proto__', 'constructor', 'toString'] },
    { what: 'a struct with 20000 fields', bytes: isf({ A: { kind: 'struct', size: 80000, fields: manyFields } }), types: ['A'] },
    { what: 'a field whose type is a struct that does not exist, and one of an unknown kind', bytes: isf({ A: { kind: 'struct', size: 8, fields: fields({ a: struct('Missing'), b: { kind: 'quantum' }, c: null, d: 7 }) } }), types: ['A'] },
    { what: 'a pointer base type of size 0, and symbols at 2^64 and -1', bytes: isf({ A: { kind: 'struct', size: 8, fields: fields({ p: { kind: 'pointer', subtype: struct('A') } }) } }, { base_types: { pointer: { kind: 'int', size: 0 } }, symbols: { big: { address: 2 ** 64 }, neg: { address: -1 }, str: { address: '0x10' } } }), types: ['A'] },
  ];
}

// CodeView leaf kinds and where the type indices they refer to lie in their payloads.
const LF_MODIFIER = 0x1001;
const LF_POINTER = 0x1002;
const LF_PROCEDURE = 0x1008;
const LF_ARGLIST = 0x1201;
const LF_FIELDLIST = 0x1203;
const LF_BITFIELD = 0x1205;
const LF_ARRAY = 0x1503;
const LF_CLASS = 0x1504;
const LF_STRUCTURE = 0x1505;
const LF_UNION = 0x1506;
const LF_ENUM = 0x1507;
const LF_MEMBER = 0x150d;

/** [leaf, payload offset of a type index, what it is] */
const REFS: [number, number, string][] = [
  [LF_MODIFIER, 0, 'modifier of itself'],
  [LF_POINTER, 0, 'pointer to itself'],
  [LF_PROCEDURE, 0, 'procedure returning itself'],
  [LF_PROCEDURE, 8, 'procedure whose argument list is itself'],
  [LF_ARGLIST, 4, 'argument list holding itself'],
  [LF_BITFIELD, 0, 'bitfield of itself'],
  [LF_ARRAY, 0, 'array of itself'],
  [LF_STRUCTURE, 4, 'structure whose field list is itself'],
  [LF_UNION, 4, 'union whose field list is itself'],
  [LF_ENUM, 4, 'enum whose underlying type is itself'],
];

const u16 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u32 = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;

function writeU32(file: Uint8Array, m: MsfLayout, streamOffset: number, v: number): void {
  for (let i = 0; i < 4; i++) file[m.fileOffset(2, streamOffset + i)] = (v >>> (8 * i)) & 0xff;
}

/** Bytes after the leaf of CodeView's numeric leaves: LF_CHAR, LF_SHORT, LF_USHORT, LF_LONG, LF_ULONG, LF_QUADWORD, LF_UQUADWORD. */
const NUMERIC_LEAF_SIZE = new Map([[0x8000, 1], [0x8001, 2], [0x8002, 2], [0x8003, 4], [0x8004, 4], [0x8009, 8], [0x800a, 8]]);

/** Name of an LF_STRUCTURE/LF_CLASS record (after its numeric size leaf). */
function structName(s: Uint8Array, payload: number): string {
  let at = payload + 16;
  const leaf = u16(s, at);
  at += leaf < 0x8000 ? 2 : 2 + (NUMERIC_LEAF_SIZE.get(leaf) ?? 0);
  const end = s.indexOf(0, at);
  return new TextDecoder('latin1').decode(s.subarray(at, end < 0 ? at : end));
}

/**
 * Variants of a PDB with one type record rewritten to reference itself: for each kind of reference the
 * first two records that have it, and a structure (`_LIST_ENTRY` and every `wanted` one found) whose
 * first member is the structure itself, by value.
 */
export function pdbTypeCases(pdb: Uint8Array, wanted: string[] = []): TypeCase[] {
  const { m, records, stream } = tpiRecords(pdb);
  const out: TypeCase[] = [];
  for (const [leaf, off, what] of REFS) {
    for (const r of records.filter((x) => x.leaf === leaf).slice(0, 2)) {
      const b = pdb.slice();
      writeU32(b, m, r.at + 4 + off, r.ti);
      out.push({ what: `type 0x${r.ti.toString(16)}: ${what}` , bytes: b });
    }
  }
  for (const r of records.filter((x) => x.leaf === LF_ARRAY).slice(0, 2)) {
    // The array's byte size (a numeric leaf after two type indices): the largest value its encoding holds.
    const b = pdb.slice();
    const at = r.at + 4 + 8;
    const leaf = u16(stream, at);
    if (leaf < 0x8000) for (const [i, v] of [[0, 0xff], [1, 0x7f]]) b[m.fileOffset(2, at + i)] = v;
    else if (leaf === 0x8004 || leaf === 0x8003) writeU32(b, m, at + 2, 0xffffffff);
    out.push({ what: `type 0x${r.ti.toString(16)}: array of the largest size its leaf holds`, bytes: b });
  }
  // A structure whose first member is the structure itself (by value): its definition record is found by
  // name, its field list's first LF_MEMBER retargeted at the definition's own type index.
  const byTi = new Map(records.map((r) => [r.ti, r]));
  for (const name of ['_LIST_ENTRY', ...wanted]) {
    const def = records.find((r) => (r.leaf === LF_STRUCTURE || r.leaf === LF_CLASS) && !(u16(stream, r.at + 6) & 0x80) && structName(stream, r.at + 4) === name);
    const fl = def && byTi.get(u32(stream, def.at + 8));
    if (!def || !fl || fl.leaf !== LF_FIELDLIST || u16(stream, fl.at + 4) !== LF_MEMBER) continue;
    const b = pdb.slice();
    writeU32(b, m, fl.at + 4 + 4, def.ti);
    out.push({ what: `${name} (type 0x${def.ti.toString(16)}) holds itself by value as its first member`, bytes: b, types: [name] });
  }
  return out;
}
