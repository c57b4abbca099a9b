// Builds restated scenario dumps for the per-bugcheck family tests: the scenario kernel (its images, module
// list, System process, PRCBs) with a crashing thread whose stack is laid out from real unwind data, plus
// whatever structures a test writes. The stand-in kernel's PDB describes the structures the families read
// (_IRP, _DEVICE_OBJECT, _KDPC, _MMPFN, _EPROCESS.ExitStatus …, generated from the 19041 ISF), so its types
// come first; the corpus's ISF table fills in any type the PDB lacks.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnalysisReport } from '../../src/analysis/report.js';
import { analyzeWithDisplay } from '../../src/commands/builtin/analyze.js';
import { openIsf } from '../../src/formats/isf/open-isf.js';
import { PdbFile } from '../../src/formats/pdb/pdb.js';
import { writeKernelDump } from '../../src/formats/kernel-dump/writer.js';
import { BufferSource } from '../../src/io/buffer-source.js';
import { FileSink } from '../../src/node/file-sink.js';
import { openSession } from '../../src/node/open-session.js';
import { readScenarioBinaries, scenarioBinDir } from '../../src/node/scenario-files.js';
import { KernelScenario, type ThreadSpec, zeroRegisters } from '../../src/scenario/kernel-scenario.js';
import type { ChainFrame } from '../../src/scenario/stack-builder.js';
import { StructWriter } from '../../src/scenario/struct-writer.js';
import type { SymbolSource } from '../../src/symbols/symbol-source.js';
import type { Type, UdtType } from '../../src/symbols/types.js';
import { KernelTypes, resolveField } from '../../src/target/struct-view.js';
import type { X64Registers } from '../../src/target/x64-registers.js';
import { corpus } from './corpus.js';

export const LOADER_TAIL = ['PnpCallDriverEntry', 'IopLoadDriver', 'IopLoadUnloadDriver', 'ExpWorkerThread', 'PspSystemThreadStartup', 'KiStartSystemThread'];
const ISF_DIR = 'isf/ntkrnlmp.pdb';
const io = { out: () => {}, err: () => {}, stderrIsTty: false, env: {} };

/** The fields the family analyses read, by type: the scenario PDB must have them all to stand in for the ISF. */
const FAMILY_FIELDS: Record<string, string[]> = {
  _IRP: ['Type', 'Size', 'StackCount', 'CurrentLocation', 'Tail.Overlay.CurrentStackLocation'],
  _IO_STACK_LOCATION: ['MajorFunction', 'MinorFunction', 'DeviceObject', 'Parameters.Power.Type', 'Parameters.Power.State'],
  _DEVICE_OBJECT: ['Type', 'DriverObject', 'StackSize'],
  _DRIVER_OBJECT: ['Type', 'DriverStart', 'DriverSize', 'DriverName', 'MajorFunction'],
  _KDPC: ['Type', 'DpcListEntry.Next', 'DeferredRoutine'],
  _KDPC_DATA: ['DpcList.ListHead.Next', 'DpcQueueDepth'],
  _KPRCB: ['DpcData', 'CurrentDpcRoutine', 'DpcTimeCount', 'DpcTimeLimit'],
  _EPROCESS: ['ExitStatus'],
  _MMPFN: ['PteAddress', 'u2.ShareCount', 'u3.e2.ReferenceCount'],
};
const scenarioPdb = await PdbFile.open(new BufferSource(new Uint8Array(readFileSync(join(scenarioBinDir(), 'ntkrnlmp.pdb'))), 'ntkrnlmp.pdb'));
const missing: string[] = [];
for (const [type, fields] of Object.entries(FAMILY_FIELDS)) {
  const t = await scenarioPdb.findType(type);
  for (const f of fields) if (t?.kind !== 'udt' || !resolveField(t, f)) missing.push(`${type}.${f}`);
}

/** `false` when the scenario PDB or the corpus's 19041 ISF has the families' layouts, else the reason to skip. */
export function skipUnlessIsf(): false | string {
  if (!missing.length || existsSync(corpus(ISF_DIR))) return false;
  return `the scenario PDB lacks ${missing.join(', ')} and ../shared/corpus/${ISF_DIR} is not present`;
}

let isfValue: SymbolSource | undefined;
/** The 19041 ISF table, when the corpus has it. */
function corpusIsf(): SymbolSource | undefined {
  if (!isfValue && existsSync(corpus(ISF_DIR))) {
    const dir = corpus(ISF_DIR);
    const file = readdirSync(dir)[0];
    isfValue = openIsf(new Uint8Array(readFileSync(join(dir, file))), file);
  }
  return isfValue;
}

