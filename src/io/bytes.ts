// Little-endian field access over Uint8Array with bounds checks that name the format and offset.
import { FormatError } from './errors.js';

const utf16 = new TextDecoder('utf-16le');
const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');

/**
 * A bounds-checked little-endian view. `base` is the offset of bytes[0] in the file or stream, so errors
 * report real file offsets. `format` names the structure family for messages ("PAGEDU64 header", "PDB DBI").
 */
export class LE {
  readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly format: string,
    readonly base = 0,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get length(): number {
    return this.bytes.length;
  }
  check(off: number, len: number, what = 'field'): void {
    if (!Number.isInteger(off) || !Number.isInteger(len) || off < 0 || len < 0 || off + len > this.bytes.length) {
      throw new FormatError(this.format, `${what} of ${len} byte(s) lies outside the ${this.bytes.length}-byte data`, this.base + off);
    }
  }
  u8(off: number): number {
    this.check(off, 1);
    return this.bytes[off];
  }
  u16(off: number): number {
    this.check(off, 2);
    return this.view.getUint16(off, true);
  }
  i16(off: number): number {
    this.check(off, 2);
    return this.view.getInt16(off, true);
  }
  u32(off: number): number {
    this.check(off, 4);
    return this.view.getUint32(off, true);
  }
  i32(off: number): number {
    this.check(off, 4);
    return this.view.getInt32(off, true);
  }
  u64(off: number): bigint {
    this.check(off, 8);
    return this.view.getBigUint64(off, true);
  }
  i64(off: number): bigint {
    this.check(off, 8);
    return this.view.getBigInt64(off, true);
  }
  /** A 64-bit field that must fit a JS number (sizes, file offsets); throws FormatError otherwise. */
  u64n(off: number, what = '64-bit field'): number {
    const v = this.u64(off);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new FormatError(this.format, `${what} 0x${v.toString(16)} is too large`, this.base + off);
    return Number(v);
  }
  f32(off: number): number {
    this.check(off, 4);
    return this.view.getFloat32(off, true);
  }
  f64(off: number): number {
    this.check(off, 8);
    return this.view.getFloat64(off, true);
  }
  sub(off: number, len: number, what = 'sub-range'): Uint8Array {
    this.check(off, len, what);
    return this.bytes.subarray(off, off + len);
  }
  /** A sub-view whose offsets continue to be reported relative to the file. */
  slice(off: number, len: number, what = 'sub-range'): LE {
    return new LE(this.sub(off, len, what), this.format, this.base + off);
  }
  /** Latin-1 string of exactly `len` bytes, cut at the first NUL. */
  ascii(off: number, len: number): string {
    return cutNul(latin1.decode(this.sub(off, len)));
  }
  /** NUL-terminated single-byte string starting at `off`, at most `max` bytes. */
  cstr(off: number, max = 4096, encoding: 'latin1' | 'utf8' = 'utf8'): string {
    this.check(off, 0);
    const end = Math.min(this.bytes.length, off + max);
    let i = off;
    while (i < end && this.bytes[i] !== 0) i++;
    return (encoding === 'utf8' ? utf8 : latin1).decode(this.bytes.subarray(off, i));
  }
  /** UTF-16LE string of `byteLen` bytes (not cut at NUL unless `cut`). */
  utf16(off: number, byteLen: number, cut = false): string {
    const s = utf16.decode(this.sub(off, byteLen & ~1));
    return cut ? cutNul(s) : s;
  }
}

export function cutNul(s: string): string {
  const i = s.indexOf('\0');
  return i < 0 ? s : s.slice(0, i);
}

export function decodeUtf16(bytes: Uint8Array): string {
  return utf16.decode(bytes.subarray(0, bytes.length & ~1));
}
export function decodeLatin1(bytes: Uint8Array): string {
  return latin1.decode(bytes);
}
export function decodeUtf8(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

/** Reads an unsigned 64-bit little-endian value from raw bytes without a view (hot paths). */
export function readU64(b: Uint8Array, off: number): bigint {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(off, true);
}
