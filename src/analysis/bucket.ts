// The failure bucket: a short string that groups crashes with the same cause, built the way WinDbg builds
// FAILURE_BUCKET_ID (`AV_W_(null)_Driver!unknown_function`, `AV_amdppm!WriteIoMemRawEx`), and a stable hash.

export interface BucketInput {
  bugcheckCode: number;
  /** The base code for _M variants (0x1000007E → 0x7E). */
  baseCode: number;
  /** Exception code for exception bugchecks (0x7E, 0x8E, 0x1E, 0x3B), when known. */
  exceptionCode?: number;
  /** For page-fault bugchecks: how the bad address was accessed. */
  access?: 'R' | 'W' | 'X';
  /** Blamed module (WinDbg name) and function (undefined without symbols). */
  module: string;
  func?: string;
}

const AV = 0xc0000005;
const EXCEPTION_BUGCHECKS = new Set([0x7e, 0x8e, 0x1e, 0x3b, 0x1000007e, 0x1000008e, 0x1000001e]);

export function failureBucket(b: BucketInput): string {
  const site = `${b.module}!${b.func ?? 'unknown_function'}`;
  if (b.baseCode === 0x50) return `AV_${b.access ?? 'R'}_(null)_${site}`;
  if (b.baseCode === 0xd1 || b.baseCode === 0x0a) return `AV_${site}`;
  if (EXCEPTION_BUGCHECKS.has(b.baseCode)) {
    if (b.exceptionCode === undefined || b.exceptionCode === AV) return `AV_${site}`;
    return `0x${b.baseCode.toString(16).toUpperCase()}_${b.exceptionCode.toString(16)}_${site}`;
  }
  return `0x${b.baseCode.toString(16).toUpperCase()}_${site}`;
}

/**
 * FAILURE_ID_HASH: a GUID-shaped FNV-1a-128 hash of the lower-cased bucket. WinDbg's own algorithm is not
 * public, so this does not equal WinDbg's value; it is stable across runs, versions and platforms.
 */
export function failureHash(bucket: string): string {
  const PRIME = 0x0000000001000000000000000000013bn;
  const MASK = (1n << 128n) - 1n;
  let h = 0x6c62272e07bb014262b821756295c58dn;
  for (const byte of new TextEncoder().encode(bucket.toLowerCase())) {
    h ^= BigInt(byte);
    h = (h * PRIME) & MASK;
  }
  const x = h.toString(16).padStart(32, '0');
  return `{${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}}`;
}
