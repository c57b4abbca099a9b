// Scenario dumps whose kernel lists loop or point at themselves, and whose pool pages hold header chains
// that never advance. The addresses come from the good dump's own model (list heads, entries, the pool
// block's header found by its tag), the offsets from the scenario kernel's types by field name; the
// patches are written into a copy of the page set, which is then written in the layout under test.
import type { BuiltScenario } from '../../src/scenario/scenarios.js';
import { resolveField } from '../../src/target/struct-view.js';
import { walkList } from '../../src/target/list-walk.js';
import { CachedSymbols, openBytes } from './fuzz-session.js';
import { SCENARIO_SYMBOLS, writeLayout } from './fuzz-inputs.js';
import { PAGE } from './fuzz-mutate.js';

/** One damaged variant of a scenario: what was done, and its pages. */
export interface Variant {
  what: string;
  pages: Map<number, Uint8Array>;
  /** What the output must say about it (a walk note), when the damage is one the walkers can name. */
  expect?: RegExp;
}

const VALID = 1n;
const PFN = 0x000ffffffffff000n;

/** Virtual page → physical frame of every kernel mapping, walked from the page tables in the page set. */
export function kernelMappings(pages: ReadonlyMap<number, Uint8Array>, dtb: bigint): Map<bigint, number> {
  const out = new Map<bigint, number>();
  const entries = (pfn: number) => {
    const p = pages.get(pfn);
    return p ? new DataView(p.buffer, p.byteOffset, PAGE) : undefined;
  };
  const root = Number(dtb >> 12n);
  const pml4 = entries(root);
  if (!pml4) return out;
  for (let i = 256; i < 512; i++) {
    const e4 = pml4.getBigUint64(i * 8, true);
    if (!(e4 & VALID) || Number((e4 & PFN) >> 12n) === root) continue; // absent, or the self-map
    const pdpt = entries(Number((e4 & PFN) >> 12n));
    for (let j = 0; pdpt && j < 512; j++) {
      const e3 = pdpt.getBigUint64(j * 8, true);
      if (!(e3 & VALID) || e3 & 0x80n) continue;
      const pd = entries(Number((e3 & PFN) >> 12n));
      for (let k = 0; pd && k < 512; k++) {
        const e2 = pd.getBigUint64(k * 8, true);
        if (!(e2 & VALID)) continue;
        const va2 = 0xffff000000000000n | (BigInt(i) << 39n) | (BigInt(j) << 30n) | (BigInt(k) << 21n);
        if (e2 & 0x80n) {
          for (let l = 0; l < 512; l++) out.set(va2 | (BigInt(l) << 12n), Number((e2 & PFN) >> 12n) + l);
          continue;
        }
        const pt = entries(Number((e2 & PFN) >> 12n));
        for (let l = 0; pt && l < 512; l++) {
          const e1 = pt.getBigUint64(l * 8, true);
          if (e1 & VALID) out.set(va2 | (BigInt(l) << 12n), Number((e1 & PFN) >> 12n));
        }
      }
    }
  }
  return out;
}

/** A copy-on-write page set with writes by virtual address. */
class Patch {
  readonly pages: Map<number, Uint8Array>;
  constructor(
    base: ReadonlyMap<number, Uint8Array>,
    private readonly map: Map<bigint, number>,
  ) {
    this.pages = new Map(base);
  }
  private at(va: bigint): { page: Uint8Array; off: number } {
    const pfn = this.map.get(va & ~0xfffn);
    const p = pfn === undefined ? undefined : this.pages.get(pfn);
    if (pfn === undefined || !p) throw new Error(`scenario address ${va.toString(16)} is not mapped`);
    const copy = p.slice();
    this.pages.set(pfn, copy);
    return { page: copy, off: Number(va & 0xfffn) };
  }
  u64(va: bigint, v: bigint): this {
    const { page, off } = this.at(va);
    new DataView(page.buffer).setBigUint64(off, BigInt.asUintN(64, v), true);
    return this;
  }
  /** Sets a (bit)field of `size` bytes at `va`. */
  bits(va: bigint, size: number, pos: number, len: number, v: bigint): this {
    const { page, off } = this.at(va);
    let cur = 0n;
    for (let i = size - 1; i >= 0; i--) cur = (cur << 8n) | BigInt(page[off + i]);
    const mask = ((1n << BigInt(len)) - 1n) << BigInt(pos);
    cur = (cur & ~mask) | ((v << BigInt(pos)) & mask);
    for (let i = 0; i < size; i++) page[off + i] = Number((cur >> BigInt(8 * i)) & 0xffn);
    return this;
  }
  read64(va: bigint): bigint {
    const pfn = this.map.get(va & ~0xfffn);
    const p = pfn === undefined ? undefined : this.pages.get(pfn);
    if (!p) throw new Error(`scenario address ${va.toString(16)} is not mapped`);
    return new DataView(p.buffer, p.byteOffset).getBigUint64(Number(va & 0xfffn), true);
  }
}

