// The export and import directories and the version resource of a PE image, read through PeImage.readRva
// (file or mapped layout). Missing pages degrade to "not available"; counts and RVAs are bounded.
import { LE } from '../../io/bytes.js';
import { FormatError } from '../../io/errors.js';
import type { PeImage } from './pe-image.js';

const MAX_EXPORTS = 65536;
const MAX_IMPORTS_PER_DLL = 65536;
const MAX_DLLS = 1024;

export interface PeExport {
  ordinal: number;
  /** The first name (in name-table order) of this entry. */
  name?: string;
  /** Further names of the same entry: several names may share one ordinal (legal in PE). */
  aliases?: string[];
  rva: number;
  /** 'NTDLL.RtlAllocateHeap' when the export forwards to another module. */
  forwarder?: string;
}

export interface PeExports {
  dllName: string;
  ordinalBase: number;
  entries: PeExport[];
}

async function cstrAt(pe: PeImage, rva: number, max = 512): Promise<string | undefined> {
  const b = await pe.readRva(rva, max).catch(() => undefined);
  const bytes = b ?? (await pe.readRva(rva, 64).catch(() => undefined));
  if (!bytes) return undefined;
  const end = bytes.indexOf(0);
  return new TextDecoder('latin1').decode(end < 0 ? bytes : bytes.subarray(0, end));
}

async function need(pe: PeImage, rva: number, size: number, what: string): Promise<LE> {
  const b = await pe.readRva(rva, size);
  if (!b || b.length < size) throw new FormatError(`PE ${pe.name}`, `${what} (RVA 0x${rva.toString(16)}, ${size} bytes) is not readable`);
  return new LE(b, `PE ${pe.name} ${what}`, rva);
}

/** The export directory, or undefined when the image has none. */
export async function readExports(pe: PeImage): Promise<PeExports | undefined> {
  const dir = pe.directories[0];
  if (!dir?.rva || !dir.size) return undefined;
  const d = await need(pe, dir.rva, 40, 'export directory');
  const ordinalBase = d.u32(16);
  const nFunctions = d.u32(20);
  const nNames = d.u32(24);
  if (nFunctions > MAX_EXPORTS) throw new FormatError(d.format, `${nFunctions} exported functions is implausible`, dir.rva + 20);
  // Names may outnumber functions (aliases share an ordinal); their pointer and ordinal tables (6 bytes a
  // name) lie inside the export directory, so its size bounds them.
  if (nNames * 6 > dir.size) throw new FormatError(d.format, `${nNames} export names (6 bytes each in the name and ordinal tables) do not fit in the ${dir.size}-byte export directory`, dir.rva + 24);
  const functions = nFunctions ? await need(pe, d.u32(28), nFunctions * 4, 'export address table') : undefined;
  const names = nNames ? await need(pe, d.u32(32), nNames * 4, 'export name table') : undefined;
  const ordinals = nNames ? await need(pe, d.u32(36), nNames * 2, 'export ordinal table') : undefined;
  const namesOf = new Map<number, string[]>();
  for (let i = 0; i < nNames; i++) {
    const idx = (ordinals as LE).u16(i * 2);
    if (idx >= nFunctions) continue; // names no entry of the address table
    const n = await cstrAt(pe, (names as LE).u32(i * 4), 256);
    if (n === undefined) continue;
    const list = namesOf.get(idx);
    if (!list) namesOf.set(idx, [n]);
    else if (!list.includes(n)) list.push(n);
  }
  const entries: PeExport[] = [];
  for (let i = 0; i < nFunctions; i++) {
    const rva = (functions as LE).u32(i * 4);
    if (rva === 0) continue;
    const [name, ...aliases] = namesOf.get(i) ?? [];
    const e: PeExport = { ordinal: ordinalBase + i, rva, name, ...(aliases.length ? { aliases } : {}) };
    // An RVA inside the export directory is a forwarder string, not code.
    if (rva >= dir.rva && rva < dir.rva + dir.size) e.forwarder = await cstrAt(pe, rva, 256);
    entries.push(e);
  }
  return { dllName: (await cstrAt(pe, d.u32(12), 256)) ?? '', ordinalBase, entries };
}

