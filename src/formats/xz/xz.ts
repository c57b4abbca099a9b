// The .xz container (streams of blocks, an index, a footer) with the LZMA2 filter, as Volatility ships
// its symbol tables. Everything is checked: header CRCs, declared sizes, the index against the blocks,
// and each block's integrity check (CRC32, CRC64 or SHA-256). Output is capped by `maxOutput`.
import { FormatError, LimitExceededError, UnsupportedError } from '../../io/errors.js';
import { crc32, crc64 } from './crc.js';
import { LzmaDecoder, type OutBuffer } from './lzma.js';
import { sha256 } from './sha256.js';

const F = 'xz';
const MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const FOOTER_MAGIC = [0x59, 0x5a];
const LZMA2 = 0x21;
const FILTER_NAMES: Record<number, string> = { 3: 'delta', 4: 'x86 BCJ', 5: 'PowerPC BCJ', 6: 'IA-64 BCJ', 7: 'ARM BCJ', 8: 'ARM-Thumb BCJ', 9: 'SPARC BCJ', 10: 'ARM64 BCJ' };
/** Size of the integrity check for each of the 16 check types. */
const CHECK_SIZE = [0, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64];

export interface XzOptions {
  /** Refuse to produce more than this many bytes (default 1 GiB). */
  maxOutput?: number;
}

class Reader {
  constructor(
    readonly b: Uint8Array,
    public at: number,
  ) {}
  need(n: number, what: string): void {
    if (this.at + n > this.b.length) throw new FormatError(F, `${what} runs past the end of the ${this.b.length}-byte file`, this.at);
  }
  u8(what: string): number {
    this.need(1, what);
    return this.b[this.at++];
  }
  u32(what: string): number {
    this.need(4, what);
    const b = this.b;
    const v = (b[this.at] | (b[this.at + 1] << 8) | (b[this.at + 2] << 16) | (b[this.at + 3] << 24)) >>> 0;
    this.at += 4;
    return v;
  }
  /** A variable-length integer: 7 bits a byte, least significant first, at most 9 bytes. */
  vli(what: string): number {
    let v = 0;
    for (let i = 0; i < 9; i++) {
      const start = this.at;
      const byte = this.u8(what);
      v += (byte & 0x7f) * 2 ** (7 * i);
      if (!(byte & 0x80)) {
        if (byte === 0 && i > 0) throw new FormatError(F, `${what} is not minimally encoded`, start);
        if (v > Number.MAX_SAFE_INTEGER) throw new FormatError(F, `${what} is too large`, start);
        return v;
      }
    }
    throw new FormatError(F, `${what} is longer than 9 bytes`, this.at);
  }
}

function ensure(out: OutBuffer, need: number, max: number): void {
  if (need > max) throw new LimitExceededError(`xz output larger than ${max} bytes`, max);
  if (need <= out.data.length) return;
  const grown = new Uint8Array(Math.min(max, Math.max(need, out.data.length * 2)));
  grown.set(out.data.subarray(0, out.pos));
  out.data = grown;
}

/** Decompresses a complete .xz file (one or more concatenated streams, with optional stream padding). */
export function decodeXz(bytes: Uint8Array, options: XzOptions = {}): Uint8Array {
  const max = options.maxOutput ?? 1 << 30;
  const out: OutBuffer = { data: new Uint8Array(Math.min(max, Math.max(1 << 16, bytes.length * 4))), pos: 0, dictStart: 0 };
  const r = new Reader(bytes, 0);
  let streams = 0;
  while (r.at < bytes.length) {
    if (streams > 0) {
      // Stream padding: zero bytes in multiples of four between and after streams.
      const start = r.at;
      while (r.at < bytes.length && bytes[r.at] === 0) r.at++;
      if ((r.at - start) % 4 !== 0) throw new FormatError(F, 'stream padding is not a multiple of four bytes', start);
      if (r.at === bytes.length) break;
    }
    decodeStream(r, out, max);
    streams++;
  }
  if (streams === 0) throw new FormatError(F, 'empty file', 0);
  return out.data.subarray(0, out.pos);
}

