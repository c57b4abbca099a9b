// Writes samples/walkthrough-0x50.dmp: the 0x50 scenario (Driver.sys writes past a paged-pool allocation into
// a freed page, the 0x50 walkthrough's situation) as a kernel-bitmap dump, built from the committed
// scenario binaries in fixtures/scenario/bin.
// Run: node --import tsx scripts/make-sample.ts  (the output is committed; rerunning gives the same bytes)
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeScenarioDump } from '../src/node/scenario-files.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'samples', 'walkthrough-0x50.dmp');
const s = await writeScenarioDump('0x50', 'kernel-bitmap', out);
console.log(`wrote ${out}: ${s.description}, ${s.pages.size} pages`);
