// Writes one crash scenario (src/scenario) as a dump file, in any layout dumpscope writes:
//   node --import tsx scripts/make-scenario.ts --bugcheck 0x7e --layout triage|full|kernel-bitmap|full-bitmap
//        [--threads N] [--physical-size 16G] [--force] OUT
// Built from the committed binaries in fixtures/scenario/bin, so the same arguments give the same bytes.
// A triage dump is made the way `dumpscope convert --to triage` makes one: from a full dump of the scenario.
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseSize } from '../src/cli/commands/convert.js';
import { DumpscopeError } from '../src/io/errors.js';
import { writeScenarioDump } from '../src/node/scenario-files.js';
import { SCENARIOS, type ScenarioName } from '../src/scenario/scenarios.js';

const LAYOUTS = ['triage', 'full', 'kernel-bitmap', 'full-bitmap', 'full32'] as const;
const USAGE = `usage: node --import tsx scripts/make-scenario.ts --bugcheck ${SCENARIOS.join('|')} --layout ${LAYOUTS.join('|')} [--threads N] [--physical-size SIZE] [--force] OUT`;

function fail(message: string): never {
  process.stderr.write(`make-scenario: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseArgs(argv: string[]) {
  let bugcheck: ScenarioName | undefined;
  let layout: (typeof LAYOUTS)[number] | undefined;
  let threads: number | undefined;
  let physicalPages: number | undefined;
  let force = false;
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
    } else if (a === '-f' || a === '--force') {
      force = true;
    } else if (a === '-h' || a === '--help') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (a.startsWith('-')) fail(`unknown option ${a}`);
    else rest.push(a);
  }
  if (!bugcheck) fail('--bugcheck is required');
  if (!layout) fail('--layout is required');
  if (rest.length !== 1) fail('need exactly one OUT file');
  if (physicalPages !== undefined && (layout === 'full' || layout === 'full32' || layout === 'triage')) fail(`--physical-size applies to the bitmap layouts; a ${layout} dump has no bitmap`);
  return { bugcheck, layout, threads, physicalPages, force, out: rest[0] };
}

const o = parseArgs(process.argv.slice(2));
// OUT like convert's: its directory must exist, and an existing file is replaced only with --force.
const outDir = dirname(resolve(o.out));
const dirStat = await stat(outDir).catch(() => undefined);
if (!dirStat?.isDirectory()) fail(`cannot write ${o.out}: ${dirStat ? `${outDir} is not a directory` : `the directory ${outDir} does not exist`}`);
const outStat = await stat(o.out).catch(() => undefined);
if (outStat?.isDirectory()) fail(`cannot write ${o.out}: it is a directory (give a file name for OUT)`);
if (outStat && !o.force) fail(`${o.out} exists: refusing to replace it (add --force to overwrite)`);
try {
  const s = await writeScenarioDump(o.bugcheck, o.layout, o.out, { extraThreads: o.threads, physicalPages: o.physicalPages });
  const what = o.layout === 'triage' ? `${s.size} bytes` : `${s.pages.size} pages`;
  process.stdout.write(`wrote ${o.out}: ${s.description}, ${o.layout}, ${what}\n`);
} catch (e) {
  // Expected failures (file system, the writer's own checks) in words, never a stack trace.
  const code = (e as NodeJS.ErrnoException).code;
  if (e instanceof DumpscopeError || code) {
    process.stderr.write(`make-scenario: cannot write ${o.out}: ${(e as Error).message}\n`);
    process.exit(1);
  }
  throw e;
}
