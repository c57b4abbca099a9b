// Builds dt's rows from a type and, when there is an address, the dump's memory. Recursion (-r, -b, field
// paths ending in `.`) follows embedded structures and, at the first level (as WinDbg's -b documents),
// pointers to structures; every walk is bounded in depth and in rows, and checks for Ctrl-C.
import { DumpscopeError } from '../../io/errors.js';
import type { DtRow, DtValue } from '../../render/dt.js';
import type { Type, UdtType } from '../../symbols/types.js';
import { dtTypeName, windbgUdtName } from '../../symbols/windbg-type-name.js';
import { checkpoint } from '../checkpoint.js';
import { bitsOf, floatOf, type TypedMemory } from './typed-memory.js';

export const MAX_DEPTH = 9;
export const MAX_ROWS = 20_000;
/** `dt -a` elements shown per array (the rest are counted). */
export const MAX_ELEMENTS = 256;
/** Characters read for a string value (char arrays, _UNICODE_STRING). */
const MAX_STRING = 512;

/** A requested field: its name path (`Tail.Overlay.CurrentStackLocation`), prefix match, extra levels. */
export interface FieldPath {
  parts: string[];
  prefix: boolean;
  /** Trailing dots: levels of subfields to show under the last part. */
  expand: number;
}

export interface RowOptions {
  depth: number;
  /** -a[N]: elements shown per array. */
  arrays?: number;
  verbose: boolean;
  signal?: AbortSignal;
}

interface Walk {
  opts: RowOptions;
  mem?: TypedMemory;
  rows: number;
  truncated: number;
}

/** Longest field path (`a.b.c`) and most trailing dots accepted: deeper than any real structure nests. */
const MAX_PATH = 32;

export function parseFieldPath(word: string): FieldPath {
  const dots = /\.+$/.exec(word)?.[0].length ?? 0;
  const body = word.slice(0, word.length - dots);
  const prefix = body.endsWith('*');
  const parts = (prefix ? body.slice(0, -1) : body).split('.');
  if (parts.length > MAX_PATH || dots > MAX_DEPTH) throw new DumpscopeError(`field path ${word.slice(0, 80)} is deeper than ${MAX_PATH} levels`, 'USAGE');
  return { parts, prefix, expand: dots };
}

function matches(name: string, p: FieldPath, level: number): boolean {
  const part = p.parts[level];
  if (part === undefined) return false;
  const last = level === p.parts.length - 1;
  const a = name.toLowerCase();
  const b = part.toLowerCase();
  return last && p.prefix ? a.startsWith(b) : a === b;
}

/** dt -v's spelling of a field type: structures with their member count and size. */
function verboseName(t: Type): string {
  if (t.kind === 'udt') return `${t.udtKind} ${windbgUdtName(t.name)}, ${t.fields.length} elements, 0x${t.size.toString(16)} bytes`;
  if (t.kind === 'enum') return `Enum ${windbgUdtName(t.name)},  ${t.enumerators.length} total enums`;
  if (t.kind === 'pointer' && (t.target.kind === 'udt' || t.target.kind === 'enum')) return `${t.size === 4 ? 'Ptr32' : 'Ptr64'} to ${verboseName(t.target)}`;
  return dtTypeName(t);
}

/** The header line of `dt -v TYPE`. */
export function verboseHeader(t: Type): string | undefined {
  return t.kind === 'udt' || t.kind === 'enum' ? verboseName(t) : undefined;
}

/** Rows of a structure at `address` (or its layout when there is none). */
export async function structRows(t: UdtType, address: bigint | undefined, mem: TypedMemory | undefined, opts: RowOptions, paths: FieldPath[]): Promise<{ rows: DtRow[]; truncated: number }> {
  const w: Walk = { opts, mem, rows: 0, truncated: 0 };
  if (address !== undefined && mem) await mem.preload(address, t.size);
  const rows = await walk(w, t, address, 0, paths.length ? paths : undefined, opts.depth, true);
  return { rows, truncated: w.truncated };
}

