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

/** CRC64 as a 16-digit lower-case hex string (compared with the stored little-endian value). */
export function crc64(b: Uint8Array, start = 0, end = b.length): bigint {
  let h = 0xffffffff;
  let l = 0xffffffff;
  for (let i = start; i < end; i++) {
    const idx = (l ^ b[i]) & 0xff;
    l = ((l >>> 8) | ((h & 0xff) << 24)) >>> 0;
    h >>>= 8;
    h = (h ^ CRC64_HI[idx]) >>> 0;
    l = (l ^ CRC64_LO[idx]) >>> 0;
  }
  return (BigInt((h ^ 0xffffffff) >>> 0) << 32n) | BigInt((l ^ 0xffffffff) >>> 0);
}
