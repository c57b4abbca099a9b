// `dumpscope analyze` wall time on the real x64 triage dump (images from the corpus store) and on the
// shipped sample, against `node -e 0` in the same run. Needs `npm run build`.
import { existsSync } from 'node:fs';
import { corpus } from '../test/helpers/corpus.js';
import { report, timeCommand } from './lib.js';

const dump = corpus('kernel/win10-19041-x64-triage-1000007e.dmp');
const runs = Number(process.env.RUNS ?? 11);
const node = timeCommand(process.execPath, ['-e', '0'], runs);
const sample = timeCommand(process.execPath, ['bin/dumpscope.js', 'analyze'], runs);
const rows: [string, string][] = [
  ['node -e 0', `${node.medianMs.toFixed(1)} ms`],
  ['analyze (shipped 0x50 sample)', `${sample.medianMs.toFixed(1)} ms`],
];
if (existsSync(dump)) {
  const triage = timeCommand(process.execPath, ['bin/dumpscope.js', 'analyze', dump, '-y', corpus('symbols')], runs);
  rows.push(['analyze (x64 triage dump, -y corpus store)', `${triage.medianMs.toFixed(1)} ms`]);
}
report('analyze wall time (median)', rows);
