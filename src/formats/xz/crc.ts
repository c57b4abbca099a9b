// The integrity checks xz streams may carry: CRC32 (also used for headers) and CRC64 (ECMA-182, reflected).
// CRC64 is computed on two 32-bit halves to stay out of BigInt in the byte loop.

const CRC32_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

export function crc32(b: Uint8Array, start = 0, end = b.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC32_TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// Reflected ECMA-182 polynomial 0xC96C5795D7870F42, split into high and low words.
const POLY_HI = 0xc96c5795;
const POLY_LO = 0xd7870f42;
const [CRC64_HI, CRC64_LO] = (() => {
  const hi = new Uint32Array(256);
  const lo = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let h = 0;
    let l = i;
    for (let k = 0; k < 8; k++) {
      const carry = l & 1;
      l = ((l >>> 1) | ((h & 1) << 31)) >>> 0;
      h >>>= 1;
      if (carry) {
        h = (h ^ POLY_HI) >>> 0;
        l = (l ^ POLY_LO) >>> 0;
      }
    }
    hi[i] = h;
    lo[i] = l;
  }
  return [hi, lo];
})();

// Slicing-by-8 tables: T[k][b] is the CRC of byte b followed by k zero bytes, so eight input bytes fold in
// with eight lookups instead of eight dependent steps.
const [S_HI, S_LO] = (() => {
  const hi: Uint32Array[] = [CRC64_HI];
  const lo: Uint32Array[] = [CRC64_LO];
  for (let k = 1; k < 8; k++) {
    const h = new Uint32Array(256);
    const l = new Uint32Array(256);
    for (let b = 0; b < 256; b++) {
      const ph = hi[k - 1][b];
      const pl = lo[k - 1][b];
      const idx = pl & 0xff;
      l[b] = (((pl >>> 8) | ((ph & 0xff) << 24)) ^ CRC64_LO[idx]) >>> 0;
      h[b] = ((ph >>> 8) ^ CRC64_HI[idx]) >>> 0;
    }
    hi.push(h);
    lo.push(l);
  }
  return [hi, lo];
})();

/** CRC64 (xz's check), returned as a bigint to compare with the stored little-endian value. */
export function crc64(b: Uint8Array, start = 0, end = b.length): bigint {
  let h = 0xffffffff;
  let l = 0xffffffff;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const l0 = (l ^ (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24))) >>> 0;
    const h0 = (h ^ (b[i + 4] | (b[i + 5] << 8) | (b[i + 6] << 16) | (b[i + 7] << 24))) >>> 0;
    l =
      (S_LO[7][l0 & 0xff] ^ S_LO[6][(l0 >>> 8) & 0xff] ^ S_LO[5][(l0 >>> 16) & 0xff] ^ S_LO[4][l0 >>> 24] ^
        S_LO[3][h0 & 0xff] ^ S_LO[2][(h0 >>> 8) & 0xff] ^ S_LO[1][(h0 >>> 16) & 0xff] ^ S_LO[0][h0 >>> 24]) >>> 0;
    h =
      (S_HI[7][l0 & 0xff] ^ S_HI[6][(l0 >>> 8) & 0xff] ^ S_HI[5][(l0 >>> 16) & 0xff] ^ S_HI[4][l0 >>> 24] ^
        S_HI[3][h0 & 0xff] ^ S_HI[2][(h0 >>> 8) & 0xff] ^ S_HI[1][(h0 >>> 16) & 0xff] ^ S_HI[0][h0 >>> 24]) >>> 0;
  }
  for (; i < end; i++) {
    const idx = (l ^ b[i]) & 0xff;
    l = ((l >>> 8) | ((h & 0xff) << 24)) >>> 0;
    h >>>= 8;
    h = (h ^ CRC64_HI[idx]) >>> 0;
    l = (l ^ CRC64_LO[idx]) >>> 0;
  }
  return (BigInt((h ^ 0xffffffff) >>> 0) << 32n) | BigInt((l ^ 0xffffffff) >>> 0);
}
