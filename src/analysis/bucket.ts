// The failure bucket: a short string that groups crashes with the same cause, built the way WinDbg builds
// FAILURE_BUCKET_ID, and a stable hash. The scheme and where each form was read (docs/analysis.md):
//   0x50                        AV_{R|W|X}_(null)_site                   (AV_W_(null)_Driver!unknown_function)
//   0xD1, 0xA                   AV_site                                  (AV_fileinfo!FIPfFileFSOpPostCreate)
//   exception bugchecks with
//     code c0000005             AV_site                                  (AV_EvilDriver!unknown_function)
//     any other code            0x{BUGCHECK}_{CODE}_site                 (0x3B_C000001D_WUDFRd!RdFdoDevice::RdIoReply)
//   0x1A                        0x1a_{subcode}_site                      (0x1a_61941_…; one flipped bit: MEMORY_CORRUPTION_ONE_BIT)
//   0x139                       0x139_{arg1}_{FAST_FAIL name}_site       (0x139_3_CORRUPT_LIST_ENTRY_PROCMON24!unknown_function)
//   0xC4                        0xc4_{rule}_site                         (BUGCHECK_STR 0xc4_62)
//   0x19, 0x13A, 0x7F           0x{code}_{arg1}_site, both lower case    (0x19_22_Driver!unknown_function,
//                                                                         0x13a_12_Driver!CreateRandomFile, BUGCHECK_STR 0x7f_8)
//   0xC2                        0xc2_{arg1}[_{tag}]_site                 (BUGCHECK_STR 0xc2_d; 0xc2_7_CKBJ: case 7's Arg2 is the tag)
//   0x133, 0x9F, 0x124          a family tag after the code             (0x133_DPC_npcap!…, 0x9F_3_POWER_DOWN_tcpip!…,
//                                                                         0x124_0_AuthenticAMD_PROCESSOR_CACHE_IMAGE_AuthenticAMD.sys)
//   anything else               0x{BUGCHECK}_site, the code upper case  (0xCE_OldFilter.sys, from older X64_0xCE_… logs)
// site is Module!function (unknown_function without symbols, unknown when every frame was bugcheck machinery),
// or the image name alone for an unloaded driver (0xCE_OldFilter.sys). The exception code comes from the
// record when it is readable, else from Arg1 (every exception bugcheck carries it there).

import { poolTagText } from '../knowledge/pool-tag.js';
import { plausibleTag } from './pool-page.js';

export interface BucketInput {
  bugcheckCode: number;
  /** The base code for _M variants (0x1000007E → 0x7E). */
  baseCode: number;
  /** The four arguments (subcodes of 0x1A, 0x139, 0xC4 come from Arg1). */
  args?: readonly bigint[];
  /** Exception code for exception bugchecks (0x7E, 0x8E, 0x1E, 0x3B), when known. */
  exceptionCode?: number;
  /** For page-fault bugchecks: how the bad address was accessed. */
  access?: 'R' | 'W' | 'X';
  /** Blamed module (WinDbg name) and function (undefined without symbols). */
  module: string;
  func?: string;
  /** The function is unknown because the stack held only bugcheck machinery (WinDbg: `nt!unknown`). */
  unknownFunction?: boolean;
  /** Blamed image when it is an unloaded driver: the site is the image name alone. */
  unloadedImage?: string;
  /** What a bugcheck family contributes: a tag after the code, a whole site, or the whole bucket. */
  family?: { tag?: string; site?: string; bucket?: string };
}

const AV = 0xc0000005;
/**
 * Bugchecks WinDbg buckets by their Arg1 subcode, spelled as its BUGCHECK_STR spells them: the code and the
 * subcode in lower-case hex (`0x1a_41792`, `0x13a_12`, `0x19_22`, `0xc4_62`, `0xc2_7`, `0x7f_8`).
 */
const SUBCODED = new Set([0x19, 0x1a, 0x7f, 0xc2, 0xc4, 0x13a]);
/** Bugchecks whose Arg1 is the exception code (with the 0x10000000 "_M" variants reduced to their base). */
export const EXCEPTION_BUGCHECKS = new Set([0x7e, 0x8e, 0x1e, 0x3b]);

