// Runs fuzz cases in a worker thread, so the test process can stop one that hangs (even in a synchronous
// loop) or runs out of memory, and report which input and which step did it. Each case goes through the
// same code the CLI runs: open, info, the session, !analyze and debugger commands, or a format's reader.
import { parentPort } from 'node:worker_threads';
import { analyzeWithDisplay } from '../../src/commands/builtin/analyze.js';
import type { CommandSpec } from '../../src/commands/command.js';
import { createEngine } from '../../src/commands/registry.js';
import { extractCab } from '../../src/formats/cab/cab.js';
import { openIsf } from '../../src/formats/isf/open-isf.js';
import { describeKernelDump, describeMinidump } from '../../src/formats/kernel-dump/describe.js';
import type { KernelDump } from '../../src/formats/kernel-dump/kernel-dump.js';
import { openDump } from '../../src/formats/open-dump.js';
import { PdbFile } from '../../src/formats/pdb/pdb.js';
import { isReproducibleBuild, readExports, readImports, readVersionInfo } from '../../src/formats/pe/pe-directories.js';
import { PeImage } from '../../src/formats/pe/pe-image.js';
import { decodeXz } from '../../src/formats/xz/xz.js';
import { BufferSource } from '../../src/io/buffer-source.js';
import { DumpscopeError } from '../../src/io/errors.js';
import { PageCache } from '../../src/io/page-cache.js';
import { analysisJsonText } from '../../src/render/analysis-json.js';
import { renderAnalysisMarkdown } from '../../src/render/analysis-markdown.js';
import { renderAnalysisText } from '../../src/render/analysis.js';
import { renderDumpInfo } from '../../src/render/dump-info.js';
import { renderTypeLayout, typeLayout } from '../../src/symbols/layout.js';
import { sniffSymbolFile } from '../../src/symbols/symbol-file-kind.js';
import type { SymbolSource } from '../../src/symbols/symbol-source.js';
import { type Type, typeName } from '../../src/symbols/types.js';
import { convertKernelDump, layoutFor } from '../../src/formats/kernel-dump/convert.js';
import { openKernelDump } from '../../src/formats/kernel-dump/kernel-dump.js';
import { writeTriageDump } from '../../src/formats/kernel-dump/triage-writer.js';
import { MemorySink, writeKernelDump } from '../../src/formats/kernel-dump/writer.js';
import type { KernelTarget } from '../../src/target/kernel-target.js';
import { triageContent } from '../../src/target/triage-export.js';
import { fullFromTriage } from '../../src/target/triage-import.js';
import type { ConvertTo, FuzzJob, FuzzResult, StepResult, WorkerMessage } from './fuzz-jobs.js';
import { CachedSymbols, sessionFor } from './fuzz-session.js';

/**
 * Messages of JavaScript's own errors. The program catches many failures and reports their message as a
 * limitation or note ("unloaded drivers unreadable: …"); when that message is the engine's, a TypeError
 * or RangeError was swallowed, which is a bug just like one that escapes.
 */
const ENGINE_MESSAGE =
  /Cannot read propert|Cannot set propert|is not a function|is not iterable|is not a constructor|Invalid array length|Invalid typed array length|Invalid string length|Maximum call stack|outside the bounds of the DataView|Offset is outside|Cannot convert .{1,40} to a BigInt|Cannot mix BigInt|Array buffer allocation failed|Reduce of empty array|toString\(\) radix/;
/** A clear message names what and where: never NaN, an unprinted object or a missing value. */
const UNCLEAR = /\bNaN\b|\[object \w+\]|\bundefined\b/;

class Bug extends Error {}

let current = 0;
const symbolPaths = new Map<string, CachedSymbols>();
const engine = createEngine();

function post(m: WorkerMessage): void {
  parentPort?.postMessage(m);
}

function checkText(what: string, text: string): void {
  const m = ENGINE_MESSAGE.exec(text);
  if (m) throw new Bug(`${what} carries a JavaScript engine error message (a swallowed exception): …${text.slice(Math.max(0, m.index - 120), m.index + 120)}…`);
  if (/\bNaN\b/.test(text)) throw new Bug(`${what} prints NaN: …${text.slice(Math.max(0, text.search(/\bNaN\b/) - 120), text.search(/\bNaN\b/) + 60)}…`);
}

/** Runs the steps of one job; the first bug ends it. */
class Steps {
  readonly steps: StepResult[] = [];
  bug?: FuzzResult['bug'];
  limitations?: string[];

  constructor(private readonly keepText = false) {}

