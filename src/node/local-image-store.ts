// Images from local directories of the symbol path, in symbol-store layout (name/KEY/name) or flat
// (dir/name). The key and name come from the dump, so both are validated before they touch the file system.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type ImageLookup, type ImageProvider, type ImageRequest, imageKey, type PdbRequest, safeFileName } from '../symbols/image-provider.js';

/** The local directories named by a WinDbg symbol path: plain entries, `cache*DIR`, and the cache of `srv*DIR*URL`. */
export function localDirectories(sympath: string): string[] {
  const dirs: string[] = [];
  for (const raw of sympath.split(';')) {
    const e = raw.trim();
    if (!e) continue;
    const parts = e.split('*');
    const head = parts[0].toLowerCase();
    if (head === 'srv' || head === 'symsrv') {
      const local = parts.slice(head === 'symsrv' ? 2 : 1, -1).filter((p) => p && !/^https?:/i.test(p));
      dirs.push(...local);
    } else if (head === 'cache') {
      if (parts[1]) dirs.push(parts[1]);
    } else if (!/^https?:/i.test(e)) dirs.push(e);
  }
  return dirs;
}

export class LocalImageStore implements ImageProvider {
  constructor(private readonly dirs: string[]) {}

  async findPdb(req: PdbRequest): Promise<ImageLookup> {
    // The CodeView name may be a full build path: only its file name is used.
    const name = safeFileName(req.name.split(/[\\/]/).pop() ?? '');
    if (!name || !/^[0-9A-F]{32}$/.test(req.guid)) return { found: false, reason: `refusing unsafe PDB name or key '${req.name}'` };
    const key = `${req.guid}${req.age.toString(16).toUpperCase()}`;
    for (const dir of this.dirs) {
      for (const path of [join(dir, name, key, name), join(dir, name.toLowerCase(), key, name.toLowerCase()), join(dir, name)]) {
        try {
          if (!(await stat(path)).isFile()) continue;
          return { found: true, bytes: new Uint8Array(await readFile(path)), path };
        } catch {
          // not here
        }
      }
    }
    return { found: false, reason: this.dirs.length ? `${name} (${key}) not found in ${this.dirs.join(', ')}` : `${name} (${key}): no symbol path with a local directory was given (-y)` };
  }

  async findImage(req: ImageRequest): Promise<ImageLookup> {
    const name = safeFileName(req.name);
    if (!name) return { found: false, reason: `refusing unsafe image name '${req.name}'` };
    const key = imageKey(req.timestamp, req.sizeOfImage);
    for (const dir of this.dirs) {
      for (const path of [join(dir, name, key, name), join(dir, name.toLowerCase(), key, name.toLowerCase()), join(dir, name)]) {
        try {
          if (!(await stat(path)).isFile()) continue;
          const bytes = new Uint8Array(await readFile(path));
          // A flat-directory file must still be the right build: check TimeDateStamp and SizeOfImage.
          if (!matchesImage(bytes, req)) continue;
          return { found: true, bytes, path };
        } catch {
          // not here; try the next place
        }
      }
    }
    return { found: false, reason: this.dirs.length ? `${name} (${key}) not found in ${this.dirs.join(', ')}` : `${name} (${key}): no symbol path with a local directory was given (-y)` };
  }
}

function matchesImage(b: Uint8Array, req: ImageRequest): boolean {
  if (b.length < 0x40) return false;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const nt = dv.getUint32(0x3c, true);
  if (nt + 0x58 > b.length) return false;
  return dv.getUint32(nt + 8, true) === req.timestamp && dv.getUint32(nt + 0x18 + 0x38, true) === req.sizeOfImage;
}
