// Symbol commands: `ln` (nearest symbols), `x MODULE!PATTERN`, `.sympath[+]`, `.reload`, and `.load`
// (accepted for mex, whose commands dumpscope provides itself; other extensions are not available).
import { DumpscopeError } from '../../io/errors.js';
import type { SymbolInfo } from '../../symbols/symbol-source.js';
import type { KernelTarget } from '../../target/kernel-target.js';
import { addr64 } from '../../util/hex.js';
import type { CommandSpec } from '../command.js';
import { checkpoint } from '../checkpoint.js';
import { evalArg, kernelTarget } from './target-access.js';

async function sortedSymbols(t: KernelTarget, module: string): Promise<readonly SymbolInfo[] | undefined> {
  const m = t.modules.byModuleName(module);
  if (!m) return undefined;
  const s = await t.moduleSymbols(m);
  return s.source ? [...(await s.source.symbols())].sort((a, b) => a.rva - b.rva) : undefined;
}

export interface LnResult {
  kind: 'ln';
  address: bigint;
  before?: { address: bigint; name: string; displacement: number };
  after?: { address: bigint; name: string };
  exact: boolean;
}

export const lnCommand: CommandSpec<LnResult> = {
  names: ['ln'],
  summary: 'The symbols nearest to an address (the one at or before it, and the next)',
  usage: 'ln ADDRESS',
  async run(session, args) {
    const t = kernelTarget(session);
    const address = await evalArg(session, args);
    const m = t.modules.at(address);
    if (!m) return { kind: 'ln', address, exact: false };
    const syms = await sortedSymbols(t, m.name);
    const rva = Number(address - m.base);
    if (!syms?.length) return { kind: 'ln', address, exact: false, before: { address: m.base, name: m.name, displacement: rva } };
    let i = -1;
    for (let lo = 0, hi = syms.length - 1; lo <= hi; ) {
      const mid = (lo + hi) >> 1;
      if (syms[mid].rva <= rva) {
        i = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const b = syms[i];
    let j = i + 1;
    while (j < syms.length && syms[j].rva === b?.rva) j++;
    const a = syms[j];
    return {
      kind: 'ln',
      address,
      exact: !!b && b.rva === rva,
      before: b ? { address: m.base + BigInt(b.rva), name: `${m.name}!${b.name}`, displacement: rva - b.rva } : undefined,
      after: a ? { address: m.base + BigInt(a.rva), name: `${m.name}!${a.name}` } : undefined,
    };
  },
  renderText(r) {
    if (!r.before) return `No symbols near ${addr64(r.address)}`;
    const b = `(${addr64(r.before.address)})   ${r.before.name}${r.before.displacement ? `+0x${r.before.displacement.toString(16)}` : ''}`;
    const a = r.after ? `   |  (${addr64(r.after.address)})   ${r.after.name}` : '';
    return `${b}${a}\n${r.exact ? `Exact matches:\n    ${r.before.name} (<no parameter info>)` : ''}`.trimEnd();
  },
};

export interface XResult {
  kind: 'x';
  matches: { address: bigint; name: string; isFunction: boolean }[];
  truncated: boolean;
}

const MAX_X = 10_000;

export const xCommand: CommandSpec<XResult> = {
  names: ['x'],
  summary: 'Symbols matching MODULE!PATTERN (* and ? wildcards)',
  usage: 'x MODULE!PATTERN',
  async run(session, args, _name, signal) {
    const t = kernelTarget(session);
    const spec = args.trim();
    const bang = spec.indexOf('!');
    if (bang < 1) throw new DumpscopeError('usage: x MODULE!PATTERN', 'USAGE');
    const mods = t.modules.modules.filter((m) => new RegExp(`^${glob(spec.slice(0, bang))}$`, 'i').test(m.name));
    const re = new RegExp(`^${glob(spec.slice(bang + 1))}$`, 'i');
    const matches: XResult['matches'] = [];
    let truncated = false;
    for (const m of mods.slice(0, 512)) {
      await checkpoint(signal);
      const syms = await sortedSymbols(t, m.name);
      for (const s of syms ?? []) {
        if (!re.test(s.name)) continue;
        if (matches.length >= MAX_X) {
          truncated = true;
          break;
        }
        matches.push({ address: m.base + BigInt(s.rva), name: `${m.name}!${s.name}`, isFunction: s.isFunction });
      }
    }
    return { kind: 'x', matches, truncated };
  },
  renderText: (r) =>
    [...r.matches.map((m) => `${addr64(m.address)} ${m.name} ${m.isFunction ? '(<no parameter info>)' : '= <no type information>'}`), ...(r.truncated ? [`(stopped after ${MAX_X} matches)`] : [])].join('\n'),
};

function glob(p: string): string {
  return p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
}

export interface SympathResult {
  kind: 'sympath';
  path: string;
  changed: boolean;
}

export const sympathCommand: CommandSpec<SympathResult> = {
  names: ['.sympath', '.sympath+'],
  summary: 'Show or set the symbol path (WinDbg syntax: srv*CACHE*URL;DIR;…); .sympath+ appends to it',
  usage: '.sympath [PATH] | .sympath+ PATH',
  async run(session, args, name) {
    const t = kernelTarget(session);
    let text = args.trim();
    // `.sympath+ DIR` (also typed `.sympath +DIR`) appends, as WinDbg does.
    const append = name === '.sympath+' || text.startsWith('+');
    if (text.startsWith('+')) text = text.slice(1).trim();
    if (append && !text) throw new DumpscopeError('usage: .sympath+ PATH', 'USAGE');
    if (text) t.setSymbolPath(append && t.symbolPath ? `${t.symbolPath};${text}` : text);
    return { kind: 'sympath', path: t.symbolPath ?? '', changed: !!text };
  },
  renderText: (r) => `Symbol search path is: ${r.path || '<empty>'}${r.changed ? '\nExpanded Symbol search path is: ' + r.path.toLowerCase() : ''}`,
};

export const reloadCommand: CommandSpec<{ kind: 'reload'; modules: number }> = {
  names: ['.reload'],
  summary: 'Forget loaded symbols and images; they are searched again on next use',
  usage: '.reload [/f]',
  async run(session) {
    const t = kernelTarget(session);
    t.reload();
    return { kind: 'reload', modules: t.modules.modules.length };
  },
  renderText: (r) => `Loading Kernel Symbols\nLoading unloaded module list\n(${r.modules} modules; symbols are loaded when first needed)`,
};

/** Extensions whose commands dumpscope has built in: `.load` of them succeeds. */
const BUILT_IN_EXTENSIONS: Record<string, string> = { mex: '!t, !p, !us, .thread and .process' };

export const loadCommand: CommandSpec<{ kind: 'load'; name: string; builtIn: string }> = {
  names: ['.load'],
  summary: 'Accepted for mex, whose commands (!t, !p, !us) are built in; other extensions are not available',
  usage: '.load NAME',
  async run(_session, args) {
    const name = args.trim();
    if (!name) throw new DumpscopeError('usage: .load NAME', 'USAGE');
    // `mex`, `mex.dll`, `C:\dbg\mex.dll`: the extension's base name decides.
    const base = name.replace(/^.*[\\/]/, '').replace(/\.dll$/i, '').toLowerCase();
    const builtIn = BUILT_IN_EXTENSIONS[base];
    if (!builtIn) throw new DumpscopeError(`extension ${name} is not available: dumpscope cannot load WinDbg extension DLLs, and its commands are not built in`, 'NO_EXTENSION');
    return { kind: 'load', name, builtIn };
  },
  renderText: (r) => `(${r.name}: not needed; dumpscope provides ${r.builtIn} itself)`,
};
