// Symbol commands: `ln` (nearest symbols), `x MODULE!PATTERN`, `.sympath[+]`, `.reload`, and `.load`
// (accepted for mex, whose commands dumpscope provides itself; other extensions are not available).
import { DumpscopeError } from '../../io/errors.js';
import { appendSymbolPath } from '../../symbols/symbol-path.js';
import type { SymbolInfo } from '../../symbols/symbol-source.js';
import { parameterSpellings } from '../../symbols/types.js';
import type { KernelTarget } from '../../target/kernel-target.js';
import type { ModuleInfo } from '../../target/modules.js';
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

/**
 * What `x` and `ln` print after a name: a function's parameter types when the symbol file records them
 * (`(int, char **)`, `(void)`), else WinDbg's phrase for code or for data without type information.
 */
function typeSuffix(isFunction: boolean, params?: readonly string[]): string {
  if (params) return `(${params.length ? params.join(', ') : 'void'})`;
  return isFunction ? '(<no parameter info>)' : '= <no type information>';
}

/**
 * A function symbol's parameter types in C's spelling (typeName's), from the symbol file's procedure type;
 * undefined when it records none. A damaged type record costs only this symbol its list.
 */
async function parameterTypes(t: KernelTarget, m: ModuleInfo, s: SymbolInfo): Promise<string[] | undefined> {
  if (s.kind !== 'function') return undefined;
  const source = (await t.moduleSymbols(m)).source;
  try {
    const f = await source?.functionType?.(s);
    return f ? parameterSpellings(f) : undefined;
  } catch (e) {
    if (e instanceof DumpscopeError) return undefined;
    throw e;
  }
}

/**
 * Whether a symbol names code: the symbol file says so, or (ISF tables and publics often carry no type)
 * the image's .pdata has a function starting at it. One rule for `x` and `ln`, so they agree.
 */
async function symbolIsFunction(t: KernelTarget, m: ModuleInfo, s: SymbolInfo): Promise<boolean> {
  if (s.isFunction) return true;
  if (s.kind === 'data') return false;
  const img = await t.image(m).catch(() => undefined);
  const fn = img?.image ? await img.image.functionAt(s.rva).catch(() => undefined) : undefined;
  return fn?.begin === s.rva;
}

export interface LnResult {
  kind: 'ln';
  address: bigint;
  /** `isFunction`: as `x` decides it (symbolKindIsFunction), for the exact match's suffix. */
  before?: { address: bigint; name: string; displacement: number; isFunction?: boolean; params?: string[] };
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
      before: b ? { address: m.base + BigInt(b.rva), name: `${m.name}!${b.name}`, displacement: rva - b.rva, isFunction: await symbolIsFunction(t, m, b), params: b.rva === rva ? await parameterTypes(t, m, b) : undefined } : undefined,
      after: a ? { address: m.base + BigInt(a.rva), name: `${m.name}!${a.name}` } : undefined,
    };
  },
  renderText(r) {
    if (!r.before) return `No symbols near ${addr64(r.address)}`;
    const b = `(${addr64(r.before.address)})   ${r.before.name}${r.before.displacement ? `+0x${r.before.displacement.toString(16)}` : ''}`;
    const a = r.after ? `   |  (${addr64(r.after.address)})   ${r.after.name}` : '';
    return `${b}${a}\n${r.exact ? `Exact matches:\n    ${r.before.name} ${typeSuffix(r.before.isFunction ?? true, r.before.params)}` : ''}`.trimEnd();
  },
};

export interface XResult {
  kind: 'x';
  /** `params`: the function's parameter types (C spelling, `...` last when variadic) when the symbol file records them. */
  matches: { address: bigint; name: string; isFunction: boolean; params?: string[] }[];
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
        const params = await parameterTypes(t, m, s);
        matches.push({ address: m.base + BigInt(s.rva), name: `${m.name}!${s.name}`, isFunction: await symbolIsFunction(t, m, s), ...(params ? { params } : {}) });
      }
    }
    return { kind: 'x', matches, truncated };
  },
  renderText: (r) =>
    [...r.matches.map((m) => `${addr64(m.address)} ${m.name} ${typeSuffix(m.isFunction, m.params)}`), ...(r.truncated ? [`(stopped after ${MAX_X} matches)`] : [])].join('\n'),
};

