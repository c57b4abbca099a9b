import { analyzeWithDisplay } from '../../commands/builtin/analyze.js';
import { openSession } from '../../node/open-session.js';
import { renderAnalysisText } from '../../render/analysis.js';
import { analysisJsonText } from '../../render/analysis-json.js';
import { renderAnalysisMarkdown } from '../../render/analysis-markdown.js';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { scenarioBinDir } from '../../node/scenario-files.js';
import { fileURLToPath } from 'node:url';
import { type CliCommand, UsageError } from '../command.js';
import { parseCommonOptions } from '../options.js';

/** samples/walkthrough-0x50.dmp next to the bundle (dist/) or the sources (src/cli/commands/). */
function sampleDumpPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const p = join(dir, 'samples', 'walkthrough-0x50.dmp');
    if (existsSync(p)) return p;
    dir = dirname(dir);
  }
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'samples', 'walkthrough-0x50.dmp');
}

export const analyzeCliCommand: CliCommand = {
  name: 'analyze',
  summary: 'Analyze a crash: !analyze -v plus a root-cause report with its evidence',
  usage: [
    'Usage: dumpscope analyze [DUMP] [-y SYMPATH] [--offline] [--json | --markdown]',
    '',
    'Without DUMP, analyzes the sample dump shipped in samples/.',
    '  -y, --sympath PATH  symbol path in WinDbg syntax (default: _NT_SYMBOL_PATH, else Microsoft\'s server with a per-user cache)',
    '  --offline           never contact a symbol server (local directories and caches only)',
    '  --json              the report as JSON, described by schema/analysis.schema.json',
    '  --markdown          the report as Markdown, for pasting into a ticket',
  ].join('\n'),
  async run(args, io) {
    const opts = parseCommonOptions(args);
    if (!opts.dump) {
      // The shipped sample: its kernel and driver symbols are the committed scenario binaries.
      opts.dump = sampleDumpPath();
      opts.sympath = [scenarioBinDir(), opts.sympath ?? io.env._NT_SYMBOL_PATH].filter(Boolean).join(';');
    }
    if (!existsSync(opts.dump)) throw new UsageError(`no such dump: ${opts.dump}`);
    const { session, close } = await openSession(opts.dump, opts, io);
    try {
      const report = await analyzeWithDisplay(session);
      io.out(opts.json ? analysisJsonText(report) : opts.markdown ? renderAnalysisMarkdown(report) : renderAnalysisText(report));
      return 0;
    } finally {
      await close();
    }
  },
};
