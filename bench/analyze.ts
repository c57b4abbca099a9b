// `dumpscope analyze` wall time against `node -e 0` in the same run: the shipped sample, the real x64
// triage dump with the corpus symbols and ISF (warm: local store), and the 0x50 scenario as a genuine
// 16 GiB FULL-layout dump (DumpType 1, physical memory runs): the scenario's pages plus one run of 16 GiB
// of zero pages above them. The file is 16 GiB long but sparse (the writer leaves zero pages as holes), so
// it costs little disk; it is built in a temp dir and deleted after. Cost must not grow with dump size.
// Also peak RSS of that run. Needs `npm run build`.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PageRun, type PageSource, pagesToRuns, writeKernelDump } from '../src/formats/kernel-dump/writer.js';
import { FileSink } from '../src/node/file-sink.js';
import { readScenarioBinaries, scenarioBinDir } from '../src/node/scenario-files.js';
import { buildScenario } from '../src/scenario/scenarios.js';
import { corpus } from '../test/helpers/corpus.js';
import { peakRssMiB, report, timeCommand } from './lib.js';

const PAGE = 4096;
const ZERO_PAGES = (16 * 1024 ** 3) / PAGE;

/** The scenario's pages and, from the next 2 MiB boundary above them, ZERO_PAGES zero pages: one source for the writer. */
function withZeroRun(pages: ReadonlyMap<number, Uint8Array>): PageSource {
  const pfns = [...pages.keys()].sort((a, b) => a - b);
  const runs: PageRun[] = pagesToRuns(pfns);
  const zeroBase = Math.ceil((pfns[pfns.length - 1] + 1) / 512) * 512;
  runs.push({ basePage: zeroBase, pageCount: ZERO_PAGES });
  return {
    runs,
    readPages: async (pfn, dest) => {
      if (pfn >= zeroBase) return void dest.fill(0);
      for (let i = 0; i * PAGE < dest.length; i++) dest.set(pages.get(pfn + i)!, i * PAGE);
    },
  };
}

const dump = corpus('kernel/win10-19041-x64-triage-1000007e.dmp');
const runs = Number(process.env.RUNS ?? 11);
const node = timeCommand(process.execPath, ['-e', '0'], runs);
const sample = timeCommand(process.execPath, ['bin/dumpscope.js', 'analyze'], runs);
const rows: [string, string][] = [
  ['node -e 0', `${node.medianMs.toFixed(1)} ms`],
  ['analyze (shipped 0x50 sample)', `${sample.medianMs.toFixed(1)} ms`],
];
if (existsSync(dump)) {
  const sym = `${corpus('symbols')};${corpus('isf')}`;
  const triage = timeCommand(process.execPath, ['bin/dumpscope.js', 'analyze', dump, '-y', sym], runs);
  rows.push(['analyze (x64 triage dump, -y corpus store + ISF)', `${triage.medianMs.toFixed(1)} ms`]);
  const k = timeCommand(process.execPath, ['bin/dumpscope.js', 'run', dump, '-y', sym, '-c', '.cxr 0xffff850429891720; k'], runs);
  rows.push(['run -c ".cxr …; k" (full k of the crashing thread)', `${k.medianMs.toFixed(1)} ms`]);
}
const dir = mkdtempSync(join(tmpdir(), 'dumpscope-bench-analyze-'));
try {
  const big = join(dir, 'scenario-0x50-16g-full.dmp');
  const s = await buildScenario('0x50', await readScenarioBinaries());
  const t0 = process.hrtime.bigint();
  const sink = await FileSink.create(big);
  const w = await writeKernelDump(sink, s.facts, withZeroRun(s.pages), { layout: 'full' });
  await sink.commit();
  const st = statSync(big);
  rows.push(['full-layout dump written', `${(st.size / 1024 ** 3).toFixed(2)} GiB long, ${(st.blocks * 512 / 1024 ** 2).toFixed(1)} MiB on disk, ${w.pages} pages in ${w.headerRuns} runs, ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s to write`]);
  const args = ['bin/dumpscope.js', 'analyze', big, '-y', scenarioBinDir()];
  rows.push(['analyze (0x50 scenario, 16 GiB full-layout dump)', `${timeCommand(process.execPath, args, runs).medianMs.toFixed(1)} ms`]);
  const rss = peakRssMiB(process.execPath, args);
  if (rss !== undefined) rows.push(['  peak RSS of that run', `${rss.toFixed(0)} MiB`]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
report('analyze wall time (median)', rows);
