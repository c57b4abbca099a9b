// What a small (triage) dump keeps of a full-memory one: the crashing processor's PRCB, thread and process,
// the crashing thread's stack, the module list, the debugger data block, and the pages a later analysis
// reads — the processor blocks and KPCRs, the pages registers of the faulting contexts point to (and the one
// before each), the records named in the bugcheck arguments, the module images, and the self-map paging
// entries of those pages. So the triage dump analyzes like its source.
import { factsOf } from '../formats/kernel-dump/convert.js';
import type { TriageContent } from '../formats/kernel-dump/triage-writer.js';
import type { DumpFacts } from '../formats/kernel-dump/writer.js';
import { UnsupportedError } from '../io/errors.js';
import { selfMapEntries } from '../memory/self-map-translate.js';
import type { KernelTarget } from './kernel-target.js';
import { decodeX64Context } from '../formats/kernel-dump/records.js';
import { X64_GPRS, type X64Registers } from './x64-registers.js';

const PAGE = 0x1000n;
const MAX_STACK = 0x10000;
const MAX_IMAGE = 4 << 20;

export async function triageContent(t: KernelTarget): Promise<{ facts: DumpFacts; content: TriageContent }> {
  if (t.dump.triage) throw new UnsupportedError('the dump is already a small (triage) dump');
  await t.init();
  const kt = await t.kernelTypes();
  if (!kt) throw new UnsupportedError("writing a triage dump needs nt's types (PDB or ISF) to find the crashing thread and process");
  const crash = await t.crashState();
  if (!crash.prcb?.address || !crash.thread?.address || !crash.process?.address) throw new UnsupportedError(`the crashing processor, thread or process is unknown (${crash.notes.join('; ')})`);
  const raw = async (type: string, address: bigint) => t.memory.read(address, (await kt.struct(type)).size);
  const pages = new Set<bigint>();
  const addPage = (va: bigint) => pages.add(va & ~(PAGE - 1n));
  const addRange = (va: bigint, size: number) => {
    for (let p = va & ~(PAGE - 1n); p < va + BigInt(size); p += PAGE) pages.add(p);
  };
  const addPointer = (v: bigint) => {
    if (v < 0xffff800000000000n) return;
    addPage(v);
    addPage(v - PAGE);
  };
  const regsOf = (r?: X64Registers) => (r ? X64_GPRS.map((n) => r[n]) : []);

  // The build lab string the debugger data points at (vertarget, BUILDLAB_STR).
  const lab = t.debuggerData?.pointer('NtBuildLab');
  if (lab) addRange(lab, 128);
  // Processor blocks: KiProcessorBlock, every PRCB, and the KPCR page holding each IRQL.
  const kpb = t.debuggerData?.pointer('KiProcessorBlock');
  if (kpb) addRange(kpb, Math.max(1, t.dump.header.processors) * 8);
  for (const p of await t.processors()) {
    if (p.address === undefined) continue;
    addRange(p.address, (await kt.struct('_KPRCB')).size);
    addPage(p.address - BigInt(await kt.offsetOf('_KPCR', 'Prcb').catch(() => 0)));
  }
  // The faulting contexts: the bugcheck context, a trap frame found by unwinding, records in the arguments.
  const ctx = t.dump.context;
  const values = [...regsOf(ctx), ...t.dump.header.bugcheckArgs];
  if (ctx) {
    for (const f of await t.walk(ctx, { maxFrames: 32 })) {
      if (f.method !== 'machine-frame') continue;
      // The KTRAP_FRAME the walker located (what the analysis reads), and the handler's frame.
      const trap = f.trapFrame ?? f.sp;
      addRange(f.sp, 0x200);
      if (trap !== f.sp) addRange(trap, 0x200);
      values.push(...regsOf(await t.trapRegisters(trap).catch(() => undefined)));
    }
  }
  for (const a of t.dump.header.bugcheckArgs) {
    const b = await t.memory.read(a, 0x4d0).catch(() => undefined);
    if (b && a > 0xffff800000000000n) {
      addRange(a, 0x4d0);
      const r = (() => {
        try {
          return decodeX64Context(b);
        } catch {
          return undefined;
        }
      })();
      if (r && r.rip > 0xffff800000000000n) values.push(...regsOf(r));
    }
  }
  for (const v of values) addPointer(v);
  // Code around every value on the crashing thread's stack that points into a module: stack scans verify
  // the call instruction before a candidate return address.
  if (ctx) {
    const top = ctx.rsp & ~0xfn;
    const stackEnd = crash.thread.stackBase && crash.thread.stackBase > top ? crash.thread.stackBase : top + BigInt(MAX_STACK);
    const st = await t.memory.readSparse(top, Math.min(Number(stackEnd - top), MAX_STACK));
    const sdv = new DataView(st.bytes.buffer, st.bytes.byteOffset, st.bytes.byteLength);
    for (let i = 0; i + 8 <= st.bytes.length; i += 8) {
      const v = sdv.getBigUint64(i, true);
      if (t.modules.at(v)) {
        addPage(v);
        addPage(v - 8n);
      }
    }
  }
  // Module images (small ones whole), so code and unwind data come from the dump as before.
  for (const m of t.modules.modules) if (m.size <= MAX_IMAGE) addRange(m.base, m.size);
  // Every module's header page: the stack scan takes a candidate only inside an executable section.
  for (const m of t.modules.modules) addPage(m.base);
  // The self-map entries of every captured page: !pte and the freed-page rule keep working.
  const pteBase = await t.pteBase();
  if (pteBase !== undefined) {
    for (const p of [...pages]) for (const e of selfMapEntries(p, pteBase)) addPage(e);
  }
  // Keep only what the source has; coalesce consecutive pages into blocks.
  const sorted = [...pages].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const runs: { va: bigint; parts: Uint8Array[] }[] = [];
  let last: { va: bigint; parts: Uint8Array[] } | undefined;
  for (const p of sorted) {
    const b = await t.memory.read(p, 0x1000).catch(() => undefined);
    if (!b) {
      last = undefined;
      continue;
    }
    if (last && last.va + BigInt(last.parts.length) * PAGE === p) last.parts.push(b);
    else {
      last = { va: p, parts: [b] };
      runs.push(last);
    }
  }
  const finalBlocks = runs.map((r) => {
    const bytes = new Uint8Array(r.parts.length * 0x1000);
    for (const [i, x] of r.parts.entries()) bytes.set(x, i * 0x1000);
    return { va: r.va, bytes };
  });
  // The crashing thread's stack, from the bugcheck context's stack pointer to the stack base.
  const th = crash.thread;
  const top = (ctx?.rsp ?? th.kernelStack ?? 0n) & ~0xfn;
  const stackEnd = th.stackBase && th.stackBase > top ? th.stackBase : top + BigInt(MAX_STACK);
  const stackSize = Math.min(Number(stackEnd - top), MAX_STACK);
  const stack = await t.memory.readSparse(top, stackSize);
  const kdBytes = t.dump.header.kdDebuggerDataBlock ? await t.memory.read(t.dump.header.kdDebuggerDataBlock, t.debuggerData?.size ?? 0x340).catch(() => undefined) : undefined;
  return {
    facts: factsOf(t.dump),
    content: {
      prcb: await raw('_KPRCB', crash.prcb.address),
      process: await raw('_EPROCESS', crash.process.address),
      thread: await raw('_ETHREAD', crash.thread.address),
      callStack: { va: top, bytes: stack.bytes },
      drivers: t.modules.modules.map((m) => ({ path: m.fullPath ?? m.imageName, base: m.base, size: m.size, checksum: m.checksum ?? 0, timestamp: m.timestamp ?? 0 })),
      unloaded: t.modules.unloaded.map((u) => ({ name: u.imageName, start: u.base, end: u.end })),
      debuggerData: kdBytes,
      blocks: finalBlocks,
    },
  };
}
