// `dt` output: one line per field, `   +0x018 Name             : Type-or-value`, nested rows indented.
import type { DtResult } from '../commands/builtin/dt.js';

export interface DtRow {
  offset: number;
  name: string;
  typeName: string;
  depth: number;
  bits?: { position: number; length: number };
  value?: string;
  children?: DtRow[];
}

function lines(rows: DtRow[], out: string[]): void {
  for (const r of rows) {
    const pad = '   '.repeat(r.depth + 1);
    const what = r.value ?? (r.bits ? `Pos ${r.bits.position}, ${r.bits.length} Bit${r.bits.length === 1 ? '' : 's'}` : r.typeName);
    out.push(`${pad}+0x${r.offset.toString(16).padStart(3, '0')} ${r.name.padEnd(16)} : ${what}`);
    if (r.children) lines(r.children, out);
  }
}

export function renderDt(r: DtResult): string {
  const out: string[] = [];
  if (r.address === undefined) out.push(`${r.module}!${r.type}`);
  lines(r.rows, out);
  if (r.truncated) out.push('(output truncated: too many fields)');
  return out.join('\n');
}
