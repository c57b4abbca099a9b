// Where the function containing an address starts (and ends, when known), for `ub` and `uf`: the image's
// .pdata entry first; leaf functions have none, so then the PDB/ISF function symbol that contains it.
import type { KernelTarget } from '../../target/kernel-target.js';

export interface FunctionExtent {
  start: bigint;
  /** Exclusive end, when .pdata or the symbol's size gives it. */
  end?: bigint;
  source: 'pdata' | 'symbol';
}

/** A public symbol this far below an address is not taken as its function (publics carry no size). */
const MAX_UNSIZED_DISPLACEMENT = 0x10000;

export async function functionContaining(t: KernelTarget, address: bigint): Promise<FunctionExtent | undefined> {
  const m = t.modules.at(address);
  if (!m) return undefined;
  const rva = Number(address - m.base);
  const img = await t.image(m);
  const fn = img.image ? await img.image.functionAt(rva).catch(() => undefined) : undefined;
  if (fn) return { start: m.base + BigInt(fn.begin), end: m.base + BigInt(fn.end), source: 'pdata' };
  const syms = await t.moduleSymbols(m);
  const hit = syms.source ? await syms.source.symbolAt(rva).catch(() => undefined) : undefined;
  if (!hit || (hit.symbol.kind === 'data' && !hit.symbol.isFunction)) return undefined;
  const size = hit.symbol.size;
  if (size ? hit.displacement >= size : hit.displacement >= MAX_UNSIZED_DISPLACEMENT) return undefined;
  const start = m.base + BigInt(hit.symbol.rva);
  return { start, end: size ? start + BigInt(size) : undefined, source: 'symbol' };
}

/** At most this many .pdata starts are taken as `ub` anchors from one window. */
const MAX_ANCHORS = 4096;

/**
 * Addresses in [lo, hi) known to start an instruction: the .pdata function starts of the modules there
 * (bounded), for `ub`'s backward decoding.
 */
export async function functionStartsIn(t: KernelTarget, lo: bigint, hi: bigint): Promise<bigint[]> {
  const out: bigint[] = [];
  for (const at of [lo, hi - 1n]) {
    const m = t.modules.at(at);
    if (!m || out.length >= MAX_ANCHORS) continue;
    const img = await t.image(m);
    const table = img.image ? await img.image.runtimeFunctions().catch(() => []) : [];
    const from = Number((lo > m.base ? lo : m.base) - m.base);
    const to = Number(hi - m.base);
    // Binary search for the first entry at or after `from`; the table is sorted by begin.
    let a = 0;
    let b = table.length;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (table[mid].begin < from) a = mid + 1;
      else b = mid;
    }
    for (let i = a; i < table.length && table[i].begin < to && out.length < MAX_ANCHORS; i++) out.push(m.base + BigInt(table[i].begin));
    if (t.modules.at(hi - 1n) === m) break;
  }
  return out;
}
