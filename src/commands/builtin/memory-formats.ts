// The display formats of WinDbg's d* commands (the debugger documentation's table for `d, da, db, dc, dd,
// dD, df, dp, dq, du, dw, dW, dyb` and the `dds`/`dqs`/`dps` and `dda`…`dpu` pages): element size, default
// count, elements per row and what follows the values. Names that differ only by case (`dd`/`dD`,
// `dw`/`dW`) are told apart by the engine, which passes capitals through as typed.

export type MemoryKind =
  /** Hex values. */
  | 'hex'
  /** Hex values, then the same bytes as characters (db, dc, dW). */
  | 'hex+chars'
  /** Floating point (df, dD). */
  | 'float'
  /** Each byte in binary, then in hex (dyb). */
  | 'binary'
  /** One value per row and the symbol it points at (dds, dps, dqs). */
  | 'symbols'
  /** A string (da, du). */
  | 'string'
  /** One pointer per row and the string it points at (dda, dpa, dqa, ddu, dpu, dqu). */
  | 'pointer+string';

export interface MemoryFormat {
  unit: 1 | 2 | 4 | 8;
  /** Elements shown without L or an end address. */
  defaultCount: number;
  /** Elements per row (`/c N` changes it). */
  perRow: number;
  kind: MemoryKind;
  /** Character width of strings (da/dpa: 1, du/dpu: 2). */
  charSize?: 1 | 2;
}

export const MEMORY_FORMATS: Record<string, MemoryFormat> = {
  db: { unit: 1, defaultCount: 0x80, perRow: 16, kind: 'hex+chars' },
  dw: { unit: 2, defaultCount: 0x40, perRow: 8, kind: 'hex' },
  dW: { unit: 2, defaultCount: 0x40, perRow: 8, kind: 'hex+chars' },
  dd: { unit: 4, defaultCount: 0x20, perRow: 4, kind: 'hex' },
  dc: { unit: 4, defaultCount: 0x20, perRow: 4, kind: 'hex+chars' },
  dq: { unit: 8, defaultCount: 0x10, perRow: 2, kind: 'hex' },
  dp: { unit: 8, defaultCount: 0x10, perRow: 2, kind: 'hex' },
  df: { unit: 4, defaultCount: 16, perRow: 4, kind: 'float' },
  dD: { unit: 8, defaultCount: 15, perRow: 3, kind: 'float' },
  dyb: { unit: 1, defaultCount: 32, perRow: 4, kind: 'binary' },
  dds: { unit: 4, defaultCount: 0x20, perRow: 1, kind: 'symbols' },
  dps: { unit: 8, defaultCount: 0x10, perRow: 1, kind: 'symbols' },
  dqs: { unit: 8, defaultCount: 0x10, perRow: 1, kind: 'symbols' },
  da: { unit: 1, defaultCount: 0x80, perRow: 32, kind: 'string', charSize: 1 },
  du: { unit: 2, defaultCount: 0x80, perRow: 32, kind: 'string', charSize: 2 },
  dda: { unit: 4, defaultCount: 0x20, perRow: 1, kind: 'pointer+string', charSize: 1 },
  dpa: { unit: 8, defaultCount: 0x10, perRow: 1, kind: 'pointer+string', charSize: 1 },
  dqa: { unit: 8, defaultCount: 0x10, perRow: 1, kind: 'pointer+string', charSize: 1 },
  ddu: { unit: 4, defaultCount: 0x20, perRow: 1, kind: 'pointer+string', charSize: 2 },
  dpu: { unit: 8, defaultCount: 0x10, perRow: 1, kind: 'pointer+string', charSize: 2 },
  dqu: { unit: 8, defaultCount: 0x10, perRow: 1, kind: 'pointer+string', charSize: 2 },
};

/** A character as a terminal may show it: printable ASCII as is, anything else (controls, escapes) as '.'. */
export function printable(code: number): string {
  return code >= 0x20 && code < 0x7f ? String.fromCharCode(code) : '.';
}
