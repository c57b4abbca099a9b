// The analysis as Markdown, for pasting into a ticket: the verdict first, then evidence and the stack.
import type { AnalysisReport } from '../analysis/report.js';
import { hex16 } from '../util/hex.js';

const esc = (s: string) => s.replace(/\|/g, '\\|');

export function renderAnalysisMarkdown(r: AnalysisReport): string {
  const L: string[] = [];
  L.push(`## ${r.bugcheck.name} (0x${r.bugcheck.code.toString(16).toUpperCase()})`, '', r.bugcheck.summary, '');
  L.push('| | |', '|---|---|');
  L.push(`| Failure bucket | \`${esc(r.failureBucketId)}\` |`);
  L.push(`| Module | \`${esc(r.imageName)}\` |`);
  L.push(`| Symbol | \`${esc(r.symbolName)}\` |`);
  if (r.processName) L.push(`| Process | ${esc(r.processName)} |`);
  if (r.faultingAddress) L.push(`| ${r.faultingAddress.access === 'write' ? 'Write' : r.faultingAddress.access === 'execute' ? 'Execute' : 'Read'} address | \`${hex16(r.faultingAddress.address)}\` (${esc(r.faultingAddress.region)}) |`);
  if (r.osVersion) L.push(`| OS | ${esc(r.osVersion)} |`);
  L.push('', '### Arguments', '');
  for (const [i, a] of r.bugcheck.args.entries()) L.push(`${i + 1}. \`${hex16(a.value)}\`: ${a.meaning}${a.note ? ` (**${a.note}**)` : ''}`);
  L.push('', '### Root cause', '');
  if (!r.rootCause.length) L.push('No rule matched; see the evidence below.');
  for (const c of r.rootCause) {
    L.push(`- **${c.claim}** (confidence: ${c.confidence})`);
    for (const e of c.evidence) L.push(`  - ${e.fact}${e.command ? ` (\`${e.command}\`)` : ''}`);
    if (c.confirm) L.push(`  - To confirm: ${c.confirm}`);
    if (c.refute) L.push(`  - Would refute it: ${c.refute}`);
  }
  L.push('', '### Stack', '', '```');
  for (const s of r.stack) L.push(`${hex16(s.childSp)} ${hex16(s.retAddr)} ${s.callSite}${s.guessed ? ' (guessed)' : ''}`);
  L.push('```');
  const missing = r.symbols.filter((s) => s.status !== 'pdb' && s.status !== 'isf');
  if (missing.length) {
    L.push('', '### Symbols', '');
    for (const s of missing) L.push(`- ${s.module}: ${s.status}${s.detail ? ` (${esc(s.detail)})` : ''}`);
  }
  if (r.limitations.length) {
    L.push('', '### Limitations', '');
    for (const l of r.limitations) L.push(`- ${l}`);
  }
  return L.join('\n');
}
