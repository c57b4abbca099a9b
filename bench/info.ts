// `dumpscope info` wall time on the real x64 triage dump, against `node -e 0` (Node's own start-up) in the
// same run. Needs `npm run build` (the bench runs the built CLI, as users do).
import { existsSync } from 'node:fs';
import { corpus } from '../test/helpers/corpus.js';
import { report, timeCommand } from './lib.js';

const dump = corpus('kernel/win10-19041-x64-triage-1000007e.dmp');
if (!existsSync(dump)) {
  console.log('skipped: ../shared/corpus is not present');
  process.exit(0);
}
const runs = Number(process.env.RUNS ?? 15);
const node = timeCommand(process.execPath, ['-e', '0'], runs);
const info = timeCommand(process.execPath, ['bin/dumpscope.js', 'info', dump], runs);
const json = timeCommand(process.execPath, ['bin/dumpscope.js', 'info', dump, '--json'], runs);
report('info on the x64 triage dump (median of runs)', [
  ['node -e 0', `${node.medianMs.toFixed(1)} ms`],
  ['dumpscope info', `${info.medianMs.toFixed(1)} ms (${(info.medianMs - node.medianMs).toFixed(1)} ms above Node start-up)`],
  ['dumpscope info --json', `${json.medianMs.toFixed(1)} ms`],
]);
