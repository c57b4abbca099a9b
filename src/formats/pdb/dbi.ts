// The DBI stream: the header (age, stream numbers, machine), the module list, section contributions and
// the optional debug header (which points at the section header copy). Everything is bounds-checked.
import { LE } from '../../io/bytes.js';
import { FormatError } from '../../io/errors.js';

export interface DbiModule {
  index: number;
  name: string;
  objectName: string;
  /** MSF stream with the module's symbols, or undefined (public-stripped PDBs have none). */
  symbolStream?: number;
  symbolBytes: number;
  c13Bytes: number;
  sourceFileCount: number;
  /** The module's first section contribution. */
  section: number;
  offset: number;
  size: number;
}

export interface SectionContribution {
  section: number;
  offset: number;
  size: number;
  characteristics: number;
  module: number;
  dataCrc: number;
  relocCrc: number;
}

export interface DbiHeader {
  age: number;
  globalStream: number;
  publicStream: number;
  symRecordStream: number;
  buildNumber: number;
  machine: number;
  flags: number;
}

const SC_V60 = 0xeffe0000 + 19970605;
const SC_V2 = 0xeffe0000 + 20140516;
const NONE = 0xffff;

export class Dbi {
  private constructor(
    private readonly s: LE,
    readonly header: DbiHeader,
    private readonly ranges: { mod: [number, number]; sc: [number, number]; opt: [number, number] },
  ) {}

  static parse(bytes: Uint8Array, format: string): Dbi {
    const s = new LE(bytes, format);
    if (s.length < 64) throw new FormatError(format, `DBI stream of ${s.length} bytes is shorter than its 64-byte header`, 0);
    if (s.i32(0) !== -1) throw new FormatError(format, 'DBI stream has the old (pre-7.0) header', 0);
    const header: DbiHeader = {
      age: s.u32(8),
      globalStream: s.u16(12),
      buildNumber: s.u16(14),
      publicStream: s.u16(16),
      symRecordStream: s.u16(20),
      // DBI header: ... OptionalDbgHeaderSize @48, ECSubstreamSize @52, Flags @56, Machine @58, padding @60.
      flags: s.u16(56),
      machine: s.u16(58),
    };
    const sizes = [24, 28, 32, 36, 40, 48, 52].map((o) => s.i32(o)); // mod, sc, secmap, files, tsm, opt, ec
    sizes.forEach((v, i) => {
      if (v < 0) throw new FormatError(format, `substream size ${v} is negative`, [24, 28, 32, 36, 40, 48, 52][i]);
    });
    const [mod, sc, secmap, files, tsm, opt, ec] = sizes;
    const modAt = 64;
    const scAt = modAt + mod;
    const optAt = scAt + sc + secmap + files + tsm + ec;
    if (optAt + opt > s.length) throw new FormatError(format, `substreams (${optAt + opt} bytes) run past the ${s.length}-byte stream`, 24);
    return new Dbi(s, header, { mod: [modAt, mod], sc: [scAt, sc], opt: [optAt, opt] });
  }

  /** Stream index of the optional debug header entry `slot` (5 = section headers), if present. */
  debugStream(slot: number): number | undefined {
    const [at, len] = this.ranges.opt;
    if ((slot + 1) * 2 > len) return undefined;
    const v = this.s.u16(at + slot * 2);
    return v === NONE ? undefined : v;
  }

  modules(): DbiModule[] {
    const [start, len] = this.ranges.mod;
    const end = start + len;
    const s = this.s;
    const out: DbiModule[] = [];
    for (let at = start; at < end; ) {
      if (at + 64 > end) throw new FormatError(s.format, `module record ${out.length} is cut off`, at);
      const stream = s.u16(at + 34);
      const name = s.cstr(at + 64, end - at - 64);
      const nameLen = new TextEncoder().encode(name).length + 1;
      const objectName = s.cstr(at + 64 + nameLen, Math.max(0, end - at - 64 - nameLen));
      out.push({
        index: out.length,
        name,
        objectName,
        symbolStream: stream === NONE ? undefined : stream,
        symbolBytes: s.u32(at + 36),
        c13Bytes: s.u32(at + 44),
        sourceFileCount: s.u16(at + 48),
        section: s.u16(at + 4),
        offset: s.i32(at + 8),
        size: s.i32(at + 12),
      });
      const next = at + 64 + nameLen + new TextEncoder().encode(objectName).length + 1;
      at = (next + 3) & ~3;
    }
    return out;
  }

  /** The contributions' table: where it starts and its record size (0: none). */
  private contributionTable(): { first: number; end: number; stride: number } {
    const [start, len] = this.ranges.sc;
    if (len < 4) return { first: start, end: start, stride: 0 };
    const version = this.s.u32(start);
    const stride = version === SC_V60 ? 28 : version === SC_V2 ? 32 : 0;
    if (!stride) throw new FormatError(this.s.format, `section contribution version 0x${version.toString(16)} is not known`, start);
    return { first: start + 4, end: start + len, stride };
  }

  /** Every contribution's section, offset, size and module in typed arrays (address indexes use them). */
  contributionArrays(): { section: Uint16Array; offset: Int32Array; size: Int32Array; module: Uint16Array } {
    const { first, end, stride } = this.contributionTable();
    const n = stride ? Math.floor((end - first) / stride) : 0;
    const out = { section: new Uint16Array(n), offset: new Int32Array(n), size: new Int32Array(n), module: new Uint16Array(n) };
    const dv = this.s.view;
    for (let i = 0, at = first; i < n; i++, at += stride) {
      out.section[i] = dv.getUint16(at, true);
      out.offset[i] = dv.getInt32(at + 4, true);
      out.size[i] = dv.getInt32(at + 8, true);
      out.module[i] = dv.getUint16(at + 16, true);
    }
    return out;
  }

  sectionContributions(): SectionContribution[] {
    const [start, len] = this.ranges.sc;
    if (len < 4) return [];
    const s = this.s;
    const { stride } = this.contributionTable();
    const out: SectionContribution[] = [];
    for (let at = start + 4; at + stride <= start + len; at += stride) {
      out.push({
        section: s.u16(at),
        offset: s.i32(at + 4),
        size: s.i32(at + 8),
        characteristics: s.u32(at + 12),
        module: s.u16(at + 16),
        dataCrc: s.u32(at + 20),
        relocCrc: s.u32(at + 24),
      });
    }
    return out;
  }
}
