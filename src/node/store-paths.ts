// Paths inside local symbol stores: containment checks, case-insensitive matching for stores copied from
// Windows (`AMDPPM.PDB/<key>/AMDPPM.PDB`, lower-case image keys), and Windows-only paths refused elsewhere.
import { readdir, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';

/** `base/parts…` if it stays inside `base`, else undefined (defence in depth after name validation). */
export function inside(base: string, ...parts: string[]): string | undefined {
  const root = resolve(base);
  const p = resolve(root, ...parts);
  return p.startsWith(root + sep) ? p : undefined;
}

/**
 * Why a symbol-path directory cannot be used on this platform: a drive-letter (`C:\sym`) or UNC
 * (`\\server\share`) path outside Windows would otherwise become a directory of that literal name in the
 * current directory.
 */
export function windowsOnlyPath(path: string, platform: string): string | undefined {
  if (platform === 'win32') return undefined;
  if (/^[A-Za-z]:([\\/]|$)/.test(path)) return `${path} is a Windows drive path, which does not exist on ${platform}`;
  if (/^\\\\[^\\]/.test(path)) return `${path} is a Windows network (UNC) path, which cannot be opened on ${platform}`;
  return undefined;
}

/** Directory listings are read once per directory and kept (bounded): stores can hold many thousands of names. */
const MAX_LISTED_DIRS = 4096;
const MAX_NAMES_PER_DIR = 500_000;

export class CaseInsensitiveDirs {
  private readonly listings = new Map<string, Promise<Map<string, string> | undefined>>();

  clear(): void {
    this.listings.clear();
  }

  /**
   * The existing path under `base` whose components equal `parts` ignoring case (an exact component is
   * preferred), or undefined. The result is checked to stay inside `base`.
   */
  async find(base: string, parts: readonly string[]): Promise<string | undefined> {
    let cur = resolve(base);
    for (const part of parts) {
      const exact = join(cur, part);
      if (await exists(exact)) {
        cur = exact;
        continue;
      }
      const actual = (await this.listing(cur))?.get(part.toLowerCase());
      if (!actual) return undefined;
      cur = join(cur, actual);
    }
    return inside(base, cur.slice(resolve(base).length + 1));
  }

  private listing(dir: string): Promise<Map<string, string> | undefined> {
    let p = this.listings.get(dir);
    if (!p) {
      if (this.listings.size >= MAX_LISTED_DIRS) this.listings.clear();
      p = readdir(dir).then(
        (names) => {
          const m = new Map<string, string>();
          for (const n of names.slice(0, MAX_NAMES_PER_DIR)) if (!m.has(n.toLowerCase())) m.set(n.toLowerCase(), n);
          return m;
        },
        () => undefined,
      );
      this.listings.set(dir, p);
    }
    return p;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