  async run<T>(step: string, f: () => Promise<T>): Promise<T | undefined> {
    if (this.bug) return undefined;
    post({ id: current, started: step });
    const t0 = performance.now();
    try {
      const v = await f();
      this.steps.push({ step, ms: performance.now() - t0, outcome: 'result', ...(this.keepText && typeof v === 'string' ? { text: v.slice(0, 20000) } : {}) });
      return v;
    } catch (e) {
      const ms = performance.now() - t0;
      if (e instanceof DumpscopeError && !(e instanceof Bug)) {
        const bad = ENGINE_MESSAGE.test(e.message) || UNCLEAR.test(e.message) || e.message.trim().length < 8;
        if (!bad) {
          this.steps.push({ step, ms, outcome: 'error', message: e.message });
          return undefined;
        }
        this.bug = { step, error: `unclear ${e.name}: ${e.message}`, stack: e.stack };
      } else {
        const err = e as Error;
        this.bug = { step, error: e instanceof Bug ? err.message : `${err?.name ?? typeof e}: ${err?.message ?? String(e)}`, stack: err?.stack };
      }
      this.steps.push({ step, ms, outcome: 'bug', message: this.bug.error });
      return undefined;
    }
  }
}

/** Parsed symbol files are kept for the few most recent symbol paths (a sweep may use one per case). */
const MAX_SYMBOL_PATHS = 4;

function symbolsFor(path: string): CachedSymbols {
  let s = symbolPaths.get(path);
  if (!s) {
    s = new CachedSymbols(path);
    symbolPaths.set(path, s);
    for (const [old, o] of symbolPaths) {
      if (symbolPaths.size <= MAX_SYMBOL_PATHS) break;
      symbolPaths.delete(old);
      void o.close();
    }
  }
  return s;
}

/** Runs one debugger command as the engine does, but keeps the exception (the engine turns it into a line). */
async function command(session: Parameters<CommandSpec['run']>[0], text: string, suggested = false): Promise<string> {
  const found = engine.resolve(text);
  // The battery is ours: an unknown name there is a mistake in the test. A command the analysis suggests
  // but the engine lacks is a gap the scenario tests report, not a failure on hostile input.
  if (!found && suggested) throw new DumpscopeError(`'${text}' is not a command this engine knows`, 'UNKNOWN_COMMAND');
  if (!found) throw new Bug(`the command engine does not know '${text}'`);
  const result = await found.spec.run(session, found.args, found.name, new AbortController().signal);
  const out = found.spec.renderText(result);
  checkText(text, out);
  return out;
}

async function dumpJob(job: Extract<FuzzJob, { kind: 'dump' }>, s: Steps): Promise<void> {
  const source = new PageCache(new BufferSource(job.bytes, job.name));
  const d = await s.run('open', () => openDump(source));
  if (!d) return;
  await s.run('info', async () => {
    const info = d.format === 'kernel' ? describeKernelDump(d) : describeMinidump(d, job.name, job.bytes.length);
    checkText('info', renderDumpInfo(info));
    checkText('info --json', JSON.stringify(info));
  });
  if (d.format !== 'kernel' || (!job.analyze && !job.convert)) return;
  const symbols = job.symbols ? symbolsFor(job.symbols) : new CachedSymbols('');
  const opened = await s.run('session', () => sessionFor(d as KernelDump, symbols));
  if (!opened) return;
  const report = !job.analyze ? undefined : await s.run('analyze', async () => {
    const r = await analyzeWithDisplay(opened.session);
    checkText('analyze', renderAnalysisText(r));
    checkText('analyze --json', analysisJsonText(r));
    checkText('analyze --markdown', renderAnalysisMarkdown(r));
    s.limitations = r.limitations;
    return r;
  });
  for (const c of job.commands ?? []) await s.run(`command '${c}'`, () => command(opened.session, c));
  for (const to of job.convert ?? []) await s.run(`convert --to ${to}`, () => convertTo(opened.target, to));
  if (!job.followStackCommand || !report?.stackCommand) return;
  for (const c of report.stackCommand.split(';').map((x) => x.trim()).filter(Boolean)) await s.run(`command '${c}'`, () => command(opened.session, c, true));
  for (const c of (job.commands ?? []).filter((x) => x.includes('@r'))) await s.run(`command '${c}'`, () => command(opened.session, c));
}

/** What `dumpscope convert` does for each direction, into memory; the result must open again and describe itself. */
async function convertTo(target: KernelTarget, to: ConvertTo): Promise<string> {
  const d = target.dump;
  const sink = new MemorySink();
  if (to === 'triage') {
    if (d.triage) return 'already a small dump';
    const { facts, content } = await triageContent(target);
    await writeTriageDump(sink, facts, content);
  } else if (d.triage) {
    const { facts, pages, ranges } = await fullFromTriage(target);
    await writeKernelDump(sink, facts, pages, { layout: to, trailer: { notes: [], ranges } });
  } else {
    await convertKernelDump(d, sink, { layout: layoutFor(d, to) });
  }
  const bytes = sink.toBytes();
  const again = await openKernelDump(new PageCache(new BufferSource(bytes, `${to}.dmp`)));
  const text = renderDumpInfo(describeKernelDump(again));
  checkText(`info of the ${to} dump`, text);
  return text;
}

