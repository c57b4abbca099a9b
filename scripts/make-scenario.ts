// Writes one crash scenario (src/scenario) as a dump file, in any layout dumpscope writes:
//   node --import tsx scripts/make-scenario.ts --bugcheck 0x7e --layout triage|full|kernel-bitmap|full-bitmap
//        [--threads N] [--physical-size 16G] OUT
// Built from the committed binaries in fixtures/scenario/bin, so the same arguments give the same bytes.
// A triage dump is made the way `dumpscope convert --to triage` makes one: from a full dump of the scenario.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSize } from '../src/cli/commands/convert.js';
import { convertCommand } from '../src/cli/commands/convert.js';
import type { WriteLayout } from '../src/formats/kernel-dump/writer.js';
import { scenarioBinDir, writeScenarioDump } from '../src/node/scenario-files.js';
import { SCENARIOS, type ScenarioName } from '../src/scenario/scenarios.js';

const LAYOUTS = ['triage', 'full', 'kernel-bitmap', 'full-bitmap'] as const;
const USAGE = `usage: node --import tsx scripts/make-scenario.ts --bugcheck ${SCENARIOS.join('|')} --layout ${LAYOUTS.join('|')} [--threads N] [--physical-size SIZE] OUT`;

function fail(message: string): never {
  process.stderr.write(`make-scenario: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseArgs(argv: string[]) {
  let bugcheck: ScenarioName | undefined;
  let layout: (typeof LAYOUTS)[number] | undefined;
  let threads: number | undefined;
  let physicalPages: number | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => argv[++i] ?? fail(`${a} needs a value`);
    if (a === '--bugcheck') {
      // 0x7E, 7e and 0x0000007e name the same scenario.
      const n = Number.parseInt(value().replace(/^0x/i, ''), 16);
      bugcheck = SCENARIOS.find((s) => Number.parseInt(s, 16) === n) ?? fail(`no scenario for bugcheck ${argv[i]} (there are ${SCENARIOS.join(', ')})`);
    } else if (a === '--layout') {
      const l = value();
      layout = (LAYOUTS as readonly string[]).includes(l) ? (l as (typeof LAYOUTS)[number]) : fail(`--layout must be one of ${LAYOUTS.join(', ')}`);
    } else if (a === '--threads') {
      const t = value();
      threads = /^\d+$/.test(t) && Number(t) <= 100_000 ? Number(t) : fail(`--threads wants a count of extra waiting threads (0 to 100000), not '${t}'`);
    } else if (a === '--physical-size') {
      try {
        physicalPages = parseSize(value());
      } catch (e) {
        fail((e as Error).message);
      }
    } else if (a === '-h' || a === '--help') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (a.startsWith('-')) fail(`unknown option ${a}`);
    else rest.push(a);
  }
  if (!bugcheck) fail('--bugcheck is required');
  if (!layout) fail('--layout is required');
  if (rest.length !== 1) fail('need exactly one OUT file');
  if (physicalPages !== undefined && (layout === 'full' || layout === 'triage')) fail(`--physical-size applies to the bitmap layouts; a ${layout} dump has no bitmap`);
  return { bugcheck, layout, threads, physicalPages, out: rest[0] };
}

const o = parseArgs(process.argv.slice(2));
if (o.layout === 'triage') {
  const dir = await mkdtemp(join(tmpdir(), 'make-scenario-'));
  try {
    const full = join(dir, 'full.dmp');
    await writeScenarioDump(o.bugcheck, 'full', full, { extraThreads: o.threads });
    const io = { out: (t: string) => process.stdout.write(`${t}\n`), err: (t: string) => process.stderr.write(`${t}\n`), stderrIsTty: false, env: {} };
    const code = await convertCommand.run([full, o.out, '--to', 'triage', '--force', '-y', scenarioBinDir(), '--offline'], io);
    if (code !== 0) process.exit(code);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
} else {
  const s = await writeScenarioDump(o.bugcheck, o.layout as WriteLayout, o.out, { extraThreads: o.threads, physicalPages: o.physicalPages });
  process.stdout.write(`wrote ${o.out}: ${s.description}, ${o.layout}, ${s.pages.size} pages\n`);
}
