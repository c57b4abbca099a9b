// Windows x64 page table entries: the hardware bits of a valid entry, and the software formats of a
// non-present one (transition, prototype, page file, demand zero, freed), which say *why* memory is missing.
// Bit positions default to Windows 10/11 x64 (checked against the 19041 kernel's _MMPTE_* types in tests)
// and can be taken from a type source by name when one is loaded.
import type { PteState } from './address-space.js';
import { findField, type Type } from '../symbols/types.js';

export type BitField = [position: number, length: number];

export interface PteLayout {
  software: { Protection: BitField; Prototype: BitField; Transition: BitField; PageFileLow: BitField; PageFileHigh: BitField };
  transition: { PageFrameNumber: BitField; Protection: BitField };
  prototype: { ProtoAddress: BitField };
}

export const DEFAULT_PTE_LAYOUT: PteLayout = {
  software: { Protection: [5, 5], Prototype: [10, 1], Transition: [11, 1], PageFileLow: [12, 4], PageFileHigh: [32, 32] },
  transition: { PageFrameNumber: [12, 36], Protection: [5, 5] },
  prototype: { ProtoAddress: [16, 48] },
};

/** Builds the layout from _MMPTE_SOFTWARE/_TRANSITION/_PROTOTYPE types, falling back per field to the default. */
export function pteLayoutFromTypes(find: (name: string) => Type | undefined): PteLayout {
  const pick = <K extends string>(typeName: string, def: Record<K, BitField>): Record<K, BitField> => {
    const t = find(typeName);
    const out = { ...def };
    if (t?.kind !== 'udt') return out;
    for (const k of Object.keys(def) as K[]) {
      const f = findField(t, k);
      if (f?.bitPosition !== undefined && f.bitLength !== undefined) out[k] = [f.bitPosition, f.bitLength];
    }
    return out;
  };
  return {
    software: pick('_MMPTE_SOFTWARE', DEFAULT_PTE_LAYOUT.software),
    transition: pick('_MMPTE_TRANSITION', DEFAULT_PTE_LAYOUT.transition),
    prototype: pick('_MMPTE_PROTOTYPE', DEFAULT_PTE_LAYOUT.prototype),
  };
}

export function bits(v: bigint, [pos, len]: BitField): bigint {
  return (v >> BigInt(pos)) & ((1n << BigInt(len)) - 1n);
}

/** PFN of a valid hardware entry (bits 12..51). */
export function ptePfn(v: bigint): number {
  return Number((v >> 12n) & 0xffffffffffn);
}

/**
 * WinDbg's 11 flag letters for a valid entry, e.g. `---DA--KWEV`:
 * C copy-on-write, G global, L large page, D dirty, A accessed, N cache disabled, T write-through,
 * U/K user/kernel, W/R writable/read-only, E/- executable/no-execute, V valid.
 */
export function pteFlagLetters(v: bigint): string {
  const b = (n: number) => ((v >> BigInt(n)) & 1n) === 1n;
  return [
    b(9) ? 'C' : '-',
    b(8) ? 'G' : '-',
    b(7) ? 'L' : '-',
    b(6) ? 'D' : '-',
    b(5) ? 'A' : '-',
    b(4) ? 'N' : '-',
    b(3) ? 'T' : '-',
    b(2) ? 'U' : 'K',
    b(1) ? 'W' : 'R',
    b(63) ? '-' : 'E',
    b(0) ? 'V' : '-',
  ].join('');
}

const PROTECTIONS = [
  'NOACCESS', 'READONLY', 'EXECUTE', 'EXECUTE_READ', 'READWRITE', 'WRITECOPY', 'EXECUTE_READWRITE', 'EXECUTE_WRITECOPY',
];

/** The 5-bit software protection in words ('READWRITE', 'NOCACHE READONLY', …). */
export function protectionName(p: number): string {
  const base = PROTECTIONS[p & 7];
  const mod = p >> 3;
  return mod === 1 ? `NOCACHE ${base}` : mod === 2 ? `GUARD ${base}` : mod === 3 ? `WRITECOMBINE ${base}` : base;
}

/** Decodes an entry's state. `pageFileCount` is not needed: the page file number is in PageFileLow. */
export function decodePte(v: bigint, layout: PteLayout = DEFAULT_PTE_LAYOUT): PteState {
  if (v & 1n) return { kind: 'valid', pfn: ptePfn(v) };
  if (v === 0n) return { kind: 'zero' };
  const s = layout.software;
  if (bits(v, s.Prototype) === 1n) {
    let proto = bits(v, layout.prototype.ProtoAddress);
    const [, len] = layout.prototype.ProtoAddress;
    if (proto & (1n << BigInt(len - 1))) proto |= ~((1n << BigInt(len)) - 1n) & 0xffffffffffffffffn; // sign-extend
    return { kind: 'prototype', protoAddress: proto };
  }
  const protection = Number(bits(v, s.Protection));
  if (bits(v, s.Transition) === 1n) return { kind: 'transition', pfn: Number(bits(v, layout.transition.PageFrameNumber)), protection };
  if (protection === 0) return { kind: 'freed', raw: v };
  const high = bits(v, s.PageFileHigh);
  const low = Number(bits(v, s.PageFileLow));
  if (high === 0n) return { kind: 'demand-zero', protection };
  return { kind: 'pagefile', pageFileNumber: low, pageFileOffset: Number(high) * 0x1000, protection };
}

/** The explanation line `!pte` prints under a non-present entry. */
export function explainPte(state: PteState): string {
  switch (state.kind) {
    case 'valid':
      return `pfn ${state.pfn.toString(16)}`;
    case 'zero':
      return 'the entry is zero (the address was never mapped)';
    case 'freed':
      return 'Page has been freed';
    case 'transition':
      return `Transition: ${state.pfn.toString(16)}  Protect: ${state.protection.toString(16)} - ${protectionName(state.protection)}`;
    case 'prototype':
      return `Proto: ${state.protoAddress.toString(16)}`;
    case 'pagefile':
      return `PageFile: ${state.pageFileNumber}  Offset: ${state.pageFileOffset.toString(16)}  Protect: ${state.protection.toString(16)} - ${protectionName(state.protection)}`;
    case 'demand-zero':
      return `DemandZero  Protect: ${state.protection.toString(16)} - ${protectionName(state.protection)}`;
    case 'not-in-dump':
      return 'the page table page is not in this dump';
  }
}
