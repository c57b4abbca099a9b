// What a faulting address is, for READ_ADDRESS / WRITE_ADDRESS: user space, non-canonical, a loaded or
// unloaded driver, page tables, a thread stack, freed or unmapped memory — and "Paged pool" / "Nonpaged
// pool" only when the dump proves it: the kernel's VA-region map (MiVisibleState->SystemVaType, read by
// field and enum name) or the PoolType of the pool block that contains the address.
import type { PteState } from '../memory/address-space.js';
import type { EnumType } from '../symbols/types.js';
import type { KernelTarget } from '../target/kernel-target.js';
import type { UnloadedModuleInfo } from '../target/modules.js';
import { type KernelTypes, resolveField } from '../target/struct-view.js';
import { addr64 } from '../util/hex.js';
import { poolKind, poolPage } from './pool-page.js';

export interface Region {
  /** The words after the address ('Paged pool', 'freed memory (…)'); undefined when nothing is proven. */
  text?: string;
  /** How that was established, and the command that shows it. */
  evidence?: { fact: string; command?: string };
  /** The unloaded driver whose old range holds the address. */
  unloaded?: UnloadedModuleInfo;
}

const KERNEL_HALF = 0xffff800000000000n;

/** _MI_SYSTEM_VA_TYPE constants → the names WinDbg prints after the address. */
const VA_TYPE_TEXT: Record<string, string> = {
  MiVaPagedPool: 'Paged pool',
  MiVaNonPagedPool: 'Nonpaged pool',
  MiVaSecureNonPagedPool: 'Secure nonpaged pool',
  MiVaSpecialPoolPaged: 'Special pool',
  MiVaSessionSpace: 'Session space',
  MiVaSessionGlobalSpace: 'Session space',
  MiVaSystemPtes: 'System PTEs',
  MiVaSystemPtesLarge: 'System PTEs',
  MiVaKernelStacks: 'Kernel stacks',
  MiVaPfnDatabase: 'PFN database',
  MiVaSystemCache: 'System cache',
  MiVaDriverImages: 'Driver images',
  MiVaBootLoaded: 'Boot-loaded images',
  MiVaHal: 'HAL',
};

/**
 * What a PTE that does not map a page says about the address: paged out, in transition, demand-zero and
 * prototype PTEs describe pageable memory that is simply not resident; only freed and empty entries
 * describe memory that is not there at all.
 */
export function notResidentText(state: PteState, reason?: string): string | undefined {
  switch (state.kind) {
    case 'freed':
      return 'freed memory (the PTE says the page was freed)';
    case 'pagefile':
      return `paged out (in the page file: PageFile ${state.pageFileNumber}, offset ${state.pageFileOffset.toString(16)})`;
    case 'transition':
      return `in transition (on a standby or modified list, PFN ${state.pfn.toString(16)}: pageable, not mapped right now)`;
    case 'demand-zero':
      return 'demand-zero (pageable memory never touched yet: no page behind it)';
    case 'prototype':
      return `not resident (a prototype PTE at ${addr64(state.protoAddress)}: shared pageable memory)`;
    case 'zero':
      return `kernel memory that is not mapped (${reason ?? 'its paging entry is zero'})`;
    default:
      return undefined;
  }
}