function decodeStream(r: Reader, out: OutBuffer, max: number): void {
  const b = r.b;
  const start = r.at;
  r.need(12, 'stream header');
  if (!MAGIC.every((m, i) => b[start + i] === m)) throw new FormatError(F, 'not an xz stream (bad magic)', start);
  const flags = [b[start + 6], b[start + 7]];
  r.at = start + 8;
  if (r.u32('stream header CRC32') !== crc32(b, start + 6, start + 8)) throw new FormatError(F, 'stream header CRC32 mismatch', start + 8);
  if (flags[0] !== 0 || flags[1] > 0x0f) throw new FormatError(F, 'stream flags use reserved bits', start + 6);
  const check = flags[1];
  const records: { unpadded: number; uncompressed: number }[] = [];
  for (;;) {
    r.need(1, 'block header');
    if (b[r.at] === 0) break; // index indicator
    records.push(decodeBlock(r, out, max, check));
  }
  // Index: indicator, record count, records, padding, CRC32; all must agree with the blocks seen.
  const indexStart = r.at;
  r.at++;
  const count = r.vli('index record count');
  if (count !== records.length) throw new FormatError(F, `index lists ${count} blocks, the stream has ${records.length}`, indexStart + 1);
  for (const rec of records) {
    const at = r.at;
    const unpadded = r.vli('index unpadded size');
    const uncompressed = r.vli('index uncompressed size');
    if (unpadded !== rec.unpadded || uncompressed !== rec.uncompressed) throw new FormatError(F, 'index record does not match its block', at);
  }
  while ((r.at - indexStart) % 4 !== 0) if (r.u8('index padding') !== 0) throw new FormatError(F, 'non-zero index padding', r.at - 1);
  const indexEnd = r.at;
  if (r.u32('index CRC32') !== crc32(b, indexStart, indexEnd)) throw new FormatError(F, 'index CRC32 mismatch', indexEnd);
  // Footer: CRC32, backward size, flags, 'YZ'.
  const footer = r.at;
  r.need(12, 'stream footer');
  const crc = r.u32('footer CRC32');
  if (crc !== crc32(b, footer + 4, footer + 10)) throw new FormatError(F, 'stream footer CRC32 mismatch', footer);
  const backward = (r.u32('backward size') + 1) * 4;
  if (backward !== indexEnd + 4 - indexStart) throw new FormatError(F, `footer says the index is ${backward} bytes, it is ${indexEnd + 4 - indexStart}`, footer + 4);
  if (b[footer + 8] !== flags[0] || b[footer + 9] !== flags[1]) throw new FormatError(F, 'footer flags differ from the header', footer + 8);
  if (b[footer + 10] !== FOOTER_MAGIC[0] || b[footer + 11] !== FOOTER_MAGIC[1]) throw new FormatError(F, 'bad footer magic', footer + 10);
  r.at = footer + 12;
}

