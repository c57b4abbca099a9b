// `!pte VA` (the page walk of an address through the self-map, WinDbg's four columns) and `!vtop PFN VA`
// (the walk from a directory base, entry by physical address, ending in the physical address).
// Both need page tables: small dumps carry only the paging entries they captured.
import { DumpscopeError } from '../../io/errors.js';
import type { Translation } from '../../memory/address-space.js';
import { type PteReport, pteReport, type VtopReport, vtopReport } from '../../memory/pte-report.js';
import { X64AddressSpace } from '../../memory/x64-paging.js';
import { renderPte, renderVtop } from '../../render/pte.js';
import type { KernelTarget } from '../../target/kernel-target.js';
import { isCanonical48 } from '../../util/hex.js';
import { checkpoint } from '../checkpoint.js';
import type { CommandSpec } from '../command.js';
import type { Session } from '../session.js';
import { evalArg, kernelTarget } from './target-access.js';

export interface PteResult {
  kind: 'pte';
  report: PteReport;
  /** Set when the argument was read as the address of a paging entry: `report` is the walk of the VA it maps. */
  entryAddress?: bigint;
}

/** One page of `!pte START END`. */
export interface PteRangeEntry {
  va: bigint;
  /** The last level's entry (PTE, or the large page's PDE/PPE) and its state. */
  level: string;
  entryVa?: bigint;
  contents?: bigint;
  valid: boolean;
  pfn?: number;
  flags?: string;
  explanation?: string;
}

export interface PteRangeResult {
  kind: 'pte-range';
  start: bigint;
  end: bigint;
  entries: PteRangeEntry[];
}

/** `!pte START END` lists at most this many pages. */
export const MAX_PTE_RANGE_PAGES = 0x1000;
/** The x64 self-map covers 512 GiB (2^39 bytes) of entries from MmPteBase. */
const SELF_MAP_SIZE = 1n << 39n;
const M64 = (1n << 64n) - 1n;

/** The VA whose page-table entry is at `entry` (4-level self-map): the inverse of selfMapEntry. */
export function vaMappedBy(entry: bigint, pteBase: bigint): bigint {
  const index = ((entry - pteBase) & (SELF_MAP_SIZE - 1n)) >> 3n;
  const va = index << 12n;
  return va & (1n << 47n) ? (va | ~((1n << 48n) - 1n)) & M64 : va;
}

/** Only x64 page tables are decoded; other machines' walks would read their entries as x64 ones. */
function needX64(t: KernelTarget): void {
  if (t.dump.header.machine !== 'x64') throw new DumpscopeError(`${t.dump.header.machine} page tables are not decoded yet (x64 only)`, 'UNSUPPORTED');
}

function noTables(t: KernelTarget): DumpscopeError {
  return new DumpscopeError(`page tables are needed, and this ${t.dump.header.dumpType} dump does not contain them`, 'NO_PAGE_TABLES');
}

/** A non-canonical address needs no page tables to answer: nothing maps it. */
function nonCanonical(va: bigint): Translation {
  return { va, levels: [], state: { kind: 'zero' }, reason: 'address is not canonical (bits 48-63 must copy bit 47)' };
}

const USAGE = '!pte VIRTUAL_ADDRESS | !pte ENTRY_ADDRESS 1 | !pte START END';

async function walk(t: KernelTarget, va: bigint): Promise<PteReport> {
  const translation = isCanonical48(va) ? await t.translate(va) : nonCanonical(va);
  if (!translation) throw noTables(t);
  return pteReport(translation, await t.pteBase());
}

async function runPte(session: Session, args: string, signal?: AbortSignal): Promise<PteResult | PteRangeResult> {
  const t = kernelTarget(session);
  needX64(t);
  const words = args.trim().split(/\s+/).filter(Boolean);
  if (words.length < 1 || words.length > 2) throw new DumpscopeError(`usage: ${USAGE}`, 'USAGE');
  const first = await evalArg(session, words[0]);
  const second = words.length > 1 ? await evalArg(session, words[1]) : undefined;
  const pteBase = await t.pteBase();
  // `!pte ADDR 1` takes ADDR literally as an entry address; WinDbg also reads an address inside the self-map
  // that way (the VA the entry maps is walked: `!pte FFFFBEF28346C520` shows VA ffffe5068d8a4000).
  const literal = second === 1n;
  if (second !== undefined && !literal) return runRange(t, first, second, signal);
  const inSelfMap = pteBase !== undefined && first >= pteBase && first - pteBase < SELF_MAP_SIZE;
  if (literal && pteBase === undefined) throw new DumpscopeError('the page-table base (MmPteBase) is not known for this dump, so an entry address cannot be read back to its VA', 'NO_PAGE_TABLES');
  if (literal && !inSelfMap) throw new DumpscopeError(`${first.toString(16)} is not a page-table entry address: the self-map spans ${pteBase!.toString(16)} to ${((pteBase! + SELF_MAP_SIZE - 1n) & M64).toString(16)}`, 'BAD_ARGUMENT');
  if (inSelfMap) {
    const va = vaMappedBy(first, pteBase!);
    return { kind: 'pte', report: await walk(t, va), entryAddress: first };
  }
  return { kind: 'pte', report: await walk(t, first) };
}

