// `lm`, `lm m PATTERN`, `lmv m NAME`/`lmvm NAME`: the module list.
import { isReproducibleBuild, readVersionInfo, type VersionInfo } from '../../formats/pe/pe-directories.js';
import { addr64, hexPad } from '../../util/hex.js';
import type { CommandSpec } from '../command.js';
import { kernelTarget } from './target-access.js';

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
  version?: VersionInfo;
  /** The image was linked reproducibly: its TimeDateStamp is a content hash. */
  reproducible?: boolean;
}

export interface ModulesResult {
  kind: 'modules';
  verbose: boolean;
  rows: ModuleRow[];
  unloaded: { imageName: string; base: bigint; end: bigint }[];
}

function globToRegExp(p: string): RegExp {
  return new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
}

export const modulesCommand: CommandSpec<ModulesResult> = {
  names: ['lm', 'lmvm', 'lmv', 'lmm'],
  summary: 'List loaded modules (lm m PATTERN filters, lmvm NAME shows details)',
  usage: 'lm [m PATTERN] | lmvm NAME',
  async run(session, args, name) {
    const t = kernelTarget(session);
    let pattern: RegExp | undefined;
    let verbose = name === 'lmv' || name === 'lmvm';
    const words = args.split(/\s+/).filter(Boolean);
    if (name === 'lmvm' || name === 'lmm') pattern = words[0] ? globToRegExp(words[0]) : undefined;
    else {
      for (let i = 0; i < words.length; i++) {
        if (words[i] === 'm' && words[i + 1]) pattern = globToRegExp(words[++i]);
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
      // Verbose listings look symbols up (and read the version resource); plain ones show what is loaded.
      const syms = verbose ? await t.moduleSymbols(m) : t.symbolsIfLoaded(m);
      const symbols = !syms ? '(deferred)' : syms.status === 'pdb' ? '(pdb symbols)' : syms.status === 'isf' ? '(isf symbols)' : syms.status === 'exports' ? '(export symbols)' : '(no symbols)';
      let version: VersionInfo | undefined;
      let reproducible: boolean | undefined;
      if (verbose) {
        const img = await t.image(m);
        if (img.image) version = await readVersionInfo(img.image).catch(() => undefined);
        reproducible = img.image ? await isReproducibleBuild(img.image) : undefined;
      }
      rows.push({ base: m.base, end: m.base + BigInt(m.size), name: m.name, imageName: m.imageName, fullPath: m.fullPath, timestamp: m.timestamp, checksum: m.checksum, size: m.size, symbols, symbolFile: syms?.source ? syms.detail : undefined, version, reproducible });
    }
    const unloaded = pattern ? [] : t.modules.unloaded.map((u) => ({ imageName: u.imageName, base: u.base, end: u.end }));
    return { kind: 'modules', verbose, rows, unloaded };
  },
  renderText(r) {
    const w = Math.max(8, ...r.rows.map((m) => m.name.length)) + 3;
    const lines = ['start             end                 module name'];
    for (const m of r.rows) {
      lines.push(`${addr64(m.base)} ${addr64(m.end)}   ${m.name.padEnd(w)}${m.symbols.padEnd(23)}`);
      if (r.verbose) {
        if (m.symbolFile) lines.push(`    Loaded symbol image file: ${m.symbolFile}`);
        if (m.fullPath) lines.push(`    Image path: ${m.fullPath}`);
        lines.push(`    Image name: ${m.imageName}`);
        if (m.timestamp !== undefined) {
          lines.push(m.reproducible ? `    Timestamp:        ${hexPad(m.timestamp, 8).toUpperCase()} (This is a reproducible build file hash, not a timestamp)` : `    Timestamp:        ${new Date(m.timestamp * 1000).toUTCString()} (${hexPad(m.timestamp, 8).toUpperCase()})`);
        }
        if (m.checksum !== undefined) lines.push(`    CheckSum:         ${hexPad(m.checksum, 8).toUpperCase()}`);
        lines.push(`    ImageSize:        ${hexPad(m.size, 8).toUpperCase()}`);
        const v = m.version;
        if (v) {
          if (v.fileVersion) lines.push(`    File version:     ${v.fileVersion}`);
          if (v.productVersion) lines.push(`    Product version:  ${v.productVersion}`);
          const names: [string, string][] = [['CompanyName', 'CompanyName'], ['ProductName', 'ProductName'], ['InternalName', 'InternalName'], ['OriginalFilename', 'OriginalFilename'], ['ProductVersion', 'ProductVersion'], ['FileVersion', 'FileVersion'], ['FileDescription', 'FileDescription'], ['LegalCopyright', 'LegalCopyright']];
          for (const [k, label] of names) if (v.strings[k] !== undefined) lines.push(`    ${`${label}:`.padEnd(18)}${v.strings[k]}`);
        }
      }
    }
    if (r.unloaded.length) {
      lines.push('', 'Unloaded modules:');
      for (const u of r.unloaded) lines.push(`${addr64(u.base)} ${addr64(u.end)}   ${u.imageName}`);
    }
    return lines.join('\n');
  },
};
