// CodeView symbol records, as found in the global symbol record stream and in each module's stream.
// Only the records that name code or data are decoded; walking is bounded by the stream length.
import type { LE } from '../../io/bytes.js';
import { FormatError } from '../../io/errors.js';

export const S = {
  CONSTANT: 0x1107,
  UDT: 0x1108,
  LDATA32: 0x110c,
  GDATA32: 0x110d,
  PUB32: 0x110e,
  LPROC32: 0x110f,
  GPROC32: 0x1110,
  LTHREAD32: 0x1112,
  GTHREAD32: 0x1113,
  PROCREF: 0x1125,
  LPROCREF: 0x1127,
  LPROC32_ID: 0x1146,
  GPROC32_ID: 0x1147,
} as const;

export type SymbolRecord =
  | { kind: 'public'; name: string; section: number; offset: number; isFunction: boolean; flags: number }
  /** `idType`: the _ID kinds, whose `type` is an item (IPI stream) index, not a TPI type. */
  | { kind: 'procedure'; name: string; section: number; offset: number; length: number; type: number; global: boolean; idType: boolean }
  | { kind: 'data'; name: string; section: number; offset: number; type: number; global: boolean; threadLocal: boolean }
  | { kind: 'procref'; name: string; module: number; symOffset: number; global: boolean }
  | { kind: 'udt'; name: string; type: number }
  | { kind: 'constant'; name: string; type: number };

/**
 * Calls `visit(kind, at, len)` for every record in `recs` between `start` and `end`: `at` is the offset of the
 * record's kind field and `len` the record length after its length field (the kind included). No record is
 * copied: decoding reads the stream in place, which keeps large symbol streams fast.
 */
export function walkSymbols(recs: LE, start: number, end: number, visit: (kind: number, at: number, len: number) => void): void {
  let at = start;
  const limit = Math.min(end, recs.length);
  const dv = recs.view;
  while (at + 4 <= limit) {
    const len = dv.getUint16(at, true);
    if (len < 2) throw new FormatError(recs.format, `symbol record of length ${len}`, recs.base + at);
    if (at + 2 + len > limit) throw new FormatError(recs.format, `symbol record of length ${len} runs past the stream`, recs.base + at);
    visit(dv.getUint16(at + 2, true), at + 2, len);
    at += 2 + len;
  }
}

const utf8 = new TextDecoder('utf-8');

/** A NUL-terminated name inside [at, end): ASCII decoded directly (the common case), UTF-8 otherwise. */
function nameAt(b: Uint8Array, at: number, end: number): string {
  let s = '';
  let i = at;
  for (; i < end; i++) {
    const c = b[i];
    if (c === 0) return s;
    if (c >= 0x80) break;
    s += String.fromCharCode(c);
  }
  if (i >= end) return s;
  let j = i;
  while (j < end && b[j] !== 0) j++;
  return s + utf8.decode(b.subarray(i, j));
}

/** Where a record's name starts, relative to its kind field, for the records an address index holds. */
const NAME_AT: Record<number, number> = {
  [S.PUB32]: 12,
  [S.GDATA32]: 12,
  [S.LDATA32]: 12,
  [S.GTHREAD32]: 12,
  [S.LTHREAD32]: 12,
  [S.GPROC32]: 37,
  [S.LPROC32]: 37,
  [S.GPROC32_ID]: 37,
  [S.LPROC32_ID]: 37,
};

/** The name of the record starting at `start` (its length field), decoded only now; '' for other kinds. */
export function recordName(recs: LE, start: number): string {
  const len = recs.view.getUint16(start, true);
  const at = NAME_AT[recs.view.getUint16(start + 2, true)];
  return at === undefined || at > len ? '' : nameAt(recs.bytes, start + 2 + at, start + 2 + len);
}

export function need(recs: LE, kind: number, at: number, len: number, n: number): void {
  if (n > len) throw new FormatError(recs.format, `symbol record of kind 0x${kind.toString(16)} is too short (${len} bytes)`, recs.base + at);
}

/** Decodes the record at `at` (its kind field) of length `len` when it is one of those listed in `S`. */
export function decodeSymbol(kind: number, recs: LE, at: number, len: number): SymbolRecord | undefined {
  const end = at + len;
  const dv = recs.view;
  const b = recs.bytes;
  switch (kind) {
    case S.PUB32: {
      need(recs, kind, at, len, 12);
      const flags = dv.getUint32(at + 2, true);
      return { kind: 'public', flags, isFunction: (flags & 2) !== 0, offset: dv.getUint32(at + 6, true), section: dv.getUint16(at + 10, true), name: nameAt(b, at + 12, end) };
    }
    case S.GPROC32:
    case S.LPROC32:
    case S.GPROC32_ID:
    case S.LPROC32_ID:
      need(recs, kind, at, len, 37);
      return {
        kind: 'procedure',
        length: dv.getUint32(at + 14, true),
        type: dv.getUint32(at + 26, true),
        offset: dv.getUint32(at + 30, true),
        section: dv.getUint16(at + 34, true),
        name: nameAt(b, at + 37, end),
        global: kind === S.GPROC32 || kind === S.GPROC32_ID,
        idType: kind === S.GPROC32_ID || kind === S.LPROC32_ID,
      };
    case S.GDATA32:
    case S.LDATA32:
    case S.GTHREAD32:
    case S.LTHREAD32:
      need(recs, kind, at, len, 12);
      return {
        kind: 'data',
        type: dv.getUint32(at + 2, true),
        offset: dv.getUint32(at + 6, true),
        section: dv.getUint16(at + 10, true),
        name: nameAt(b, at + 12, end),
        global: kind === S.GDATA32 || kind === S.GTHREAD32,
        threadLocal: kind === S.GTHREAD32 || kind === S.LTHREAD32,
      };
    case S.PROCREF:
    case S.LPROCREF:
      need(recs, kind, at, len, 12);
      return { kind: 'procref', symOffset: dv.getUint32(at + 6, true), module: dv.getUint16(at + 10, true), name: nameAt(b, at + 12, end), global: kind === S.PROCREF };
    case S.UDT:
      need(recs, kind, at, len, 6);
      return { kind: 'udt', type: dv.getUint32(at + 2, true), name: nameAt(b, at + 6, end) };
    default:
      return undefined;
  }
}