/** Loops, self-links, null and wild links in one list (head and the link fields of its entries). */
function listVariants(list: string, head: bigint, links: bigint[], s: BuiltScenario, map: Map<bigint, number>, flink: number, blink: number): Variant[] {
  const v = (what: string, expect: RegExp | undefined, f: (p: Patch) => void): Variant => {
    const p = new Patch(s.pages, map);
    f(p);
    return { what: `${list}: ${what}`, pages: p.pages, expect };
  };
  const first = links[0];
  const last = links[links.length - 1];
  const out = [
    v('the first entry links to itself', /loops back/, (p) => p.u64(first + BigInt(flink), first)),
    v('the last entry links back to the first (a ring without the head)', /loops back/, (p) => p.u64(last + BigInt(flink), first)),
    v('the first entry has a null Flink', /null link/, (p) => p.u64(first + BigInt(flink), 0n)),
    v('the first entry links to unmapped memory', /unreadable/, (p) => p.u64(first + BigInt(flink), 0xffffd7ff00000000n)),
    v('the first entry links to a non-canonical address', /unreadable/, (p) => p.u64(first + BigInt(flink), 0x8000000000000000n)),
    v('the head and every entry have Blink pointing at themselves', undefined, (p) => {
      p.u64(head + BigInt(blink), head);
      for (const l of links) p.u64(l + BigInt(blink), l);
    }),
  ];
  if (links.length > 1) out.push(v('the second entry links back to the first (a two-entry ring)', /loops back/, (p) => p.u64(links[1] + BigInt(flink), first)));
  return out;
}

/**
 * The damaged variants of a scenario: its process list, the System process's thread list, the loaded
 * module list, structures pointing at themselves, and (when the scenario has one) its 'WrB1' pool page.
 */
