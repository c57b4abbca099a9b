// Test helper: a scenario crash restated under another bugcheck code and arguments (the scenario's memory
// unchanged, or patched by the test), written as a full dump and analyzed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeWithDisplay } from '../../src/commands/builtin/analyze.js';
import { writeKernelDump } from '../../src/formats/kernel-dump/writer.js';
import { FileSink } from '../../src/node/file-sink.js';
import { openSession } from '../../src/node/open-session.js';
import { readScenarioBinaries, scenarioBinDir } from '../../src/node/scenario-files.js';
import { type BuiltScenario, buildScenario, type ScenarioName } from '../../src/scenario/scenarios.js';
import { assertClaimsComplete } from './claims-check.js';

export const io = { out: () => {}, err: () => {}, stderrIsTty: false, env: {} };
export const scenarioOpts = { sympath: scenarioBinDir(), offline: true, json: false, markdown: false, commands: [], rest: [] };

const dir = mkdtempSync(join(tmpdir(), 'dumpscope-analysis-'));
let n = 0;
/** Removes the dumps written so far (call from `after`). */
export function cleanup(): void {
  rmSync(dir, { recursive: true, force: true });
}

const built = new Map<ScenarioName, Promise<BuiltScenario>>();
/** The scenario as built (memory and facts), shared between tests: copy pages before changing them. */
export async function scenario(name: ScenarioName): Promise<BuiltScenario> {
  let p = built.get(name);
  if (!p) {
    p = readScenarioBinaries().then((b) => buildScenario(name, b));
    built.set(name, p);
  }
  return p;
}

/** Writes `pages` with the scenario's facts under `code`/`args` as a full dump; returns its path. */
export async function writeRestated(s: BuiltScenario, code: number, args: bigint[], pages = s.pages): Promise<string> {
  const path = join(dir, `restated-${n++}-${code.toString(16)}.dmp`);
  const sink = await FileSink.create(path);
  await writeKernelDump(sink, { ...s.facts, bugcheckCode: code, bugcheckArgs: args }, pages, { layout: 'full' });
  await sink.commit();
  return path;
}

/** The analysis of a dump (with the scenario binaries as symbols). */
export async function analysisOf(path: string, sympath = scenarioOpts.sympath) {
  const { session, target, close } = await openSession(path, { ...scenarioOpts, sympath }, io);
  try {
    return { report: assertClaimsComplete(await analyzeWithDisplay(session), path), target };
  } finally {
    await close();
  }
}

/** Restates scenario `name` under `code`/`args` and analyzes it. */
export async function restated(name: ScenarioName, code: number, args: bigint[]) {
  return (await analysisOf(await writeRestated(await scenario(name), code, args))).report;
}

/** Where a field of a kernel structure lies (offset, bit position and width), from the scenario kernel's types. */
export async function fieldOf(name: ScenarioName, type: string, path: string) {
  const { target, close } = await openSession(await writeRestated(await scenario(name), (await scenario(name)).facts.bugcheckCode, (await scenario(name)).facts.bugcheckArgs), scenarioOpts, io);
  try {
    const kt = await target.kernelTypes();
    const { resolveField } = await import('../../src/target/struct-view.js');
    const f = resolveField(await kt!.struct(type), path);
    if (!f) throw new Error(`${type} has no ${path}`);
    return f;
  } finally {
    await close();
  }
}

/**
 * A copy of the scenario's pages with bytes written at virtual addresses, translated through the dump's
 * own page tables (each patch stays inside one page). `read` gives the patcher the original bytes.
 */
export async function patchPages(name: ScenarioName, patches: (read: (va: bigint, n: number) => Promise<Uint8Array>, resolve: (symbol: string) => Promise<bigint>) => Promise<{ va: bigint; bytes: Uint8Array }[]>): Promise<Map<number, Uint8Array>> {
  const s = await scenario(name);
  const { target, close } = await openSession(await writeRestated(s, s.facts.bugcheckCode, s.facts.bugcheckArgs), scenarioOpts, io);
  try {
    const list = await patches(
      (va, n) => target.memory.read(va, n),
      async (sym) => {
        const a = await target.resolveSymbol(sym);
        if (a === undefined) throw new Error(`no symbol ${sym}`);
        return a;
      },
    );
    const pages = new Map(s.pages);
    for (const { va, bytes } of list) {
      const tr = await target.translate(va);
      if (tr?.pa === undefined || ((va & 0xfffn) + BigInt(bytes.length)) > 0x1000n) throw new Error(`cannot patch ${va.toString(16)}`);
      const pfn = Math.floor(tr.pa / 0x1000);
      const page = new Uint8Array(pages.get(pfn) ?? new Uint8Array(0x1000));
      page.set(bytes, tr.pa % 0x1000);
      pages.set(pfn, page);
    }
    return pages;
  } finally {
    await close();
  }
}

export function u64le(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  return b;
}

/** Bytes of the scenario's memory at a virtual address (through the dump, as any reader would see them). */
export async function readScenario(name: ScenarioName, va: bigint, n: number): Promise<Uint8Array> {
  const s = await scenario(name);
  const { target, close } = await openSession(await writeRestated(s, s.facts.bugcheckCode, s.facts.bugcheckArgs), scenarioOpts, io);
  try {
    return await target.memory.read(va, n);
  } finally {
    await close();
  }
}
