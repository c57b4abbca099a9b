// PDB files: identity (GUID and age), modules, section contributions, public, global and module symbols,
// and types, all behind the SymbolSource interface. Each stream is read only when a question needs it.
// Addresses are answered from typed-array indexes (address-index.ts): the publics and global data of the
// symbol record stream, and the procedures of only the module whose section contribution holds the
// address, so the first lookup in a large private PDB reads one module stream, not all of them.
import type { ByteSource } from '../../io/byte-source.js';
import { LE } from '../../io/bytes.js';
import { FormatError } from '../../io/errors.js';
import type { SymbolInfo, SymbolMatch, SymbolSource } from '../../symbols/symbol-source.js';
import type { FunctionType, Type } from '../../symbols/types.js';
import { windbgPublicName } from '../../symbols/windbg-symbol-name.js';
import { RecordCollector, SortedRecords } from './address-index.js';
import { Dbi, type DbiModule, type SectionContribution } from './dbi.js';
import { Msf } from './msf.js';
import { PdbTypes } from './pdb-types.js';
import { decodeSymbol, need, recordName, S, type SymbolRecord, walkSymbols } from './symbol-records.js';
import { TypeStream } from './tpi.js';

export interface PublicSymbol {
  name: string;
  section: number;
  offset: number;
  rva?: number;
  isFunction: boolean;
}

/** A procedure or data symbol from a module's stream or the globals, placed by section and RVA. */
export interface PdbSymbol {
  name: string;
  kind: 'function' | 'data';
  section: number;
  offset: number;
  rva?: number;
  size?: number;
  global: boolean;
  /** Index of the module that defines it (procedures and module-local data). */
  module?: number;
  type: number;
  /** `type` is an item (IPI) index: the procedure came from an S_GPROC32_ID/S_LPROC32_ID record. */
  idType?: boolean;
}

const TPI_STREAM = 2;
const DBI_STREAM = 3;
const MAX_SECTIONS = 4096;

// Tags of address-index entries.
const PUBLIC = 0;
const PUBLIC_FUNCTION = 1;
const DATA = 2;
const PROCEDURE = 3;

/** An index over one stream's records, with the stream to decode names from (each decoded once). */
interface StreamIndex {
  recs: LE;
  index: SortedRecords;
  names: (string | undefined)[];
}

/** A module's procedures (with code lengths) and its local data, sorted by RVA. */
interface ModuleIndex {
  procs: StreamIndex;
  data: StreamIndex;
}

const NOTHING: StreamIndex = { recs: new LE(new Uint8Array(0), 'none'), index: new SortedRecords(new Uint32Array(0), new Uint32Array(0), new Uint8Array(0), new Uint32Array(0)), names: [] };
/** The index of a module without a symbol stream. */
const NO_SYMBOLS: ModuleIndex = { procs: NOTHING, data: NOTHING };

const isData = (kind: number) => kind === S.GDATA32 || kind === S.LDATA32 || kind === S.GTHREAD32 || kind === S.LTHREAD32;
const isProc = (kind: number) => kind === S.GPROC32 || kind === S.LPROC32 || kind === S.GPROC32_ID || kind === S.LPROC32_ID;

export function guidString(b: Uint8Array): string {
  const dv = new DataView(b.buffer, b.byteOffset, 16);
  const h = (v: number, w: number) => v.toString(16).toUpperCase().padStart(w, '0');
  return h(dv.getUint32(0, true), 8) + h(dv.getUint16(4, true), 4) + h(dv.getUint16(6, true), 4) + [...b.subarray(8, 16)].map((x) => h(x, 2)).join('');
}

/**
 * Sorted by RVA, stable (earlier entries first among equal RVAs). Linkers emit symbols mostly in address
 * order, so an already sorted list is detected in one pass and left as it is.
 */
function byRva(list: SymbolInfo[]): SymbolInfo[] {
  for (let i = 1; i < list.length; i++) if (list[i].rva < list[i - 1].rva) return list.sort((a, b) => a.rva - b.rva);
  return list;
}

