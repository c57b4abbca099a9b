// Test helper: the requirement that every ROOT CAUSE claim is checkable — evidence that names the
// command showing it, what would confirm it and what would refute it — and that every command it cites is
// one dumpscope knows. Applied to every report the analysis tests produce.
import assert from 'node:assert/strict';
import type { AnalysisReport } from '../../src/analysis/report.js';
import { createEngine } from '../../src/commands/registry.js';

const engine = createEngine();

/** Every command a claim cites, with where it was cited. */
export function citedCommands(r: AnalysisReport): { rule: string; command: string }[] {
  return r.rootCause.flatMap((c) => [...(c.command ? [c.command] : []), ...c.evidence.map((e) => e.command!)].map((command) => ({ rule: c.rule, command })));
}

/** Commands dumpscope does not implement but that only WinDbg extensions provide (named as such in the claim). */
const EXTERNAL = new Set(['!verifier', '!ruleinfo']);

export function assertClaimsComplete(r: AnalysisReport, label = r.bugcheck.name): AnalysisReport {
  assert.ok(r.summary.length > 20, `${label}: a SUMMARY`);
  for (const c of r.rootCause) {
    const where = `${label} / ${c.rule}: ${c.claim.slice(0, 80)}`;
    assert.ok(c.evidence.length > 0, `${where}: no evidence`);
    for (const e of c.evidence) assert.ok(e.command?.trim(), `${where}: evidence without a command: ${e.fact}`);
    assert.ok(c.confirm && c.confirm.length > 10, `${where}: no confirm`);
    assert.ok(c.refute && c.refute.length > 10, `${where}: no refute`);
    assert.ok(c.role, `${where}: no role`);
  }
  for (const { rule, command } of citedCommands(r)) {
    const word = command.trim().split(/\s+/)[0];
    if (EXTERNAL.has(word)) continue;
    assert.ok(engine.resolve(command), `${label} / ${rule}: cites '${command}', which dumpscope cannot run`);
  }
  return r;
}