export interface PeImportEntry {
  name?: string;
  ordinal?: number;
  hint?: number;
  /** RVA of the import address table slot the loader fills. */
  iatRva: number;
}

export interface PeImport {
  dll: string;
  functions: PeImportEntry[];
}

export async function readImports(pe: PeImage): Promise<PeImport[]> {
  const dir = pe.directories[1];
  if (!dir?.rva || !dir.size) return [];
  const out: PeImport[] = [];
  const ptr = pe.is64 ? 8 : 4;
  for (let i = 0; i < MAX_DLLS; i++) {
    const d = await need(pe, dir.rva + i * 20, 20, 'import descriptor');
    const lookup = d.u32(0) || d.u32(16);
    const nameRva = d.u32(12);
    const iat = d.u32(16);
    if (!nameRva && !lookup) break;
    const dll = (await cstrAt(pe, nameRva, 256)) ?? '?';
    const functions: PeImportEntry[] = [];
    for (let k = 0; k < MAX_IMPORTS_PER_DLL; k++) {
      const t = await need(pe, lookup + k * ptr, ptr, 'import lookup table');
      const v = ptr === 8 ? t.u64(0) : BigInt(t.u32(0));
      if (v === 0n) break;
      const byOrdinal = ptr === 8 ? (v >> 63n) & 1n : (v >> 31n) & 1n;
      if (byOrdinal) functions.push({ ordinal: Number(v & 0xffffn), iatRva: iat + k * ptr });
      else {
        const hintRva = Number(v & 0x7fffffffn);
        const h = await pe.readRva(hintRva, 2);
        functions.push({ name: await cstrAt(pe, hintRva + 2, 256), hint: h ? h[0] | (h[1] << 8) : undefined, iatRva: iat + k * ptr });
      }
    }
    out.push({ dll, functions });
  }
  return out;
}

export interface VersionInfo {
  fileVersion?: string;
  productVersion?: string;
  /** StringFileInfo values of the first language (CompanyName, FileDescription, …). */
  strings: Record<string, string>;
  language?: string;
  /** VS_FIXEDFILEINFO's flags, OS, type and date (`lmv`'s File flags/OS/type/date lines). */
  fixed?: { flagsMask: number; flags: number; os: number; type: number; subtype: number; dateMs: number; dateLs: number };
  /** VarFileInfo/Translation: language/code-page pairs as 'LLLL.CCCC' hex. */
  translations?: string[];
}

const RT_VERSION = 16;

/** The VS_VERSIONINFO resource (for `lmvm`), or undefined when the image has none or it is unreadable. */
export async function readVersionInfo(pe: PeImage): Promise<VersionInfo | undefined> {
  const dir = pe.directories[2];
  if (!dir?.rva || !dir.size) return undefined;
  // Resource tree: type → name → language → data entry. Take the first entry on each level under RT_VERSION.
  const entryAt = async (tableRva: number, wantId?: number): Promise<number | undefined> => {
    const t = await need(pe, tableRva, 16, 'resource directory');
    const n = Math.min(t.u16(12) + t.u16(14), 4096);
    const e = await need(pe, tableRva + 16, n * 8, 'resource directory entries');
    for (let i = 0; i < n; i++) {
      const id = e.u32(i * 8);
      if (wantId !== undefined && id !== wantId) continue;
      return e.u32(i * 8 + 4);
    }
    return undefined;
  };
  let off = await entryAt(dir.rva, RT_VERSION);
  for (let level = 0; level < 2 && off !== undefined; level++) {
    if (!(off & 0x80000000)) return undefined;
    off = await entryAt(dir.rva + (off & 0x7fffffff));
  }
  if (off === undefined || off & 0x80000000) return undefined;
  const data = await need(pe, dir.rva + off, 16, 'resource data entry');
  const size = Math.min(data.u32(4), 0x10000);
  const v = await pe.readRva(data.u32(0), size);
  if (!v || v.length < 0x5c) return undefined;
  return parseVersionInfo(new LE(v, `PE ${pe.name} version resource`, data.u32(0)));
}

