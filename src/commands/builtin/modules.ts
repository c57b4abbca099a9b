// `lm`, `lm m PATTERN`, `lmv m NAME`/`lmvm NAME`: the module list.
import { isReproducibleBuild, readVersionInfo, type VersionInfo } from '../../formats/pe/pe-directories.js';
import { timestampText, timeZoneBiasMinutes } from '../../target/system-info.js';
import { symbolStatusNotes, symbolStatusText } from '../../target/module-symbols.js';
import { addr64, hexPad } from '../../util/hex.js';
import { compileWildcard } from '../../util/wildcard.js';
import type { CommandSpec } from '../command.js';
import { evalArg, kernelTarget } from './target-access.js';

export interface ModuleRow {
  base: bigint;
  end: bigint;
  name: string;
  imageName: string;
  fullPath?: string;
  timestamp?: number;
  checksum?: number;
  size: number;
  symbols: string;
  symbolFile?: string;
  /** Why symbols could not be (fully) used: refused files, mismatches, failed or disabled servers. */
  symbolNotes?: string[];
  version?: VersionInfo;
  /** The image was linked reproducibly (a REPRO debug entry): its TimeDateStamp is a content hash. Undefined: no image to tell. */
  reproducible?: boolean;
  /** The image file read from the symbol path (WinDbg's "Mapped memory image file"), when not from the dump. */
  imageFile?: string;
}

export interface ModulesResult {
  kind: 'modules';
  verbose: boolean;
  rows: ModuleRow[];
  /** The target's time zone (minutes west of UTC) link times are shown in, as the session time is; undefined: UTC. */
  timeZoneBiasMinutes?: number;
  unloaded: { imageName: string; base: bigint; end: bigint }[];
  /** Problems of the loaded-module list itself (it loops, an entry is unreadable). */
  notes?: string[];
}

/** WinDbg's wildcards (src/util/wildcard.ts: linear time), with RegExp's `test` so callers stay as they are. */
function globToRegExp(p: string): { test(s: string): boolean } {
  const w = compileWildcard(p, { caseInsensitive: true });
  return { test: (s) => w.matches(s) };
}

export const modulesCommand: CommandSpec<ModulesResult> = {
  names: ['lm', 'lmvm', 'lmv', 'lmm'],
  summary: 'List loaded modules (lm m PATTERN filters, lmvm NAME shows details)',
  usage: 'lm [m PATTERN] [a ADDRESS] | lmvm NAME',
  async run(session, args, name) {
    const t = kernelTarget(session);
    let pattern: { test(s: string): boolean } | undefined;
    let verbose = name === 'lmv' || name === 'lmvm';
    const words = args.split(/\s+/).filter(Boolean);
    let address: bigint | undefined;
    if (name === 'lmvm' || name === 'lmm') pattern = words[0] ? globToRegExp(words[0]) : undefined;
    else {
      for (let i = 0; i < words.length; i++) {
        if (words[i] === 'm' && words[i + 1]) pattern = globToRegExp(words[++i]);
        else if (words[i] === 'a' && words[i + 1]) address = await evalArg(session, words[++i]); // the module containing ADDR
        else if (words[i] === 'v') verbose = true;
        else if (/^vm$/i.test(words[i]) && words[i + 1]) {
          verbose = true;
          pattern = globToRegExp(words[++i]);
        }
      }
    }
    const rows: ModuleRow[] = [];
    for (const m of [...t.modules.modules].sort((a, b) => (a.base < b.base ? -1 : 1))) {
      if (pattern && !pattern.test(m.name)) continue;
      if (address !== undefined && !(address >= m.base && address < m.base + BigInt(m.size))) continue;
      // Verbose listings look symbols up (and read the version resource); plain ones show what is loaded.
      const syms = verbose ? await t.moduleSymbols(m) : t.symbolsIfLoaded(m);
      const symbols = symbolStatusText(syms);
      let version: VersionInfo | undefined;
      let reproducible: boolean | undefined;
      let imageFile: string | undefined;
      if (verbose) {
        const img = await t.image(m);
        if (img.image) version = await readVersionInfo(img.image).catch(() => undefined);
        reproducible = img.image ? await isReproducibleBuild(img.image).catch(() => undefined) : undefined;
        if (img.image && img.origin !== 'dump') imageFile = img.origin;
      }
      rows.push({ base: m.base, end: m.base + BigInt(m.size), name: m.name, imageName: m.imageName, fullPath: m.fullPath, timestamp: m.timestamp, checksum: m.checksum, size: m.size, symbols, symbolFile: syms?.file, symbolNotes: verbose ? symbolStatusNotes(syms) : undefined, version, reproducible, imageFile });
    }
    // Unloaded drivers are filtered like the loaded ones: by name (with or without its extension) or address.
    const unloaded = t.modules.unloaded
      .filter((u) => !pattern || pattern.test(u.imageName) || pattern.test(u.imageName.replace(/\.[^.]*$/, '')))
      .filter((u) => address === undefined || (address >= u.base && address < u.end))
      .map((u) => ({ imageName: u.imageName, base: u.base, end: u.end }));
    // What went wrong walking the loader's list (a loop, an unreadable entry), as analyze reports it.
    const notes = t.limitations.filter((l) => /^loaded-module list/.test(l));
    return { kind: 'modules', verbose, rows, unloaded, notes, timeZoneBiasMinutes: verbose ? await timeZoneBiasMinutes(t) : undefined };
  },
  renderText(r) {
    const w = Math.max(8, ...r.rows.map((m) => m.name.length)) + 3;
    // WinDbg's verbose listing starts and annotates each module with its "Browse" links, plain text in logs.
    const lines = [...(r.verbose ? ['Browse full module list'] : []), 'start             end                 module name'];
    for (const m of r.rows) {
      // The symbol file follows the status column; an ISF match's explanation goes on its own line.
      const file = m.symbols === '(isf symbols)' ? m.symbolFile?.match(/^(.*?) \((.*)\)$/) : undefined;
      lines.push(`${addr64(m.base)} ${addr64(m.end)}   ${m.name.padEnd(w)}${m.symbols.padEnd(23)}${m.symbolFile ? (file?.[1] ?? m.symbolFile) : ''}`);
      if (r.verbose) lines.push(...verboseLines(m, file?.[2], r.timeZoneBiasMinutes));
    }
    if (r.unloaded.length) {
      lines.push('', 'Unloaded modules:');
      for (const u of r.unloaded) {
        lines.push(`${addr64(u.base)} ${addr64(u.end)}   ${u.imageName}`);
        // MmUnloadedDrivers keeps the name and range only: WinDbg's lines say the stamp and sum are unknown.
        if (r.verbose) lines.push('    Timestamp: unavailable (00000000)', '    Checksum:  00000000', `    ImageSize:  ${hex8(Number(u.end - u.base))}`);
      }
    }
    for (const n of r.notes ?? []) lines.push(`(${n})`);
    return lines.join('\n');
  },
};

