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
  | { kind: 'procedure'; name: string; section: number; offset: number; length: number; type: number; global: boolean }
  | { kind: 'data'; name: string; section: number; offset: number; type: number; global: boolean; threadLocal: boolean }
  | { kind: 'procref'; name: string; module: number; symOffset: number; global: boolean }
  | { kind: 'udt'; name: string; type: number }
  | { kind: 'constant'; name: string; type: number };

/** Calls `visit` for every record in `recs` starting at `start`; the record bytes exclude the length. */
export function walkSymbols(recs: LE, start: number, end: number, visit: (kind: number, rec: LE, at: number) => void): void {
  let at = start;
  const limit = Math.min(end, recs.length);
  while (at + 4 <= limit) {
    const len = recs.u16(at);
    if (len < 2) throw new FormatError(recs.format, `symbol record of length ${len}`, recs.base + at);
    if (at + 2 + len > limit) throw new FormatError(recs.format, `symbol record of length ${len} runs past the stream`, recs.base + at);
    visit(recs.u16(at + 2), recs.slice(at + 2, len), at);
    at += 2 + len;
  }
}

/** Decodes a record (kind at offset 0 of `r`) when it is one of those listed in `S`. */
export function decodeSymbol(kind: number, r: LE): SymbolRecord | undefined {
  switch (kind) {
    case S.PUB32: {
      const flags = r.u32(2);
      return { kind: 'public', flags, isFunction: (flags & 2) !== 0, offset: r.u32(6), section: r.u16(10), name: r.cstr(12, r.length - 12) };
    }
    case S.GPROC32:
    case S.LPROC32:
    case S.GPROC32_ID:
    case S.LPROC32_ID:
      return {
        kind: 'procedure',
        length: r.u32(14),
        type: r.u32(26),
        offset: r.u32(30),
        section: r.u16(34),
        name: r.cstr(37, r.length - 37),
        global: kind === S.GPROC32 || kind === S.GPROC32_ID,
      };
    case S.GDATA32:
    case S.LDATA32:
    case S.GTHREAD32:
    case S.LTHREAD32:
      return {
        kind: 'data',
        type: r.u32(2),
        offset: r.u32(6),
        section: r.u16(10),
        name: r.cstr(12, r.length - 12),
        global: kind === S.GDATA32 || kind === S.GTHREAD32,
        threadLocal: kind === S.GTHREAD32 || kind === S.LTHREAD32,
      };
    case S.PROCREF:
    case S.LPROCREF:
      return { kind: 'procref', symOffset: r.u32(6), module: r.u16(10), name: r.cstr(12, r.length - 12), global: kind === S.PROCREF };
    case S.UDT:
      return { kind: 'udt', type: r.u32(2), name: r.cstr(6, r.length - 6) };
    default:
      return undefined;
  }
}
