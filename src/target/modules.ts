// The loaded (and unloaded) modules of the target, with fast address → module lookup and WinDbg's naming
// (`nt` for the kernel — found by its base or image name, not by position — `hal`, otherwise the file name
// without its extension), and the reader of a full dump's loaded-module list (PsLoadedModuleList), by field
// name.
import type { AddressSpace } from '../memory/address-space.js';
import { walkList } from './list-walk.js';
import type { KernelTypes, StructView } from './struct-view.js';

export interface ModuleInfo {
  /** WinDbg module name: 'nt', 'amdppm', 'Wdf01000'. */
  name: string;
  /** File name as loaded: 'ntoskrnl.exe', 'amdppm.sys'. */
  imageName: string;
  /** Full path recorded by the loader, when known ('\SystemRoot\system32\drivers\amdppm.sys'). */
  fullPath?: string;
  base: bigint;
  size: number;
  timestamp?: number;
  checksum?: number;
}

export interface UnloadedModuleInfo {
  imageName: string;
  base: bigint;
  end: bigint;
  /** When it was unloaded (ISO string), when known. */
  unloadTime?: string;
}

/** Names the kernel image has had; WinDbg calls any of them `nt`. */
const KERNEL_IMAGES = new Set(['ntoskrnl.exe', 'ntkrnlmp.exe', 'ntkrnlpa.exe', 'ntkrpamp.exe']);

/** WinDbg's module name for an image file name (`nt` for the kernel), made unique against `taken`. */
export function windbgModuleName(imageName: string, isKernel: boolean, taken: Set<string>): string {
  const lower = imageName.toLowerCase();
  let name: string;
  if (isKernel) name = 'nt';
  else if (lower === 'hal.dll') name = 'hal';
  else name = imageName.replace(/\.[^.]*$/, '') || imageName;
  // WinDbg disambiguates duplicates with the base address; we use a numeric suffix that stays short.
  let unique = name;
  for (let i = 2; taken.has(unique.toLowerCase()); i++) unique = `${name}_${i}`;
  taken.add(unique.toLowerCase());
  return unique;
}

/** Is this file name one the kernel image has had (ntoskrnl.exe, ntkrnlmp.exe, …)? */
export function isKernelImageName(imageName: string): boolean {
  return KERNEL_IMAGES.has(imageName.toLowerCase());
}

/**
 * Which entry is the kernel: the one at KernBase when the debugger data gives it, else the one named like
 * the kernel image; -1 when neither identifies one. Never by position: a damaged list may start elsewhere.
 */
export function kernelIndex(entries: readonly { imageName: string; base: bigint }[], kernBase?: bigint): number {
  if (kernBase !== undefined) {
    const i = entries.findIndex((e) => e.base === kernBase);
    if (i >= 0) return i;
  }
  return entries.findIndex((e) => isKernelImageName(e.imageName));
}

/**
 * Gives entries WinDbg's names, the kernel (kernelIndex) as `nt` and first in the result: code that wants
 * the kernel's module takes `modules[0]` (ModuleTable.kernel checks the name too).
 */
export function nameModules<T extends { imageName: string; base: bigint }>(entries: readonly T[], kernBase?: bigint): (T & { name: string })[] {
  const k = kernelIndex(entries, kernBase);
  const taken = new Set<string>();
  const named = entries.map((e) => ({ ...e, name: '' }));
  if (k >= 0) named[k].name = windbgModuleName(named[k].imageName, true, taken);
  for (const [i, e] of named.entries()) if (i !== k) e.name = windbgModuleName(e.imageName, false, taken);
  return k > 0 ? [named[k], ...named.slice(0, k), ...named.slice(k + 1)] : named;
}

export class ModuleTable {
  private readonly sorted: ModuleInfo[];
  private readonly byName = new Map<string, ModuleInfo>();