/** The last position whose value is <= `value` in an ascending array, or -1. */
function floorOf(a: Uint32Array, value: number): number {
  let lo = 0;
  let hi = a.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= value) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

export class PdbFile implements SymbolSource {
  readonly kind = 'pdb' as const;
  private publicsCache?: PublicSymbol[];
  private symbolsCache?: PdbSymbol[];
  private sectionsCache?: { name: string; va: number; size: number }[];
  private indexCache?: { procs: SymbolInfo[]; others: SymbolInfo[] };
  private byNameCache?: Map<string, SymbolInfo>;
  private typesCache?: PdbTypes;
  private globalIndex?: Promise<StreamIndex>;
  private moduleIndexes = new Map<number, Promise<ModuleIndex | undefined>>();
  private contributions?: Promise<{ start: Uint32Array; end: Uint32Array; module: Uint32Array }>;

  private constructor(
    private readonly msf: Msf,
    readonly name: string,
    readonly guid: string,
    /** Age from the PDB info stream (incremented on each write). */
    readonly infoAge: number,
    /** Age from the DBI stream: the one an image's CodeView record must match. */
    readonly dbiAge: number,
    readonly dbi: Dbi,
  ) {}

  get description(): string {
    return `${this.name} ${this.guid}${this.dbiAge.toString(16).toUpperCase()}`;
  }

  get machine(): number {
    return this.dbi.header.machine;
  }

  static async open(source: ByteSource): Promise<PdbFile> {
    const msf = await Msf.open(source);
    const f = `PDB ${source.name}`;
    const info = new LE(await msf.stream(1), `${f} info stream`);
    const guid = guidString(info.sub(12, 16));
    const infoAge = info.u32(8);
    const dbi = Dbi.parse(await msf.stream(DBI_STREAM), `${f} DBI stream`);
    return new PdbFile(msf, source.name, guid, infoAge, dbi.header.age, dbi);
  }

  private get format(): string {
    return `PDB ${this.name}`;
  }

  /** Section headers copied into the PDB (name, virtual address, size), numbered from 1 by their index + 1. */
  async sections(): Promise<{ name: string; va: number; size: number }[]> {
    if (this.sectionsCache) return this.sectionsCache;
    const stream = this.dbi.debugStream(5);
    const out: { name: string; va: number; size: number }[] = [];
    if (stream !== undefined) {
      const s = new LE(await this.msf.stream(stream), `${this.format} section headers`);
      for (let o = 0; o + 40 <= s.length && out.length < MAX_SECTIONS; o += 40) out.push({ name: s.ascii(o, 8), size: s.u32(o + 8), va: s.u32(o + 12) });
    }
    this.sectionsCache = out;
    return out;
  }

  /** The end of the image from the section headers: the last section's end, rounded up to a 4 KiB page. */
  async extent(): Promise<{ end: number; from: string } | undefined> {
    const secs = await this.sections();
    if (!secs.length) return undefined;
    const end = Math.max(...secs.map((x) => x.va + x.size));
    return { end: Math.ceil(end / 0x1000) * 0x1000, from: `the PDB's ${secs.length} section headers` };
  }

  private async rvaOf(): Promise<(section: number, offset: number) => number | undefined> {
    const secs = await this.sections();
    return (section, offset) => {
      const s = secs[section - 1];
      return s === undefined ? undefined : s.va + offset;
    };
  }

  private async symRecords(): Promise<LE> {
    return new LE(await this.msf.stream(this.dbi.header.symRecordStream), `${this.format} symbol records`);
  }

  /** Every S_PUB32 record of the symbol record stream, in stream order. */
  async publics(): Promise<PublicSymbol[]> {
    if (this.publicsCache) return this.publicsCache;
    const rva = await this.rvaOf();
    const recs = await this.symRecords();
    const out: PublicSymbol[] = [];
    walkSymbols(recs, 0, recs.length, (kind, at, len) => {
      const s = kind === 0x110e ? decodeSymbol(kind, recs, at, len) : undefined;
      if (s?.kind === 'public') out.push({ name: s.name, section: s.section, offset: s.offset, rva: rva(s.section, s.offset), isFunction: s.isFunction });
    });
    this.publicsCache = out;
    return out;
  }

