// The loaded (and unloaded) modules of the target, with fast address → module lookup and WinDbg's naming
// (`nt` for the kernel, `hal`, otherwise the file name without its extension).

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

/** WinDbg's module name for an image file name, made unique against `taken`. */
export function windbgModuleName(imageName: string, isFirst: boolean, taken: Set<string>): string {
  const lower = imageName.toLowerCase();
  let name: string;
  if (isFirst || KERNEL_IMAGES.has(lower)) name = 'nt';
  else if (lower === 'hal.dll') name = 'hal';
  else name = imageName.replace(/\.[^.]*$/, '') || imageName;
  // WinDbg disambiguates duplicates with the base address; we use a numeric suffix that stays short.
  let unique = name;
  for (let i = 2; taken.has(unique.toLowerCase()); i++) unique = `${name}_${i}`;
  taken.add(unique.toLowerCase());
  return unique;
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
