// `dt` output: one line per field, `   +0x018 Name             : Type-or-value`, nested rows indented by
// three spaces per level. Values are data (DtValue) until here; this file holds WinDbg's number spellings:
// unsigned 0-9 bare, else hex (64-bit values above 32 bits with a backtick), signed `0n…`, chars `0x41 'A'`
// (0 as `0 ''`), bitfields `0y…`, pointers `0xffffe009`a1432f28 _RTL_BALANCED_NODE`, `(null)`. `!ddt` (mex) pads
// names to 20 columns, adds the decimal `(0n…)` to hex values and heads the dump with its command line.
import type { DtListing, DtResult } from '../commands/builtin/dt.js';

export type DtValue =
  /** Integers; `char` for 1-byte character types (printed with the character). */
  | { k: 'int'; v: bigint; size: number; signed: boolean; char?: boolean }
  | { k: 'bits'; v: bigint; length: number }
  | { k: 'float'; v: number }
  | { k: 'enum'; v: bigint; name?: string }
  /** `target`: dt's name of the pointed-to type ('' for code); `list`: Flink/Blink when it points at a _LIST_ENTRY. */
  | { k: 'pointer'; v: bigint; target: string; list?: [bigint, bigint] }
  | { k: 'list'; flink: bigint; blink: bigint }
  | { k: 'ustring'; text?: string }
  | { k: 'udt'; name: string }
  /** `first`: the first element's value; `text`: character arrays as a string. */
  | { k: 'array'; count: number; first?: DtValue; text?: string }
  | { k: 'unreadable' };

export interface DtRow {
  offset: number;
  name: string;
  /** The layout spelling (`Uint8B`, `Ptr64 _LIST_ENTRY`, `[5] Uint8B`), shown when there is no value. */
  typeName: string;
  depth: number;
  bits?: { position: number; length: number };
  value?: DtValue;
  children?: DtRow[];
  /** `dt -a`: one line per element, and how many were left out. */
  elements?: { values: DtValue[]; omitted: number };
  /** C++ base class or vtable pointer (symbols' Field.role). */
  role?: 'base' | 'vfptr';
}

export type DtStyle = 'dt' | 'ddt';

const M32 = 0xffffffffn;

function tick(v: bigint): string {
  const s = BigInt.asUintN(64, v).toString(16).padStart(16, '0');
  return `0x${s.slice(0, 8)}\`${s.slice(8)}`;
}

function charText(c: number): string {
  return c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '';
}

export function dtValueText(v: DtValue, style: DtStyle = 'dt'): string {
  switch (v.k) {
    case 'int': {
      if (v.char) {
        const n = v.signed ? BigInt.asIntN(8, v.v) : v.v;
        const num = n === 0n ? '0' : v.signed ? `0n${n}` : `0x${n.toString(16)}`;
        return `${num} '${charText(Number(v.v & 0xffn))}'`;
      }
      if (v.signed) return `0n${BigInt.asIntN(v.size * 8, v.v)}`;
      if (v.v < 10n) return v.v.toString();
      const hex = v.v > M32 ? tick(v.v) : `0x${v.v.toString(16)}`;
      // mex shows the value as a signed 64-bit decimal too (`0xfffff90f`b6d8ee20 (0n-7629089214944)`).
      return style === 'ddt' ? `${hex} (0n${BigInt.asIntN(64, v.v)})` : hex;
    }
    case 'bits':
      return `0y${v.v.toString(2).padStart(v.length, '0')}`;
    case 'float':
      return String(v.v);
    case 'enum':
      return v.name ? `${v.v.toString(16)} ( ${v.name} )` : v.v.toString(16);
    case 'pointer': {
      if (v.v === 0n) return '(null)';
      const list = v.list ? ` [ ${tick(v.list[0])} - ${tick(v.list[1])} ]` : '';
      return `${tick(v.v)}${v.target ? ` ${v.target}` : ''}${list}`;
    }
    case 'list':
      return `_LIST_ENTRY [ ${tick(v.flink)} - ${tick(v.blink)} ]`;
    case 'ustring':
      return v.text === undefined ? '_UNICODE_STRING' : `_UNICODE_STRING "${v.text}"`;
    case 'udt':
      return v.name;
    case 'array':
      if (v.text !== undefined) return `[${v.count}]  "${v.text}"`;
      return `[${v.count}] ${v.first ? dtValueText(v.first, style) : ''}`.trimEnd();
    case 'unreadable':
      return '??';
  }
}

interface Layout {
  style: DtStyle;
  nameWidth: number;
  offsets: boolean;
  indent: boolean;
}

function rowLines(rows: DtRow[], out: string[], lay: Layout): void {
  for (const r of rows) {
    const pad = '   '.repeat((lay.indent ? r.depth : 0) + 1);
    const off = lay.offsets ? `+0x${r.offset.toString(16).padStart(3, '0')} ` : '';
    if (r.role === 'base') {
      out.push(`${pad}${off}__BaseClass ${r.typeName}`);
    } else {
      const bitsText = r.bits ? `Pos ${r.bits.position}, ${r.bits.length} Bit${r.bits.length === 1 ? '' : 's'}` : undefined;
      const what = r.value ? dtValueText(r.value, lay.style) : (bitsText ?? (r.role === 'vfptr' ? 'Ptr64 ' : r.typeName));
      out.push(`${pad}${off}${r.name.padEnd(lay.nameWidth)} : ${what}`);
    }
    if (r.elements) {
      r.elements.values.forEach((v, i) => {
        out.push(`${pad} [${i.toString().padStart(2, '0')}] ${dtValueText(v, lay.style)}`);
      });
      if (r.elements.omitted) out.push(`${pad} [...] ${r.elements.omitted} more elements not shown`);
    }
    if (r.children) rowLines(r.children, out, lay);
  }
}

function listingLines(r: DtListing, out: string[]): void {
  for (const n of r.names) out.push(`          ${r.module}!${n}`);
  if (r.omitted) out.push(`(${r.omitted} more types match; narrow the pattern)`);
}

export function renderDt(r: DtResult): string {
  if (r.kind === 'dt-list') {
    const out: string[] = [];
    listingLines(r, out);
    return out.join('\n');
  }
  const out: string[] = [];
  const style = r.style ?? 'dt';
  if (style === 'ddt') {
    const head = `dt ${r.module}!${r.type}${r.address !== undefined ? ` ${BigInt.asUintN(64, r.address).toString(16)}` : ''} () Recursive: [ -r1 -r2 -r ] Verbose Normal dt`;
    out.push('', head, '='.repeat(head.length));
  } else if (r.address === undefined) {
    // A type's layout starts with its name (a structure in memory or a global does not).
    out.push(`${r.module}!${r.type}`);
  }
  if (r.verbose) out.push(r.verbose);
  if (r.head) {
    // A global's own value: ` [ flink - blink ]` for a list head, the value (or type) of a scalar.
    const v = r.head.value;
    out.push(v?.k === 'list' ? ` [ ${dtValueText(v).replace(/^_LIST_ENTRY \[ /, '')}` : v ? dtValueText(v, style) : r.head.typeName);
  }
  rowLines(r.rows, out, { style, nameWidth: style === 'ddt' ? 20 : 16, offsets: !r.options?.noOffsets, indent: !r.options?.noIndent });
  if (r.truncated) out.push(`(output truncated after ${r.truncated} rows: use fewer -r levels or name the fields)`);
  return out.join('\n');
}