  modules(): DbiModule[] {
    return this.dbi.modules();
  }

  sectionContributions(): SectionContribution[] {
    return this.dbi.sectionContributions();
  }

  /** The decoded records of one module's symbol stream (C13 layout: a 4-byte signature, then records). */
  async moduleSymbols(mod: DbiModule): Promise<SymbolRecord[]> {
    if (mod.symbolStream === undefined || mod.symbolBytes < 4) return [];
    const s = new LE(await this.msf.stream(mod.symbolStream), `${this.format} module ${mod.index} symbols`);
    if (mod.symbolBytes > s.length) throw new FormatError(s.format, `module declares ${mod.symbolBytes} symbol bytes in a ${s.length}-byte stream`);
    const out: SymbolRecord[] = [];
    walkSymbols(s, 4, mod.symbolBytes, (kind, at, len) => {
      const d = decodeSymbol(kind, s, at, len);
      if (d) out.push(d);
    });
    return out;
  }

  /** Global records (data, procedure references, UDT names) from the symbol record stream. */
  async globals(): Promise<SymbolRecord[]> {
    const recs = await this.symRecords();
    const out: SymbolRecord[] = [];
    walkSymbols(recs, 0, recs.length, (kind, at, len) => {
      if (kind === 0x110e) return;
      const d = decodeSymbol(kind, recs, at, len);
      if (d) out.push(d);
    });
    return out;
  }

  /** Procedures (with code ranges) from every module, and data symbols from the globals and modules. */
  async privateSymbols(): Promise<PdbSymbol[]> {
    if (this.symbolsCache) return this.symbolsCache;
    const rva = await this.rvaOf();
    const out: PdbSymbol[] = [];
    const seenData = new Set<string>();
    const add = (s: SymbolRecord, module?: number) => {
      if (s.kind === 'procedure') {
        out.push({ name: s.name, kind: 'function', section: s.section, offset: s.offset, rva: rva(s.section, s.offset), size: s.length, global: s.global, module, type: s.type, ...(s.idType ? { idType: true } : {}) });
      } else if (s.kind === 'data') {
        const key = `${s.name}@${s.section}:${s.offset}`;
        if (seenData.has(key)) return;
        seenData.add(key);
        out.push({ name: s.name, kind: 'data', section: s.section, offset: s.offset, rva: rva(s.section, s.offset), global: s.global, module, type: s.type });
      }
    };
    // Only data records are wanted from the globals: the procedure references, UDT names and publics there
    // (most of the stream) are not decoded at all.
    const recs = await this.symRecords();
    walkSymbols(recs, 0, recs.length, (kind, at, len) => {
      if (kind !== S.GDATA32 && kind !== S.LDATA32 && kind !== S.GTHREAD32 && kind !== S.LTHREAD32) return;
      const d = decodeSymbol(kind, recs, at, len);
      if (d) add(d);
    });
    for (const m of this.modules()) for (const s of await this.moduleSymbols(m)) add(s, m.index);
    this.symbolsCache = out;
    return out;
  }

  private async index() {
    if (this.indexCache) return this.indexCache;
    const procs: SymbolInfo[] = [];
    const others: SymbolInfo[] = [];
    for (const s of await this.privateSymbols()) {
      if (s.rva === undefined) continue;
      (s.kind === 'function' ? procs : others).push({ name: s.name, rva: s.rva, size: s.size, kind: s.kind, isFunction: s.kind === 'function' });
    }
    for (const p of await this.publics()) if (p.rva !== undefined) others.push({ name: windbgPublicName(p.name), rva: p.rva, kind: 'public', isFunction: p.isFunction });
    this.indexCache = { procs: byRva(procs), others: byRva(others) };
    return this.indexCache;
  }

