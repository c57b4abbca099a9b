import { analyzeWithDisplay } from '../../commands/builtin/analyze.js';
import { openSession } from '../../node/open-session.js';
import { analysisJson, renderAnalysisText } from '../../render/analysis.js';
import { type CliCommand, UsageError } from '../command.js';
import { parseCommonOptions } from '../options.js';

export const analyzeCliCommand: CliCommand = {
  name: 'analyze',
  summary: 'Analyze a crash: !analyze -v plus a root-cause report with its evidence',
  usage: [
    'Usage: dumpscope analyze DUMP [-y SYMPATH] [--json]',
    '',
    '  -y, --sympath PATH  symbol path; local directories are searched for module images (unwind data)',
    '  --json              the report as JSON (codes and addresses as 0x hex strings)',
  ].join('\n'),
  async run(args, io) {
    const opts = parseCommonOptions(args);
    if (!opts.dump) throw new UsageError('missing DUMP');
    const { session, close } = await openSession(opts.dump, opts, io);
    try {
      const report = await analyzeWithDisplay(session);
      io.out(opts.json ? analysisJson(report) : renderAnalysisText(report));
      return 0;
    } finally {
      await close();
    }
  },
};
