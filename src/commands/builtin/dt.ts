// `dt [-r[N]] [-b] [-v] [-a[N]] [-o] [-i] [-n NAME] [MODULE!]NAME [FIELD…] [ADDRESS]`: a type's layout, a
// structure in memory with each field's value, a global variable (its type from the PDB), or the types a
// wildcard matches (`dt nt!_KTRAP*`). Options may come anywhere (`dt nt!_HEAP_VS_CONTEXT ADDR -r1`).
// `!ddt` (mex) is the same dump with mex's header, wider names and decimal values.
import { DumpscopeError } from '../../io/errors.js';
import { type DtRow, type DtStyle, type DtValue, renderDt } from '../../render/dt.js';
import type { Type } from '../../symbols/types.js';
import { dtTypeName, isAnonymousTypeName } from '../../symbols/windbg-type-name.js';
import type { KernelTarget } from '../../target/kernel-target.js';
import type { ModuleInfo } from '../../target/modules.js';
import { compileWildcard, hasWildcard } from '../../util/wildcard.js';
import { checkpoint } from '../checkpoint.js';
import type { CommandSpec } from '../command.js';
import { type FieldPath, MAX_DEPTH, parseFieldPath, structRows, fieldValue, verboseHeader } from './dt-rows.js';
import { evalArg, kernelTarget } from './target-access.js';
import { TypedMemory } from './typed-memory.js';

export interface DtDump {
  kind: 'dt';
  style: DtStyle;
  /** The module as named (`nt`, `ntkrnlmp`) or found. */
  module: string;
  type: string;
  address?: bigint;
  /** Set when NAME was a global variable rather than a type. */
  symbol?: string;
  /** A global's (or a non-structure type's) own line: its value, else its type. */
  head?: { typeName: string; value?: DtValue };
  /** `dt -v`: the type's kind, member count and size. */
  verbose?: string;
  rows: DtRow[];
  /** Rows shown before the row limit stopped the dump (0: complete). */
  truncated: number;
  options?: { noOffsets?: boolean; noIndent?: boolean };
}

/** `dt MODULE!PATTERN*`: the matching type names. */
export interface DtListing {
  kind: 'dt-list';
  module: string;
  names: string[];
  omitted: number;
}

export type DtResult = DtDump | DtListing;

const MAX_LISTED = 4096;
const USAGE = 'dt [-r[N]] [-b] [-v] [-a[N]] [-o] [-i] [MODULE!]NAME [FIELD…] [ADDRESS]';

function splitName(spec: string): { moduleName?: string; name: string } {
  const bang = spec.indexOf('!');
  return bang >= 0 ? { moduleName: spec.slice(0, bang), name: spec.slice(bang + 1) } : { name: spec };
}

/** The module MODULE names, or nt's when none is named. */
async function symbolModules(t: KernelTarget, moduleName: string | undefined): Promise<ModuleInfo[]> {
  if (!moduleName) return t.modules.modules.slice(0, 1);
  const m = t.modules.byModuleName(moduleName);
  if (!m) throw new DumpscopeError(`no module named ${moduleName}`, 'NO_MODULE');
  return [m];
}

/** Finds TYPE in MODULE's symbols, or in nt's when no module is named. */
export async function findTypeByName(t: KernelTarget, spec: string): Promise<{ module: string; type: Type }> {
  const found = await tryFindType(t, spec);
  if (!found) throw new DumpscopeError(`Symbol ${spec} not found.`, 'NO_TYPE');
  return found;
}

export async function tryFindType(t: KernelTarget, spec: string): Promise<{ module: string; type: Type } | undefined> {
  const { moduleName, name } = splitName(spec);
  for (const m of await symbolModules(t, moduleName)) {
    const syms = await t.moduleSymbols(m);
    if (!syms.source) {
      if (moduleName) throw new DumpscopeError(`no symbols for ${m.name} (${syms.detail})`, 'NO_SYMBOLS');
      continue;
    }
    const ty = await syms.source.findType(name);
    if (ty) return { module: moduleName ?? m.name, type: ty };
  }
  return undefined;
}

