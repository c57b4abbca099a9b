// `!pte` in WinDbg's four-column layout.
import type { PteReport } from '../memory/pte-report.js';

const COL = 27;

export function renderPte(r: PteReport): string {
  const up = (v: bigint) => v.toString(16).toUpperCase().padStart(16, '0');
  const head: string[] = [];
  const contents: string[] = [];
  const state: string[] = [];
  for (const l of r.levels) {
    head.push(`${l.name} at ${l.entryVa !== undefined ? up(l.entryVa) : `PA ${(l.entryPa ?? 0).toString(16)}`}`.padEnd(COL));
    contents.push((l.contents !== undefined ? `contains ${up(l.contents)}` : 'contents not in dump').padEnd(COL));
    state.push((l.valid ? `pfn ${l.pfn!.toString(16).padEnd(10)}${l.flags}` : 'not valid').padEnd(COL));
  }
  const lines = [`${' '.repeat(43)}VA ${r.va.toString(16).padStart(16, '0')}`, head.join('').trimEnd(), contents.join('').trimEnd(), state.join('').trimEnd()];
  if (r.explanation) lines.push(`${' '.repeat(COL * (r.levels.length - 1) + 1)}${r.explanation}`);
  return lines.join('\n');
}
