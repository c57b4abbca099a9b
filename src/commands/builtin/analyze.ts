// `!analyze -v` inside a session; plain `!analyze` prints WinDbg's short form (bugcheck, probable cause).
import { type AnalyzeOptions, analyze } from '../../analysis/analyze.js';
import type { AnalysisReport, RegisterContext } from '../../analysis/report.js';
import { DumpscopeError } from '../../io/errors.js';
import { renderAnalysisShort, renderAnalysisText } from '../../render/analysis.js';
import type { KernelTarget } from '../../target/kernel-target.js';
import type { CommandSpec } from '../command.js';
import { registerState } from './register-state.js';
import { kernelTarget } from './target-access.js';

/** What the register display shows after the values (rip's symbol, instruction, operand), as data. */
async function withView(t: KernelTarget, c: RegisterContext | undefined, showSegments: boolean): Promise<void> {
  if (!c) return;
  const { ripSymbol, instruction, operand, codeMissing } = await registerState(t, c.registers, showSegments);
  c.view = { ripSymbol, instruction, operand, codeMissing };
}

export async function analyzeWithDisplay(session: Parameters<typeof kernelTarget>[0], opts: AnalyzeOptions = {}): Promise<AnalysisReport> {
  const t = kernelTarget(session);
  const report = await analyze(t, opts);
  await withView(t, report.context, report.context?.kind === 'context');
  await withView(t, report.trapFrame, false);
  return report;
}

export interface AnalyzeResult {
  report: AnalysisReport;
  /** `-v`: the whole report; without it the short form. */
  verbose: boolean;
}

export const analyzeCommand: CommandSpec<AnalyzeResult> = {
  names: ['!analyze'],
  summary: 'Bugcheck analysis: faulting context, stack, blamed module, bucket and root cause (-v: everything)',
  usage: '!analyze [-v]',
  async run(session, args) {
    const opts = args.trim().split(/\s+/).filter(Boolean);
    const unknown = opts.filter((o) => o.toLowerCase() !== '-v');
    if (unknown.length) throw new DumpscopeError(`!analyze: unknown option ${unknown[0]} (usage: !analyze [-v])`, 'SYNTAX');
    return { report: await analyzeWithDisplay(session), verbose: opts.length > 0 };
  },
  renderText: (r) => (r.verbose ? renderAnalysisText(r.report) : renderAnalysisShort(r.report)),
};
