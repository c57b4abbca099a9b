// The inputs fuzz cases start from: scenario dumps in every layout the writer has (built here, in memory,
// from fixtures/scenario/bin), a scenario shrunk to a small dump as `convert --to triage` does, the real
// files of ../shared/corpus, and where each dump keeps its memory pages.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTriageDump } from '../../src/formats/kernel-dump/triage-writer.js';
import { MemorySink, type WriteLayout, writeKernelDump } from '../../src/formats/kernel-dump/writer.js';
import { readScenarioBinaries, scenarioBinDir } from '../../src/node/scenario-files.js';
import { type BuiltScenario, buildScenario, type ScenarioName } from '../../src/scenario/scenarios.js';
import { triageContent } from '../../src/target/triage-export.js';
import { corpus } from './corpus.js';
import { CachedSymbols, openBytes } from './fuzz-session.js';
import { PAGE } from './fuzz-mutate.js';

/** `-y fixtures/scenario/bin`: the scenario kernel's and drivers' images and PDBs. */
export const SCENARIO_SYMBOLS = scenarioBinDir();
/** `-y ../shared/corpus/symbols;../shared/corpus/isf`: the corpus store and nt's ISF table. */
export const CORPUS_SYMBOLS = `${corpus('symbols')};${corpus('isf')}`;

export type ScenarioLayout = WriteLayout | 'triage';

const built = new Map<string, Promise<BuiltScenario>>();

/** A scenario's memory and facts, built once per process (and extra waiting threads per request). */
export function scenario(name: ScenarioName, extraThreads = 2): Promise<BuiltScenario> {
  const key = `${name}/${extraThreads}`;
  let p = built.get(key);
  if (!p) {
    p = readScenarioBinaries().then((bins) => buildScenario(name, bins, { extraThreads }));
    built.set(key, p);
  }
  return p;
}

/** Writes a page set in a layout (the writer's), or as a small dump built through the kernel model. */
export async function writeLayout(s: Pick<BuiltScenario, 'facts' | 'pages'>, layout: ScenarioLayout): Promise<Uint8Array> {
  const sink = new MemorySink();
  if (layout !== 'triage') {
    await writeKernelDump(sink, s.facts, s.pages, { layout });
    return sink.toBytes();
  }
  // As `convert --to triage` does: the full dump opened with the scenario's symbols, then its crash kept.
  const full = await writeLayout(s, 'full');
  const symbols = new CachedSymbols(SCENARIO_SYMBOLS);
  try {
    const { target } = await openBytes(full, 'scenario.dmp', symbols);
    const { facts, content } = await triageContent(target);
    await writeTriageDump(sink, facts, content);
    return sink.toBytes();
  } finally {
    await symbols.close();
  }
}

export async function scenarioDump(name: ScenarioName, layout: ScenarioLayout, extraThreads = 2): Promise<Uint8Array> {
  return writeLayout(await scenario(name, extraThreads), layout);
}

const u32 = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset, b.length).getUint32(o, true);

/**
 * The file range holding a dump's memory pages: after the header (full layouts) or from FirstPage (bitmap
 * layouts). Damage confined to it leaves every header and the bitmap intact, so the analysis runs.
 */
export function memoryPages(b: Uint8Array): { start: number; end: number } {
  const sig = new TextDecoder('latin1').decode(b.subarray(0, 8));
  if (sig === 'PAGEDUMP') return { start: 0x1000, end: b.length };
  const dumpType = u32(b, 0xf98);
  if (dumpType === 1) return { start: 0x2000, end: b.length };
  const first = Number(new DataView(b.buffer, b.byteOffset, b.length).getBigUint64(0x2020, true));
  if ((dumpType === 5 || dumpType === 6) && first % PAGE === 0 && first < b.length) return { start: first, end: b.length };
  throw new Error(`no memory pages in a dump of type ${dumpType}`);
}

export const corpusFile = (rel: string) => new Uint8Array(readFileSync(corpus(rel)));

/** Every file of a symbol-store folder in the corpus (`name/KEY/name`), as [path, bytes]. */
export function storeFiles(filter: (name: string) => boolean): { path: string; name: string }[] {
  const root = corpus('symbols');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter(filter)
    .sort()
    .flatMap((name) => readdirSync(join(root, name)).map((key) => ({ path: join(root, name, key, name), name })));
}

/** Whether gcab (the cabinet tool the CAB tests compare against) is installed. */
export function gcabMissing(): false | string {
  try {
    execFileSync('gcab', ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'gcab is not installed (apt install gcab)';
  }
}

/** An MSZIP-compressed cabinet of `files`, made by gcab (`gcab -c -z`). */
export function mszipCab(files: Record<string, Uint8Array>): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'dumpscope-fuzz-cab-'));
  try {
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
    execFileSync('gcab', ['-c', '-z', join(dir, 'out.cab'), ...Object.keys(files)], { cwd: dir, stdio: 'ignore' });
    return new Uint8Array(readFileSync(join(dir, 'out.cab')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The file names gcab lists in a cabinet (`gcab -l`), for checking where the CAB fields lie. */
export function gcabList(cab: Uint8Array): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'dumpscope-fuzz-cab-'));
  try {
    writeFileSync(join(dir, 'in.cab'), cab);
    return execFileSync('gcab', ['-l', join(dir, 'in.cab')], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
