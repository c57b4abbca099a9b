// The failure bucket: a short string that groups crashes with the same cause, built the way WinDbg builds
// FAILURE_BUCKET_ID, and a stable hash. The scheme (docs/analysis.md), from the walkthroughs and public
// !analyze output:
//   0x50                        AV_{R|W|X}_(null)_Module!function        (AV_W_(null)_Driver!unknown_function)
//   0xD1, 0xA                   AV_Module!function                       (AV_fileinfo!FIPfFileFSOpPostCreate)
//   exception bugchecks with
//     code c0000005             AV_Module!function                       (AV_EvilDriver!unknown_function)
//     any other code            0x{BUGCHECK}_{CODE}_Module!function      (0x3B_C000001D_WUDFRd!RdFdoDevice::RdIoReply,
//                                                                         0x1E_C000001D_nwifi!NwfReadMsg)
//   anything else               0x{BUGCHECK}_Module!function
// The exception code comes from the exception record when it is readable, else from Arg1 (every exception
// bugcheck carries the code there), so an unreadable record does not turn a c000001d into an AV bucket.

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
/** Bugchecks whose Arg1 is the exception code (with the 0x10000000 "_M" variants reduced to their base). */
export const EXCEPTION_BUGCHECKS = new Set([0x7e, 0x8e, 0x1e, 0x3b]);

/** The exception code to bucket on: the record's, else Arg1's low 32 bits for exception bugchecks. */
export function bucketExceptionCode(baseCode: number, args: readonly bigint[], recordCode?: number): number | undefined {
  if (recordCode !== undefined) return recordCode >>> 0;
  if (!EXCEPTION_BUGCHECKS.has(baseCode) || args[0] === undefined) return undefined;
  return Number(args[0] & 0xffffffffn) >>> 0;
}

export function failureBucket(b: BucketInput): string {
  const site = `${b.module}!${b.func ?? 'unknown_function'}`;
  const code = b.baseCode.toString(16).toUpperCase();
  if (b.baseCode === 0x50) return `AV_${b.access ?? 'R'}_(null)_${site}`;
  if (b.baseCode === 0xd1 || b.baseCode === 0x0a) return `AV_${site}`;
  if (EXCEPTION_BUGCHECKS.has(b.baseCode)) {
    if (b.exceptionCode === undefined || b.exceptionCode === AV) return `AV_${site}`;
    return `0x${code}_${(b.exceptionCode >>> 0).toString(16).toUpperCase().padStart(8, '0')}_${site}`;
  }
  return `0x${code}_${site}`;
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
