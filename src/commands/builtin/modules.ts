// `lm`, `lm m PATTERN`, `lmv m NAME`/`lmvm NAME`: the module list.
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
      rows.push({ base: m.base, end: m.base + BigInt(m.size), name: m.name, imageName: m.imageName, fullPath: m.fullPath, timestamp: m.timestamp, checksum: m.checksum, size: m.size, symbols: '(no symbols)' });
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
        if (m.fullPath) lines.push(`    Image path: ${m.fullPath}`);
        lines.push(`    Image name: ${m.imageName}`);
        if (m.timestamp !== undefined) lines.push(`    Timestamp:        ${new Date(m.timestamp * 1000).toUTCString()} (${hexPad(m.timestamp, 8).toUpperCase()})`);
        if (m.checksum !== undefined) lines.push(`    CheckSum:         ${hexPad(m.checksum, 8).toUpperCase()}`);
        lines.push(`    ImageSize:        ${hexPad(m.size, 8).toUpperCase()}`);
      }
    }
    if (r.unloaded.length) {
      lines.push('', 'Unloaded modules:');
      for (const u of r.unloaded) lines.push(`${addr64(u.base)} ${addr64(u.end)}   ${u.imageName}`);
    }
    return lines.join('\n');
  },
};