  /** Name → symbol (private symbols first, then publics; the first of a name wins), built on the first lookup. */
  private async names(): Promise<Map<string, SymbolInfo>> {
    if (this.byNameCache) return this.byNameCache;
    const map = new Map<string, SymbolInfo>();
    for (const s of await this.privateSymbols()) {
      if (s.rva !== undefined && !map.has(s.name)) map.set(s.name, { name: s.name, rva: s.rva, size: s.size, kind: s.kind, isFunction: s.kind === 'function' });
    }
    // Publics under the name WinDbg shows (`_imp_X`) and the one the file holds (`__imp_X`).
    for (const p of await this.publics()) {
      if (p.rva === undefined) continue;
      const s: SymbolInfo = { name: windbgPublicName(p.name), rva: p.rva, kind: 'public', isFunction: p.isFunction };
      for (const n of new Set([s.name, p.name])) if (!map.has(n)) map.set(n, s);
    }
    this.byNameCache = map;
    return map;
  }

  /** Publics and global data of the symbol record stream, by RVA; data first among equal RVAs (a public wins). */
  private globalsByRva(): Promise<StreamIndex> {
    this.globalIndex ??= (async () => {
      const rva = await this.rvaOf();
      const recs = await this.symRecords();
      const dv = recs.view;
      const data = new RecordCollector(64);
      const pubs = new RecordCollector(recs.length >>> 5);
      // The walk is written out (no callback per record): it visits every record of a stream that can
      // hold hundreds of thousands, and is the bulk of the first lookup.
      for (let at = 0; at + 4 <= recs.length; ) {
        const len = dv.getUint16(at, true);
        if (len < 2) throw new FormatError(recs.format, `symbol record of length ${len}`, recs.base + at);
        if (at + 2 + len > recs.length) throw new FormatError(recs.format, `symbol record of length ${len} runs past the stream`, recs.base + at);
        const kind = dv.getUint16(at + 2, true);
        if (kind === S.PUB32 || isData(kind)) {
          need(recs, kind, at + 2, len, 12);
          const r = rva(dv.getUint16(at + 12, true), dv.getUint32(at + 8, true));
          if (r !== undefined && r <= 0xffffffff) {
            if (kind === S.PUB32) pubs.push(r, at, dv.getUint32(at + 4, true) & 2 ? PUBLIC_FUNCTION : PUBLIC);
            else data.push(r, at, DATA);
          }
        }
        at += 2 + len;
      }
      data.append(pubs);
      return { recs, index: data.build(), names: [] };
    })();
    return this.globalIndex;
  }

  /** One module's procedures and local data, read from its stream on first use. */
  private moduleByRva(index: number): Promise<ModuleIndex | undefined> {
    let p = this.moduleIndexes.get(index);
    if (!p) {
      p = (async () => {
        const mod = this.modules()[index];
        if (!mod || mod.symbolStream === undefined || mod.symbolBytes < 4) return undefined;
        const rva = await this.rvaOf();
        const recs = new LE(await this.msf.stream(mod.symbolStream), `${this.format} module ${mod.index} symbols`);
        if (mod.symbolBytes > recs.length) throw new FormatError(recs.format, `module declares ${mod.symbolBytes} symbol bytes in a ${recs.length}-byte stream`);
        const dv = recs.view;
        const procs = new RecordCollector(64, true);
        const data = new RecordCollector(16);
        walkSymbols(recs, 4, mod.symbolBytes, (kind, at, len) => {
          if (isProc(kind)) {
            need(recs, kind, at, len, 37);
            const r = rva(dv.getUint16(at + 34, true), dv.getUint32(at + 30, true));
            if (r !== undefined && r <= 0xffffffff) procs.push(r, at - 2, PROCEDURE, dv.getUint32(at + 14, true));
          } else if (isData(kind)) {
            need(recs, kind, at, len, 12);
            const r = rva(dv.getUint16(at + 10, true), dv.getUint32(at + 6, true));
            if (r !== undefined && r <= 0xffffffff) data.push(r, at - 2, DATA);
          }
        });
        return { procs: { recs, index: procs.build(), names: [] }, data: { recs, index: data.build(), names: [] } };
      })();
      this.moduleIndexes.set(index, p);
    }
    return p;
  }

