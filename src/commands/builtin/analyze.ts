// `!analyze -v` inside a session.
import { analyze } from '../../analysis/analyze.js';
import type { AnalysisReport } from '../../analysis/report.js';
import { renderAnalysisText } from '../../render/analysis.js';
import type { CommandSpec } from '../command.js';
import { kernelTarget, registerDisplay } from './target-access.js';

export async function analyzeWithDisplay(session: Parameters<typeof kernelTarget>[0]): Promise<AnalysisReport> {
  const t = kernelTarget(session);
  const report = await analyze(t);
  if (report.context) report.context.display = await registerDisplay(t, report.context.registers, report.context.kind === 'context');
  if (report.trapFrame) report.trapFrame.display = await registerDisplay(t, report.trapFrame.registers, false);
  return report;
}

export const analyzeCommand: CommandSpec<AnalysisReport> = {
  names: ['!analyze'],
  summary: 'Bugcheck analysis: faulting context, stack, blamed module, bucket and root cause',
  usage: '!analyze -v',
  run: (session) => analyzeWithDisplay(session),
  renderText: renderAnalysisText,
};
