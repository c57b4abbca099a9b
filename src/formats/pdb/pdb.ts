// PDB files: identity (GUID and age), section headers, and the public symbols, as a SymbolSource.
// Symbols are loaded on first use and indexed by address for `module!symbol+offset` lookups.
import type { ByteSource } from '../../io/byte-source.js';
import { LE } from '../../io/bytes.js';
import { FormatError } from '../../io/errors.js';
import type { SymbolInfo, SymbolMatch, SymbolSource } from '../../symbols/symbol-source.js';
import type { Type } from '../../symbols/types.js';
import { Msf } from './msf.js';

export interface PublicSymbol {
  name: string;
  section: number;
  offset: number;
  rva?: number;
  isFunction: boolean;
}

const S_PUB32 = 0x110e;

function guidString(b: Uint8Array): string {
  const dv = new DataView(b.buffer, b.byteOffset, 16);
  const h = (v: number, w: number) => v.toString(16).toUpperCase().padStart(w, '0');
  return h(dv.getUint32(0, true), 8) + h(dv.getUint16(4, true), 4) + h(dv.getUint16(6, true), 4) + [...b.subarray(8, 16)].map((x) => h(x, 2)).join('');
}

export class PdbFile implements SymbolSource {
  readonly kind = 'pdb' as const;
  private publicsCache?: PublicSymbol[];
  private byAddress?: SymbolInfo[];

  private constructor(
    private readonly msf: Msf,
    readonly name: string,
    readonly guid: string,
    /** Age from the PDB info stream (incremented on each write). */
    readonly infoAge: number,
    /** Age from the DBI stream: the one an image's CodeView record must match. */
    readonly dbiAge: number,
    private readonly symRecordStream: number,
    private readonly sectionHeaderStream: number | undefined,
  ) {}

  get description(): string {
    return `${this.name} ${this.guid}${this.dbiAge.toString(16).toUpperCase()}`;
  }

  static async open(source: ByteSource): Promise<PdbFile> {
    const msf = await Msf.open(source);
    const f = `PDB ${source.name}`;
    const info = new LE(await msf.stream(1), `${f} info stream`);
    const guid = guidString(info.sub(12, 16));
    const infoAge = info.u32(8);
    const dbi = new LE(await msf.stream(3), `${f} DBI stream`);
    if (dbi.length < 64) throw new FormatError(dbi.format, 'DBI stream is shorter than its header', 0);
    const dbiAge = dbi.u32(8);
    const symRecordStream = dbi.u16(20);
    const sizes = [24, 28, 32, 36, 40, 52].map((o) => dbi.i32(o));
    const optSize = dbi.i32(48);
    if (sizes.some((s) => s < 0) || optSize < 0) throw new FormatError(dbi.format, 'negative substream size', 24);
    // Substreams follow the header: modules, section contributions, section map, files, type server map, EC, optional debug header.
    const optAt = 64 + sizes.reduce((a, b) => a + b, 0);
    let sectionHeaderStream: number | undefined;
    if (optSize >= 12 && optAt + optSize <= dbi.length) {
      const s = dbi.u16(optAt + 5 * 2);
      sectionHeaderStream = s === 0xffff ? undefined : s;
    }
    return new PdbFile(msf, source.name, guid, infoAge, dbiAge, symRecordStream, sectionHeaderStream);
  }

  private async sectionVas(): Promise<number[]> {
    if (this.sectionHeaderStream === undefined) return [];
    const s = new LE(await this.msf.stream(this.sectionHeaderStream), `PDB ${this.name} section headers`);
    const out: number[] = [];
    for (let o = 0; o + 40 <= s.length; o += 40) out.push(s.u32(o + 12));
    return out;
  }

  /** Every S_PUB32 record of the symbol record stream, in stream order. */
  async publics(): Promise<PublicSymbol[]> {
    if (this.publicsCache) return this.publicsCache;
    const vas = await this.sectionVas();
    const recs = new LE(await this.msf.stream(this.symRecordStream), `PDB ${this.name} symbol records`);
    const out: PublicSymbol[] = [];
    for (let at = 0; at + 4 <= recs.length; ) {
      const len = recs.u16(at);
      if (len < 2) throw new FormatError(recs.format, `symbol record of length ${len}`, at);
      if (recs.u16(at + 2) === S_PUB32) {
        const flags = recs.u32(at + 4);
        const offset = recs.u32(at + 8);
        const section = recs.u16(at + 12);
        const name = recs.cstr(at + 14, len - 12);
        const va = vas[section - 1];
        out.push({ name, section, offset, rva: va === undefined ? undefined : va + offset, isFunction: (flags & 2) !== 0 });
      }
      at += len + 2;
    }
    this.publicsCache = out;
    return out;
  }

  private async index(): Promise<SymbolInfo[]> {
    if (!this.byAddress) {
      const pubs = await this.publics();
      this.byAddress = pubs
        .filter((p) => p.rva !== undefined)
        .map((p) => ({ name: p.name, rva: p.rva!, kind: 'public' as const, isFunction: p.isFunction }))
        .sort((a, b) => a.rva - b.rva);
    }
    return this.byAddress;
  }

  async symbolAt(rva: number): Promise<SymbolMatch | undefined> {
    const idx = await this.index();
    let lo = 0;
    let hi = idx.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (idx[mid].rva <= rva) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return undefined;
    return { symbol: idx[found], displacement: rva - idx[found].rva };
  }

  async lookup(name: string): Promise<SymbolInfo | undefined> {
    return (await this.index()).find((s) => s.name === name);
  }

  async symbols(): Promise<readonly SymbolInfo[]> {
    return this.index();
  }

  async findType(_name: string): Promise<Type | undefined> {
    return undefined; // type records (TPI) are not read yet
  }

  async typeNames(): Promise<readonly string[]> {
    return [];
  }
}