  /** Section contributions by RVA: which module's code or data lies where. */
  private contributionsByRva(): Promise<{ start: Uint32Array; end: Uint32Array; module: Uint32Array }> {
    this.contributions ??= (async () => {
      const rva = await this.rvaOf();
      const c = new RecordCollector(64, true);
      const t = this.dbi.contributionArrays();
      for (let i = 0; i < t.section.length; i++) {
        const r = t.offset[i] >= 0 ? rva(t.section[i], t.offset[i]) : undefined;
        if (r !== undefined && t.size[i] > 0 && r + t.size[i] < 0x100000000) c.push(r, t.module[i], 0, t.size[i]);
      }
      const s = c.build();
      return { start: s.rva, end: s.rva.map((v, i) => v + (s.length?.[i] ?? 0)), module: s.record };
    })();
    return this.contributions;
  }

  private entry(x: StreamIndex, i: number): SymbolInfo {
    const tag = x.index.tag[i];
    let name = x.names[i];
    if (name === undefined) {
      name = recordName(x.recs, x.index.record[i]);
      x.names[i] = name;
    }
    const rva = x.index.rva[i];
    if (tag === PROCEDURE) return { name, rva, size: x.index.length?.[i], kind: 'function', isFunction: true };
    if (tag === DATA) return { name, rva, kind: 'data', isFunction: false };
    return { name: windbgPublicName(name), rva, kind: 'public', isFunction: tag === PUBLIC_FUNCTION };
  }

  /**
   * A procedure whose code range contains `rva`; else the nearest public or data symbol at or below it
   * (a public before a data symbol at the same address, module data before global data). Procedures are
   * looked for in the module contributing `rva`; module data in the modules contributing the range between
   * the nearest global symbol and `rva`, the only places a nearer one can be. After the first lookups the
   * indexes are at hand synchronously, so a lookup allocates only its answer.
   */
  async symbolAt(rva: number): Promise<SymbolMatch | undefined> {
    const g = this.ready.globals ?? (this.ready.globals = await this.globalsByRva());
    const c = this.ready.contributions ?? (this.ready.contributions = await this.contributionsByRva());
    const gi = g.index.floor(rva);
    let bestX: StreamIndex | undefined = gi >= 0 ? g : undefined;
    let bestI = gi;
    let bestRva = gi >= 0 ? g.index.rva[gi] : -1;
    const all = c.start.length === 0; // no contributions (unusual): every module is a candidate
    const last = all ? this.modules().length - 1 : floorOf(c.start, rva);
    // Procedures: in the contribution holding rva (a few steps back cover overlapping ones; sane PDBs have none).
    for (let j = last, steps = 0; j >= 0 && (all || steps < 8); j--, steps++) {
      if (!all && rva >= c.end[j]) continue;
      const m = all ? j : c.module[j];
      const procs = (this.ready.modules.get(m) ?? (await this.moduleReady(m))).procs.index;
      const p = procs.floor(rva);
      if (p >= 0 && rva < procs.rva[p] + (procs.length?.[p] ?? 0)) return { symbol: this.entry((this.ready.modules.get(m) as ModuleIndex).procs, p), displacement: rva - procs.rva[p] };
    }
    // Module data nearer than the best global symbol lies in a contribution ending above it (bounded walk).
    for (let j = last, steps = 0; j >= 0 && (all || (steps < 64 && c.end[j] > bestRva)); j--, steps++) {
      const m = all ? j : c.module[j];
      const data = (this.ready.modules.get(m) ?? (await this.moduleReady(m))).data;
      const d = data.index.floor(rva);
      if (d < 0) continue;
      const at = data.index.rva[d];
      if (at > bestRva || (at === bestRva && bestX?.index.tag[bestI] === DATA)) {
        bestX = data;
        bestI = d;
        bestRva = at;
      }
    }
    if (!bestX) return undefined;
    return { symbol: this.entry(bestX, bestI), displacement: rva - bestRva };
  }

