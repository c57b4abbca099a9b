// Builds a full-memory image of a small (triage) dump: every captured block and the small dump's copies of
// the crashing PRCB, thread and process at their virtual addresses, behind page tables (self-map at the
// slot MmPteBase names) that keep every paging entry the small dump captured (triage-paging.ts), plus what
// a full dump carries in memory and a triage dump in its own tables — the loaded-module list (written as
// _KLDR_DATA_TABLE_ENTRY by field name), the process and thread list links, and the unloaded drivers
// (MmUnloadedDrivers). The result is written by the ordinary dump writer in any full-memory layout.
//
// A full-memory layout stores whole pages, but a small dump captured parts of pages: every byte written
// here is recorded, and the result lists the physical byte ranges that are real (captured, or rebuilt
// structures; page tables whole) for the dump's metadata trailer, so the rest of those pages reads as not
// in the dump instead of as zeros.
import { factsOf } from '../formats/kernel-dump/convert.js';
import { type ByteRange, normalizeRanges } from '../formats/kernel-dump/valid-ranges.js';
import type { DumpFacts } from '../formats/kernel-dump/writer.js';
import { FormatError, LimitExceededError, UnsupportedError } from '../io/errors.js';
import { BuiltinAbiTypes } from '../symbols/builtin-abi-types.js';
import type { UdtType } from '../symbols/types.js';
import { PageMapPhysicalMemory } from '../memory/page-map-physical.js';
import { X64AddressSpace } from '../memory/x64-paging.js';
import { MemoryBuilder } from '../scenario/memory-builder.js';
import { StructWriter } from '../scenario/struct-writer.js';
import type { KernelTarget } from './kernel-target.js';
import { capturedEntries, placeCapturedEntries } from './triage-paging.js';

/** The note an up-converted dump carries (its trailer; shown as a limitation). */
export const FROM_SMALL_DUMP_NOTE =
  'converted from a small (triage) dump: only the bytes it captured and the structures the conversion rebuilt (page tables, module, process and unloaded-driver lists) are real; the rest of their pages is not in the dump (other debuggers read it as zeros)';
/** The dump header's Comment of an up-converted dump whose source had none (WinDbg prints it on opening). */
export const FROM_SMALL_DUMP_COMMENT = 'dumpscope: rebuilt from a small dump; bytes it did not capture read as zero here';

/** A memory builder that remembers every virtual range written or allocated. */
class RecordingMemory extends MemoryBuilder {
  readonly real: { va: bigint; size: number }[] = [];
  override write(va: bigint, bytes: Uint8Array): void {
    super.write(va, bytes);
    if (bytes.length) this.real.push({ va, size: bytes.length });
  }
}

/**
 * Physical byte ranges that are real: the recorded ranges, through the built page tables; in the page
 * tables (the pages no recorded range reached), every entry that is set — captured or built to map what was
 * captured — and the entries the small dump captured through the self-map, zero or not. A zero entry nobody
 * captured is not known to be zero.
 */
async function realRanges(mem: RecordingMemory, selfMap: readonly { va: bigint; size: number }[]): Promise<ByteRange[]> {
  const space = new X64AddressSpace(new PageMapPhysicalMemory(mem.pages), mem.directoryTableBase);
  const out: ByteRange[] = [];
  const dataPages = new Set<number>();
  const through = async (r: { va: bigint; size: number }, pages?: Set<number>) => {
    for (let done = 0; done < r.size; ) {
      const va = r.va + BigInt(done);
      const n = Math.min(0x1000 - Number(va & 0xfffn), r.size - done);
      const t = await space.translate(va);
      if (t.pa !== undefined) {
        out.push({ start: t.pa, end: t.pa + n });
        pages?.add(Math.floor(t.pa / 0x1000));
      }
      done += n;
    }
  };
  for (const r of mem.real) await through(r, dataPages);
  for (const [pfn, page] of mem.pages) {
    if (dataPages.has(pfn)) continue;
    const words = new BigUint64Array(page.buffer, page.byteOffset, 512);
    for (let i = 0; i < 512; i++) if (words[i] !== 0n) out.push({ start: pfn * 0x1000 + i * 8, end: pfn * 0x1000 + i * 8 + 8 });
  }
  for (const r of selfMap) await through(r);
  return normalizeRanges(out);
}