/** Types from the scenario PDB first, then the ISF (when the corpus has it); symbols from the PDB. */
function mergedSource(pdb: SymbolSource, without: string[] = []): SymbolSource {
  const isf = corpusIsf();
  return {
    kind: pdb.kind,
    description: `${pdb.description}${isf ? ` + ${isf.description}` : ''} types`,
    symbolAt: (rva) => pdb.symbolAt(rva),
    lookup: (name) => pdb.lookup(name),
    symbols: () => pdb.symbols(),
    findType: async (name) => hideFields((await pdb.findType(name)) ?? (await isf?.findType(name)), without),
    typeNames: async () => [...new Set([...(await pdb.typeNames()), ...((await isf?.typeNames()) ?? [])])],
  };
}

/** `t` without the fields named `Type.Field` in `without` (nt's types of a kernel that lacks them). */
function hideFields(t: Type | undefined, without: string[]): Type | undefined {
  if (t?.kind !== 'udt') return t;
  const drop = new Set(without.filter((w) => w.startsWith(`${t.name}.`)).map((w) => w.slice(t.name.length + 1)));
  return drop.size ? { kind: 'udt', udtKind: t.udtKind, name: t.name, size: t.size, fields: t.fields.filter((f) => !drop.has(f.name)) } : t;
}

/** The families' types: the scenario PDB's, else the ISF's (the name stays from when they all came from the ISF). */
export function isfSource(): SymbolSource {
  return mergedSource(scenarioPdb);
}

export interface CrashKernel {
  k: KernelScenario;
  regs: X64Registers;
  thread: ThreadSpec & { writer: StructWriter };
  frames: { fn: string; ip: bigint; sp: bigint; trapFrame?: bigint }[];
}

/**
 * The scenario kernel with `drivers` loaded and a crashing thread on `processor` whose stack is `chain`
 * (innermost first); a trap frame in the chain gets the interrupted rip.
 */
export async function crashKernel(drivers: string[], chain: (k: KernelScenario) => Promise<ChainFrame[]>, opts: { processor?: number; processors?: number } = {}): Promise<CrashKernel> {
  const k = new KernelScenario(await readScenarioBinaries(), opts.processors ?? 2);
  await k.init(drivers, 1);
  const p = opts.processor ?? 0;
  const thread = await k.addThread('ExpWorkerThread', 2);
  await k.setCurrentThread(p, thread.ethread);
  const frames = await k.stack(await chain(k), thread.stackBase - 0x1800n);
  const trapAt = frames.findIndex((f) => f.trapFrame !== undefined);
  if (trapAt >= 0) await k.trapRegisters(frames[trapAt].trapFrame!, { Rip: frames[trapAt + 1].ip, ErrorCode: 0n });
  const regs = { ...zeroRegisters(), rip: frames[0].ip, rsp: frames[0].sp };
  await k.setProcessorContext(p, regs);
  thread.writer.set('Tcb.KernelStack', frames[0].sp);
  if (trapAt >= 0) thread.writer.set('Tcb.TrapFrame', frames[trapAt].trapFrame!);
  return { k, regs, thread, frames };
}

/** A structure written by field name with the families' layout (isfSource), at `address` or in fresh scenario memory. */
export async function isfStruct(k: KernelScenario, typeName: string, address?: bigint): Promise<StructWriter> {
  const t = (await isfSource().findType(typeName)) as UdtType | undefined;
  if (t?.kind !== 'udt') throw new Error(`neither the scenario PDB nor the ISF has ${typeName}`);
  return new StructWriter(k.mem, t, address ?? k.alloc(t.size));
}

/** A UNICODE_STRING field (`field.Length/MaximumLength/Buffer`) pointing at fresh memory holding `text`. */
export function setUnicode(k: KernelScenario, w: StructWriter, field: string, text: string): void {
  const buf = k.alloc(text.length * 2 + 2);
  const b = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) new DataView(b.buffer).setUint16(i * 2, text.charCodeAt(i), true);
  k.mem.write(buf, b);
  w.set(`${field}.Length`, b.length).set(`${field}.MaximumLength`, b.length + 2).set(`${field}.Buffer`, buf);
}

/**
 * Writes the dump (full layout), opens it with the scenario symbols and analyzes it: with `isf`, through the
 * families' types (isfSource); `without` hides fields from nt's types (`_EPROCESS.ExitStatus`), as a kernel
 * whose types lack them would.
 */
export async function analyzeCrash(c: CrashKernel, code: number, args: bigint[], path: string, opts: { isf?: boolean; without?: string[] } = {}): Promise<AnalysisReport> {
  const sink = await FileSink.create(path);
  await writeKernelDump(sink, c.k.facts(code, args, c.regs, `family test 0x${code.toString(16)}`), c.k.mem.pages, { layout: 'full' });
  await sink.commit();
  const { session, target, close } = await openSession(path, { sympath: scenarioBinDir(), offline: true, json: false, markdown: false, commands: [], rest: [] }, io);
  try {
    if (opts.isf || opts.without) {
      const pdb = (await target.moduleSymbols(target.modules.modules[0])).source!;
      const types = new KernelTypes(mergedSource(pdb, opts.without));
      target.kernelTypes = () => Promise.resolve(types);
    }
    return await analyzeWithDisplay(session);
  } finally {
    await close();
  }
}
