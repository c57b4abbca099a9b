// Cyclic lists and self-referencing types. Scenario dumps whose process, thread and module lists loop,
// link to themselves, to null or to unmapped memory, whose structures point at themselves, and whose
// pool page holds header chains that cannot advance; PDB and ISF type graphs that contain themselves.
// Every case must end (a result or a DumpscopeError) within the time bound, and where the damage is one
// the list walker can name, the output must name it ("the list loops back to …").
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { ScenarioName } from '../../src/scenario/scenarios.js';
import { LONG_FUZZ } from '../helpers/fuzz-budget.js';
import { BATTERY } from '../helpers/fuzz-jobs.js';
import { cyclicVariants } from '../helpers/fuzz-cycles.js';
import { SCENARIO_SYMBOLS, type ScenarioLayout, scenario, scenarioDump, writeLayout } from '../helpers/fuzz-inputs.js';
import { assertMemoryBounded, FuzzRunner } from '../helpers/fuzz-runner.js';
import { isfTypeCases, pdbTypeCases } from '../helpers/fuzz-types.js';

const runner = new FuzzRunner();
const scratch = mkdtempSync(join(tmpdir(), 'dumpscope-fuzz-types-'));
after(async () => {
  await runner.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** Default budget: two scenarios in one layout each; `npm run fuzz`: all four in three layouts. */
const PLAN: [ScenarioName, ScenarioLayout[]][] = LONG_FUZZ
  ? (['0x50', '0x7e', '0xd1', '0x3b'] as ScenarioName[]).map((n) => [n, ['full', 'kernel-bitmap', 'full-bitmap']])
  : [['0x50', ['kernel-bitmap']], ['0x7e', ['full']]];

for (const [name, layouts] of PLAN) {
  test(`scenario ${name} (${layouts.join(', ')}): looping and self-linked lists, self-pointing objects, pool chains that do not advance`, async () => {
    const s = await scenario(name, 3);
    const { variants, poolPage } = await cyclicVariants(s);
    assert.ok(variants.length >= 20, `only ${variants.length} variants`);
    if (name === '0x50' || name === '0x7e') assert.ok(poolPage !== undefined, "the scenario's 'WrB1' pool block was not found");
    const extra = ['!process 0 7', ...(poolPage === undefined ? [] : [`!pool ${(poolPage + 0x10n).toString(16)}`, `!pool ${(poolPage + 0xb90n).toString(16)}`])];
    for (const layout of layouts) {
      const cases = await Promise.all(variants.map(async (v) => ({ v, bytes: await writeLayout({ facts: s.facts, pages: v.pages }, layout) })));
      const results = await runner.sweep(cases.length, (i) => ({
        job: { kind: 'dump', name: `${name}-${layout}-cyclic.dmp`, bytes: cases[i].bytes, symbols: SCENARIO_SYMBOLS, analyze: true, commands: [...BATTERY, ...extra], followStackCommand: true, keepText: true },
        info: { input: `scenario ${name} written as ${layout}`, mutation: cases[i].v.what },
      }));
      results.forEach((r, i) => {
        const { v } = cases[i];
        assert.ok(r.steps.some((x) => x.step === 'analyze' && x.outcome === 'result'), `${v.what}: !analyze gave no result: ${JSON.stringify(r.steps.find((x) => x.step === 'analyze'))}`);
        if (!v.expect) return;
        const said = [...(r.limitations ?? []), ...r.steps.map((x) => x.text ?? '')].join('\n');
        assert.match(said, v.expect, `${name} ${layout}, ${v.what}: no output says so`);
      });
    }
  });
}

test('ISF tables whose types contain themselves, nest without end or have absurd counts', async () => {
  const cases = isfTypeCases();
  await runner.sweep(cases.length, (i) => ({ job: { kind: 'symbols', name: 'self-ref.json', bytes: cases[i].bytes, types: cases[i].types }, info: { input: 'hand-written ISF table', mutation: cases[i].what } }));
});

test("the scenario kernel's PDB with type records that reference themselves: the PDB reader, and !analyze, dt and the battery through it", async () => {
  const good = new Uint8Array(readFileSync(join(SCENARIO_SYMBOLS, 'ntkrnlmp.pdb')));
  const cases = pdbTypeCases(good, ['_EPROCESS', '_KTHREAD', '_POOL_HEADER', '_UNICODE_STRING']);
  assert.ok(cases.length >= 14, `only ${cases.length} PDB variants`);
  assert.ok(cases.some((c) => c.what.startsWith('_LIST_ENTRY')), 'no _LIST_ENTRY variant: its definition was not found');
  await runner.sweep(cases.length, (i) => ({ job: { kind: 'symbols', name: 'ntkrnlmp.pdb', bytes: cases[i].bytes, types: cases[i].types, typeLimit: 400 }, info: { input: 'fixtures/scenario/bin/ntkrnlmp.pdb', mutation: cases[i].what } }));
  // The same PDBs as the kernel's symbols of the sample scenario: each in its own symbol directory.
  const dump = await scenarioDump('0x50', 'kernel-bitmap');
  const dirs = cases.map((c, i) => {
    const dir = join(scratch, `pdb-${i}`);
    mkdirSync(dir, { recursive: true });
    for (const f of readdirSync(SCENARIO_SYMBOLS)) copyFileSync(join(SCENARIO_SYMBOLS, f), join(dir, f));
    writeFileSync(join(dir, 'ntkrnlmp.pdb'), c.bytes);
    return dir;
  });
  const commands = [...BATTERY, 'dt nt!_LIST_ENTRY', 'dt -r3 nt!_EPROCESS @$proc', 'dt nt!_KTHREAD @$thread', '!process 0 7'];
  await runner.sweep(cases.length, (i) => ({ job: { kind: 'dump', name: '0x50-kernel-bitmap.dmp', bytes: dump, symbols: dirs[i], analyze: true, commands, followStackCommand: true }, info: { input: `scenario 0x50 (kernel-bitmap) with -y ${dirs[i]}`, mutation: `ntkrnlmp.pdb: ${cases[i].what}` } }));
});

test('memory stayed bounded with cyclic lists and self-referencing types', (t) => assertMemoryBounded('cycles', t));