/** A kernel VA range no Windows x64 layout uses, for the structures this conversion has to add. */
const SCRATCH = 0xffffdf0000000000n;
const SPAN = 0x8000000000n; // one PML4 slot
/**
 * Virtual pages a small dump's captured blocks may cover: eight per 4 KiB of file, plus the conversion's own
 * structures (module list, strings). Small blocks each touch a page of their own, so real dumps exceed one
 * page per file page — the corpus x64 dump covers 1043 distinct pages with 0x161 file pages (3.0 per page),
 * the ARM64 one 472 with 0x129 (1.6) — but a table of thousands of tiny blocks scattered over the address
 * space is damage, and would otherwise make the rebuilt memory gigabytes.
 */
export function pageBudget(fileSize: number): number {
  return 8 * Math.ceil(fileSize / 0x1000) + 256;
}

/** Distinct virtual pages the blocks cover (sorted intervals, so a hostile table costs n log n, not its bytes). */
function distinctPages(ranges: readonly { va: bigint; size: number }[]): number {
  const spans = ranges.filter((r) => r.size > 0).map((r) => [r.va >> 12n, (r.va + BigInt(r.size) - 1n) >> 12n] as const);
  spans.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let total = 0n;
  let end = -1n;
  for (const [first, last] of spans) {
    const from = first > end ? first : end + 1n;
    if (last >= from) total += last - from + 1n;
    if (last > end) end = last;
  }
  return Number(total);
}

/** The note of a dump rebuilt without a self-map. */
export const NO_SELF_MAP_NOTE = 'no self-map in the rebuilt page tables';

/** MmPteBase when it names a kernel PML4 slot (0x100-0x1fe, 512 GiB aligned); otherwise a note and undefined. */
function selfMapBase(base: bigint | undefined, notes: string[]): bigint | undefined {
  const slot = base === undefined ? 0 : Number((base >> 39n) & 0x1ffn);
  if (base !== undefined && base === (0xffff000000000000n | (BigInt(slot) << 39n)) && slot >= 0x100 && slot <= 0x1fe) return base;
  const why = base === undefined ? 'MmPteBase is not known (no debugger data copy holds it)' : `MmPteBase 0x${base.toString(16)} is not the base of a kernel self-map slot`;
  notes.push(`${why}: the captured paging entries cannot be told from data, so they are kept as data and there is ${NO_SELF_MAP_NOTE} (!pte cannot read entries back to their addresses)`);
  return undefined;
}

type Rebuilt = { facts: DumpFacts; pages: Map<number, Uint8Array>; notes: string[]; ranges: ByteRange[] };

export async function fullFromTriage(t: KernelTarget): Promise<Rebuilt> {
  try {
    return await rebuild(t);
  } catch (e) {
    // The builder's cap: blocks within budget whose VAs scatter over more page tables than a real dump needs.
    if (e instanceof LimitExceededError && e.message.startsWith('building memory pages')) {
      throw new FormatError('TRIAGE_DUMP data blocks', `rebuilding memory from the captured blocks needs more than ${e.limit} pages (data and page tables), more than a ${t.dump.source.size}-byte small dump can fill: the blocks' virtual addresses are damaged, so the dump is not converted up`, t.dump.header.headerSize + 0x78);
    }
    throw e;
  }
}

