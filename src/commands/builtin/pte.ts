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
import type { CommandSpec } from '../command.js';
import type { Session } from '../session.js';
import { evalArg, kernelTarget } from './target-access.js';

export interface PteResult {
  kind: 'pte';
  report: PteReport;
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

async function runPte(session: Session, args: string): Promise<PteResult> {
  const t = kernelTarget(session);
  needX64(t);
  const text = args.trim();
  if (!text) throw new DumpscopeError('usage: !pte VIRTUAL_ADDRESS', 'USAGE');
  const va = await evalArg(session, text);
  const translation = isCanonical48(va) ? await t.translate(va) : nonCanonical(va);
  if (!translation) throw noTables(t);
  return { kind: 'pte', report: pteReport(translation, await t.pteBase()) };
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
export const pteCommand: CommandSpec<PteResult | VtopResult> = {
  names: ['!pte', '!vtop'],
  summary: 'Page table entries of a virtual address (!pte VA), or its translation from a directory base (!vtop PFN VA; PFN 0 = current process)',
  usage: '!pte VIRTUAL_ADDRESS | !vtop PFN VIRTUAL_ADDRESS',
  run: (session, args, name) => (name === '!vtop' ? runVtop(session, args) : runPte(session, args)),
  renderText: (r) => (r.kind === 'vtop' ? renderVtop(r.report) : renderPte(r.report)),
};