export async function cyclicVariants(s: BuiltScenario): Promise<{ variants: Variant[]; poolPage?: bigint }> {
  const full = await writeLayout(s, 'full');
  const symbols = new CachedSymbols(SCENARIO_SYMBOLS);
  try {
    const { target } = await openBytes(full, 'scenario.dmp', symbols);
    const kt = await target.kernelTypes();
    const nt = target.modules.modules[0];
    if (!kt || !nt) throw new Error('the scenario dump has no kernel types');
    const map = kernelMappings(s.pages, s.facts.directoryTableBase);
    const flink = await kt.offsetOf('_LIST_ENTRY', 'Flink');
    const blink = await kt.offsetOf('_LIST_ENTRY', 'Blink');
    const variants: Variant[] = [];

    const procHead = (await kt.global(nt.base, 'PsActiveProcessHead')) as bigint;
    const procOff = await kt.offsetOf('_EPROCESS', 'ActiveProcessLinks');
    const procs = await walkList(target.memory, procHead, procOff);
    variants.push(...listVariants('process list (PsActiveProcessHead)', procHead, procs.items.map((a) => a + BigInt(procOff)), s, map, flink, blink));

    const system = procs.items[0];
    const threadHead = system + BigInt(await kt.offsetOf('_EPROCESS', 'ThreadListHead'));
    const threadOff = await kt.offsetOf('_ETHREAD', 'ThreadListEntry');
    const threads = await walkList(target.memory, threadHead, threadOff);
    variants.push(...listVariants('System thread list (EPROCESS.ThreadListHead)', threadHead, threads.items.map((a) => a + BigInt(threadOff)), s, map, flink, blink));

    const modHead = (await kt.global(nt.base, 'PsLoadedModuleList')) as bigint;
    const modOff = await kt.offsetOf('_KLDR_DATA_TABLE_ENTRY', 'InLoadOrderLinks');
    const mods = await walkList(target.memory, modHead, modOff);
    variants.push(...listVariants('loaded-module list (PsLoadedModuleList)', modHead, mods.items.map((a) => a + BigInt(modOff)), s, map, flink, blink));

    // Structures that point at themselves where another kind of object belongs.
    const crash = await target.crashState();
    const self = async (what: string, f: (p: Patch) => Promise<unknown>) => {
      const p = new Patch(s.pages, map);
      await f(p);
      variants.push({ what, pages: p.pages });
    };
    const prcb = crash.prcb?.address;
    const thread = crash.thread?.address;
    if (prcb !== undefined) await self('KPRCB.CurrentThread points at the PRCB itself', async (p) => p.u64(prcb + BigInt(await kt.offsetOf('_KPRCB', 'CurrentThread')), prcb));
    if (thread !== undefined) {
      await self("the crashing thread's ApcState.Process points at the thread itself", async (p) => p.u64(thread + BigInt(await kt.offsetOf('_KTHREAD', 'ApcState.Process')), thread));
      await self("the crashing thread's StackBase and StackLimit are swapped", async (p) => {
        const base = thread + BigInt(await kt.offsetOf('_KTHREAD', 'StackBase'));
        const limit = thread + BigInt(await kt.offsetOf('_KTHREAD', 'StackLimit'));
        const b = p.read64(base);
        p.u64(base, p.read64(limit)).u64(limit, b);
      });
    }

    // Pool: the 'WrB1' block's header, found by its tag in the mapped kernel pages.
    const ph = await kt.struct('_POOL_HEADER');
    const tagAt = resolveField(ph, 'PoolTag');
    const size = resolveField(ph, 'BlockSize');
    const prev = resolveField(ph, 'PreviousSize');
    const type = resolveField(ph, 'PoolType');
    let header: bigint | undefined;
    for (const [va, pfn] of map) {
      const page = s.pages.get(pfn);
      if (!page || !tagAt) continue;
      const dv = new DataView(page.buffer, page.byteOffset, PAGE);
      for (let off = 0; off + 16 <= PAGE && header === undefined; off += 16) if (dv.getUint32(off + tagAt.offset, true) === 0x31427257) header = va + BigInt(off);
      if (header !== undefined) break;
    }
    let poolPage: bigint | undefined;
    if (header !== undefined && size && prev && type) {
      poolPage = header & ~0xfffn;
      const set = (p: Patch, at: bigint, f: typeof size, value: bigint) => p.bits(at + BigInt(f.offset), f.type.size, f.bitPosition ?? 0, f.bitLength ?? f.type.size * 8, value);
      const maxSize = (1n << BigInt(size.bitLength ?? size.type.size * 8)) - 1n;
      const pv = (what: string, f: (p: Patch) => void) => {
        const p = new Patch(s.pages, map);
        f(p);
        variants.push({ what: `pool page ${poolPage?.toString(16)}: ${what}`, pages: p.pages });
      };
      const h = header;
      const page = poolPage;
      pv("the 'WrB1' header's BlockSize is 0 (the chain cannot advance)", (p) => set(p, h, size, 0n));
      pv("the 'WrB1' header's BlockSize runs past the page", (p) => set(p, h, size, maxSize));
      pv("the 'WrB1' header's PreviousSize reaches back before the page", (p) => set(p, h, prev, maxSize));
      pv('an allocated header of BlockSize 0 at the page start (a chain that loops in place)', (p) => {
        set(p, page, size, 0n);
        set(p, page, type, 2n);
        p.bits(page + BigInt(tagAt?.offset ?? 4), 4, 0, 32, 0x706f6f4cn); // 'Loop'
      });
      pv('a header of BlockSize 1 in every 16-byte slot of the page (the most blocks a page holds)', (p) => {
        for (let off = 0n; off < 0x1000n; off += 16n) {
          set(p, page + off, size, 1n);
          set(p, page + off, prev, off ? 1n : 0n);
          set(p, page + off, type, 2n);
        }
      });
    }
    return { variants, poolPage };
  } finally {
    await symbols.close();
  }
}
