// Report fields about the dump file itself and the code the kernel recorded: FILE_IN_CAB (the file name the
// front end opened), DUMP_FILE_ATTRIBUTES (DUMP_HEADER64.Attributes, the DUMP_FILE_ATTRIBUTES union of the
// public headers), the bugcheck code nt!KiBugCheckData holds, a bugcheck field that is not a bugcheck at
// all (a live-acquisition tool's ASCII marker), and the captured ARM64 registers (a fixed-ABI CONTEXT).
import { bugcheckName } from '../knowledge/bugchecks/index.js';
import type { KernelTarget } from '../target/kernel-target.js';

/** DUMP_FILE_ATTRIBUTES bits, in the order of the public union; WinDbg prints a line for the set ones it names. */
const ATTRIBUTE_BITS: [number, string, string][] = [
  [0, 'HiberCrash', 'Hibernation Crash'],
  [1, 'DumpDevicePowerOff', 'Dump Device Powered Off'],
  [2, 'InsufficientDumpfileSize', 'Insufficient Dump File Size'],
  [3, 'KernelGeneratedTriageDump', 'Kernel Generated Triage Dump'],
  [4, 'LiveDumpGeneratedDump', 'Live Dump Generated Dump'],
  [5, 'DumpIsGeneratedOffline', 'Dump Is Generated Offline'],
  [6, 'FilterDumpFile', 'Filter Dump File'],
  [7, 'EarlyBootCrash', 'Early Boot Crash'],
  [8, 'EncryptedDumpData', 'Encrypted Dump Data'],
  [9, 'DecryptedDump', 'Decrypted Dump'],
];

export interface DumpAttributes {
  value: number;
  /** Names of the set bits the public union defines. */
  flags: { key: string; text: string }[];
}

export function dumpAttributes(value: number | undefined): DumpAttributes | undefined {
  if (value === undefined || value === 0) return undefined;
  return { value, flags: ATTRIBUTE_BITS.filter(([bit]) => (value >>> bit) & 1).map(([, key, text]) => ({ key, text })) };
}

/**
 * VIRTUAL_MACHINE from the SMBIOS system record: WinDbg prints `HyperV` for Microsoft Corporation's "Virtual
 * Machine" (both walkthroughs: !di's SystemManufacturer/SystemProductName and VIRTUAL_MACHINE:  HyperV). Other
 * hypervisors' names are not known from public output, so they are not guessed.
 */
export function virtualMachine(s: { manufacturer?: string; productName?: string } | undefined): string | undefined {
  return s?.manufacturer?.trim() === 'Microsoft Corporation' && s.productName?.trim() === 'Virtual Machine' ? 'HyperV' : undefined;
}

/** The last path component, without Node's path module (the core runs in browsers too). */
export function baseName(path: string): string {
  return path.split(/[\\/]/).pop() || path;
}

/** The first ULONG of nt!KiBugCheckData (the code the kernel stored), when the symbol and its page are there. */
export async function kiBugCheckData(t: KernelTarget): Promise<number | undefined> {
  const at = await t.resolveSymbol('nt!KiBugCheckData').catch(() => undefined);
  if (at === undefined) return undefined;
  const s = await t.memory.readSparse(at, 4).catch(() => undefined);
  if (!s?.valid.every((v) => v === 1)) return undefined;
  // Zero is no bugcheck (a page a conversion had to fill with zeros, or a dump not written by a crash).
  const code = new DataView(s.bytes.buffer, s.bytes.byteOffset, 4).getUint32(0, true);
  return code || undefined;
}

/** A bugcheck field holding four printable ASCII letters and no known code: a tool's marker, not a crash. */
export function markerText(code: number): string | undefined {
  if (bugcheckName(code)) return undefined;
  const bytes = [0, 8, 16, 24].map((sh) => (code >>> sh) & 0xff);
  if (!bytes.every((b) => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a))) return undefined;
  return String.fromCharCode(...bytes);
}

/** ARM64 CONTEXT (winnt.h ARM64_NT_CONTEXT, fixed ABI): ContextFlags, Cpsr, X0–X28, Fp, Lr, Sp, Pc. */
export function arm64Registers(bytes: Uint8Array): { name: string; value: bigint }[] | undefined {
  if (bytes.length < 0x110) return undefined;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const flags = dv.getUint32(0, true);
  // CONTEXT_ARM64 (0x00400000) with control and integer registers (bits 0 and 1).
  if ((flags & 0x00400003) !== 0x00400003) return undefined;
  const regs: { name: string; value: bigint }[] = [];
  for (let i = 0; i < 29; i++) regs.push({ name: `x${i}`, value: dv.getBigUint64(8 + i * 8, true) });
  regs.push({ name: 'fp', value: dv.getBigUint64(0xf0, true) }, { name: 'lr', value: dv.getBigUint64(0xf8, true) }, { name: 'sp', value: dv.getBigUint64(0x100, true) }, { name: 'pc', value: dv.getBigUint64(0x108, true) }, { name: 'cpsr', value: BigInt(dv.getUint32(4, true)) });
  return regs.every((r) => r.value === 0n) ? undefined : regs;
}