  /** Indexes already built, for the synchronous path of symbolAt. */
  private readonly ready: { globals?: StreamIndex; contributions?: { start: Uint32Array; end: Uint32Array; module: Uint32Array }; modules: Map<number, ModuleIndex> } = { modules: new Map() };

  /** A module's index (an empty one for modules without symbols), remembered for the synchronous path. */
  private async moduleReady(index: number): Promise<ModuleIndex> {
    const mi = (await this.moduleByRva(index)) ?? NO_SYMBOLS;
    this.ready.modules.set(index, mi);
    return mi;
  }

  async lookup(name: string): Promise<SymbolInfo | undefined> {
    return (await this.names()).get(name);
  }

  /** Every symbol once: a public at the same address and name as a procedure or data symbol is dropped. */
  async symbols(): Promise<readonly SymbolInfo[]> {
    const { procs, others } = await this.index();
    const seen = new Set<string>();
    const out: SymbolInfo[] = [];
    for (const s of [...procs, ...others]) {
      const key = `${s.rva}|${s.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(s);
    }
    return out.sort((a, b) => a.rva - b.rva);
  }

  /** The type model over the TPI stream (read on first use). */
  async types(): Promise<PdbTypes> {
    if (!this.typesCache) {
      const bytes = this.msf.streamCount > TPI_STREAM ? await this.msf.stream(TPI_STREAM) : new Uint8Array(0);
      this.typesCache = new PdbTypes(TypeStream.parse(bytes, `${this.format} TPI stream`), `${this.format} TPI stream`);
    }
    return this.typesCache;
  }

  /** A structure, union, class or enum by name; else a typedef (S_UDT in the globals) resolved to its type. */
  async findType(name: string): Promise<Type | undefined> {
    const types = await this.types();
    const t = types.findType(name);
    if (t) return t;
    const ti = (await this.typedefs()).get(name);
    return ti === undefined ? undefined : types.type(ti);
  }

  private procTypes?: Promise<Map<string, PdbSymbol>>;

  /**
   * The signature of a procedure symbol (as symbols() lists it) from its S_GPROC32/S_LPROC32 type index:
   * undefined for publics, data, procedures without a type (funclets) and the _ID kinds, whose index
   * names an item record. Parameter types resolve lazily.
   */
  async functionType(symbol: SymbolInfo): Promise<FunctionType | undefined> {
    if (symbol.kind !== 'function') return undefined;
    this.procTypes ??= (async () => {
      const map = new Map<string, PdbSymbol>();
      for (const s of await this.privateSymbols()) {
        const key = `${s.rva}|${s.name}`;
        if (s.kind === 'function' && !map.has(key)) map.set(key, s);
      }
      return map;
    })();
    const p = (await this.procTypes).get(`${symbol.rva}|${symbol.name}`);
    if (!p || p.idType || p.type === 0) return undefined;
    return (await this.types()).functionType(p.type);
  }

  private typedefsCache?: Promise<Map<string, number>>;

  /** Typedef names (S_UDT records of the symbol record stream) → type index, the first of a name winning. */
  private typedefs(): Promise<Map<string, number>> {
    this.typedefsCache ??= (async () => {
      const recs = await this.symRecords();
      const map = new Map<string, number>();
      walkSymbols(recs, 0, recs.length, (kind, at, len) => {
        if (kind !== S.UDT) return;
        const d = decodeSymbol(kind, recs, at, len);
        if (d?.kind === 'udt' && d.name && !map.has(d.name)) map.set(d.name, d.type);
      });
      return map;
    })();
    return this.typedefsCache;
  }

  async typeNames(): Promise<readonly string[]> {
    return (await this.types()).typeNames();
  }
}