/** "2023-09-23 12:14:13 UTC", or undefined. */
function utc(iso?: string): string | undefined {
  if (!iso) return undefined;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? undefined : `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function unloadedText(u: UnloadedModuleInfo): string {
  const when = utc(u.unloadTime);
  return `unloaded driver ${u.imageName} (${when ? `unloaded at ${when}` : 'unload time not recorded'})`;
}

/**
 * The kernel's map of its upper half: MiVisibleState points at _MI_VISIBLE_STATE, whose SystemVaType
 * array holds one _MI_SYSTEM_VA_TYPE per 1/256 of the kernel half (512 GB, one PML4 entry).
 */
export async function vaRegion(kt: KernelTypes, memory: { read(va: bigint, n: number): Promise<Uint8Array> }, ntBase: bigint, va: bigint): Promise<Region | undefined> {
  if (va < KERNEL_HALF) return undefined;
  const at = await kt.global(ntBase, 'MiVisibleState').catch(() => undefined);
  const vis = await kt.struct('_MI_VISIBLE_STATE').catch(() => undefined);
  const en = (await kt.source.findType('_MI_SYSTEM_VA_TYPE').catch(() => undefined)) as EnumType | undefined;
  const field = vis ? resolveField(vis, 'SystemVaType') : undefined;
  if (at === undefined || !field || field.type.kind !== 'array' || field.type.element.size !== 1 || en?.kind !== 'enum') return undefined;
  try {
    const p = await memory.read(at, 8);
    const state = new DataView(p.buffer, p.byteOffset, 8).getBigUint64(0, true);
    if (state < KERNEL_HALF) return undefined; // not a kernel pointer: the map cannot be trusted
    const slots = field.type.count;
    const index = Number((va - KERNEL_HALF) / ((1n << 47n) / BigInt(slots)));
    if (index >= slots) return undefined;
    const [value] = await memory.read(state + BigInt(field.offset + index), 1);
    const name = en.enumerators.find((e) => e.value === BigInt(value))?.name;
    const text = name ? VA_TYPE_TEXT[name] : undefined;
    if (!text) return undefined;
    const slot = state + BigInt(field.offset + index);
    return { text, evidence: { fact: `MiVisibleState->SystemVaType[0x${index.toString(16)}] = ${name} (the kernel's region map)`, command: `db ${slot.toString(16)} L1` } };
  } catch {
    return undefined;
  }
}

/** The region of `va`, as far as the dump proves it. */
export async function describeRegion(t: KernelTarget, va: bigint): Promise<Region> {
  if (va < 0x0000800000000000n) return { text: va < 0x10000n ? 'user-mode address (near NULL: a null pointer plus an offset)' : 'user-mode address' };
  if (va < KERNEL_HALF) return { text: 'non-canonical address' };
  const m = t.modules.at(va);
  if (m) return { text: `inside ${m.imageName}` };
  const u = t.modules.unloadedAt(va);
  if (u) return { text: unloadedText(u), unloaded: u, evidence: { fact: `${addr64(va)} lies in [${addr64(u.base)}, ${addr64(u.end)}), where ${u.imageName} was loaded`, command: 'lm' } };
  const pte = await t.pteBase();
  if (pte !== undefined && va >= pte && va < pte + 0x8000000000n) return { text: 'page tables (the self-map)' };
  const crash = await t.crashState().catch(() => undefined);
  const th = crash?.thread;
  if (th?.stackLimit && th.stackBase && va >= th.stackLimit - 0x10000n && va < th.stackBase) return { text: va < th.stackLimit ? "just below the thread's kernel stack (stack overflow?)" : "the crashing thread's kernel stack" };
  const tr = await t.translate(va).catch(() => undefined);
  const state = tr && tr.pa === undefined ? notResidentText(tr.state, tr.reason) : undefined;
  const kt = await t.kernelTypes();
  const nt = t.modules.modules[0];
  let pool = kt && nt ? await vaRegion(kt, t.memory, nt.base, va) : undefined;
  if (!pool && kt && tr?.pa !== undefined) {
    // The pool block holding the address says which pool it came from.
    const pg = await poolPage(t, kt, va).catch(() => undefined);
    const b = pg?.blocks.find((x) => x.contains);
    const kind = b ? poolKind(b) : undefined;
    if (b && kind) pool = { text: kind, evidence: { fact: `the pool block at ${addr64(b.address)} holding it (tag '${b.tagText}') has PoolType ${b.poolType} in its header: ${kind.toLowerCase()}`, command: `!pool ${va.toString(16)}` } };
  }
  if (pool?.text && state) return { ...pool, text: `${pool.text}, ${state}` };
  return pool ?? { text: state };
}