/** FAST_FAIL_* codes (winnt.h) → the name WinDbg puts in 0x139 buckets and FailFast.Name. */
const FAST_FAIL: Record<number, string> = {
  0: 'LEGACY_GS_VIOLATION', 1: 'VTGUARD_CHECK_FAILURE', 2: 'STACK_COOKIE_CHECK_FAILURE', 3: 'CORRUPT_LIST_ENTRY', 4: 'INCORRECT_STACK',
  5: 'INVALID_ARG', 6: 'GS_COOKIE_INIT', 7: 'FATAL_APP_EXIT', 8: 'RANGE_CHECK_FAILURE', 9: 'UNSAFE_REGISTRY_ACCESS',
  10: 'GUARD_ICALL_CHECK_FAILURE', 11: 'GUARD_WRITE_CHECK_FAILURE', 12: 'INVALID_FIBER_SWITCH', 13: 'INVALID_SET_OF_CONTEXT',
  14: 'INVALID_REFERENCE_COUNT', 18: 'INVALID_JUMP_BUFFER', 19: 'MRDATA_MODIFIED', 20: 'CERTIFICATION_FAILURE', 21: 'INVALID_EXCEPTION_CHAIN',
  22: 'CRYPTO_LIBRARY', 23: 'INVALID_CALL_IN_DLL_CALLOUT', 24: 'INVALID_IMAGE_BASE', 25: 'DLOAD_PROTECTION_FAILURE', 26: 'UNSAFE_EXTENSION_CALL',
  27: 'DEPRECATED_SERVICE_INVOKED', 28: 'INVALID_BUFFER_ACCESS', 29: 'INVALID_BALANCED_TREE', 30: 'INVALID_NEXT_THREAD',
  31: 'GUARD_ICALL_CHECK_SUPPRESSED', 32: 'APCS_DISABLED', 33: 'INVALID_IDLE_STATE', 34: 'MRDATA_PROTECTION_FAILURE',
  35: 'UNEXPECTED_HEAP_EXCEPTION', 36: 'INVALID_LOCK_STATE', 37: 'GUARD_JUMPTABLE', 38: 'INVALID_LONGJUMP_TARGET',
  39: 'INVALID_DISPATCH_CONTEXT', 40: 'INVALID_THREAD', 41: 'INVALID_SYSCALL_NUMBER', 42: 'INVALID_FILE_OPERATION',
  43: 'LPAC_ACCESS_DENIED', 44: 'GUARD_SS_FAILURE', 45: 'LOADER_CONTINUITY_FAILURE', 46: 'GUARD_EXPORT_SUPPRESSION_FAILURE',
  47: 'INVALID_CONTROL_STACK', 48: 'SET_CONTEXT_DENIED',
};

/** The FAST_FAIL name of a 0x139 Arg1 (`CORRUPT_LIST_ENTRY`), when known. */
export function fastFailName(code: bigint | undefined): string | undefined {
  return code !== undefined && code < 0x100n ? FAST_FAIL[Number(code)] : undefined;
}

/** The exception code to bucket on: the record's, else Arg1's low 32 bits for exception bugchecks. */
export function bucketExceptionCode(baseCode: number, args: readonly bigint[], recordCode?: number): number | undefined {
  if (recordCode !== undefined) return recordCode >>> 0;
  if (!EXCEPTION_BUGCHECKS.has(baseCode) || args[0] === undefined) return undefined;
  return Number(args[0] & 0xffffffffn) >>> 0;
}

export function failureBucket(b: BucketInput): string {
  if (b.family?.bucket) return b.family.bucket;
  const site = b.family?.site ?? b.unloadedImage ?? `${b.module}!${b.func ?? (b.unknownFunction ? 'unknown' : 'unknown_function')}`;
  const code = b.baseCode.toString(16).toUpperCase();
  const arg1 = b.args?.[0];
  if (b.baseCode === 0x50) return `AV_${b.access ?? 'R'}_(null)_${site}`;
  if (b.baseCode === 0xd1 || b.baseCode === 0x0a) return `AV_${site}`;
  if (EXCEPTION_BUGCHECKS.has(b.baseCode)) {
    if (b.exceptionCode === undefined || b.exceptionCode === AV) return `AV_${site}`;
    return `0x${code}_${(b.exceptionCode >>> 0).toString(16).toUpperCase().padStart(8, '0')}_${site}`;
  }
  if (b.family?.tag) return `0x${code}_${b.family.tag}_${site}`;
  if (b.baseCode === 0x139 && arg1 !== undefined) {
    const name = fastFailName(arg1);
    return `0x139_${arg1.toString(16)}_${name ? `${name}_` : ''}${site}`;
  }
  if (SUBCODED.has(b.baseCode) && arg1 !== undefined) {
    const sub = (arg1 & 0xffffffffn).toString(16);
    // BAD_POOL_CALLER 7 (double free): Arg2 is the block's tag, and WinDbg adds it (0xc2_7_CKBJ).
    const arg2 = b.args?.[1];
    const tag = b.baseCode === 0xc2 && arg1 === 7n && arg2 !== undefined && arg2 >> 32n === 0n && plausibleTag(Number(arg2)) ? `_${poolTagText(Number(arg2))}` : '';
    return `0x${b.baseCode.toString(16)}_${sub}${tag}_${site}`;
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
