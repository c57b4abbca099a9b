// One entry of the PFN database (`!pfn`): MmPfnDatabase (from the debugger data) + PFN × sizeof(_MMPFN),
// its fields read by name through nt's types — whichever of them this kernel's layout has.
import { DumpscopeError } from '../../io/errors.js';
import type { KernelTarget } from '../../target/kernel-target.js';
import { optUint, readPointer } from './common.js';

/** _MMLISTS: where a page is (MMPFNENTRY1.PageLocation), in the words `!pfn` uses. */
const LOCATIONS = ['Zeroed', 'Free', 'Standby', 'Modified', 'ModNoWrt', 'Bad', 'Active', 'Transition'];

export interface PfnEntry {
  pfn: bigint;
  /** Address of the _MMPFN. */
  entry: bigint;
  flink?: bigint;
  shareCount?: bigint;
  pteAddress?: bigint;
  referenceCount?: bigint;
  originalPte?: bigint;
  /** The page-table page holding this page's PTE (u4.PteFrame). */
  pteFrame?: bigint;
  location?: string;
  modified?: boolean;
}

/** The PFN database's base, or an error saying why it is unknown. */
export async function pfnDatabase(t: KernelTarget): Promise<bigint> {
  const at = t.debuggerData?.pointer('MmPfnDatabase');
  const base = at ? await readPointer(t, at) : undefined;
  if (!base) throw new DumpscopeError('the PFN database address (MmPfnDatabase, from the debugger data block) is not in this dump', 'NO_PFN_DATABASE');
  return base;
}

export async function readPfn(t: KernelTarget, pfn: bigint): Promise<PfnEntry> {
  const kt = await t.kernelTypes();
  if (!kt) throw new DumpscopeError("!pfn reads _MMPFN by field name and needs nt's types (its PDB or an ISF table on the symbol path)", 'NO_TYPES');
  const type = await kt.struct('_MMPFN').catch(() => undefined);
  if (!type) throw new DumpscopeError("nt's types have no _MMPFN", 'NO_TYPES');
  // PFNs are at most 40 bits (52-bit physical addresses): anything larger is not a page frame.
  if (pfn < 0n || pfn >= 1n << 40n) throw new DumpscopeError(`${pfn.toString(16)} is not a page frame number`, 'BAD_ARGUMENT');
  const entry = (await pfnDatabase(t)) + pfn * BigInt(type.size);
  const v = await kt.read(t.memory, '_MMPFN', entry).catch((e) => {
    throw new DumpscopeError(`PFN ${pfn.toString(16)}: its entry at ${entry.toString(16)} is not in this dump (${(e as Error).message})`, 'UNREADABLE');
  });
  const loc = optUint(v, 'u3.e1.PageLocation');
  const modified = optUint(v, 'u3.e1.Modified');
  return {
    pfn,
    entry,
    flink: optUint(v, 'u1.Flink'),
    shareCount: optUint(v, 'u2.ShareCount'),
    pteAddress: optUint(v, 'PteAddress'),
    referenceCount: optUint(v, 'u3.e2.ReferenceCount'),
    originalPte: optUint(v, 'OriginalPte.u.Long'),
    pteFrame: optUint(v, 'u4.PteFrame'),
    location: loc !== undefined ? LOCATIONS[Number(loc)] : undefined,
    modified: modified !== undefined ? modified === 1n : undefined,
  };
}