async function peJob(job: Extract<FuzzJob, { kind: 'pe' }>, s: Steps): Promise<void> {
  const b = job.bytes;
  const pe = await s.run('headers', () => PeImage.open(async (o, n) => (o >= 0 && n >= 0 && o + n <= b.length ? b.subarray(o, o + n) : undefined), false, job.name));
  if (!pe) return;
  await s.run('codeview', () => pe.codeView());
  await s.run('exports', () => readExports(pe));
  await s.run('imports', () => readImports(pe));
  await s.run('version resource', () => readVersionInfo(pe));
  await s.run('reproducible', () => isReproducibleBuild(pe));
  const fns = await s.run('.pdata', () => pe.runtimeFunctions());
  await s.run('unwind info', async () => {
    for (const fn of (fns ?? []).slice(0, 256)) await pe.unwindInfo(fn);
    for (const fn of (fns ?? []).slice(0, 64)) await pe.functionAt(fn.begin + 1);
  });
}

/** Touches what dt and `dumpscope pdb --type` touch: names, sizes, fields, targets, to a bounded depth. */
function touchType(t: Type, depth: number, seen: Set<Type>): void {
  if (seen.has(t) || seen.size > 20000) return;
  seen.add(t);
  void t.size;
  checkText('type name', typeName(t));
  if (depth <= 0) return;
  switch (t.kind) {
    case 'udt':
      for (const f of t.fields.slice(0, 512)) touchType(f.type, depth - 1, seen);
      break;
    case 'pointer':
      touchType(t.target, depth - 1, seen);
      break;
    case 'array':
      touchType(t.element, depth - 1, seen);
      break;
    case 'enum':
      touchType(t.base, depth - 1, seen);
      break;
    case 'function':
      touchType(t.returnType, depth - 1, seen);
      for (const p of t.params.slice(0, 64)) touchType(p, depth - 1, seen);
      break;
  }
}

async function sourceQueries(src: SymbolSource, s: Steps, typeLimit: number, first: string[] = []): Promise<void> {
  const syms = await s.run('symbols', () => src.symbols());
  await s.run('lookups', async () => {
    for (const sym of (syms ?? []).slice(0, 32)) {
      await src.lookup(sym.name);
      await src.symbolAt(sym.rva + 1);
    }
    await src.symbolAt(0x1010);
  });
  const names = await s.run('type names', () => src.typeNames());
  await s.run('type layouts', async () => {
    const seen = new Set<Type>();
    for (const n of [...first, ...(names ?? []).slice(0, typeLimit)]) {
      const t = await src.findType(n);
      if (!t) continue;
      touchType(t, 3, seen);
      checkText(`layout of ${n}`, renderTypeLayout(typeLayout(t)));
    }
  });
}

async function symbolsJob(job: Extract<FuzzJob, { kind: 'symbols' }>, s: Steps): Promise<void> {
  const kind = sniffSymbolFile(job.bytes.subarray(0, 64));
  const limit = job.typeLimit ?? 400;
  if (kind === 'pdb') {
    const pdb = await s.run('msf', () => PdbFile.open(new PageCache(new BufferSource(job.bytes, job.name), { maxBytes: 32 << 20 })));
    if (!pdb) return;
    await s.run('identity', async () => checkText('identity', `${pdb.guid} ${pdb.dbiAge} ${pdb.infoAge} ${pdb.machine}`));
    await s.run('sections', () => pdb.sections());
    await s.run('publics', () => pdb.publics());
    await s.run('modules', async () => {
      pdb.sectionContributions();
      for (const m of pdb.modules().slice(0, 16)) await pdb.moduleSymbols(m);
    });
    await s.run('globals', () => pdb.globals());
    await s.run('private symbols', () => pdb.privateSymbols());
    await s.run('type definitions', async () => {
      const types = await pdb.types();
      const seen = new Set<Type>();
      for (const d of types.definitionList().slice(0, limit)) touchType(types.type(d.ti), 3, seen);
    });
    await sourceQueries(pdb, s, limit, job.types);
    return;
  }
  const isf = await s.run('isf', async () => openIsf(job.bytes, job.name));
  if (isf) await sourceQueries(isf, s, limit, job.types);
}

async function runJob(job: FuzzJob): Promise<FuzzResult> {
  const s = new Steps(job.kind === 'dump' && job.keepText);
  const t0 = performance.now();
  switch (job.kind) {
    case 'dump':
      await dumpJob(job, s);
      break;
    case 'pe':
      await peJob(job, s);
      break;
    case 'symbols':
      await symbolsJob(job, s);
      break;
    case 'xz':
      await s.run('xz', async () => decodeXz(job.bytes, { maxOutput: 1 << 26 }));
      break;
    case 'cab':
      await s.run('cab', async () => extractCab(job.bytes, { maxOutput: 1 << 26 }));
      break;
  }
  return { steps: s.steps, bug: s.bug, ms: performance.now() - t0, limitations: s.limitations };
}

parentPort?.on('message', async (m: { id: number; job: FuzzJob }) => {
  current = m.id;
  let result: FuzzResult;
  try {
    result = await runJob(m.job);
  } catch (e) {
    result = { steps: [], bug: { step: 'worker', error: String(e), stack: (e as Error)?.stack }, ms: 0 };
  }
  post({ id: m.id, result });
});
