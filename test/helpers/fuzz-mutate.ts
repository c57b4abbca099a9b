// Mutations for fuzz cases: cuts at page boundaries, extreme values written into named fields, random
// bit flips and overwrites, and pointer rewrites confined to a dump's memory pages. Each mutation has a
// text form printed with a failure, so the case can be rebuilt by hand.
import fc from 'fast-check';
import { LONG_FUZZ } from './fuzz-budget.js';

export const PAGE = 4096;

/** The extremes of the issue: 0, 1, 0x7fffffff, 0xffffffff, 2^53, 2^63, 2^64-1. */
export const EXTREMES: readonly bigint[] = [0n, 1n, 0x7fffffffn, 0xffffffffn, 1n << 53n, 1n << 63n, (1n << 64n) - 1n];

/** A field of a file format: where it is, how wide, and its name in the format's documentation. */
export interface Field {
  name: string;
  offset: number;
  width: 1 | 2 | 4 | 8;
}

/** The extremes as a field of `width` bytes holds them (low bytes, little-endian), plus its signed maximum. */
export function extremesFor(width: Field['width']): bigint[] {
  const mask = (1n << BigInt(width * 8)) - 1n;
  const out = new Set<bigint>(EXTREMES.map((v) => v & mask));
  out.add(mask >> 1n);
  return [...out];
}

export function readField(bytes: Uint8Array, f: Field): bigint {
  let v = 0n;
  for (let i = f.width - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[f.offset + i] ?? 0);
  return v;
}

/** A copy of `good` with `value` in field `f`. */
export function withField(good: Uint8Array, f: Field, value: bigint): Uint8Array {
  const b = good.slice();
  for (let i = 0; i < f.width && f.offset + i < b.length; i++) b[f.offset + i] = Number((value >> BigInt(8 * i)) & 0xffn);
  return b;
}

export function fieldMutationText(f: Field, value: bigint): string {
  return `u${f.width * 8} ${f.name} at file offset 0x${f.offset.toString(16)} = 0x${value.toString(16)}`;
}

/** Every 4 KiB boundary inside a file of `size` bytes, from 0 (an empty file) up. */
export function pageBoundaries(size: number): number[] {
  const out: number[] = [];
  for (let at = 0; at < size; at += PAGE) out.push(at);
  return out;
}

/** `n` items spread evenly over `list`, always with its first and last (a deterministic sample). */
export function spread<T>(list: readonly T[], n: number): T[] {
  if (list.length <= n) return [...list];
  if (n <= 1) return [list[0]];
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(list[Math.round((i * (list.length - 1)) / (n - 1))]);
  return [...new Set(out)];
}

/**
 * The cuts of a truncation sweep: every page boundary under `npm run fuzz`, and in the default budget too
 * when there are at most `ciMax`; otherwise the first `head` boundaries (where headers and tables lie)
 * and an even spread of the rest.
 */
export function cutsFor(size: number, ciMax: number, head = 8): number[] {
  const all = pageBoundaries(size);
  if (LONG_FUZZ || all.length <= ciMax) return all;
  return [...new Set([...all.slice(0, head), ...spread(all.slice(head), ciMax - head)])];
}

/** Random damage anywhere in a file: bit flips, 32- and 64-bit extremes, and an optional cut. */
export interface Damage {
  flips: [number, number][];
  values: [number, bigint, 4 | 8][];
  cut?: number;
}

export function damage(len: number): fc.Arbitrary<Damage> {
  return fc.record({
    flips: fc.array(fc.tuple(fc.nat(len - 1), fc.integer({ min: 1, max: 255 })), { maxLength: 6 }),
    values: fc.array(fc.tuple(fc.nat(len - 1), fc.constantFrom(...EXTREMES), fc.constantFrom(4 as const, 8 as const)), { maxLength: 3 }),
    cut: fc.option(fc.nat(len), { nil: undefined }),
  });
}

