import { analyzeWithDisplay } from '../../commands/builtin/analyze.js';
import { openSession } from '../../node/open-session.js';
import { analysisJson, renderAnalysisText } from '../../render/analysis.js';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type CliCommand, UsageError } from '../command.js';
import { parseCommonOptions } from '../options.js';

export const analyzeCliCommand: CliCommand = {
  name: 'analyze',
  summary: 'Analyze a crash: !analyze -v plus a root-cause report with its evidence',
  usage: [
    'Usage: dumpscope analyze [DUMP] [-y SYMPATH] [--json]',
    '',
    'Without DUMP, analyzes the sample dump shipped in samples/.',
    '  -y, --sympath PATH  symbol path; local directories are searched for module images (unwind data)',
    '  --json              the report as JSON (codes and addresses as 0x hex strings)',
  ].join('\n'),
  async run(args, io) {
    const opts = parseCommonOptions(args);
    opts.dump ??= fileURLToPath(new URL('../samples/walkthrough-0x50.dmp', import.meta.url));
    if (!existsSync(opts.dump)) throw new UsageError(`no such dump: ${opts.dump}`);
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