async function rebuild(t: KernelTarget): Promise<Rebuilt> {
  const notes: string[] = [];
  const tri = t.dump.triage;
  if (!tri) throw new UnsupportedError('the dump is not a small (triage) dump');
  const kt = await t.kernelTypes();
  if (!kt) throw new UnsupportedError("converting a small dump up needs nt's types (PDB or ISF) to rebuild the module list");
  // The self-map slot is random per boot; without MmPteBase (no debugger data copy, or a base that is no
  // kernel PML4 slot) the captured paging entries cannot be told from data, so the rebuilt tables have no
  // self-map: the captured blocks are placed as data, and `!pte` on the result says the base is unknown.
  const pteBase = selfMapBase(await t.pteBase(), notes);
  const selfMapIndex = pteBase === undefined ? undefined : Number((pteBase >> 39n) & 0x1ffn);
  const h = t.dump.header;
  // The PML4 stays where the header's DirectoryTableBase says, when that is a plausible frame.
  const dtbPfn = Number((h.directoryTableBase >> 12n) & 0xfffffffffn);
  const mem = new RecordingMemory(selfMapIndex, 0x1000, dtbPfn > 0 && dtbPfn < 2 ** 28 ? dtbPfn : undefined);
  // A small dump is small: scattered blocks of a hostile one must not make this build gigabytes of pages.
  // Checked before anything is built; the builder's own cap then also counts page tables (at most three
  // table pages per data page, plus the PML4).
  const budget = pageBudget(t.dump.source.size);
  const wanted = distinctPages(tri.blocks);
  if (wanted > budget) {
    throw new FormatError(
      'TRIAGE_DUMP data blocks',
      `the ${tri.blocks.length} captured blocks cover ${wanted} distinct virtual pages, more than a ${t.dump.source.size}-byte small dump can hold (at most ${budget}): the data-block table (TRIAGE_DUMP.DataBlocksOffset and DataBlocksCount) is damaged, so the dump is not converted up`,
      h.headerSize + 0x78,
    );
  }
  mem.maxPages = 4 * budget + 1;
  const inSelfMap = (va: bigint) => pteBase !== undefined && va >= pteBase && va < pteBase + SPAN;
  // Paging entries captured through the self-map first: they decide which frames the pages below use.
  const selfMapBlocks: { va: bigint; bytes: Uint8Array; size: number }[] = [];
  for (const b of tri.blocks) if (inSelfMap(b.va)) selfMapBlocks.push({ va: b.va, bytes: await t.dump.source.read(b.fileOffset, b.size), size: b.size });
  const unplaced = pteBase === undefined ? 0 : placeCapturedEntries(mem, capturedEntries(selfMapBlocks, pteBase), selfMapIndex as number);
  if (unplaced) notes.push(`${unplaced} captured paging entries lie under entries that are not tables and were left out`);
  // Then captured memory, through those entries (or fresh ones where none were captured).
  for (const b of tri.blocks) {
    if (!inSelfMap(b.va)) mem.write(b.va, await t.dump.source.read(b.fileOffset, b.size));
  }
  const crash = await t.crashState();
  const copy = async (part: { offset: number; size: number }, va?: bigint) => {
    if (va && part.size) mem.write(va, await t.dump.source.read(part.offset, part.size));
  };
  await copy(tri.thread, crash.thread?.address);
  await copy(tri.process, crash.process?.address);
  await copy(tri.prcb, crash.prcb?.address);
  if (tri.debuggerData && h.kdDebuggerDataBlock) mem.write(h.kdDebuggerDataBlock, tri.debuggerData);
  // Structures the conversion adds live in a scratch region.
  // (The self-map slot is random: should it be the scratch slot, the next one is used.)
  let next = selfMapIndex === Number((SCRATCH >> 39n) & 0x1ffn) ? SCRATCH + SPAN : SCRATCH;
  const alloc = (size: number) => {
    const a = next;
    next = (next + BigInt(size) + 0xfn) & ~0xfn;
    mem.map(a, size);
    mem.real.push({ va: a, size }); // the conversion's own structure: every byte of it is what it says
    return a;
  };
  const head = (va: bigint) => {
    mem.u64(va, va);
    mem.u64(va + 8n, va);
  };
  const link = (listHead: bigint, entry: bigint) => {
    const blink = new DataView(mem.read(listHead + 8n, 8).buffer).getBigUint64(0, true);
    mem.u64(entry, listHead);
    mem.u64(entry + 8n, blink);
    mem.u64(blink, entry);
    mem.u64(listHead + 8n, entry);
  };
  const ustring = (w: StructWriter, field: string, text: string) => {
    const buf = alloc(text.length * 2 + 2);
    const b = new Uint8Array(text.length * 2);
    for (let i = 0; i < text.length; i++) new DataView(b.buffer).setUint16(i * 2, text.charCodeAt(i), true);
    mem.write(buf, b);
    w.set(`${field}.Length`, b.length).set(`${field}.MaximumLength`, b.length + 2).set(`${field}.Buffer`, buf);
  };
  const modules = t.debuggerData?.pointer('PsLoadedModuleList') ?? (h.psLoadedModuleList || undefined);
  if (modules) {
    head(modules);
    const ldr = await kt.struct('_KLDR_DATA_TABLE_ENTRY');
    for (const m of t.modules.modules) {
      const e = new StructWriter(mem, ldr, alloc(ldr.size));
      e.set('DllBase', m.base).set('SizeOfImage', m.size);
      if (m.timestamp !== undefined) e.set('TimeDateStamp', m.timestamp);
      if (m.checksum !== undefined) e.set('CheckSum', m.checksum);
      ustring(e, 'BaseDllName', m.imageName);
      ustring(e, 'FullDllName', m.fullPath ?? m.imageName);
      link(modules, e.addressOf('InLoadOrderLinks'));
    }
  }
  const processes = t.debuggerData?.pointer('PsActiveProcessHead') ?? (h.psActiveProcessHead || undefined);
  if (processes && crash.process?.address) {
    head(processes);
    link(processes, crash.process.address + BigInt(await kt.offsetOf('_EPROCESS', 'ActiveProcessLinks')));
    if (crash.thread?.address) {
      const threads = crash.process.address + BigInt(await kt.offsetOf('_EPROCESS', 'ThreadListHead'));
      head(threads);
      link(threads, crash.thread.address + BigInt(await kt.offsetOf('_ETHREAD', 'ThreadListEntry')));
    }
  }
  // Unloaded drivers: a full dump keeps them in MmUnloadedDrivers (an array of _UNLOADED_DRIVERS, by field
  // name) with MmLastUnloadedDriver counting the entries; the small dump's own list fills it.
  const unloaded = t.modules.unloaded;
  const nt = t.modules.modules[0];
  const global = async (name: string) => t.debuggerData?.pointer(name) ?? (nt ? await kt.global(nt.base, name).catch(() => undefined) : undefined);
  const unloadedVar = unloaded.length ? await global('MmUnloadedDrivers') : undefined;
  // nt's layout, or the public x64 one the reader falls back to too (the 19041 ISF lacks the type).
  const ud = unloadedVar ? ((await kt.struct('_UNLOADED_DRIVERS').catch(() => undefined)) ?? ((await new BuiltinAbiTypes().findType('_UNLOADED_DRIVERS')) as UdtType | undefined)) : undefined;
  if (unloadedVar && ud) {
    const array = alloc(ud.size * unloaded.length);
    for (const [i, u] of unloaded.entries()) {
      const e = new StructWriter(mem, ud, array + BigInt(i * ud.size));
      e.set('StartAddress', u.base).set('EndAddress', u.end);
      ustring(e, 'Name', u.imageName);
    }
    mem.u64(unloadedVar, array);
    const last = await global('MmLastUnloadedDriver');
    if (last) mem.u32(last, unloaded.length);
  } else if (unloaded.length) {
    notes.push(`the ${unloaded.length} unloaded drivers are not written: ${unloadedVar ? "nt's types have no _UNLOADED_DRIVERS" : 'MmUnloadedDrivers is not known'}`);
  }
  const facts: DumpFacts = { ...factsOf(t.dump), directoryTableBase: mem.directoryTableBase, psLoadedModuleList: modules, psActiveProcessHead: processes };
  if (facts.comment === undefined) facts.comment = FROM_SMALL_DUMP_COMMENT;
  return { facts, pages: mem.pages, notes, ranges: await realRanges(mem, selfMapBlocks) };
}
