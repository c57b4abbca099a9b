// What a small (triage) dump keeps of a full-memory one: the crashing processor's PRCB, thread and process,
// the crashing thread's stack, the module list, the debugger data block, and the pages a later analysis
// reads — the processor blocks and KPCRs, the pages registers of the faulting contexts point to (and the one
// before each), the records named in the bugcheck arguments, nt's big-page table (and the page after a big
// allocation those point into), the module images, and the self-map paging
// entries of those pages. So the triage dump analyzes like its source.
import { factsOf } from '../formats/kernel-dump/convert.js';
import { FROM_SMALL_DUMP_COMMENT } from './triage-import.js';
import type { TriageContent } from '../formats/kernel-dump/triage-writer.js';
import type { DumpFacts } from '../formats/kernel-dump/writer.js';
import { UnsupportedError } from '../io/errors.js';
import { selfMapEntries } from '../memory/self-map-translate.js';
import type { KernelTarget } from './kernel-target.js';
import { StructView } from './struct-view.js';
import { decodeX64Context } from '../formats/kernel-dump/records.js';
import { X64_GPRS, type X64Registers } from './x64-registers.js';

const PAGE = 0x1000n;
const MAX_STACK = 0x10000;
const MAX_IMAGE = 4 << 20;
/** Pages of module images kept in all (64 MiB); Windows' own small dumps keep none. */
const MAX_IMAGE_PAGES = 16384;
/**
 * Pages kept because a value on the crashing stack points into them (pool objects, IRPs, device objects…),
 * as Windows' own small dumps keep data the stack refers to: at most 512 pages (2 MiB) beyond the others.
 */
const MAX_POINTED_PAGES = 512;
const KERNEL_VA = 0xffff800000000000n;
const MAX_BIG_TABLE = 1 << 20;

/**
 * A dump rebuilt from a small one says so in its Comment (FROM_SMALL_DUMP_COMMENT); a small dump written from
 * it again holds only real bytes, so the comment goes, back to Windows' "PAGE" fill.
 */
function withoutOwnComment(f: DumpFacts): DumpFacts {
  if (f.comment !== FROM_SMALL_DUMP_COMMENT) return f;
  const rawHeader = f.rawHeader?.slice();
  if (rawHeader) for (let i = 0xfb0; i < 0x1030; i++) rawHeader[i] = PAGE_FILL.charCodeAt(i & 3);
  return { ...f, comment: undefined, rawHeader };
}
const PAGE_FILL = 'PAGE';

