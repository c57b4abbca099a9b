// The data behind `!pte VA`: every paging level's entry address (through the self-map), contents, PFN,
// flag letters, and why the walk ended. Rendering is separate (src/render/pte.ts).
import type { PteState, Translation } from './address-space.js';
import { explainPte, pteFlagLetters, ptePfn } from './pte.js';
import { selfMapEntry } from './x64-paging.js';

export interface PteLevelReport {
  name: string;
  entryVa?: bigint;
  entryPa?: number;
  contents?: bigint;
  valid: boolean;
  pfn?: number;
  flags?: string;
  large?: boolean;
}

export interface PteReport {
  va: bigint;
  levels: PteLevelReport[];
  state: PteState;
  /** The explanation under a non-present entry ("Page has been freed"), or the reason the walk stopped. */
  explanation?: string;
  pa?: number;
}

export function pteReport(t: Translation, pteBase?: bigint, levelsCount = 4): PteReport {
  // Entry VAs through the self-map (PTE first, then each level up), when the base is known.
  const vas: bigint[] = [];
  if (pteBase !== undefined) {
    let e = t.va;
    for (let i = 0; i < levelsCount; i++) {
      e = selfMapEntry(e, pteBase, levelsCount);
      vas.unshift(e);
    }
  }
  const levels = t.levels.map((l, i) => ({
    name: l.name,
    entryVa: l.entryVa ?? vas[i],
    entryPa: l.entryPa,
    contents: l.value,
    valid: l.valid,
    pfn: l.valid && l.value !== undefined ? ptePfn(l.value) : undefined,
    flags: l.valid && l.value !== undefined ? pteFlagLetters(l.value) : undefined,
    large: l.large,
  }));
  const explanation = t.pa !== undefined ? undefined : t.state.kind === 'zero' || t.state.kind === 'not-in-dump' ? t.reason : explainPte(t.state);
  return { va: t.va, levels, state: t.state, explanation, pa: t.pa };
}
