// Builds restated scenario dumps for the per-bugcheck family tests: the scenario kernel (its images, module
// list, System process, PRCBs) with a crashing thread whose stack is laid out from real unwind data, plus
// whatever structures a test writes. Structures the stand-in kernel's PDB does not describe (_IRP,
// _DEVICE_OBJECT, _KDPC, _MMPFN, _EPROCESS.ExitStatus …) are written and read through the corpus's
// Windows 10 19041 ISF table, whose layouts the scenario PDB's own types were generated from.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnalysisReport } from '../../src/analysis/report.js';
import { analyzeWithDisplay } from '../../src/commands/builtin/analyze.js';
import { openIsf } from '../../src/formats/isf/open-isf.js';
import { writeKernelDump } from '../../src/formats/kernel-dump/writer.js';
import { FileSink } from '../../src/node/file-sink.js';
import { openSession } from '../../src/node/open-session.js';
import { readScenarioBinaries, scenarioBinDir } from '../../src/node/scenario-files.js';
import { KernelScenario, type ThreadSpec, zeroRegisters } from '../../src/scenario/kernel-scenario.js';
import type { ChainFrame } from '../../src/scenario/stack-builder.js';
import { StructWriter } from '../../src/scenario/struct-writer.js';
import type { SymbolSource } from '../../src/symbols/symbol-source.js';
import type { UdtType } from '../../src/symbols/types.js';
import { KernelTypes } from '../../src/target/struct-view.js';
import type { X64Registers } from '../../src/target/x64-registers.js';
import { corpus } from './corpus.js';

export const LOADER_TAIL = ['PnpCallDriverEntry', 'IopLoadDriver', 'IopLoadUnloadDriver', 'ExpWorkerThread', 'PspSystemThreadStartup', 'KiStartSystemThread'];
const ISF_DIR = 'isf/ntkrnlmp.pdb';
const io = { out: () => {}, err: () => {}, stderrIsTty: false, env: {} };

/** `false` when the 19041 ISF is in the corpus, else the reason to skip. */
export function skipUnlessIsf(): false | string {
  return existsSync(corpus(ISF_DIR)) ? false : `../shared/corpus/${ISF_DIR} is not present: the 19041 layouts of _IRP, _KDPC, _MMPFN … come from it`;
}

let isfValue: SymbolSource | undefined;
export function isfSource(): SymbolSource {
  if (!isfValue) {
    const dir = corpus(ISF_DIR);
    const file = readdirSync(dir)[0];
    isfValue = openIsf(new Uint8Array(readFileSync(join(dir, file))), file);
  }
  return isfValue;
}

/** Types from the ISF first (the full 19041 layouts), then the scenario PDB (_KSWITCH_FRAME and the like); symbols from the PDB. */
function mergedSource(isf: SymbolSource, pdb: SymbolSource): SymbolSource {
  return {
    kind: pdb.kind,
    description: `${pdb.description} + ${isf.description} types`,
    symbolAt: (rva) => pdb.symbolAt(rva),
    lookup: (name) => pdb.lookup(name),
    symbols: () => pdb.symbols(),
    findType: async (name) => (await isf.findType(name)) ?? pdb.findType(name),
    typeNames: async () => [...new Set([...(await isf.typeNames()), ...(await pdb.typeNames())])],
  };
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

/** A structure written by field name with the ISF's layout, at `address` or in fresh scenario memory. */
export async function isfStruct(k: KernelScenario, typeName: string, address?: bigint): Promise<StructWriter> {
  const t = (await isfSource().findType(typeName)) as UdtType | undefined;
  if (t?.kind !== 'udt') throw new Error(`the ISF has no ${typeName}`);
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

/** Writes the dump (full layout), opens it with the scenario symbols (and the ISF's types when asked) and analyzes it. */
export async function analyzeCrash(c: CrashKernel, code: number, args: bigint[], path: string, opts: { isf?: boolean } = {}): Promise<AnalysisReport> {
  const sink = await FileSink.create(path);
  await writeKernelDump(sink, c.k.facts(code, args, c.regs, `family test 0x${code.toString(16)}`), c.k.mem.pages, { layout: 'full' });
  await sink.commit();
  const { session, target, close } = await openSession(path, { sympath: scenarioBinDir(), offline: true, json: false, markdown: false, commands: [], rest: [] }, io);
  try {
    if (opts.isf) {
      const pdb = (await target.moduleSymbols(target.modules.modules[0])).source!;
      const types = new KernelTypes(mergedSource(isfSource(), pdb));
      target.kernelTypes = () => Promise.resolve(types);
    }
    return await analyzeWithDisplay(session);
  } finally {
    await close();
  }
}