async function runRange(t: KernelTarget, start: bigint, end: bigint, signal?: AbortSignal): Promise<PteRangeResult> {
  const first = start & ~0xfffn;
  if (end < start) throw new DumpscopeError(`!pte START END: the end ${end.toString(16)} is below the start ${start.toString(16)}`, 'BAD_ARGUMENT');
  const pages = ((end - first) >> 12n) + 1n;
  if (pages > BigInt(MAX_PTE_RANGE_PAGES)) throw new DumpscopeError(`!pte START END: at most 0x${MAX_PTE_RANGE_PAGES.toString(16)} pages (this range has 0x${pages.toString(16)})`, 'BAD_ARGUMENT');
  const entries: PteRangeEntry[] = [];
  for (let i = 0n; i < pages; i++) {
    await checkpoint(signal);
    const r = await walk(t, (first + (i << 12n)) & M64);
    const read = r.levels.filter((l) => l.read);
    const last = read[read.length - 1];
    entries.push({ va: r.va, level: last?.name ?? 'PTE', entryVa: last?.entryVa, contents: last?.contents, valid: last?.valid ?? false, pfn: last?.pfn, flags: last?.flags, explanation: r.explanation });
  }
  return { kind: 'pte-range', start, end, entries };
}

const hex16 = (v: bigint) => v.toString(16).padStart(16, '0');

/** One line per page: `VA …  PTE at …  contains …  pfn … FLAGS` (or why it is not valid). */
export function renderPteRange(r: PteRangeResult): string {
  return r.entries
    .map((e) => {
      const at = e.entryVa !== undefined ? `${e.level} at ${hex16(e.entryVa).toUpperCase()}` : e.level;
      const contents = e.contents !== undefined ? `contains ${hex16(e.contents).toUpperCase()}` : 'contents not in dump';
      const state = e.valid ? `pfn ${e.pfn?.toString(16).padEnd(10)}${e.flags ?? ''}` : e.contents === undefined ? 'contents unknown' : `not valid${e.explanation ? `: ${e.explanation}` : ''}`;
      return `VA ${hex16(e.va)}  ${at.padEnd(27)}${contents.padEnd(27)}${state}`.trimEnd();
    })
    .join('\n');
}

export interface VtopResult {
  kind: 'vtop';
  report: VtopReport;
}

/** The directory base of the current process: `.process`'s choice, else the crashing one, else the header's. */
async function currentDirBase(session: Session, t: KernelTarget): Promise<bigint> {
  const proc = session.variables.get('$proc');
  const p = proc ? await t.process(proc).catch(() => undefined) : (await t.crashState()).process;
  return p?.directoryTableBase || t.dump.header.directoryTableBase;
}

async function runVtop(session: Session, args: string): Promise<VtopResult> {
  const t = kernelTarget(session);
  needX64(t);
  const words = args.trim().split(/\s+/).filter(Boolean);
  if (words.length !== 2) throw new DumpscopeError(`usage: !vtop PFN VIRTUAL_ADDRESS (PFN is the directory base >> 12, or 0 for the current process)`, 'USAGE');
  const pfn = await evalArg(session, words[0]);
  const va = await evalArg(session, words[1]);
  const current = await currentDirBase(session, t);
  const dirBase = pfn === 0n ? current : pfn << 12n;
  if (dirBase >> 52n) throw new DumpscopeError(`PFN ${pfn.toString(16)} is beyond the 52-bit physical address space`, 'BAD_ARGUMENT');
  let translation: Translation | undefined;
  if (!isCanonical48(va)) translation = nonCanonical(va);
  else if (t.dump.physical && t.memory instanceof X64AddressSpace) {
    // Another directory base gets its own walk over the same physical memory.
    translation = (dirBase & ~0xfffn) === (t.memory.directoryTableBase & ~0xfffn) ? await t.memory.translate(va) : await new X64AddressSpace(t.dump.physical, dirBase).translate(va);
  } else {
    if ((dirBase & ~0xfffn) !== (current & ~0xfffn)) throw new DumpscopeError(`this ${t.dump.header.dumpType} dump has no physical memory; only the current process's tables (directory base ${current.toString(16)}), read through the self-map, can be walked`, 'NO_PAGE_TABLES');
    translation = await t.translate(va);
  }
  if (!translation) throw noTables(t);
  return { kind: 'vtop', report: vtopReport(translation, dirBase) };
}

// One spec for both names, so the registry needs no second entry.
export const pteCommand: CommandSpec<PteResult | PteRangeResult | VtopResult> = {
  names: ['!pte', '!vtop'],
  summary: 'Page table entries of a virtual address (!pte VA), or its translation from a directory base (!vtop PFN VA; PFN 0 = current process)',
  usage: `${USAGE} | !vtop PFN VIRTUAL_ADDRESS`,
  run: (session, args, name, signal) => (name === '!vtop' ? runVtop(session, args) : runPte(session, args, signal)),
  renderText: (r) => (r.kind === 'vtop' ? renderVtop(r.report) : r.kind === 'pte-range' ? renderPteRange(r) : renderPte(r.report)),
};
