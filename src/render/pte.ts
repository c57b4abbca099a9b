// `!pte` in WinDbg's four-column layout, and `!vtop`'s step-by-step walk.
import type { PteReport, VtopReport } from '../memory/pte-report.js';

const COL = 27;
const up = (v: bigint) => v.toString(16).toUpperCase().padStart(16, '0');
const lo = (v: bigint | number) => v.toString(16).padStart(16, '0');

export function renderPte(r: PteReport): string {
  if (!r.canonical) return `VA ${lo(r.va)} is not canonical: no page table entry maps it`;
  const head: string[] = [];
  const contents: string[] = [];
  const state: string[] = [];
  const read = r.levels.filter((l) => l.read);
  const largeAt = read.findIndex((l) => l.large);
  for (const [i, l] of r.levels.entries()) {
    const at = l.entryVa !== undefined ? up(l.entryVa) : l.entryPa !== undefined ? `PA ${l.entryPa.toString(16)}` : undefined;
    if (at) head.push(`${l.name} at ${at}`.padEnd(COL));
    if (!l.read) {
      // The level under a large page: WinDbg names the large page's frame there.
      if (largeAt >= 0 && i === r.levels.length - 1 && r.pa !== undefined) {
        contents.push(''.padEnd(COL));
        state.push(`LARGE PAGE pfn ${Math.floor(r.pa / 4096).toString(16)}`.padEnd(COL));
      }
      continue;
    }
    contents.push((l.contents !== undefined ? `contains ${up(l.contents)}` : 'contents not in dump').padEnd(COL));
    state.push((l.valid ? `pfn ${l.pfn?.toString(16).padEnd(10)}${l.flags}` : l.contents === undefined ? 'contents unknown' : 'not valid').padEnd(COL));
  }
  const lines = [`${' '.repeat(43)}VA ${lo(r.va)}`, head.join('').trimEnd(), contents.join('').trimEnd(), state.join('').trimEnd()];
  if (r.explanation) lines.push(`${' '.repeat(COL * Math.max(0, read.length - 1) + 1)}${r.explanation}`);
  return lines.join('\n');
}

export function renderVtop(r: VtopReport): string {
  const lines = [`Amd64VtoP: Virt ${lo(r.va)}, pagedir ${lo(r.dirBase & ~0xfffn)}`];
  for (const s of r.steps) {
    if (s.contents === 0n) lines.push(`Amd64VtoP: zero ${s.name}`);
    else lines.push(`Amd64VtoP: ${s.name} ${s.entryPa !== undefined ? lo(s.entryPa) : '????????????????'}`);
  }
  if (r.pa !== undefined) {
    const large = r.steps.some((s) => s.large);
    lines.push(`Amd64VtoP: ${large ? 'Large page mapped' : 'Mapped'} phys ${lo(r.pa)}`);
    lines.push(`Virtual address ${r.va.toString(16)} translates to physical address ${r.pa.toString(16)}.`);
  } else {
    lines.push(`Virtual address ${r.va.toString(16)} translation fails: ${r.failure ?? 'not mapped'}.`);
  }
  return lines.join('\n');
}
