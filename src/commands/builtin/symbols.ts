// Symbol commands: `ln` (nearest symbols), `x MODULE!PATTERN`, `.sympath[+]`, `.reload`, and `.load`
// (accepted for mex, whose commands dumpscope provides itself; other extensions are not available).
import { DumpscopeError } from '../../io/errors.js';
import { appendSymbolPath } from '../../symbols/symbol-path.js';
import type { SymbolInfo } from '../../symbols/symbol-source.js';
import type { KernelTarget } from '../../target/kernel-target.js';
import { addr64 } from '../../util/hex.js';
import { compileWildcard } from '../../util/wildcard.js';
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
    const option = /^[/-]\S*/.exec(spec)?.[0];
    if (option) throw new DumpscopeError(`option ${option} is not supported (usage: x MODULE!PATTERN)`, 'USAGE');
    const bang = spec.indexOf('!');
    if (bang < 1) throw new DumpscopeError('usage: x MODULE!PATTERN', 'USAGE');
    // WinDbg's wildcards, matched in linear time (a RegExp of `.*` runs backtracks exponentially).
    const modPattern = compileWildcard(spec.slice(0, bang), { caseInsensitive: true });
    const mods = t.modules.modules.filter((m) => modPattern.matches(m.name));
    const re = compileWildcard(spec.slice(bang + 1), { caseInsensitive: true, symbol: true });
    const matches: XResult['matches'] = [];
    let truncated = false;
    for (const m of mods.slice(0, 512)) {
      await checkpoint(signal);
      const syms = await sortedSymbols(t, m.name);
      let n = 0;
      for (const s of syms ?? []) {
        if (++n % 4096 === 0) await checkpoint(signal);
        if (!re.matches(s.name)) continue;
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

export interface SympathResult {
  kind: 'sympath';
  /** The path as given (or, when only shown, the path in use). */
  path: string;
  /** The path as the store parsed it: `srv*` expanded to its cache and server. */
  expanded: string;
  changed: boolean;
}

export const sympathCommand: CommandSpec<SympathResult> = {
  names: ['.sympath', '.sympath+'],
  summary: 'Show or set the symbol path (WinDbg syntax: srv*CACHE*URL;DIR;…); .sympath+ appends to it',
  usage: '.sympath [PATH] | .sympath+ PATH',
  async run(session, args, name) {
    const t = kernelTarget(session);
    let text = args.trim();
    // `.sympath+ DIR` (also typed `.sympath +DIR`) appends, as WinDbg does; entries already there are not repeated.
    const append = name === '.sympath+' || text.startsWith('+');
    if (text.startsWith('+')) text = text.slice(1).trim();
    if (append && !text) throw new DumpscopeError('usage: .sympath+ PATH', 'USAGE');
    if (!text) return { kind: 'sympath', path: t.symbolPath ?? '', expanded: t.symbolPath ?? '', changed: false };
    const path = append ? appendSymbolPath(t.symbolPath ?? '', text) : text;
    t.setSymbolPath(path);
    return { kind: 'sympath', path, expanded: t.symbolPath ?? '', changed: true };
  },
  // Paths keep their case: on most file systems dumpscope runs on, case tells directories apart.
  renderText: (r) => `Symbol search path is: ${r.path || '<empty>'}${r.changed ? `\nExpanded Symbol search path is: ${r.expanded || '<empty>'}` : ''}`,
};

export interface ReloadResult {
  kind: 'reload';
  modules: number;
  /** `.reload MODULE`: the module named. */
  module?: string;
  /** `/f` or a module named: negative answers (the 404 cache, disabled servers) were forgotten. */
  forced: boolean;
}

export const reloadCommand: CommandSpec<ReloadResult> = {
  names: ['.reload'],
  summary: 'Forget loaded symbols and images; they are searched again on next use (/f or MODULE: ask servers again too)',
  usage: '.reload [/f] [MODULE]',
  async run(session, args) {
    const t = kernelTarget(session);
    const words = args.split(/\s+/).filter(Boolean);
    const force = words.some((w) => /^[/-]f$/i.test(w));
    const unknown = words.find((w) => /^[/-]/.test(w) && !/^[/-][fnsuvw]$/i.test(w));
    if (unknown) throw new DumpscopeError(`unknown option ${unknown} (usage: .reload [/f] [MODULE])`, 'USAGE');
    const name = words.find((w) => !/^[/-]/.test(w));
    if (!name) {
      t.reload(force ? 'all' : undefined);
      return { kind: 'reload', modules: t.modules.modules.length, forced: force };
    }
    // `amdppm`, `amdppm.sys`, `nt`, `ntoskrnl.exe` (WinDbg also accepts `name=base,size`; the name is what counts).
    const want = name.replace(/=.*$/, '').toLowerCase();
    const m = t.modules.modules.find((x) => x.name.toLowerCase() === want || x.imageName.toLowerCase() === want);
    if (!m) throw new DumpscopeError(`no loaded module named ${name}`, 'NOT_FOUND');
    const stem = (f: string) => f.replace(/\.[^.]*$/, '').toLowerCase();
    const pdbName = t.symbolsIfLoaded(m)?.pdbName;
    t.reload([...new Set([m.name.toLowerCase(), stem(m.imageName), ...(pdbName ? [stem(pdbName)] : [])])]);
    return { kind: 'reload', modules: t.modules.modules.length, module: m.name, forced: true };
  },
  renderText: (r) =>
    r.module
      ? `(${r.module}: symbols and image searched again on next use; the symbol servers are asked again)`
      : `Loading Kernel Symbols\nLoading unloaded module list\n(${r.modules} modules; symbols are loaded when first needed${r.forced ? '; the symbol servers are asked again' : ''})`,
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
