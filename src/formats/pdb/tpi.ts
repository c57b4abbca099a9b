// The TPI stream: a header, then type records numbered from typeIndexBegin (0x1000). Record starts are
// found with one linear pass over the lengths; each record is decoded only when first asked for.
import { LE } from '../../io/bytes.js';
import { FormatError } from '../../io/errors.js';
import { decodeTypeRecord, type TypeRecord } from './type-records.js';

export class TypeStream {
  private readonly decoded = new Map<number, TypeRecord>();

  private constructor(
    private readonly data: LE,
    readonly begin: number,
    readonly end: number,
    private readonly offsets: Uint32Array,
  ) {}

  static parse(bytes: Uint8Array, format: string): TypeStream {
    const s = new LE(bytes, format);
    if (s.length === 0) return new TypeStream(s, 0x1000, 0x1000, new Uint32Array(0));
    const version = s.u32(0);
    const headerSize = s.u32(4);
    const begin = s.u32(8);
    const end = s.u32(12);
    const recordBytes = s.u32(16);
    if (version !== 20040203 && version !== 19990903) throw new FormatError(format, `TPI version ${version} is not supported`, 0);
    if (headerSize < 56 || headerSize > s.length) throw new FormatError(format, `header size ${headerSize} is implausible`, 4);
    if (begin !== 0x1000 || end < begin) throw new FormatError(format, `type index range 0x${begin.toString(16)}..0x${end.toString(16)} is invalid`, 8);
    if (headerSize + recordBytes > s.length) throw new FormatError(format, `${recordBytes} bytes of records do not fit in the ${s.length}-byte stream`, 16);
    const count = end - begin;
    if (count > recordBytes / 4) throw new FormatError(format, `${count} type records cannot fit in ${recordBytes} bytes`, 12);
    const offsets = new Uint32Array(count);
    const limit = headerSize + recordBytes;
    let at = headerSize;
    for (let i = 0; i < count; i++) {
      if (at + 4 > limit) throw new FormatError(format, `type record 0x${(begin + i).toString(16)} starts past the end of the records`, at);
      const len = s.u16(at);
      if (len < 2 || at + 2 + len > limit) throw new FormatError(format, `type record 0x${(begin + i).toString(16)} has length ${len}`, at);
      offsets[i] = at;
      at += 2 + len;
    }
    return new TypeStream(s, begin, end, offsets);
  }

  get count(): number {
    return this.end - this.begin;
  }

  has(ti: number): boolean {
    return ti >= this.begin && ti < this.end;
  }

  /** The leaf kind of record `ti`, without decoding it. */
  leafKind(ti: number): number {
    return this.data.u16(this.offsets[ti - this.begin] + 2);
  }

  record(ti: number): TypeRecord {
    let r = this.decoded.get(ti);
    if (r) return r;
    if (!this.has(ti)) throw new FormatError(this.data.format, `type index 0x${ti.toString(16)} is outside 0x${this.begin.toString(16)}..0x${this.end.toString(16)}`);
    const at = this.offsets[ti - this.begin];
    r = decodeTypeRecord(this.data.slice(at + 2, this.data.u16(at), `type record 0x${ti.toString(16)}`));
    this.decoded.set(ti, r);
    return r;
  }
}
