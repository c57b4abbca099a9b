// `dumpscope analyze` wall time against `node -e 0` in the same run: the shipped sample, the real x64
// triage dump with the corpus symbols and ISF (warm: local store), and the 0x50 scenario written as a
// 16 GiB kernel-bitmap dump (cost must not grow with dump size). Also peak RSS of the 16 GiB run.
// Needs `npm run build`.
import { existsSync } from 'node:fs';
import { writeScenarioDump, scenarioBinDir } from '../src/node/scenario-files.js';
import { corpus } from '../test/helpers/corpus.js';
import { peakRssMiB, report, timeCommand } from './lib.js';

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
const big = '/tmp/dumpscope-bench/scenario-16g.dmp';
if (!existsSync(big)) await writeScenarioDump('0x50', 'kernel-bitmap', big, { physicalPages: (16 * 1024 ** 3) / 4096 });
const args = ['bin/dumpscope.js', 'analyze', big, '-y', scenarioBinDir()];
rows.push(['analyze (0x50 scenario, 16 GiB kernel-bitmap dump)', `${timeCommand(process.execPath, args, runs).medianMs.toFixed(1)} ms`]);
const rss = peakRssMiB(process.execPath, args);
if (rss !== undefined) rows.push(['  peak RSS of that run', `${rss.toFixed(0)} MiB`]);
report('analyze wall time (median)', rows);