const hex8 = (v: number) => hexPad(v, 8).toUpperCase();
const OS_HIGH: Record<number, string> = { 1: 'DOS', 2: 'OS/2 16', 3: 'OS/2 32', 4: 'NT', 5: 'WINCE' };
const OS_LOW: Record<number, string> = { 1: 'Win16', 2: 'PM16', 3: 'PM32', 4: 'Win32' };
const FILE_TYPES: Record<number, string> = { 1: 'App', 2: 'Dll', 3: 'Driver', 4: 'Font', 5: 'VXD', 7: 'Static library' };
// WinDbg's order of the StringFileInfo values it shows.
const STRING_NAMES = ['CompanyName', 'ProductName', 'InternalName', 'OriginalFilename', 'ProductVersion', 'FileVersion', 'PrivateBuild', 'SpecialBuild', 'FileDescription', 'LegalCopyright', 'LegalTrademarks', 'Comments'];
// With no version resource, WinDbg lists the translations it tried.
const DEFAULT_TRANSLATIONS = ['0000.04b0', '0000.04e4', '0409.04b0', '0409.04e4'];

/** `lmv`'s detail lines, with WinDbg's "Browse …" link line after the image name as its logs show it. */
function verboseLines(m: ModuleRow, symbolNote?: string, biasMinutes?: number): string[] {
  const L = [`    Loaded symbol image file: ${m.imageName}`];
  if (symbolNote) L.push(`    Symbol file match: ${symbolNote}`);
  for (const [i, n] of (m.symbolNotes ?? []).entries()) L.push(`    ${i ? ''.padEnd(18) : 'Symbol status:    '}${n}`);
  if (m.imageFile) L.push(`    Mapped memory image file: ${m.imageFile}`);
  if (m.fullPath) L.push(`    Image path: ${m.fullPath}`);
  L.push(`    Image name: ${m.imageName}`);
  L.push('    Browse all global symbols  functions  data');
  if (m.reproducible) L.push('    Image was built with /Brepro flag.');
  if (m.timestamp !== undefined) {
    if (m.reproducible) L.push(`    Timestamp:        ${hex8(m.timestamp)} (This is a reproducible build file hash, not a timestamp)`);
    else if (m.reproducible === false) L.push(`    Timestamp:        ${timestampText(m.timestamp, biasMinutes)} (${hex8(m.timestamp)})`);
    else L.push(`    Timestamp:        ${timestampText(m.timestamp, biasMinutes)} (${hex8(m.timestamp)}) (the image is not available: this may be a reproducible build file hash, not a timestamp)`);
  }
  if (m.checksum !== undefined) L.push(`    CheckSum:         ${hex8(m.checksum)}`);
  L.push(`    ImageSize:        ${hex8(m.size)}`);
  const v = m.version;
  if (v?.fileVersion) L.push(`    File version:     ${v.fileVersion}`);
  if (v?.productVersion) L.push(`    Product version:  ${v.productVersion}`);
  if (v?.fixed) {
    const f = v.fixed;
    const os = [OS_HIGH[f.os >>> 16], OS_LOW[f.os & 0xffff]].filter(Boolean).join(' ');
    L.push(`    File flags:       ${(f.flags & f.flagsMask).toString(16).toUpperCase()} (Mask ${f.flagsMask.toString(16).toUpperCase()})`);
    L.push(`    File OS:          ${f.os.toString(16).toUpperCase()}${os ? ` ${os}` : ''}`);
    L.push(`    File type:        ${f.type.toString(16).toUpperCase()}.${f.subtype.toString(16).toUpperCase()}${FILE_TYPES[f.type] ? ` ${FILE_TYPES[f.type]}` : ''}`);
    L.push(`    File date:        ${hex8(f.dateMs)}.${hex8(f.dateLs)}`);
  }
  L.push(`    Translations:     ${(v?.translations?.length ? v.translations : DEFAULT_TRANSLATIONS).join(' ')}`);
  L.push('    Information from resource tables:');
  const names = [...STRING_NAMES, ...Object.keys(v?.strings ?? {}).filter((k) => !STRING_NAMES.includes(k))];
  for (const k of names) if (v?.strings[k] !== undefined) L.push(`        ${`${k}:`.padEnd(18)}${v.strings[k]}`);
  return L;
}