async function walk(w: Walk, t: UdtType, address: bigint | undefined, level: number, paths: FieldPath[] | undefined, depthLeft: number, top: boolean): Promise<DtRow[]> {
  const out: DtRow[] = [];
  for (const f of t.fields) {
    await checkpoint(w.opts.signal);
    // Which requested paths this field is on, and how deep to go below it.
    let below = depthLeft;
    let subPaths: FieldPath[] | undefined;
    if (paths) {
      const hit = paths.filter((p) => matches(f.name, p, level));
      if (!hit.length) continue;
      const deeper = hit.filter((p) => p.parts.length > level + 1);
      subPaths = deeper.length ? deeper : undefined;
      below = Math.max(depthLeft, ...hit.filter((p) => p.parts.length === level + 1).map((p) => p.expand));
    }
    if (w.rows >= MAX_ROWS) {
      w.truncated = w.rows;
      break;
    }
    w.rows++;
    const at = address === undefined ? undefined : address + BigInt(f.offset);
    const row: DtRow = { offset: f.offset, name: f.name, typeName: w.opts.verbose ? verboseName(f.type) : dtTypeName(f.type), depth: level };
    if (f.bitLength !== undefined) {
      row.bits = { position: f.bitPosition ?? 0, length: f.bitLength };
      if (w.opts.verbose) row.typeName = `Bitfield Pos ${row.bits.position}, ${row.bits.length} Bit${row.bits.length === 1 ? '' : 's'}`;
    }
    if (f.role) row.role = f.role;
    if (at !== undefined && w.mem) {
      row.value = await fieldValue(w.mem, f.type, at, row.bits);
      if (w.opts.arrays !== undefined && f.type.kind === 'array') row.elements = await elementsOf(w.mem, f.type, at, w.opts.arrays);
    }
    out.push(row);
    if (subPaths || below > 0) {
      const inner = await innerStruct(w, f.type, at, top);
      if (inner) row.children = await walk(w, inner.type, inner.address, level + 1, subPaths, subPaths ? below : below - 1, false);
      if (w.truncated) break;
    }
  }
  return out;
}

/** What a recursion step expands below a field: an embedded structure, or the one a pointer points at. */
async function innerStruct(w: Walk, t: Type, at: bigint | undefined, top: boolean): Promise<{ type: UdtType; address?: bigint } | undefined> {
  if (t.kind === 'udt') return t.fields.length ? { type: t, address: at } : undefined;
  if (t.kind !== 'pointer' || !top || t.target.kind !== 'udt' || !t.target.fields.length) return undefined;
  if (at === undefined || !w.mem) return { type: t.target };
  const p = await w.mem.uint(at, t.size);
  if (!p) return undefined;
  await w.mem.preload(p, t.target.size);
  if (!(await w.mem.prefix(p, 1)).length) return undefined;
  return { type: t.target, address: p };
}

async function elementsOf(mem: TypedMemory, t: Type & { kind: 'array' }, at: bigint, limit: number): Promise<{ values: DtValue[]; omitted: number }> {
  const n = Math.min(t.count, limit, MAX_ELEMENTS);
  const values: DtValue[] = [];
  for (let i = 0; i < n; i++) values.push(await fieldValue(mem, t.element, at + BigInt(i * t.element.size)));
  return { values, omitted: t.count - n };
}