/** VS_VERSIONINFO: fixed file info, then StringFileInfo tables of (key, value) UTF-16 strings. */
export function parseVersionInfo(v: LE): VersionInfo | undefined {
  const key = (at: number, max: number) => {
    let end = at;
    while (end + 1 < Math.min(v.length, at + max) && (v.bytes[end] || v.bytes[end + 1])) end += 2;
    return { text: v.utf16(at, end - at), next: (end + 2 + 3) & ~3 };
  };
  const rootKey = key(6, 64);
  if (rootKey.text !== 'VS_VERSION_INFO') return undefined;
  const out: VersionInfo = { strings: {} };
  const fixed = rootKey.next;
  if (v.u16(2) >= 52 && fixed + 52 <= v.length && v.u32(fixed) === 0xfeef04bd) {
    const ver = (hi: number, lo: number) => `${hi >>> 16}.${hi & 0xffff}.${lo >>> 16}.${lo & 0xffff}`;
    out.fileVersion = ver(v.u32(fixed + 8), v.u32(fixed + 12));
    out.productVersion = ver(v.u32(fixed + 16), v.u32(fixed + 20));
    out.fixed = { flagsMask: v.u32(fixed + 24), flags: v.u32(fixed + 28), os: v.u32(fixed + 32), type: v.u32(fixed + 36), subtype: v.u32(fixed + 40), dateMs: v.u32(fixed + 44), dateLs: v.u32(fixed + 48) };
  }
  // Children: StringFileInfo { StringTable { String* } }, VarFileInfo.
  const total = Math.min(v.u16(0), v.length);
  let at = (fixed + v.u16(2) + 3) & ~3;
  for (let guard = 0; at + 6 < total && guard < 64; guard++) {
    const len = v.u16(at);
    if (len < 6) break;
    const k = key(at + 6, 64);
    if (k.text === 'VarFileInfo') {
      // One Var ('Translation') whose value is DWORDs: language in the low word, code page in the high.
      const varAt = k.next;
      const varKey = varAt + 6 < total ? key(varAt + 6, 32) : undefined;
      if (varKey?.text === 'Translation') {
        const n = Math.min(v.u16(varAt + 2), Math.max(0, Math.min(at + len, total) - varKey.next)) >> 2;
        out.translations = Array.from({ length: Math.min(n, 64) }, (_, i) => v.u32(varKey.next + i * 4)).map((d) => `${(d & 0xffff).toString(16).padStart(4, '0')}.${(d >>> 16).toString(16).padStart(4, '0')}`);
      }
    }
    if (k.text === 'StringFileInfo') {
      let tAt = k.next;
      const tEnd = Math.min(at + len, total);
      if (tAt + 6 < tEnd) {
        const tLen = v.u16(tAt);
        const lang = key(tAt + 6, 32);
        out.language = lang.text;
        let sAt = lang.next;
        const sEnd = Math.min(tAt + tLen, tEnd);
        for (let g = 0; sAt + 6 < sEnd && g < 256; g++) {
          const sLen = v.u16(sAt);
          const valueChars = v.u16(sAt + 2);
          if (sLen < 6) break;
          const name = key(sAt + 6, 128);
          const value = valueChars ? v.utf16(name.next, Math.min(valueChars * 2, sAt + sLen - name.next), true).replace(/\0+$/, '') : '';
          out.strings[name.text] = value;
          sAt = (sAt + sLen + 3) & ~3;
        }
        tAt = sEnd;
      }
    }
    at = (at + len + 3) & ~3;
  }
  return out;
}

/** True when the debug directory has an IMAGE_DEBUG_TYPE_REPRO entry: TimeDateStamp is then a hash, not a time. */
export async function isReproducibleBuild(pe: PeImage): Promise<boolean> {
  const dir = pe.directories[6];
  if (!dir?.rva || !dir.size || dir.size > 28 * 64) return false;
  const b = await pe.readRva(dir.rva, dir.size).catch(() => undefined);
  if (!b) return false;
  const le = new LE(b, `PE ${pe.name} debug directory`, dir.rva);
  for (let o = 0; o + 28 <= b.length; o += 28) if (le.u32(o + 12) === 16) return true;
  return false;
}