/** A global variable: its address and, when the symbol file records it (private PDB symbols), its type. */
export async function findGlobal(t: KernelTarget, spec: string): Promise<{ module: string; name: string; address: bigint; type?: Type; source: string } | undefined> {
  const { moduleName, name } = splitName(spec);
  for (const m of await symbolModules(t, moduleName)) {
    const syms = await t.moduleSymbols(m);
    const info = await syms.source?.lookup(name);
    if (!syms.source || !info) continue;
    if (info.isFunction) throw new DumpscopeError(`${spec} is a function: dt shows types and variables (u or uf shows its code)`, 'NO_TYPE');
    let type: Type | undefined;
    if (syms.pdb) {
      const data = (await syms.pdb.privateSymbols()).find((s) => s.kind === 'data' && s.name === name);
      if (data) type = (await syms.pdb.types()).type(data.type);
    }
    return { module: moduleName ?? m.name, name, address: m.base + BigInt(info.rva), type, source: syms.source.description };
  }
  return undefined;
}

async function listTypes(t: KernelTarget, spec: string, signal?: AbortSignal): Promise<DtListing> {
  const { moduleName, name } = splitName(spec);
  const [m] = await symbolModules(t, moduleName);
  const syms = m ? await t.moduleSymbols(m) : undefined;
  if (!m || !syms?.source) throw new DumpscopeError(`no symbols for ${m?.name ?? 'nt'}${syms ? ` (${syms.detail})` : ''}`, 'NO_SYMBOLS');
  // WinDbg's wildcard syntax, matched in linear time (a RegExp of `.*` runs backtracks exponentially).
  const re = compileWildcard(name, { caseInsensitive: true });
  const names: string[] = [];
  for (const n of await syms.source.typeNames()) {
    if (names.length % 1024 === 0) await checkpoint(signal);
    // Anonymous types (`_KTHREAD::<unnamed-tag>`, ISF `__anonymous_18ab`) have no name to list.
    if (re.matches(n) && !n.includes('<') && !isAnonymousTypeName(n)) names.push(n);
  }
  names.sort();
  if (!names.length) throw new DumpscopeError(`Symbol ${spec} not found.`, 'NO_TYPE');
  return { kind: 'dt-list', module: moduleName ?? m.name, names: names.slice(0, MAX_LISTED), omitted: Math.max(0, names.length - MAX_LISTED) };
}

interface Parsed {
  depth: number;
  arrays?: number;
  verbose: boolean;
  noOffsets: boolean;
  noIndent: boolean;
  name?: string;
  words: string[];
}

function parseArgs(args: string): Parsed {
  const p: Parsed = { depth: 0, verbose: false, noOffsets: false, noIndent: false, words: [] };
  const words = args.trim().split(/\s+/).filter(Boolean);
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    let m: RegExpExecArray | null;
    if ((m = /^-r(\d?)$/i.exec(w))) p.depth = m[1] ? Math.max(1, Number(m[1])) : MAX_DEPTH;
    else if (/^-b$/i.test(w)) p.depth = MAX_DEPTH;
    else if (/^-v$/i.test(w)) p.verbose = true;
    else if ((m = /^-a(\d*)$/i.exec(w))) p.arrays = m[1] ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
    else if (/^-o$/i.test(w)) p.noOffsets = true;
    else if (/^-i$/i.test(w)) p.noIndent = true;
    else if (/^-n$/i.test(w)) {
      if (i + 1 >= words.length) throw new DumpscopeError(`-n needs a name (usage: ${USAGE})`, 'USAGE');
      p.name = words[++i];
    } else if (/^-[a-z]/i.test(w) && !/^-\d/.test(w)) throw new DumpscopeError(`unsupported option ${w} (usage: ${USAGE})`, 'USAGE');
    else p.words.push(w);
  }
  return p;
}

/** A word after the type names a field (path) when its first part is one of the type's fields. */
function isFieldWord(type: Type, word: string): boolean {
  if (type.kind !== 'udt') return false;
  const first = parseFieldPath(word).parts[0].toLowerCase();
  const prefix = word.endsWith('*') && !word.includes('.');
  return first !== '' && type.fields.some((f) => (prefix ? f.name.toLowerCase().startsWith(first) : f.name.toLowerCase() === first));
}