function decodeBlock(r: Reader, out: OutBuffer, max: number, check: number): { unpadded: number; uncompressed: number } {
  const b = r.b;
  const start = r.at;
  const headerSize = (b[start] + 1) * 4;
  r.need(headerSize, 'block header');
  const crcAt = start + headerSize - 4;
  if ((b[crcAt] | (b[crcAt + 1] << 8) | (b[crcAt + 2] << 16) | (b[crcAt + 3] << 24)) >>> 0 !== crc32(b, start, crcAt)) {
    throw new FormatError(F, 'block header CRC32 mismatch', crcAt);
  }
  const flags = b[start + 1];
  if (flags & 0x3c) throw new FormatError(F, 'block flags use reserved bits', start + 1);
  const h = new Reader(b.subarray(0, crcAt), start + 2);
  const compressedSize = flags & 0x40 ? h.vli('compressed size') : undefined;
  const uncompressedSize = flags & 0x80 ? h.vli('uncompressed size') : undefined;
  const filters = (flags & 3) + 1;
  let dictByte = -1;
  for (let i = 0; i < filters; i++) {
    const at = h.at;
    const id = h.vli('filter id');
    const propSize = h.vli('filter properties size');
    h.need(propSize, 'filter properties');
    if (id !== LZMA2) throw new UnsupportedError(`xz filter ${FILTER_NAMES[id] ?? `0x${id.toString(16)}`} (only LZMA2 is supported; at offset ${at})`);
    if (i !== filters - 1) throw new FormatError(F, 'LZMA2 must be the last filter', at);
    if (propSize !== 1) throw new FormatError(F, `LZMA2 properties are ${propSize} bytes, not 1`, at);
    dictByte = b[h.at];
    h.at += propSize;
  }
  if (dictByte > 40) throw new FormatError(F, `LZMA2 dictionary size byte ${dictByte} is invalid`, h.at - 1);
  for (let i = h.at; i < crcAt; i++) if (b[i] !== 0) throw new FormatError(F, 'non-zero block header padding', i);

  const dataStart = start + headerSize;
  const outStart = out.pos;
  r.at = dataStart;
  decodeLzma2(r, out, max, compressedSize === undefined ? b.length : dataStart + compressedSize);
  const compressed = r.at - dataStart;
  const uncompressed = out.pos - outStart;
  if (compressedSize !== undefined && compressed !== compressedSize) throw new FormatError(F, `block is ${compressed} compressed bytes, its header says ${compressedSize}`, dataStart);
  if (uncompressedSize !== undefined && uncompressed !== uncompressedSize) throw new FormatError(F, `block decoded to ${uncompressed} bytes, its header says ${uncompressedSize}`, dataStart);
  while ((r.at - dataStart) % 4 !== 0) if (r.u8('block padding') !== 0) throw new FormatError(F, 'non-zero block padding', r.at - 1);
  const size = CHECK_SIZE[check];
  r.need(size, 'block check');
  const checkAt = r.at;
  const data = out.data.subarray(outStart, out.pos);
  if (check === 1) {
    if (crc32(data) !== (b[checkAt] | (b[checkAt + 1] << 8) | (b[checkAt + 2] << 16) | (b[checkAt + 3] << 24)) >>> 0) throw new FormatError(F, 'block CRC32 mismatch', checkAt);
  } else if (check === 4) {
    const stored = new DataView(b.buffer, b.byteOffset + checkAt, 8).getBigUint64(0, true);
    if (crc64(data) !== stored) throw new FormatError(F, 'block CRC64 mismatch', checkAt);
  } else if (check === 10) {
    const digest = sha256(data);
    if (!digest.every((x, i) => x === b[checkAt + i])) throw new FormatError(F, 'block SHA-256 mismatch', checkAt);
  } // other check types are reserved: their size is known, so they are skipped unverified
  r.at += size;
  return { unpadded: headerSize + compressed + size, uncompressed };
}

function decodeLzma2(r: Reader, out: OutBuffer, max: number, end: number): void {
  const b = r.b;
  const lzma = new LzmaDecoder();
  let needDictReset = true;
  let needProps = true;
  for (;;) {
    const at = r.at;
    if (at >= end) throw new FormatError(F, 'LZMA2 data ends without an end marker', at);
    const control = r.u8('LZMA2 chunk');
    if (control === 0) return;
    if (control === 1 || control === 2) {
      if (control === 1) {
        out.dictStart = out.pos;
        needDictReset = false;
      } else if (needDictReset) throw new FormatError(F, 'first LZMA2 chunk does not reset the dictionary', at);
      r.need(2, 'uncompressed chunk size');
      const size = ((b[r.at] << 8) | b[r.at + 1]) + 1;
      r.at += 2;
      r.need(size, 'uncompressed chunk');
      ensure(out, out.pos + size, max);
      out.data.set(b.subarray(r.at, r.at + size), out.pos);
      out.pos += size;
      r.at += size;
      continue;
    }
    if (control < 0x80) throw new FormatError(F, `invalid LZMA2 control byte 0x${control.toString(16)}`, at);
    r.need(4, 'LZMA2 chunk header');
    const unpacked = ((control & 0x1f) << 16) + ((b[r.at] << 8) | b[r.at + 1]) + 1;
    const packed = ((b[r.at + 2] << 8) | b[r.at + 3]) + 1;
    r.at += 4;
    const mode = (control >> 5) & 3;
    if (mode === 3) {
      out.dictStart = out.pos;
      needDictReset = false;
    } else if (needDictReset) throw new FormatError(F, 'first LZMA2 chunk does not reset the dictionary', at);
    if (mode >= 2) {
      lzma.setProps(r.u8('LZMA properties'), r.at - 1);
      needProps = false;
    } else if (needProps) throw new FormatError(F, 'LZMA chunk without properties', at);
    if (mode >= 1) lzma.resetState();
    r.need(packed, 'LZMA chunk');
    if (r.at + packed > end) throw new FormatError(F, 'LZMA chunk runs past the block', r.at);
    ensure(out, out.pos + unpacked, max);
    lzma.decodeChunk(b, r.at, r.at + packed, out, unpacked);
    r.at += packed;
  }
}
