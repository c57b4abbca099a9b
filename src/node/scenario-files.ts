// Reads the committed scenario binaries (fixtures/scenario/bin) and writes scenario dumps to files.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type WriteLayout, writeKernelDump } from '../formats/kernel-dump/writer.js';
import type { ScenarioBinaries } from '../scenario/kernel-scenario.js';
import { buildScenario, type BuiltScenario, type ScenarioName } from '../scenario/scenarios.js';
import { FileSink } from './file-sink.js';

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

export async function writeScenarioDump(name: ScenarioName, layout: WriteLayout, path: string, opts: { physicalPages?: number; extraThreads?: number } = {}): Promise<BuiltScenario> {
  const s = await buildScenario(name, await readScenarioBinaries(), { extraThreads: opts.extraThreads });
  const sink = await FileSink.create(path);
  await writeKernelDump(sink, s.facts, s.pages, { layout, physicalPages: opts.physicalPages });
  await sink.commit();
  return s;
}
