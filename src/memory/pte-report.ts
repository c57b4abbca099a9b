// The data behind `!pte VA` and `!vtop PFN VA`: every paging level's entry address (through the self-map,
// even for levels the walk never reached, as WinDbg shows them), the contents of the entries the walk read,
// PFN and flag letters, and why the walk ended. Rendering is separate (src/render/pte.ts).
import { isCanonical48 } from '../util/hex.js';
import type { PteState, Translation } from './address-space.js';
import { explainPte, pteFlagLetters, ptePfn } from './pte.js';
import { selfMapEntry } from './x64-paging.js';

export interface PteLevelReport {
  name: string;
  entryVa?: bigint;
  entryPa?: number;
  /** The walk reached this level (its entry was looked for); contents may still be missing from the dump. */
  read: boolean;
  contents?: bigint;
  valid: boolean;
  pfn?: number;
  flags?: string;
  large?: boolean;
}

export interface PteReport {
  va: bigint;
  /** False for a non-canonical address: no entry maps it, and no level is listed. */
  canonical: boolean;
  levels: PteLevelReport[];
  state: PteState;
  /** The line under the last entry read: why it is not present ("Page has been freed"), or why the walk stopped. */
  explanation?: string;
  pa?: number;
}

const NAMES4 = ['PXE', 'PPE', 'PDE', 'PTE'];
const NAMES5 = ['PML5E', 'PXE', 'PPE', 'PDE', 'PTE'];

/** The entry virtual addresses of every level through the self-map at `pteBase`, top level first. */
export function selfMapLevels(va: bigint, pteBase: bigint, levelsCount: number): bigint[] {
  const vas: bigint[] = [];
  let e = va;
  for (let i = 0; i < levelsCount; i++) {
    e = selfMapEntry(e, pteBase, levelsCount);
    vas.unshift(e);
  }
  return vas;
}

export function pteReport(t: Translation, pteBase?: bigint): PteReport {
  const levelsCount = t.levels[0]?.name === 'PML5E' ? 5 : 4;
  const canonical = levelsCount === 5 || isCanonical48(t.va);
  if (!canonical) return { va: t.va, canonical, levels: [], state: t.state, explanation: t.reason };
  const names = levelsCount === 5 ? NAMES5 : NAMES4;
  const vas = pteBase !== undefined ? selfMapLevels(t.va, pteBase, levelsCount) : [];
  const levels: PteLevelReport[] = names.map((name, i) => {
    const l = t.levels[i];
    if (!l) return { name, entryVa: vas[i], read: false, valid: false };
    const valid = l.valid && l.value !== undefined;
    return {
      name,
      entryVa: l.entryVa ?? vas[i],
      entryPa: l.entryPa,
      read: true,
      contents: l.value,
      valid,
      pfn: valid ? ptePfn(l.value as bigint) : undefined,
      flags: valid ? pteFlagLetters(l.value as bigint) : undefined,
      large: l.large,
    };
  });
  // WinDbg prints nothing under a zero entry ("not valid" says it all); other states get their explanation.
  const explanation = t.pa !== undefined || t.state.kind === 'zero' ? undefined : t.state.kind === 'not-in-dump' ? t.reason : explainPte(t.state);
  return { va: t.va, canonical, levels, state: t.state, explanation, pa: t.pa };
}

/** One line of `!vtop`: a level's entry (physical address and contents) or the mapped page. */
export interface VtopStep {
  name: string;
  entryPa?: number;
  contents?: bigint;
  valid: boolean;
  large?: boolean;
}

export interface VtopReport {
  va: bigint;
  dirBase: bigint;
  canonical: boolean;
  steps: VtopStep[];
  pa?: number;
  /** Why the translation failed, when it did. */
  failure?: string;
}

// !vtop names the levels the way the processor manuals do.
const VTOP_NAMES: Record<string, string> = { PML5E: 'PML5E', PXE: 'PML4E', PPE: 'PDPE', PDE: 'PDE', PTE: 'PTE' };

/**
 * The data of `!vtop`: each level's entry physical address, from the walk when it recorded one, else from
 * the previous level's frame number and this level's index (a walk through the self-map in virtual memory
 * does not know physical addresses, but they follow from the entries' contents).
 */
export function vtopReport(t: Translation, dirBase: bigint): VtopReport {
  const levelsCount = t.levels[0]?.name === 'PML5E' ? 5 : 4;
  const canonical = levelsCount === 5 || isCanonical48(t.va);
  const steps: VtopStep[] = [];
  let tablePa = Number(dirBase & 0x000ffffffffff000n);
  for (const [i, l] of t.levels.entries()) {
    const shift = BigInt(12 + 9 * (levelsCount - 1 - i));
    const index = Number((t.va >> shift) & 0x1ffn);
    steps.push({ name: VTOP_NAMES[l.name] ?? l.name, entryPa: l.entryPa ?? tablePa + index * 8, contents: l.value, valid: l.valid, large: l.large });
    if (l.value !== undefined) tablePa = ptePfn(l.value) * 4096;
  }
  if (!canonical) return { va: t.va, dirBase, canonical, steps: [], failure: 'the address is not canonical (bits 48-63 must copy bit 47)' };
  if (t.pa !== undefined) return { va: t.va, dirBase, canonical, steps, pa: t.pa };
  const last = t.levels[t.levels.length - 1];
  const failure = t.state.kind === 'not-in-dump' ? t.reason : `${VTOP_NAMES[last?.name ?? ''] ?? last?.name ?? 'entry'} not valid: ${t.state.kind === 'zero' ? 'the entry is zero' : explainPte(t.state)}`;
  return { va: t.va, dirBase, canonical, steps, failure };
}
