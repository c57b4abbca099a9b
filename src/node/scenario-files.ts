// Reads the committed scenario binaries (fixtures/scenario/bin) and writes scenario dumps to files.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openKernelDump } from '../formats/kernel-dump/kernel-dump.js';
import { writeTriageDump } from '../formats/kernel-dump/triage-writer.js';
import { MemorySink, type WriteLayout, writeKernelDump } from '../formats/kernel-dump/writer.js';
import { BufferSource } from '../io/buffer-source.js';
import { parseSymbolPath } from '../symbols/symbol-path.js';
import { KernelTarget } from '../target/kernel-target.js';
import { triageContent } from '../target/triage-export.js';
import type { ScenarioBinaries } from '../scenario/kernel-scenario.js';
import { buildScenario, type BuiltScenario, type ScenarioName } from '../scenario/scenarios.js';
import { FileSink } from './file-sink.js';
import { SymbolStore } from './symbol-store.js';

/** fixtures/scenario/bin of the repository or the installed package (found above this module's folder). */
export function scenarioBinDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, 'fixtures', 'scenario', 'bin');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'scenario', 'bin');
}

export async function readScenarioBinaries(dir = scenarioBinDir()): Promise<ScenarioBinaries> {
  const out: ScenarioBinaries = new Map();
  for (const f of await readdir(dir)) out.set(f, new Uint8Array(await readFile(join(dir, f))));
  return out;
}

/** A scenario layout: one the writer has, or a small dump made as `convert --to triage` makes one. */
export type ScenarioFileLayout = WriteLayout | 'triage';

/**
 * Writes a scenario dump to `path` through a FileSink: committed when whole, removed on any error. A triage
 * dump is cut from the scenario's full dump through the kernel model, with the scenario's own symbols.
 */
export async function writeScenarioDump(name: ScenarioName, layout: ScenarioFileLayout, path: string, opts: { physicalPages?: number; extraThreads?: number } = {}): Promise<BuiltScenario & { size: number }> {
  const s = await buildScenario(name, await readScenarioBinaries(), { extraThreads: opts.extraThreads });
  const triage = layout === 'triage' ? await triageOf(s) : undefined;
  const sink = await FileSink.create(path);
  try {
    const size = triage ? await writeTriageDump(sink, triage.facts, triage.content) : (await writeKernelDump(sink, s.facts, s.pages, { layout: layout as WriteLayout, physicalPages: opts.physicalPages })).size;
    await sink.commit();
    return { ...s, size };
  } catch (e) {
    await sink.abort();
    throw e;
  }
}

async function triageOf(s: BuiltScenario): Promise<Awaited<ReturnType<typeof triageContent>>> {
  const full = new MemorySink();
  await writeKernelDump(full, s.facts, s.pages, { layout: 'full' });
  const symbols = new SymbolStore(parseSymbolPath(scenarioBinDir()), { offline: true, defaultCache: join(scenarioBinDir(), '.no-cache'), env: {} });
  try {
    const target = new KernelTarget(await openKernelDump(new BufferSource(full.toBytes(), 'scenario.dmp')), symbols);
    await target.init();
    return await triageContent(target);
  } finally {
    await symbols.close();
  }
}