function latin1(b: Uint8Array): string {
  const n = b.indexOf(0);
  return [...b.subarray(0, n < 0 ? b.length : n)].map((c) => (c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.')).join('');
}

function utf16(b: Uint8Array, chars: number): string {
  let s = '';
  for (let i = 0; i + 1 < b.length && i / 2 < chars; i += 2) {
    const c = b[i] | (b[i + 1] << 8);
    if (c === 0) break;
    s += c >= 0x20 && c !== 0x7f ? String.fromCharCode(c) : '.';
  }
  return s;
}

const isChar = (t: Type) => t.kind === 'base' && t.size === 1 && !t.float && t.name !== 'bool';
const isWchar = (t: Type) => t.kind === 'base' && (t.name === 'wchar_t' || t.name === 'wchar');

/** The value of one field (or array element) as dt shows it. */
export async function fieldValue(mem: TypedMemory, t: Type, at: bigint, bits?: { position: number; length: number }): Promise<DtValue> {
  switch (t.kind) {
    case 'base': {
      const v = await mem.uint(at, t.size);
      if (v === undefined) return { k: 'unreadable' };
      if (bits) return { k: 'bits', v: bitsOf(v, bits.position, bits.length), length: bits.length };
      if (t.float) return { k: 'float', v: floatOf(v, t.size) };
      return { k: 'int', v, size: t.size, signed: t.signed, ...(isChar(t) ? { char: true } : {}) };
    }
    case 'enum': {
      const v = await mem.uint(at, t.size);
      if (v === undefined) return { k: 'unreadable' };
      if (bits) return { k: 'bits', v: bitsOf(v, bits.position, bits.length), length: bits.length };
      const signed = t.base.kind === 'base' && t.base.signed;
      const sv = signed ? BigInt.asIntN(t.size * 8, v) : v;
      return { k: 'enum', v, name: t.enumerators.find((e) => e.value === sv)?.name };
    }
    case 'pointer': {
      const v = await mem.uint(at, t.size);
      if (v === undefined) return { k: 'unreadable' };
      const target = t.target.kind === 'function' ? '' : dtTypeName(t.target).trim();
      const out: DtValue = { k: 'pointer', v, target };
      // A pointer to a list entry shows that entry's links, as WinDbg does, when they are in the dump.
      if (v && t.target.kind === 'udt' && isListEntry(t.target)) {
        const f = await mem.uint(v, t.size);
        const b = await mem.uint(v + BigInt(t.size), t.size);
        if (f !== undefined && b !== undefined) out.list = [f, b];
      }
      return out;
    }
    case 'array': {
      if (isChar(t.element) || isWchar(t.element)) {
        const size = Math.min(t.size, MAX_STRING * t.element.size);
        const b = await mem.prefix(at, size);
        if (!b.length && size) return { k: 'unreadable' };
        return { k: 'array', count: t.count, text: t.element.size === 1 ? latin1(b) : utf16(b, MAX_STRING) };
      }
      if (!t.count) return { k: 'array', count: 0 };
      return { k: 'array', count: t.count, first: await fieldValue(mem, t.element, at) };
    }
    case 'udt': {
      if (isListEntry(t)) {
        const ps = t.size / 2;
        const f = await mem.uint(at, ps);
        const b = await mem.uint(at + BigInt(ps), ps);
        return f === undefined || b === undefined ? { k: 'udt', name: '_LIST_ENTRY' } : { k: 'list', flink: f, blink: b };
      }
      if (t.name === '_UNICODE_STRING') return { k: 'ustring', text: await unicodeString(mem, t, at) };
      return { k: 'udt', name: windbgUdtName(t.name) };
    }
    default:
      return { k: 'udt', name: dtTypeName(t).trim() };
  }
}

function isListEntry(t: UdtType): boolean {
  return (t.name === '_LIST_ENTRY' || t.name === '_LIST_ENTRY64') && (t.size === 16 || t.size === 8);
}

/** The text of a _UNICODE_STRING (Length bytes at Buffer), by field name; undefined when not readable. */
export async function unicodeString(mem: TypedMemory, t: UdtType, at: bigint): Promise<string | undefined> {
  const len = t.fields.find((f) => f.name === 'Length');
  const buf = t.fields.find((f) => f.name === 'Buffer');
  if (!len || !buf || buf.type.kind !== 'pointer') return undefined;
  const n = await mem.uint(at + BigInt(len.offset), len.type.size);
  const p = await mem.uint(at + BigInt(buf.offset), buf.type.size);
  if (n === undefined || p === undefined) return undefined;
  if (n === 0n) return '';
  if (!p) return undefined;
  const bytes = await mem.bytes(p, Math.min(Number(n), MAX_STRING * 2) & ~1);
  return bytes ? utf16(bytes, MAX_STRING) : undefined;
}
