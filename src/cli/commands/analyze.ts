import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openError } from '../fs-errors.js';
import { analyzeWithDisplay } from '../../commands/builtin/analyze.js';
import { DumpscopeError } from '../../io/errors.js';
import { openSession } from '../../node/open-session.js';
import { scenarioBinDir } from '../../node/scenario-files.js';
import { renderAnalysisText } from '../../render/analysis.js';
import { analysisJsonText } from '../../render/analysis-json.js';
import { renderAnalysisMarkdown } from '../../render/analysis-markdown.js';
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
    'Usage: dumpscope analyze [DUMP] [-y SYMPATH] [--offline] [--symbol-timeout S] [--json | --markdown]',
    '',
    'Without DUMP, analyzes the sample dump shipped in samples/.',
    '  -y, --sympath PATH  symbol path in WinDbg syntax (default: _NT_SYMBOL_PATH, else Microsoft\'s server with a per-user cache)',
    '  --offline           never contact a symbol server (local directories and caches only)',
    '  --symbol-timeout S  the most one symbol file may take from a server, in seconds (default 120; DUMPSCOPE_SYMBOL_TIMEOUT)',
    '  --json              the report as JSON, described by schema/analysis.schema.json',
    '  --markdown          the report as Markdown, for pasting into a ticket',
  ].join('\n'),
  async run(args, io) {
    const opts = parseCommonOptions(args);
    if (opts.json && opts.markdown) throw new UsageError('--json and --markdown are alternatives: choose one');
    if (opts.rest.length) throw new UsageError(`one dump at a time (also given: ${opts.rest.join(' ')})`);
    if (!opts.dump) {
      // The shipped sample: its kernel and driver symbols are the committed scenario binaries.
      opts.dump = sampleDumpPath();
      opts.sympath = [scenarioBinDir(), opts.sympath ?? io.env._NT_SYMBOL_PATH].filter(Boolean).join(';');
    }
    const dump = opts.dump;
    if (!existsSync(dump)) throw new UsageError(`no such dump: ${dump}`);
    const st = statSync(dump);
    if (st.isDirectory()) throw new DumpscopeError(`${dump}: is a directory, not a dump file`, 'EISDIR');
    if (!st.isFile()) throw new DumpscopeError(`${dump}: is not a regular file`, 'NOT_A_FILE');
    let opened: Awaited<ReturnType<typeof openSession>>;
    try {
      opened = await openSession(dump, opts, io);
    } catch (e) {
      throw openError(e, dump);
    }
    try {
      const report = await analyzeWithDisplay(opened.session);
      io.out(opts.json ? analysisJsonText(report) : opts.markdown ? renderAnalysisMarkdown(report) : renderAnalysisText(report));
      return 0;
    } catch (e) {
      throw openError(e, dump, 'read');
    } finally {
      await opened.close();
    }
  },
};
