// PDB files: identity (GUID and age), modules, section contributions, public, global and module symbols,
// and types, all behind the SymbolSource interface. Each stream is read only when a question needs it;
// addresses are answered from an index sorted by RVA, built once.
import type { ByteSource } from '../../io/byte-source.js';
import { LE } from '../../io/bytes.js';
import { FormatError } from '../../io/errors.js';
import type { SymbolInfo, SymbolMatch, SymbolSource } from '../../symbols/symbol-source.js';
import type { Type } from '../../symbols/types.js';
import { Dbi, type DbiModule, type SectionContribution } from './dbi.js';
import { Msf } from './msf.js';
import { PdbTypes } from './pdb-types.js';
import { decodeSymbol, S, type SymbolRecord, walkSymbols } from './symbol-records.js';
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
}

const TPI_STREAM = 2;
const DBI_STREAM = 3;
const MAX_SECTIONS = 4096;

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

/** Finds the last element whose key is <= value in an array sorted by key. */
function floorIndex<T>(a: readonly T[], key: (t: T) => number, value: number): number {
  let lo = 0;
  let hi = a.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (key(a[mid]) <= value) {
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
        out.push({ name: s.name, kind: 'function', section: s.section, offset: s.offset, rva: rva(s.section, s.offset), size: s.length, global: s.global, module, type: s.type });
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
    for (const p of await this.publics()) if (p.rva !== undefined) others.push({ name: p.name, rva: p.rva, kind: 'public', isFunction: p.isFunction });
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
    for (const p of await this.publics()) if (p.rva !== undefined && !map.has(p.name)) map.set(p.name, { name: p.name, rva: p.rva, kind: 'public', isFunction: p.isFunction });
    this.byNameCache = map;
    return map;
  }

  /** A procedure whose code range contains `rva`; else the nearest public or data symbol at or below it. */
  async symbolAt(rva: number): Promise<SymbolMatch | undefined> {
    const { procs, others } = await this.index();
    const p = floorIndex(procs, (s) => s.rva, rva);
    if (p >= 0 && rva < procs[p].rva + (procs[p].size ?? 0)) return { symbol: procs[p], displacement: rva - procs[p].rva };
    const o = floorIndex(others, (s) => s.rva, rva);
    if (o < 0) return undefined;
    return { symbol: others[o], displacement: rva - others[o].rva };
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

  async findType(name: string): Promise<Type | undefined> {
    return (await this.types()).findType(name);
  }

  async typeNames(): Promise<readonly string[]> {
    return (await this.types()).typeNames();
  }
}