export interface SympathResult {
  kind: 'sympath';
  /** The path as typed (`-y`, `.sympath`, `.sympath+`): `srv*` stays `srv*`. */
  path: string;
  /** The path in use: `srv*` expanded to its cache and server, unusable entries dropped. */
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
    if (!text) return { kind: 'sympath', path: t.typedSymbolPath ?? '', expanded: t.symbolPath ?? '', changed: false };
    // WinDbg appends to the path as typed, not to its expansion.
    const path = append ? appendSymbolPath(t.typedSymbolPath ?? '', text) : text;
    t.setSymbolPath(path);
    return { kind: 'sympath', path: t.typedSymbolPath ?? path, expanded: t.symbolPath ?? '', changed: true };
  },
  // Paths keep their case: on most file systems dumpscope runs on, case tells directories apart.
  renderText: (r) => `Symbol search path is: ${r.path || '<empty>'}\nExpanded Symbol search path is: ${r.expanded || '<empty>'}`,
};

export interface ReloadResult {
  kind: 'reload';
  modules: number;
  /** `.reload MODULE`: the module named. */
  module?: string;
  /** `/f` or a module named: negative answers (the 404 cache, disabled servers) were forgotten. */
  forced: boolean;
  /** `/u`: symbols unloaded (the module's, or all), not searched again until used. */
  unloaded?: boolean;
  /** `/q`: nothing printed. */
  quiet?: boolean;
}

/** WinDbg's `.reload` options accepted; those without an effect here are about user-mode or display. */
const RELOAD_FLAGS = /^[/-]([fnqsuvwi])$/i;
const RELOAD_USAGE = 'usage: .reload [/f] [/u] [/q] [/n] [MODULE]';

export const reloadCommand: CommandSpec<ReloadResult> = {
  names: ['.reload'],
  summary: 'Forget loaded symbols and images; they are searched again on next use (/f or MODULE: ask servers again too; /u: unload)',
  usage: '.reload [/f] [/u] [/q] [/n] [MODULE]',
  async run(session, args) {
    const t = kernelTarget(session);
    const words = args.split(/\s+/).filter(Boolean);
    const flags = new Set<string>();
    for (const w of words.filter((x) => /^[/-]/.test(x))) {
      const m = RELOAD_FLAGS.exec(w);
      if (!m) throw new DumpscopeError(`unknown option ${w} (${RELOAD_USAGE})`, 'USAGE');
      flags.add(m[1].toLowerCase());
    }
    // WinDbg's /i loads a file whatever its identity; here a file is used only when its GUID/age or
    // timestamp/size match, so symbols that would be wrong are never shown as right.
    if (flags.has('i')) throw new DumpscopeError('/i: loading mismatched symbol files is not supported (a file is used only when its GUID and age, or timestamp and size, match the module)', 'UNSUPPORTED');
    const force = flags.has('f');
    const unload = flags.has('u');
    const quiet = flags.has('q');
    const name = words.find((w) => !/^[/-]/.test(w));
    if (!name) {
      t.reload(force && !unload ? 'all' : undefined);
      return { kind: 'reload', modules: t.modules.modules.length, forced: force && !unload, unloaded: unload, quiet };
    }
    // `amdppm`, `amdppm.sys`, `nt`, `ntoskrnl.exe` (WinDbg also accepts `name=base,size`; the name is what counts).
    const want = name.replace(/=.*$/, '').toLowerCase();
    const m = t.modules.modules.find((x) => x.name.toLowerCase() === want || x.imageName.toLowerCase() === want);
    if (!m) throw new DumpscopeError(`no loaded module named ${name}`, 'NOT_FOUND');
    if (unload) {
      t.unloadSymbols(m);
      return { kind: 'reload', modules: t.modules.modules.length, module: m.name, forced: false, unloaded: true, quiet };
    }
    const stem = (f: string) => f.replace(/\.[^.]*$/, '').toLowerCase();
    const pdbName = t.symbolsIfLoaded(m)?.pdbName;
    t.reload([...new Set([m.name.toLowerCase(), stem(m.imageName), ...(pdbName ? [stem(pdbName)] : [])])]);
    return { kind: 'reload', modules: t.modules.modules.length, module: m.name, forced: true, quiet };
  },
  renderText: (r) => {
    if (r.quiet) return '';
    if (r.unloaded) return r.module ? `(${r.module}: symbols unloaded; searched again on next use)` : `(symbols of all ${r.modules} modules unloaded; searched again on next use)`;
    return r.module
      ? `(${r.module}: symbols and image searched again on next use; the symbol servers are asked again)`
      : `Loading Kernel Symbols\nLoading unloaded module list\n(${r.modules} modules; symbols are loaded when first needed${r.forced ? '; the symbol servers are asked again' : ''})`;
  },
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