  constructor(
    readonly modules: readonly ModuleInfo[],
    readonly unloaded: readonly UnloadedModuleInfo[] = [],
  ) {
    this.sorted = [...modules].filter((m) => m.size > 0).sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : 0));
    for (const m of modules) {
      this.byName.set(m.name.toLowerCase(), m);
      if (!this.byName.has(m.imageName.toLowerCase())) this.byName.set(m.imageName.toLowerCase(), m);
    }
  }

  /** The kernel's module (`nt`), when one was identified. */
  get kernel(): ModuleInfo | undefined {
    const m = this.modules[0];
    return m?.name === 'nt' ? m : undefined;
  }

  /** The module containing `address`, by binary search over bases. */
  at(address: bigint): ModuleInfo | undefined {
    let lo = 0;
    let hi = this.sorted.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const m = this.sorted[mid];
      if (address < m.base) hi = mid - 1;
      else if (address >= m.base + BigInt(m.size)) lo = mid + 1;
      else return m;
    }
    return undefined;
  }

  /** By WinDbg name ('nt', 'amdppm') or image name ('amdppm.sys'), case-insensitive. */
  byModuleName(name: string): ModuleInfo | undefined {
    const n = name.toLowerCase();
    const hit = this.byName.get(n);
    if (hit) return hit;
    // WinDbg also accepts the kernel's PDB names ('ntkrnlmp!_HEAP_VS_CONTEXT') for nt.
    if (['ntkrnlmp', 'ntoskrnl', 'ntkrnlpa', 'ntkrpamp'].includes(n)) return this.byName.get('nt');
    return undefined;
  }

  /** Unloaded driver whose old range contains `address`. */
  unloadedAt(address: bigint): UnloadedModuleInfo | undefined {
    return this.unloaded.find((u) => address >= u.base && address < u.end);
  }
}

/** At most this many loader entries are walked (a corrupted list must not run away). */
const MAX_LOADED_MODULES = 8192;

async function unicodeString(memory: AddressSpace, v: StructView): Promise<string | undefined> {
  const len = Math.min(v.num('Length'), 0x1000) & ~1;
  const buf = v.uint('Buffer');
  if (!len || !buf) return undefined;
  const b = await memory.read(buf, len).catch(() => undefined);
  return b ? new TextDecoder('utf-16le').decode(b) : undefined;
}

/** TimeDateStamp from the PE header mapped at `base`, for loader entries whose type lacks the field. */
async function mappedTimestamp(memory: AddressSpace, base: bigint, size: number): Promise<number | undefined> {
  try {
    const dos = await memory.read(base, 0x40);
    const lfanew = new DataView(dos.buffer, dos.byteOffset, 0x40).getUint32(0x3c, true);
    if (dos[0] !== 0x4d || dos[1] !== 0x5a || lfanew + 12 > Math.min(size, 0x1000)) return undefined;
    const nt = await memory.read(base + BigInt(lfanew), 12);
    const dv = new DataView(nt.buffer, nt.byteOffset, 12);
    return dv.getUint32(0, true) === 0x4550 ? dv.getUint32(8, true) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The loaded-module list of a full dump: _KLDR_DATA_TABLE_ENTRY records linked through InLoadOrderLinks
 * from `head`, read by field name through `kt` (nt's types, or the built-in fixed x64 layout). Entries
 * whose page is missing are skipped; `note` says why a walk ended early.
 */
export async function readLoadedModules(memory: AddressSpace, kt: KernelTypes, head: bigint, kernBase?: bigint): Promise<{ modules: ModuleInfo[]; note?: string }> {
  const walk = await walkList(memory, head, await kt.offsetOf('_KLDR_DATA_TABLE_ENTRY', 'InLoadOrderLinks'), MAX_LOADED_MODULES);
  const modules: Omit<ModuleInfo, 'name'>[] = [];
  for (const a of walk.items) {
    const e = await kt.read(memory, '_KLDR_DATA_TABLE_ENTRY', a).catch(() => undefined);
    if (!e) continue;
    const base = e.uint('DllBase');
    const size = e.num('SizeOfImage');
    const name = (await unicodeString(memory, e.sub('BaseDllName'))) ?? `module_${base.toString(16)}`;
    modules.push({
      imageName: name,
      fullPath: await unicodeString(memory, e.sub('FullDllName')),
      base,
      size,
      timestamp: e.has('TimeDateStamp') ? e.num('TimeDateStamp') : await mappedTimestamp(memory, base, size),
      checksum: e.has('CheckSum') ? e.num('CheckSum') : undefined,
    });
  }
  return { modules: nameModules(modules, kernBase), note: walk.note };
}