export const dtCommand: CommandSpec<DtResult> = {
  names: ['dt', '!ddt', '!mex.ddt'],
  summary: 'Display a type (dt nt!_KTRAP_FRAME), a structure in memory (dt nt!_EPROCESS ADDR), a global (dt nt!PsLoadedModuleList) or matching types (dt nt!_KT*)',
  usage: USAGE,
  async run(session, args, name, signal) {
    const t = kernelTarget(session);
    const style: DtStyle = name.endsWith('ddt') ? 'ddt' : 'dt';
    const p = parseArgs(args);
    const nameWord = p.name ?? p.words.shift();
    if (!nameWord) throw new DumpscopeError(`usage: ${USAGE}`, 'USAGE');
    if (hasWildcard(splitName(nameWord).name)) return listTypes(t, nameWord, signal);
    const found = await tryFindType(t, nameWord);
    const options = { noOffsets: p.noOffsets, noIndent: p.noIndent };
    const rowOpts = { depth: p.depth, arrays: p.arrays, verbose: p.verbose && p.words.length === 0, signal };
    const mem = t.memory ? new TypedMemory(t.memory) : undefined;

    if (!found) {
      // Not a type: a global variable, shown at its own address with its recorded type.
      const g = await findGlobal(t, nameWord);
      if (!g) throw new DumpscopeError(`Symbol ${nameWord} not found.`, 'NO_TYPE');
      if (!g.type) throw new DumpscopeError(`${nameWord} is at ${g.address.toString(16)}, but ${g.source} records no type for it (public symbols or an ISF table without symbol types): use dt TYPE ${g.address.toString(16)}`, 'NO_TYPE');
      const paths = p.words.filter((w) => isFieldWord(g.type!, w)).map(parseFieldPath);
      const dump: DtDump = { kind: 'dt', style, module: g.module, type: typeLabel(g.type), address: g.address, symbol: g.name, rows: [], truncated: 0, options };
      const value = mem ? await fieldValue(mem, g.type, g.address) : undefined;
      // A list head's first line is its links; another structure is only its fields; a scalar its value.
      if (g.type.kind !== 'udt' || value?.k === 'list') dump.head = { typeName: dtTypeName(g.type), value };
      if (g.type.kind === 'udt') Object.assign(dump, await structRows(g.type, g.address, mem, rowOpts, paths));
      return dump;
    }

    const { module, type } = found;
    // After the type: field names to show (`dt nt!_EPROCESS ADDR ImageFileName`) and one address.
    let address: bigint | undefined;
    const paths: FieldPath[] = [];
    for (const w of p.words) {
      if (isFieldWord(type, w)) paths.push(parseFieldPath(w));
      else if (address === undefined) address = await addressOrField(session, w, `${module}!${typeLabel(type)}`);
      else throw new DumpscopeError(`${module}!${typeLabel(type)} has no field ${w}`, 'NO_FIELD');
    }
    const dump: DtDump = { kind: 'dt', style, module, type: typeLabel(type), address, rows: [], truncated: 0, options };
    if (rowOpts.verbose) dump.verbose = verboseHeader(type);
    if (type.kind !== 'udt') {
      dump.head = { typeName: dtTypeName(type), value: address !== undefined && mem ? await fieldValue(mem, type, address) : undefined };
      return dump;
    }
    if (address !== undefined && mem && type.size > 0 && !(await mem.prefix(address, 1)).length) {
      throw new DumpscopeError(`Memory read error ${BigInt.asUintN(64, address).toString(16).padStart(16, '0')}`, 'MEMORY');
    }
    Object.assign(dump, await structRows(type, address, address !== undefined ? mem : undefined, rowOpts, paths));
    return dump;
  },
  renderText: renderDt,
};

/** An address expression; a word that fails as one but reads like a field name is reported as a missing field. */
async function addressOrField(session: Parameters<CommandSpec['run']>[0], word: string, typeText: string): Promise<bigint> {
  try {
    return await evalArg(session, word);
  } catch (e) {
    if (/^[A-Za-z_]\w*(\.\w+)*[.*]*$/.test(word) && !/^[0-9a-f]+$/i.test(word)) throw new DumpscopeError(`${typeText} has no field ${word}`, 'NO_FIELD');
    throw e;
  }
}

function typeLabel(t: Type): string {
  return t.kind === 'udt' || t.kind === 'enum' ? dtTypeName(t) : dtTypeName(t).trim();
}
