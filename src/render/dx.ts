// dx output as the debugger data model prints it: the expression, its value and `[Type: …]`, then one
// line per child indented by four spaces a level: `[+0x030] Name             : 0x46a0 [Type: unsigned __int64]`,
// bitfields with their bits `[+0x008 ( 0: 0)]`, structures without a value. Names are padded to 16
// columns; the first line of an object that has children gets 16 spaces after the expression instead
// (the walkthrough's `@$heap_context = (…) 0xffffe0099a6002c0                 : 0xffffe0099a6002c0`).
import type { DxNode, DxResult, DxValue } from '../commands/builtin/dx.js';

export function dxValueText(v: DxValue): string {
  switch (v.k) {
    case 'uint':
      return `0x${v.v.toString(16)}`;
    case 'int':
      return BigInt.asIntN(64, v.v).toString();
    case 'number':
      return BigInt.asIntN(64, v.v).toString();
    case 'bool':
      return v.v ? 'true' : 'false';
    case 'float':
      return String(v.v);
    case 'enum':
      return v.name ? `${v.name} (${v.v})` : String(v.v);
    case 'pointer':
      return v.text === undefined ? `0x${v.v.toString(16)}` : `0x${v.v.toString(16)} : "${v.text}"`;
    case 'string':
      return `"${v.text}"`;
    case 'unreadable':
      return `Unable to read memory at Address 0x${v.address.toString(16)}`;
  }
}

function line(n: DxNode, top: boolean): string {
  let head: string;
  if (top) head = n.expandable ? `${n.name}${' '.repeat(16)}` : n.name.padEnd(16);
  else {
    const bits = n.bits ? ` (${String(n.bits.position + n.bits.length - 1).padStart(2)}:${String(n.bits.position).padStart(2)})` : '';
    head = `${n.offset !== undefined ? `[+0x${n.offset.toString(16).padStart(3, '0')}${bits}] ` : ''}${n.name.padEnd(16)}`;
  }
  const value = n.value ? ` : ${dxValueText(n.value)}` : '';
  const type = n.type ? ` [Type: ${n.type}]` : '';
  return `${head}${value}${type}`;
}

function omittedLine(pad: string, n: number): string {
  return `${pad}[...]            (${n} more elements not shown; index the array to see one)`;
}

function lines(nodes: DxNode[], depth: number, out: string[]): void {
  const pad = '    '.repeat(depth);
  for (const n of nodes) {
    out.push(pad + line(n, false));
    if (n.children) lines(n.children, depth + 1, out);
    if (n.omitted) out.push(omittedLine(`${pad}    `, n.omitted));
  }
}

export function renderDx(r: DxResult): string {
  const out = [line(r.root, true)];
  if (r.root.children) lines(r.root.children, 1, out);
  if (r.root.omitted) out.push(omittedLine('    ', r.root.omitted));
  if (r.truncated) out.push(`(output truncated after ${r.truncated} lines: use a smaller -r)`);
  return out.join('\n');
}
