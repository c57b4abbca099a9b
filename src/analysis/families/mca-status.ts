// An x86 machine-check bank status (IA32_MCi_STATUS), as 0x124 case 0 passes it in Arg3 (high 32 bits) and
// Arg4 (low 32 bits). Bit layout and the compound MCA error codes follow the Intel SDM, volume 3B,
// "Machine-Check Architecture" (IA32_MCi_STATUS MSRs; "Interpreting the MCA Error Codes"). AMD uses the
// same architectural bits and error-code classes.

export interface McaStatus {
  value: bigint;
  valid: boolean;
  overflow: boolean;
  uncorrected: boolean;
  enabled: boolean;
  addressValid: boolean;
  /** Processor context corrupt: execution cannot continue. */
  pcc: boolean;
  code: number;
  /** 'cache hierarchy error (L2, data read)', 'bus/interconnect error (timeout)', … */
  meaning: string;
  /** The component the error class points at. */
  component: 'processor' | 'memory' | 'bus' | 'unknown';
  /** The class word of 0x124 buckets (CACHE, as in 0x124_0_…_PROCESSOR_CACHE; the others by analogy), when classified. */
  bucketClass?: 'CACHE' | 'TLB' | 'BUS' | 'MEMORY';
}

const LEVEL = ['L0', 'L1', 'L2', 'generic level'];
const TT = ['instruction', 'data', 'generic'];
const RRRR = ['generic', 'read', 'write', 'data read', 'data write', 'instruction fetch', 'prefetch', 'eviction', 'snoop'];
const SIMPLE = new Map<number, string>([[0, 'no error'], [1, 'unclassified error'], [2, 'microcode ROM parity error'], [3, 'external error (another processor signalled it)'], [4, 'FRC error'], [5, 'internal parity error'], [6, 'SMM handler code access violation'], [0x400, 'internal timer error'], [0xe0b, 'I/O error']]);

function classify(code: number): { meaning: string; component: McaStatus['component']; bucketClass?: McaStatus['bucketClass'] } {
  const simple = SIMPLE.get(code);
  if (simple !== undefined) return { meaning: simple, component: code === 0xe0b ? 'bus' : code === 0 ? 'unknown' : 'processor' };
  const c = code & ~0x1000; // bit 12 (F, correction report filtering) does not change the class
  const ll = LEVEL[c & 3];
  if ((c & 0xf800) === 0x0800) {
    const pp = ['local processor originated', 'responded', 'observed', 'generic'][(c >> 9) & 3];
    return { meaning: `bus/interconnect error (${RRRR[(c >> 4) & 0xf] ?? 'request'}, ${pp}${c & 0x100 ? ', timeout' : ''}, ${ll})`, component: 'bus', bucketClass: 'BUS' };
  }
  if ((c & 0xff00) === 0x0100) return { meaning: `cache hierarchy error (${ll}, ${TT[(c >> 2) & 3] ?? '?'}, ${RRRR[(c >> 4) & 0xf] ?? 'request'})`, component: 'processor', bucketClass: 'CACHE' };
  if ((c & 0xff80) === 0x0080) return { meaning: `memory controller error (${['generic', 'read', 'write', 'address/command', 'scrubbing'][(c >> 4) & 7] ?? 'transaction'}, channel ${(c & 0xf) === 0xf ? 'unknown' : c & 0xf})`, component: 'memory', bucketClass: 'MEMORY' };
  if ((c & 0xfff0) === 0x0010) return { meaning: `TLB error (${ll}, ${TT[(c >> 2) & 3] ?? '?'})`, component: 'processor', bucketClass: 'TLB' };
  if ((c & 0xfffc) === 0x000c) return { meaning: `generic cache hierarchy error (${ll})`, component: 'processor', bucketClass: 'CACHE' };
  if ((c & 0xfc00) === 0x0400) return { meaning: 'internal unclassified error', component: 'processor' };
  return { meaning: `MCA error code 0x${code.toString(16)}`, component: 'unknown' };
}

export function decodeMcaStatus(high: bigint, low: bigint): McaStatus {
  const value = ((high & 0xffffffffn) << 32n) | (low & 0xffffffffn);
  const bit = (n: number) => ((value >> BigInt(n)) & 1n) === 1n;
  const code = Number(value & 0xffffn);
  return { value, valid: bit(63), overflow: bit(62), uncorrected: bit(61), enabled: bit(60), addressValid: bit(58), pcc: bit(57), code, ...classify(code) };
}
