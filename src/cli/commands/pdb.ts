import { IsfTable } from '../../formats/isf/isf.js';
import { PdbFile } from '../../formats/pdb/pdb.js';
import { openSymbolFile } from '../../node/open-symbol-file.js';
import { renderTypeLayout, typeLayout } from '../../symbols/layout.js';
import { type CliCommand, UsageError } from '../command.js';
import { chooseType } from './pdb-type-choice.js';

interface PdbOptions {
  file?: string;
  publics: boolean;
  symbols: boolean;
  types: boolean;
  modules: boolean;
  type: string[];
  lookup: number[];
  json: boolean;
}

/** An RVA as WinDbg reads numbers: hex by default, `0x` or `0n` (decimal) prefixes, backticks ignored. */
function parseRva(v: string | undefined): number {
  if (v === undefined) throw new UsageError('--lookup needs an RVA (hex, e.g. 0x334c)');
  const t = v.replace(/`/g, '');
  const n = /^0n\d+$/i.test(t) ? Number(t.slice(2)) : /^(0x)?[0-9a-f]+$/i.test(t) ? Number.parseInt(t.replace(/^0x/i, ''), 16) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0 || n > 0xffffffff) throw new UsageError(`--lookup: ${v} is not an RVA (a hex number below 0x100000000)`);
  return n;
}

function parse(args: string[]): PdbOptions {
  const o: PdbOptions = { publics: false, symbols: false, types: false, modules: false, type: [], lookup: [], json: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--publics') o.publics = true;
    else if (a === '--symbols') o.symbols = true;
    else if (a === '--types') o.types = true;
    else if (a === '--modules') o.modules = true;
    else if (a === '--json') o.json = true;
    else if (a === '--type') {
      const v = args[++i];
      if (v === undefined) throw new UsageError('--type needs a type name');
      o.type.push(v);
    } else if (a.startsWith('--type=')) o.type.push(a.slice(7));
    else if (a === '--lookup') o.lookup.push(parseRva(args[++i]));
    else if (a.startsWith('--lookup=')) o.lookup.push(parseRva(a.slice(9)));
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else if (!o.file) o.file = a;
    else throw new UsageError(`unexpected argument ${a}`);
  }
  return o;
}

const hex = (n: number, w = 8) => n.toString(16).padStart(w, '0');

// IMAGE_FILE_MACHINE_* (winnt.h): PDBs and ISF tables both record the PE machine code.
const MACHINES: Record<number, string> = { 332: 'x86', 34404: 'x64', 452: 'ARM', 43620: 'ARM64' };
const machineText = (m: number | undefined) => (m === undefined ? undefined : `0x${m.toString(16)}${MACHINES[m] ? ` (${MACHINES[m]})` : ''}`);

export const pdbCommand: CliCommand = {
  name: 'pdb',
  summary: 'Inspect a PDB or ISF symbol file: identity, public symbols, procedures, type layouts',
  usage: [
    'Usage: dumpscope pdb FILE [--publics] [--symbols] [--modules] [--types] [--type NAME|INDEX]... [--lookup RVA]... [--json]',
    '',
    'FILE is an MSF 7.00 PDB or a Volatility ISF table (.json or .json.xz).',
    '  (no option)   identity (GUID, age, machine) and counts',
    '  --publics     public symbols: name, section, offset, rva, isFunction (null: the ISF does not say)',
    '  --symbols     procedures (with code sizes) and data symbols of a private PDB; every ISF symbol',
    '  --modules     the compilands (object files) of a PDB (ISF tables have none)',
    '  --types       names, kinds, sizes (and PDB type indices) of every structure, union, class and enum',
    '  --type NAME   the layout of one type: fields with offsets, types and bit positions; NAME may be a',
    '                type index as --types prints it (0x1d25), which tells apart types sharing a name',
    '  --lookup RVA  the symbol containing (or nearest below) an RVA, as ln shows it: name+0xdisplacement',
    '  --json        machine-readable output',
  ].join('\n'),
  async run(args, io) {
    const o = parse(args);
    if (!o.file) throw new UsageError('missing FILE');
    const { source, close } = await openSymbolFile(o.file);
    try {
      const result: Record<string, unknown> = {};
      const text: string[] = [];
      const pdb = source instanceof PdbFile ? source : undefined;
      const isf = source instanceof IsfTable ? source : undefined;
      const any = o.publics || o.symbols || o.types || o.modules || o.type.length > 0 || o.lookup.length > 0;
      if (!any) {
        const id = pdb
          ? { format: 'pdb', guid: pdb.guid, age: pdb.dbiAge, infoAge: pdb.infoAge, machine: machineText(pdb.machine) }
          : { format: 'isf', pdbName: isf?.identity.pdbName, guid: isf?.identity.guid, age: isf?.identity.age, machine: machineText(isf?.identity.machine) };
        const counts = {
          publics: pdb ? (await pdb.publics()).length : undefined,
          symbols: (await source.symbols()).length,
          modules: pdb ? pdb.modules().length : undefined,
          types: pdb ? (await pdb.types()).definitionList().length : (await source.typeNames()).length,
        };
        Object.assign(result, id, counts);
        for (const [k, v] of Object.entries({ ...id, ...counts })) if (v !== undefined) text.push(`${k.padEnd(10)} ${v}`);
      }
      if (o.modules && !pdb) {
        io.err(`dumpscope pdb: ${o.file} is an ISF table: ISF tables have no modules (compilands); --modules lists a PDB's`);
        return 1;
      }
      if (o.modules && pdb) {
        result.modules = pdb.modules().map((m) => ({ index: m.index, name: m.name, objectName: m.objectName, symbolStream: m.symbolStream ?? null }));
        for (const m of pdb.modules()) text.push(`${String(m.index).padStart(4)}  ${m.name}`);
      }
      if (o.publics) {
        const pubs = pdb
          ? (await pdb.publics()).map((p) => ({ name: p.name, section: p.section, offset: p.offset, rva: p.rva ?? null, isFunction: p.isFunction }))
          : // An ISF table says a symbol is a function only when it gives the symbol a type: otherwise unknown.
            (await source.symbols()).map((s) => ({ name: s.name, section: null, offset: null, rva: s.rva, isFunction: s.kind === 'function' ? true : null }));
        result.publics = pubs;
        for (const p of pubs) {
          const addr = p.section === null ? '         ' : `${hex(p.section, 4)}:${hex(p.offset ?? 0)}`;
          text.push(`${addr}  ${p.rva === null ? '        ' : hex(p.rva)}  ${p.isFunction ? 'F' : p.isFunction === null ? '?' : ' '}  ${p.name}`);
        }
      }
      if (o.symbols) {
        const syms = pdb ? (await pdb.privateSymbols()).map((s) => ({ name: s.name, kind: s.kind, section: s.section, offset: s.offset, rva: s.rva ?? null, size: s.size ?? null, global: s.global })) : (await source.symbols()).map((s) => ({ name: s.name, kind: s.kind, rva: s.rva, size: s.size ?? null }));
        result.symbols = syms;
        for (const s of syms) text.push(`${s.rva === null ? '        ' : hex(s.rva)}  ${s.size === null ? '     ' : hex(s.size, 5)}  ${s.kind.padEnd(8)}  ${s.name}`);
      }
      if (o.types) {
        const list: { name: string; kind: string; size: number; typeIndex?: number }[] = [];
        if (pdb) {
          // Every definition, by type index: several may share a name ('<anonymous-tag>').
          const types = await pdb.types();
          for (const d of types.definitionList()) {
            const t = types.type(d.ti);
            list.push({ name: d.name, kind: t.kind === 'udt' ? t.udtKind : t.kind, size: t.size, typeIndex: d.ti });
          }
          list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : (a.typeIndex ?? 0) - (b.typeIndex ?? 0)));
        } else {
          for (const n of [...(await source.typeNames())].sort()) {
            const t = await source.findType(n);
            if (t) list.push({ name: n, kind: t.kind === 'udt' ? t.udtKind : t.kind, size: t.size });
          }
        }
        result.types = list;
        for (const t of list) text.push(`${hex(t.size, 6)}  ${t.kind.padEnd(6)}  ${t.name}${t.typeIndex !== undefined ? `  (0x${t.typeIndex.toString(16)})` : ''}`);
      }
      if (o.type.length) {
        const layouts = [];
        for (const n of o.type) {
          const c = await chooseType(source, n, o.file);
          if ('error' in c) {
            io.err(`dumpscope pdb: ${c.error}`);
            return 1;
          }
          layouts.push(typeLayout(c.type, c.asked));
        }
        result.typeLayouts = layouts;
        for (const l of layouts) text.push(renderTypeLayout(l));
      }
      if (o.lookup.length) {
        const found = [];
        // Past the image's end nothing is there: not the last symbol plus a huge displacement.
        const extent = await source.extent?.();
        for (const rva of o.lookup) {
          const outside = extent !== undefined && rva >= extent.end;
          const m = outside ? undefined : await source.symbolAt(rva);
          const none = { rva, symbol: null, displacement: null, symbolRva: null, kind: null, size: null, ...(outside ? { beyond: { end: extent.end, from: extent.from } } : {}) };
          found.push(m ? { rva, symbol: m.symbol.name, displacement: m.displacement, symbolRva: m.symbol.rva, kind: m.symbol.kind, size: m.symbol.size ?? null } : none);
        }
        result.lookup = found;
        for (const f of found) {
          const beyond = 'beyond' in f ? f.beyond : undefined;
          const why = beyond ? `(no symbol: past the image's end at ${hex(beyond.end)}, from ${beyond.from})` : '(no symbol at or below this RVA)';
          text.push(`${hex(f.rva)}  ${f.symbol === null ? why : `${f.symbol}${f.displacement ? `+0x${f.displacement.toString(16)}` : ''}  (${f.kind} at ${hex(f.symbolRva ?? 0)}${f.size !== null ? `, size 0x${f.size.toString(16)}` : ''})`}`);
        }
      }
      // One requested listing prints as itself (an array, or a single type's layout object).
      const keys = Object.keys(result);
      let json: unknown = result;
      if (any && keys.length === 1) json = o.type.length === 1 ? (result.typeLayouts as unknown[])[0] : result[keys[0]];
      if (o.json) io.out(JSON.stringify(json, null, 2));
      else io.out(text.join('\n'));
      return 0;
    } finally {
      await close();
    }
  },
};