export function applyDamage(good: Uint8Array, m: Damage): Uint8Array {
  const b = good.slice(0, m.cut === undefined ? good.length : m.cut);
  for (const [at, x] of m.flips) if (at < b.length) b[at] ^= x;
  for (const [at, v, w] of m.values) for (let i = 0; i < w && at + i < b.length; i++) b[at + i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return b;
}

export function damageText(m: Damage): string {
  const parts = [
    ...m.flips.map(([at, x]) => `xor 0x${x.toString(16)} at 0x${at.toString(16)}`),
    ...m.values.map(([at, v, w]) => `u${w * 8} 0x${v.toString(16)} at 0x${at.toString(16)}`),
    ...(m.cut === undefined ? [] : [`cut at 0x${m.cut.toString(16)}`]),
  ];
  return parts.length ? parts.join(', ') : 'none';
}

/** File offsets of the 8-byte-aligned values in [start, end) that look like kernel pointers (upper canonical half). */
export function kernelPointerSlots(bytes: Uint8Array, start: number, end: number): number[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const out: number[] = [];
  for (let at = start; at + 8 <= end; at += 8) {
    const v = dv.getBigUint64(at, true);
    if (v >> 47n === 0x1ffffn && v !== 0xffffffffffffffffn && (v & 0xffff_ffffn) !== 0n) out.push(at);
  }
  return out;
}

/** What a pointer is replaced with: an extreme, another pointer of the dump (aliasing, cycles), or itself shifted. */
export type PointerEdit = { slot: number; to: { extreme: bigint } | { otherSlot: number } | { delta: number } };

/** A whole page of memory replaced: zeros, one repeated byte, or a copy of another page (one object over another). */
export type PageEdit = { page: number; fill: number } | { page: number; copyOf: number };

/** Memory-only damage: pointer rewrites, page overwrites and bit flips inside [start, end) of the file (never the headers). */
export interface MemoryDamage {
  pointers: PointerEdit[];
  pages: PageEdit[];
  flips: [number, number][];
}

export function memoryDamage(slots: number, pageBytes: number): fc.Arbitrary<MemoryDamage> {
  const to = fc.oneof(
    fc.record({ extreme: fc.constantFrom(...EXTREMES) }),
    fc.record({ otherSlot: fc.nat(slots - 1) }),
    fc.record({ delta: fc.constantFrom(-0x1000, -16, -8, 8, 16, 0x1000) }),
  );
  const pages = Math.max(1, Math.floor(pageBytes / PAGE));
  const page = fc.oneof(fc.record({ page: fc.nat(pages - 1), fill: fc.constantFrom(0, 0xff, 0x41) }), fc.record({ page: fc.nat(pages - 1), copyOf: fc.nat(pages - 1) }));
  return fc.record({
    pointers: fc.array(fc.record({ slot: fc.nat(slots - 1), to }), { minLength: 1, maxLength: 4 }),
    pages: fc.array(page, { maxLength: 1 }),
    flips: fc.array(fc.tuple(fc.nat(pageBytes - 1), fc.integer({ min: 1, max: 255 })), { maxLength: 3 }),
  });
}

export function applyMemoryDamage(good: Uint8Array, slotOffsets: readonly number[], start: number, m: MemoryDamage): Uint8Array {
  const b = good.slice();
  const dv = new DataView(b.buffer);
  const gdv = new DataView(good.buffer, good.byteOffset, good.length);
  for (const p of m.pointers) {
    const at = slotOffsets[p.slot];
    const old = gdv.getBigUint64(at, true);
    const v = 'extreme' in p.to ? p.to.extreme : 'otherSlot' in p.to ? gdv.getBigUint64(slotOffsets[p.to.otherSlot], true) : BigInt.asUintN(64, old + BigInt(p.to.delta));
    dv.setBigUint64(at, v, true);
  }
  for (const p of m.pages) {
    const at = start + p.page * PAGE;
    if ('fill' in p) b.fill(p.fill, at, Math.min(at + PAGE, b.length));
    else b.copyWithin(at, start + p.copyOf * PAGE, Math.min(start + (p.copyOf + 1) * PAGE, b.length));
  }
  for (const [off, x] of m.flips) if (start + off < b.length) b[start + off] ^= x;
  return b;
}

export function memoryDamageText(slotOffsets: readonly number[], start: number, m: MemoryDamage): string {
  const ptr = m.pointers.map((p) => {
    const at = `qword at file offset 0x${slotOffsets[p.slot].toString(16)}`;
    if ('extreme' in p.to) return `${at} = 0x${p.to.extreme.toString(16)}`;
    if ('otherSlot' in p.to) return `${at} = the qword at 0x${slotOffsets[p.to.otherSlot].toString(16)}`;
    return `${at} += ${p.to.delta}`;
  });
  const pages = m.pages.map((p) => `page at file offset 0x${(start + p.page * PAGE).toString(16)} ${'fill' in p ? `filled with 0x${p.fill.toString(16)}` : `replaced by the page at 0x${(start + p.copyOf * PAGE).toString(16)}`}`);
  return [...ptr, ...pages, ...m.flips.map(([o, x]) => `xor 0x${x.toString(16)} at 0x${(start + o).toString(16)}`)].join(', ');
}
