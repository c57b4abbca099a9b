// Every family on hostile arguments (zero, all ones, non-canonical, unmapped, pointing into code or into a
// structure of the wrong kind): the analysis completes, says what it could not read, never throws, and its
// --json output still follows schema/analysis.schema.json.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { familyCodes } from '../../src/analysis/families/index.js';
import { analysisToJson } from '../../src/render/analysis-json.js';
import { symbolAddress } from '../../src/scenario/images.js';
import type { KernelScenario } from '../../src/scenario/kernel-scenario.js';
import { repo } from '../helpers/corpus.js';
import { analyzeCrash as analyzeRaw, crashKernel, skipUnlessIsf } from '../helpers/family-dumps.js';
import { assertClaimsComplete } from './claims-check.js';

/** Every report these tests make also meets the claims' requirements (evidence with commands, confirm, refute). */
const analyzeCrash = async (...a: Parameters<typeof analyzeRaw>) => assertClaimsComplete(await analyzeRaw(...a), String(a[3]));
import { validate } from '../helpers/json-schema.js';

const dir = mkdtempSync(join(tmpdir(), 'dumpscope-families-hostile-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const chain = async (k: KernelScenario) => [
  { image: k.nt, fn: 'KeBugCheckEx', at: 'entry' as const },
  { image: k.nt, fn: 'KiExecuteAllDpcs' },
  { image: k.nt, fn: 'KiRetireDpcList' },
  { image: k.nt, fn: 'KiIdleLoop' },
];

for (const isf of [false, true]) {
  test(`families on hostile arguments (${isf ? '19041 ISF types' : 'scenario PDB types'}): reports with notes, never exceptions`, { skip: isf ? skipUnlessIsf() : false }, async () => {
    const c = await crashKernel(['EvilDriver'], chain);
    const code = await symbolAddress(c.k.image('EvilDriver'), 'FillAndFree');
    const fill = c.k.alloc(0x2000);
    c.k.mem.fill(fill, 0x2000, 0xff); // every count and pointer read from here is all ones
    const values = [0n, 0xffffffffffffffffn, 0x4141414141414141n, 0xffffb7ff00000000n, code, fill, c.k.systemProcess];
    const schema = JSON.parse(readFileSync(repo('schema/analysis.schema.json'), 'utf8'));
    let n = 0;
    for (const bc of familyCodes()) {
      for (const sub of [0n, 1n, 3n, 4n, 0x2000n, 0x62n, 0x41790n, 0x41201n, 0x20004n]) {
        const args = [sub, values[n % values.length], values[(n + 2) % values.length], values[(n + 4) % values.length]];
        n++;
        const r = await analyzeCrash(c, bc, args, join(dir, `h-${bc.toString(16)}-${sub.toString(16)}.dmp`), { isf });
        assert.equal(r.bugcheck.code, bc);
        assert.ok(r.rootCause.every((x) => x.claim && x.evidence.every((e) => typeof e.fact === 'string')));
        assert.deepEqual(validate(schema, JSON.parse(JSON.stringify(analysisToJson(r)))), [], `0x${bc.toString(16)}/${sub.toString(16)}: --json output`);
        assert.ok(!r.limitations.some((l) => /analysis stopped/.test(l)), `0x${bc.toString(16)}/${sub.toString(16)} threw: ${r.limitations.join(' | ')}`);
      }
    }
  });
}
