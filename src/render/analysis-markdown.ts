// The analysis as Markdown, for pasting into a ticket: the verdict first, then evidence and the stack.
// Text from the dump and from WinDbg notation (ffffffff`ffffffff) is escaped so it cannot break the markup:
// code spans take a fence longer than any backtick run inside them, table cells escape their pipes.
import type { AnalysisReport } from '../analysis/report.js';
import { hex16 } from '../util/hex.js';

/** `s` as one inline code span, whatever backticks it holds. */
export function codeSpan(s: string): string {
  const longest = Math.max(0, ...[...s.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return longest ? `${fence} ${s} ${fence}` : `${fence}${s}${fence}`;
}

/** Prose: the characters that can start markup in running text escaped (an intraword _ is literal already). */
function escapeText(s: string): string {
  return s.replace(/[\\`*<]/g, '\\$&');
}

/**
 * Prose that may hold WinDbg addresses (41414141`41414149) and `code` marks: the addresses and paired
 * marks become code spans, everything else is escaped — a stray backtick stays a backtick.
 */
export function inline(s: string): string {
  return s
    .split(/([0-9a-f]{8}`[0-9a-f]{8}|`[^`\n]+`)/)
    .map((part, i) => (i % 2 === 0 ? escapeText(part) : codeSpan(part.startsWith('`') && part.endsWith('`') && part.length > 2 && !/^[0-9a-f]{8}`/.test(part) ? part.slice(1, -1) : part)))
    .join('');
}

/** A table cell: its pipes escaped even inside code spans (tables are split on pipes first). */
const cell = (s: string) => s.replace(/\|/g, '\\|');

export function renderAnalysisMarkdown(r: AnalysisReport): string {
  const L: string[] = [];
  L.push(`## ${escapeText(r.bugcheck.name)} (0x${r.bugcheck.code.toString(16).toUpperCase()})`, '', inline(r.bugcheck.summary), '', `> **Summary:** ${inline(r.summary)}`, '');
  L.push('| | |', '|---|---|');
  L.push(`| Failure bucket | ${cell(codeSpan(r.failureBucketId))} |`);
  L.push(`| Module | ${cell(codeSpan(r.imageName))} |`);
  L.push(`| Symbol | ${cell(codeSpan(r.symbolName))} |`);
  if (r.processName) L.push(`| Process | ${cell(escapeText(r.processName))} |`);
  if (r.faultingAddress) {
    const kind = r.faultingAddress.access === 'write' ? 'Write' : r.faultingAddress.access === 'execute' ? 'Execute' : 'Read';
    L.push(`| ${kind} address | ${cell(codeSpan(hex16(r.faultingAddress.address)))}${r.faultingAddress.region ? ` (${cell(inline(r.faultingAddress.region))})` : ''} |`);
  }
  if (r.osVersion) L.push(`| OS | ${cell(escapeText(r.osVersion))} |`);
  L.push('', '### Arguments', '');
  for (const [i, a] of r.bugcheck.args.entries()) L.push(`${i + 1}. ${codeSpan(hex16(a.value))}: ${inline(a.meaning)}${a.note ? ` — in this dump: **${inline(a.note)}**` : ''}`);
  L.push('', '### Root cause', '');
  if (!r.rootCause.length) L.push('No rule matched; see the evidence below.');
  for (const c of r.rootCause) {
    L.push(`- **${inline(c.claim)}** (confidence: ${c.confidence})`);
    for (const e of c.evidence) L.push(`  - ${inline(e.fact)}${e.command ? ` (${codeSpan(e.command)})` : ''}`);
    if (c.confirm) L.push(`  - To confirm: ${inline(c.confirm)}`);
    if (c.refute) L.push(`  - Would refute it: ${inline(c.refute)}`);
  }
  L.push('', '### Stack', '', '```');
  for (const s of r.stack) L.push(`${hex16(s.childSp)} ${hex16(s.retAddr)} ${s.callSite}${s.guessed ? ' (guessed)' : ''}`);
  L.push('```');
  const missing = r.symbols.filter((s) => s.status !== 'pdb' && s.status !== 'isf');
  if (missing.length) {
    L.push('', '### Symbols', '');
    for (const s of missing) L.push(`- ${escapeText(s.module)}: ${s.status}${s.detail ? ` (${inline(s.detail)})` : ''}`);
  }
  if (r.limitations.length) {
    L.push('', '### Limitations', '');
    for (const l of r.limitations) L.push(`- ${inline(l)}`);
  }
  return L.join('\n');
}
