// `!analyze -v` inside a session.
import { analyze } from '../../analysis/analyze.js';
import type { AnalysisReport, RegisterContext } from '../../analysis/report.js';
import { renderAnalysisText } from '../../render/analysis.js';
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

export async function analyzeWithDisplay(session: Parameters<typeof kernelTarget>[0]): Promise<AnalysisReport> {
  const t = kernelTarget(session);
  const report = await analyze(t);
  await withView(t, report.context, report.context?.kind === 'context');
  await withView(t, report.trapFrame, false);
  return report;
}

export const analyzeCommand: CommandSpec<AnalysisReport> = {
  names: ['!analyze'],
  summary: 'Bugcheck analysis: faulting context, stack, blamed module, bucket and root cause',
  usage: '!analyze -v',
  run: (session) => analyzeWithDisplay(session),
  renderText: renderAnalysisText,
};
