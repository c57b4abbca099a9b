// Page-table walks without physical memory: the paging entries of an address are read at their virtual
// addresses in the page-table self-map (MmPteBase). Small dumps that captured those pages (as dumpscope's
// triage conversion does for the addresses a crash involves) can then answer `!pte` and freed-page questions.
import { isCanonical48 } from '../util/hex.js';
import type { AddressSpace, PagingLevel, Translation } from './address-space.js';
import { decodePte, explainPte } from './pte.js';
import { selfMapEntry } from './x64-paging.js';

const NAMES = ['PXE', 'PPE', 'PDE', 'PTE'];

/** The four self-map entry addresses of `va` (PXE first). */
export function selfMapEntries(va: bigint, pteBase: bigint): bigint[] {
  const out: bigint[] = [];
  let e = va;
  for (let i = 0; i < 4; i++) {
    e = selfMapEntry(e, pteBase, 4);
    out.unshift(e);
  }
  return out;
}

export async function selfMapTranslate(memory: AddressSpace, pteBase: bigint, va: bigint): Promise<Translation> {
  const levels: PagingLevel[] = [];
  if (!isCanonical48(va)) return { va, levels, state: { kind: 'zero' }, reason: 'address is not canonical (bits 48-63 must copy bit 47)' };
  const entries = selfMapEntries(va, pteBase);
  for (let i = 0; i < 4; i++) {
    const rec: PagingLevel = { name: NAMES[i], entryVa: entries[i], valid: false };
    levels.push(rec);
    const b = await memory.read(entries[i], 8).catch(() => undefined);
    if (!b) return { va, levels, state: { kind: 'not-in-dump' }, reason: `${NAMES[i]} at ${entries[i].toString(16)} is not in this dump` };
    const value = new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
    rec.value = value;
    const state = decodePte(value);
    if (state.kind !== 'valid') return { va, levels, state, reason: `${NAMES[i]} not valid: ${explainPte(state)}` };
    rec.valid = true;
    if ((value & 0x80n) !== 0n && (i === 1 || i === 2)) {
      rec.large = true;
      const span = 1n << BigInt(12 + 9 * (3 - i));
      const base = (value & 0x000ffffffffff000n) & ~(span - 1n);
      return { va, levels, pa: Number(base + (va & (span - 1n))), state: { kind: 'valid', pfn: Number((base + (va & (span - 1n))) >> 12n) } };
    }
    if (i === 3) {
      const pfn = Number((value >> 12n) & 0xfffffffffn);
      return { va, levels, pa: pfn * 4096 + Number(va & 0xfffn), state: { kind: 'valid', pfn } };
    }
  }
  return { va, levels, state: { kind: 'zero' } };
}