export async function triageContent(t: KernelTarget): Promise<{ facts: DumpFacts; content: TriageContent }> {
  if (t.dump.triage) throw new UnsupportedError('the dump is already a small (triage) dump');
  await t.init();
  const kt = await t.kernelTypes();
  if (!kt) throw new UnsupportedError("writing a triage dump needs nt's types (PDB or ISF) to find the crashing thread and process");
  const crash = await t.crashState();
  if (!crash.prcb?.address || !crash.thread?.address || !crash.process?.address) throw new UnsupportedError(`the crashing processor, thread or process is unknown (${crash.notes.join('; ')})`);
  // The copies are whole structures; one partly missing from the source keeps what it has (zeros elsewhere).
  const raw = async (type: string, address: bigint) => {
    const size = (await kt.struct(type)).size;
    return t.memory.read(address, size).catch(async () => (await t.memory.readSparse(address, size)).bytes);
  };
  const pages = new Set<bigint>();
  const addPage = (va: bigint) => pages.add(va & ~(PAGE - 1n));
  const addRange = (va: bigint, size: number) => {
    for (let p = va & ~(PAGE - 1n); p < va + BigInt(size); p += PAGE) pages.add(p);
  };
  const addPointer = (v: bigint) => {
    if (v < KERNEL_VA) return;
    addPage(v);
    addPage(v - PAGE);
  };
  const regsOf = (r?: X64Registers) => (r ? X64_GPRS.map((n) => r[n]) : []);

  // The build lab string the debugger data points at (vertarget, BUILDLAB_STR).
  const lab = t.debuggerData?.pointer('NtBuildLab');
  if (lab) addRange(lab, 128);
  // Processor blocks: KiProcessorBlock, every PRCB, and the KPCR page holding each IRQL.
  const kpb = t.debuggerData?.pointer('KiProcessorBlock');
  // At most Windows' 2048 processors: a damaged NumberProcessors must not make this gigabytes of pages.
  if (kpb) addRange(kpb, Math.min(Math.max(1, t.dump.header.processors), 2048) * 8);
  for (const p of await t.processors()) {
    if (p.address === undefined) continue;
    addRange(p.address, (await kt.struct('_KPRCB')).size);
    addPage(p.address - BigInt(await kt.offsetOf('_KPCR', 'Prcb').catch(() => 0)));
  }
  // The faulting contexts: the bugcheck context, a trap frame found by unwinding, records in the arguments.
  const ctx = t.dump.context;
  const values = [...regsOf(ctx), ...t.dump.header.bugcheckArgs];
  if (ctx) {
    const frames = await t.walk(ctx, { maxFrames: 32 });
    for (const f of frames) {
      if (f.method !== 'machine-frame') continue;
      // The interrupted frame's registers: the trap frame's volatile ones and the non-volatile ones unwound.
      values.push(...regsOf(frames[f.index + 1]?.registers));
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
  // Code around every value on the crashing thread's stack that points into a module (stack scans verify
  // the call instruction before a candidate return address), and the data every other kernel pointer there
  // refers to: the page it points into, and the next one when the pointer is near its end.
  if (ctx) {
    const top = ctx.rsp & ~0xfn;
    const stackEnd = crash.thread.stackBase && crash.thread.stackBase > top ? crash.thread.stackBase : top + BigInt(MAX_STACK);
    const st = await t.memory.readSparse(top, Math.min(Number(stackEnd - top), MAX_STACK));
    const sdv = new DataView(st.bytes.buffer, st.bytes.byteOffset, st.bytes.byteLength);
    let pointed = 0;
    const addPointed = (p: bigint) => {
      if (pages.has(p) || pointed >= MAX_POINTED_PAGES) return;
      pages.add(p);
      pointed++;
    };
    for (let i = 0; i + 8 <= st.bytes.length; i += 8) {
      if (!st.valid[i]) continue;
      const v = sdv.getBigUint64(i, true);
      if (t.modules.at(v)) {
        addPage(v);
        addPage(v - 8n);
      } else if (v >= KERNEL_VA) {
        addPointed(v & ~(PAGE - 1n));
        if ((v & (PAGE - 1n)) > PAGE - 0x100n) addPointed((v & ~(PAGE - 1n)) + PAGE);
      }
    }
  }
  // Module images (small ones whole), so code and unwind data come from the dump as before.
  // Bounded in total too: a damaged module list of thousands of 4 MiB "images" is not copied whole.
  let imagePages = 0;
  for (const m of t.modules.modules) {
    if (m.size > MAX_IMAGE || imagePages + m.size / 0x1000 > MAX_IMAGE_PAGES) continue;
    imagePages += Math.ceil(m.size / 0x1000);
    addRange(m.base, m.size);
  }
  // Every module's header page: the stack scan takes a candidate only inside an executable section.
  for (const m of t.modules.modules) addPage(m.base);
  // nt's big-page table, the only record of a large pool block's tag and size (`!pool`, the pool rules), when
  // small; and the page after each big allocation a value points into (what an overrun of it reaches).
  const nt = t.modules.modules[0];
  const u64At = async (name: string) => {
    const at = nt ? await kt.global(nt.base, name).catch(() => undefined) : undefined;
    const b = at ? await t.memory.read(at, 8).catch(() => undefined) : undefined;
    return b ? new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true) : undefined;
  };
  const bigType = await kt.struct('_POOL_TRACKER_BIG_PAGES').catch(() => undefined);
  const [bigTable, bigSlots] = [await u64At('PoolBigPageTable'), await u64At('PoolBigPageTableSize')];
  const described = bigType?.fields.some((f) => f.name === 'Va') && bigType.fields.some((f) => f.name === 'NumberOfBytes');
  if (bigType?.size && described && bigTable && bigSlots && bigSlots * BigInt(bigType.size) <= BigInt(MAX_BIG_TABLE)) {
    const size = Number(bigSlots) * bigType.size;
    addRange(bigTable, size);
    const table = await t.memory.read(bigTable, size).catch(() => undefined);
    for (let o = 0; table && o + bigType.size <= size; o += bigType.size) {
      const e = new StructView(bigType, table.subarray(o, o + bigType.size));
      const va = e.uint('Va') & ~1n;
      const end = va + ((e.uint('NumberOfBytes') + 0xfffn) & ~0xfffn);
      if (va >= 0xffff800000000000n && values.some((v) => v >= va && v < end)) addPage(end);
    }
  }
  // The self-map entries of every captured page: !pte and the freed-page rule keep working.
  const pteBase = await t.pteBase();
  if (pteBase !== undefined) {
    for (const p of [...pages]) for (const e of selfMapEntries(p, pteBase)) addPage(e);
  }
  // Keep only the bytes the source has (a converted dump may hold part of a page); consecutive known bytes,
  // across pages, form one block.
  const th = crash.thread;
  const top = (ctx?.rsp ?? th.kernelStack ?? 0n) & ~0xfn;
  const stackEnd = th.stackBase && th.stackBase > top ? th.stackBase : top + BigInt(MAX_STACK);
  const stackSize = Math.min(Number(stackEnd - top), MAX_STACK);
  const stack = await t.memory.readSparse(top, stackSize);
  // The call-stack part is one contiguous copy: it ends at the first byte the source lacks, and what the
  // source has beyond that goes into data blocks.
  const stackKept = stack.valid.indexOf(0) < 0 ? stackSize : stack.valid.indexOf(0);
  if (stackKept < stackSize) addRange(top + BigInt(stackKept), stackSize - stackKept);
  const sorted = [...pages].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const runs: { va: bigint; end: bigint; parts: Uint8Array[] }[] = [];
  let last: { va: bigint; end: bigint; parts: Uint8Array[] } | undefined;
  for (const p of sorted) {
    const s = await t.memory.readSparse(p, 0x1000);
    for (let i = s.valid.indexOf(1); i >= 0 && i < 0x1000; ) {
      const j = s.valid.indexOf(0, i);
      const end = j < 0 ? 0x1000 : j;
      const va = p + BigInt(i);
      if (last && last.end === va) last.parts.push(s.bytes.subarray(i, end));
      else {
        last = { va, end: va, parts: [s.bytes.subarray(i, end)] };
        runs.push(last);
      }
      last.end = p + BigInt(end);
      i = j < 0 ? -1 : s.valid.indexOf(1, j);
    }
    if (!s.valid[0xfff]) last = undefined;
  }
  const finalBlocks = runs.map((r) => {
    const bytes = new Uint8Array(Number(r.end - r.va));
    let at = 0;
    for (const x of r.parts) {
      bytes.set(x, at);
      at += x.length;
    }
    return { va: r.va, bytes };
  });
  const kdBytes = t.dump.header.kdDebuggerDataBlock ? await t.memory.read(t.dump.header.kdDebuggerDataBlock, t.debuggerData?.size ?? 0x340).catch(() => undefined) : undefined;
  return {
    facts: withoutOwnComment(factsOf(t.dump)),
    content: {
      prcb: await raw('_KPRCB', crash.prcb.address),
      process: await raw('_EPROCESS', crash.process.address),
      thread: await raw('_ETHREAD', crash.thread.address),
      callStack: { va: top, bytes: stack.bytes.subarray(0, stackKept) },
      drivers: t.modules.modules.map((m) => ({ path: m.fullPath ?? m.imageName, base: m.base, size: m.size, checksum: m.checksum ?? 0, timestamp: m.timestamp ?? 0 })),
      unloaded: t.modules.unloaded.map((u) => ({ name: u.imageName, start: u.base, end: u.end })),
      debuggerData: kdBytes,
      blocks: finalBlocks,
    },
  };
}
