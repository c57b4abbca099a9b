// Symbol commands: `ln` (nearest symbols), `x MODULE!PATTERN`, `.sympath`, `.reload`, `.load` (accepted
// for extensions such as mex, whose commands dumpscope provides itself), and `uf` (a whole function,
// from its unwind range).
import { type DecodedInstruction, renderInstruction } from '../../disasm/x64.js';
import { DumpscopeError } from '../../io/errors.js';
import type { SymbolInfo } from '../../symbols/symbol-source.js';
import type { KernelTarget } from '../../target/kernel-target.js';
import { addr64 } from '../../util/hex.js';
import type { CommandSpec } from '../command.js';
import { decodeAt, evalArg, kernelTarget } from './target-access.js';

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
  async run(session, args) {
    const t = kernelTarget(session);
    const spec = args.trim();
    const bang = spec.indexOf('!');
    if (bang < 1) throw new DumpscopeError('usage: x MODULE!PATTERN', 'USAGE');
    const mods = t.modules.modules.filter((m) => new RegExp(`^${glob(spec.slice(0, bang))}$`, 'i').test(m.name));
    const re = new RegExp(`^${glob(spec.slice(bang + 1))}$`, 'i');
    const matches: XResult['matches'] = [];
    let truncated = false;
    for (const m of mods.slice(0, 512)) {
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
  names: ['.sympath'],
  summary: 'Show or set the symbol path (WinDbg syntax: srv*CACHE*URL;DIR;…)',
  usage: '.sympath [PATH]',
  async run(session, args) {
    const t = kernelTarget(session);
    if (args.trim()) t.setSymbolPath(args.trim());
    return { kind: 'sympath', path: t.symbolPath ?? '', changed: !!args.trim() };
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

export const loadCommand: CommandSpec<{ kind: 'load'; name: string }> = {
  names: ['.load'],
  summary: 'Accepted for WinDbg extensions (mex…); dumpscope has their commands built in',
  usage: '.load NAME',
  async run(_session, args) {
    return { kind: 'load', name: args.trim() };
  },
  renderText: (r) => (r.name ? `(${r.name}: not needed; dumpscope provides !t, !p, !us and the other commands it is used for)` : ''),
};

export interface UfResult {
  kind: 'uf';
  heading?: string;
  instructions: DecodedInstruction[];
}

const MAX_UF = 20_000;

export const ufCommand: CommandSpec<UfResult> = {
  names: ['uf'],
  summary: 'Disassemble the whole function containing an address (its .pdata range)',
  usage: 'uf ADDRESS',
  async run(session, args) {
    const t = kernelTarget(session);
    const address = await evalArg(session, args);
    const m = t.modules.at(address);
    if (!m) throw new DumpscopeError(`${addr64(address)} is not in a loaded module`, 'NO_MODULE');
    const img = await t.image(m);
    if (!img.image) throw new DumpscopeError(`no image for ${m.name} (${img.origin}): the function's extent is unknown`, 'NO_IMAGE');
    const fn = await img.image.functionAt(Number(address - m.base));
    if (!fn) throw new DumpscopeError(`no unwind data covers ${addr64(address)} (a leaf function?): use u instead`, 'NO_FUNCTION');
    const start = m.base + BigInt(fn.begin);
    const end = m.base + BigInt(fn.end);
    const out: DecodedInstruction[] = [];
    let at = start;
    while (at < end && out.length < MAX_UF) {
      const batch = await decodeAt(t, at, 64);
      if (!batch.length) break;
      let progressed = false;
      for (const ins of batch) {
        if (ins.address >= end || out.length >= MAX_UF) break;
        out.push(ins);
        at = ins.address + BigInt(Math.max(1, ins.bytes.length));
        progressed = true;
      }
      if (!progressed) break;
    }
    const heading = await t.symbolize(start);
    return { kind: 'uf', heading: heading ? `${heading}:` : undefined, instructions: out };
  },
  renderText: (r) => [...(r.heading ? [r.heading] : []), ...r.instructions.map((i) => renderInstruction(i))].join('\n'),
};
