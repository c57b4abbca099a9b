// The Common Platform Error Record (CPER) behind WHEA_ERROR_RECORD: a fixed ABI defined by the UEFI
// specification, appendix N ("Common Platform Error Record"): N.2.1 record header (128 bytes), N.2.2
// section descriptors (72 bytes each), N.2.4.1 processor generic, N.2.4.2 IA32/X64, N.2.5 memory and
// N.2.7 PCI Express error sections. Windows' own section and notification GUIDs are those of the WDK's
// cper.h. Every count and offset is checked against the record's bytes; nothing here follows a pointer.
import { FormatError } from '../../io/errors.js';

export const CPER_HEADER_SIZE = 128;
export const CPER_DESCRIPTOR_SIZE = 72;
/** Sections a record may describe before we stop reading (real records carry a handful). */
export const CPER_MAX_SECTIONS = 32;
/** Largest record we read (real ones are a few KiB). */
export const CPER_MAX_LENGTH = 0x10000;

const SEVERITY = ['Recoverable', 'Fatal', 'Corrected', 'Informational'];

const NOTIFY: Record<string, string> = {
  '2dce8bb1-bdd7-450e-b9ad-9cf4ebd4f890': 'Corrected Machine Check',
  '4e292f96-d843-4a55-a8c2-d481f27ebeee': 'Corrected Platform Error',
  'e8f56ffe-919c-4cc5-ba88-65abe14913bb': 'Machine Check Exception',
  'cf93c01f-1a16-4dfc-b8bc-9c4daf67c104': 'PCI Express Error',
  'cc5263e8-9308-454a-89d0-340bd39bc98e': 'INIT Record',
  '5bad89ff-b7e6-42c9-814a-cf2485d6e98a': 'Non-Maskable Interrupt',
  '3d61a466-ab40-409a-a698-f362d464b38f': 'Boot Error Record',
  '667dd791-c6b3-4c27-8a6b-0f8e722deb41': 'DMA Remapping Error',
  '9a78788a-bbe8-11e4-809e-67611e5d46b0': 'Synchronous External Abort',
  '5c284c81-b0ae-4e87-a322-b04c85624323': 'SError Interrupt',
  '09a9d5ac-5204-4214-96e5-94992e752bcd': 'Platform Error Interrupt',
  '3e62a467-ab40-409a-a698-f362d464b38f': 'Generic Error Record',
  '919448b2-3739-4b7f-a8f1-e0062805c2a3': 'Corrected Machine Check Interrupt',
  '487565ba-6494-4367-95ca-4eff893522f6': 'Baseboard Management Controller',
  '0033f803-2e70-4e88-992c-6f26daf3db7a': 'Device Driver',
};

export const SECTION_PROCESSOR_GENERIC = '9876ccad-47b4-4bdb-b65e-16f193c4f3db';
export const SECTION_PROCESSOR_X86 = 'dc3ea0b0-a144-4797-b95b-53fa242b6e1d';
export const SECTION_MEMORY = 'a5bc1114-6f64-4ede-b863-3e83ed7c83b1';
export const SECTION_PCIE = 'd995e954-bbc1-430f-ad91-b44dcb3c6f35';
const SECTIONS: Record<string, string> = {
  [SECTION_PROCESSOR_GENERIC]: 'Processor Generic',
  [SECTION_PROCESSOR_X86]: 'x86/x64 Processor Specific',
  'e429faf1-3cb7-11d4-bca7-0080c73c8881': 'IA64 Processor Specific',
  'e19e3d16-bc11-11e4-9caa-c2051d5d46b0': 'ARM Processor Specific',
  [SECTION_MEMORY]: 'Platform Memory',
  '61ec04fc-48e6-d813-25c9-8daa44750b12': 'Platform Memory 2',
  [SECTION_PCIE]: 'PCI Express',
  '81212a96-09ed-4996-9471-8d729c8e69ed': 'Firmware Error Record Reference',
  'c5753963-3b84-4095-bf78-eddad3f9c9dd': 'PCI/PCI-X Bus',
  'eb5e4685-ca66-4769-b6a2-26068b001326': 'PCI Component/Device',
  '5b51fef7-c79d-4434-8f1b-aa62de3e2c64': 'DMAr Generic',
  '71761d37-32b2-45cd-a7d0-b0fedd93e8cf': 'Intel VT-d DMAr',
  '036f84e1-7f37-428c-a79e-575fdfaa84ec': 'IOMMU DMAr',
  '8a1e1d01-42f9-4557-9c33-565e5cc3f7e8': 'x86/x64 MCA',
  'e71254e9-c1b9-4940-ab76-909703a4320f': 'Hardware Error Packet',
  'e71254e7-c1b9-4940-ab76-909703a4320f': 'NMI Error',
  'e71254e8-c1b9-4940-ab76-909703a4320f': 'Generic',
  'c34832a1-02c3-4c52-a9f1-9f1d5d7723fc': 'Error Recovery Information',
  '81687003-dbfd-4728-9ffd-f0904f97597d': 'Persistent Memory',
};
const CREATORS: Record<string, string> = {
  'cf07c4bd-b789-4e18-b3c4-1f732cb57131': 'Microsoft',
  '57217c8d-5e66-44fb-8033-9b74cacedf5b': 'Device Driver (default)',
};
// Processor Generic error types and operations (N.2.4.1), memory error types (N.2.5), PCIe port types (N.2.7).
const PROC_ERROR_TYPE: Record<number, string> = { 0: 'Unknown', 1: 'Cache Error', 2: 'TLB Error', 4: 'Bus Error', 8: 'Micro-Architectural Error' };
const PROC_OPERATION = ['Generic', 'Data Read', 'Data Write', 'Instruction Execution'];
const MEMORY_ERROR_TYPE = ['Unknown', 'No error', 'Single-bit ECC', 'Multi-bit ECC', 'Single-symbol ChipKill ECC', 'Multi-symbol ChipKill ECC', 'Master abort', 'Target abort', 'Parity error', 'Watchdog timeout', 'Invalid address', 'Mirror broken', 'Memory sparing', 'Scrub corrected error', 'Scrub uncorrected error', 'Physical memory map-out event'];
const PCIE_PORT = ['PCI Express end point', 'Legacy PCI end point', '', '', 'Root port', 'Upstream switch port', 'Downstream switch port', 'PCI Express to PCI/PCI-X bridge', 'PCI/PCI-X to PCI Express bridge', 'Root complex integrated end point', 'Root complex event collector'];
// IA32/X64 processor error information structure types (N.2.4.2.1).
const X86_CHECK: Record<string, string> = {
  'a55701f5-e3ef-43de-ac72-249b573fad2c': 'Cache Check',
  'fc06b535-5e1f-4562-9f25-0a3b9adb63c3': 'TLB Check',
  '1cf3f8b3-c5b1-49a2-aa59-5eef92ffa63c': 'Bus Check',
  '48ab7f57-dc34-4f6c-a7d3-b0b5b0a74314': 'Micro-Architecture Check',
};

export interface CperSection {
  index: number;
  offset: number;
  length: number;
  flags: number;
  primary: boolean;
  typeGuid: string;
  /** 'Processor Generic', 'PCI Express', … or 'Unknown section {guid}'. */
  typeName: string;
  severity: number;
  severityName: string;
  fruText?: string;
  /** What the section body says, as `Name : value` pairs, for the sections decoded here. */
  details: { name: string; value: string }[];
}

export interface CperRecord {
  revision: number;
  sectionCount: number;
  severity: number;
  severityName: string;
  length: number;
  recordId: bigint;
  flags: number;
  timestamp?: string;
  platformId?: string;
  creatorId: string;
  creatorName?: string;
  notifyType: string;
  notifyName?: string;
  sections: CperSection[];
  /** Sections the descriptors announce but whose bytes lie outside the record, or were not read. */
  notes: string[];
}

/** A GUID stored the Windows/UEFI way (first three fields little-endian), as lower-case text. */
export function guidAt(b: Uint8Array, o: number): string {
  const dv = new DataView(b.buffer, b.byteOffset + o, 16);
  const h = (n: number, w: number) => n.toString(16).padStart(w, '0');
  const tail = [...b.subarray(o + 8, o + 16)].map((x) => h(x, 2)).join('');
  return `${h(dv.getUint32(0, true), 8)}-${h(dv.getUint16(4, true), 4)}-${h(dv.getUint16(6, true), 4)}-${tail.slice(0, 4)}-${tail.slice(4)}`;
}

function severityName(s: number): string {
  return SEVERITY[s] ?? `Unknown (${s})`;
}

function ascii(b: Uint8Array): string {
  let s = '';
  for (const c of b) {
    if (c === 0) break;
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
  }
  return s.trim();
}

/** Reads the record header's length field only: how many bytes the whole record needs. */
export function cperLength(header: Uint8Array): number {
  if (header.length < CPER_HEADER_SIZE) throw new FormatError('WHEA error record', `header needs ${CPER_HEADER_SIZE} bytes, got ${header.length}`);
  if (ascii(header.subarray(0, 4)) !== 'CPER') throw new FormatError('WHEA error record', `signature is not 'CPER' (bytes ${[...header.subarray(0, 4)].map((x) => x.toString(16).padStart(2, '0')).join(' ')})`, 0);
  return new DataView(header.buffer, header.byteOffset, CPER_HEADER_SIZE).getUint32(20, true);
}

function decodeProcessorGeneric(b: Uint8Array): { name: string; value: string }[] {
  if (b.length < 192) return [];
  const dv = new DataView(b.buffer, b.byteOffset, b.length);
  const valid = dv.getBigUint64(0, true);
  const out: { name: string; value: string }[] = [];
  const has = (bit: number) => (valid >> BigInt(bit)) & 1n;
  if (has(0)) out.push({ name: 'Proc. Type', value: ['IA32/X64', 'IA64', 'ARM'][b[8]] ?? `0x${b[8].toString(16)}` });
  if (has(2)) out.push({ name: 'Error Type', value: PROC_ERROR_TYPE[b[10]] ?? `0x${b[10].toString(16)}` });
  if (has(3)) out.push({ name: 'Operation', value: PROC_OPERATION[b[11]] ?? `0x${b[11].toString(16)}` });
  if (has(5)) out.push({ name: 'Level', value: String(b[13]) });
  if (has(6)) out.push({ name: 'CPU Version', value: `0x${dv.getBigUint64(16, true).toString(16).padStart(16, '0')}` });
  if (has(7) && ascii(b.subarray(24, 152))) out.push({ name: 'CPU Brand', value: ascii(b.subarray(24, 152)) });
  if (has(8)) out.push({ name: 'Processor ID', value: `0x${dv.getBigUint64(152, true).toString(16)}` });
  if (has(9)) out.push({ name: 'Target Address', value: `0x${dv.getBigUint64(160, true).toString(16).padStart(16, '0')}` });
  if (has(12)) out.push({ name: 'Instruction IP', value: `0x${dv.getBigUint64(184, true).toString(16).padStart(16, '0')}` });
  return out;
}

function decodeProcessorX86(b: Uint8Array): { name: string; value: string }[] {
  if (b.length < 64) return [];
  const dv = new DataView(b.buffer, b.byteOffset, b.length);
  const valid = dv.getBigUint64(0, true);
  const out: { name: string; value: string }[] = [];
  if (valid & 1n) out.push({ name: 'Local APIC Id', value: `0x${dv.getBigUint64(8, true).toString(16)}` });
  // Bits 2-7: how many 64-byte error information structures follow the 64-byte header.
  const count = Number((valid >> 2n) & 0x3fn);
  for (let i = 0; i < count && 64 + (i + 1) * 64 <= b.length; i++) {
    const o = 64 + i * 64;
    const g = guidAt(b, o);
    out.push({ name: `Error Info ${i}`, value: `${X86_CHECK[g] ?? `type ${g}`}, check info 0x${dv.getBigUint64(o + 24, true).toString(16).padStart(16, '0')}` });
  }
  return out;
}

function decodeMemory(b: Uint8Array): { name: string; value: string }[] {
  if (b.length < 73) return [];
  const dv = new DataView(b.buffer, b.byteOffset, b.length);
  const valid = dv.getBigUint64(0, true);
  const out: { name: string; value: string }[] = [];
  const has = (bit: number) => (valid >> BigInt(bit)) & 1n;
  if (has(1)) out.push({ name: 'Physical Address', value: `0x${dv.getBigUint64(16, true).toString(16).padStart(16, '0')}` });
  const loc = [['Node', 32, 3], ['Card', 34, 4], ['Module', 36, 5], ['Bank', 38, 6], ['Device', 40, 7], ['Row', 42, 8], ['Column', 44, 9], ['Bit Position', 46, 10]] as const;
  for (const [name, off, bit] of loc) if (has(bit)) out.push({ name, value: String(dv.getUint16(off, true)) });
  if (has(14)) out.push({ name: 'Memory Error Type', value: MEMORY_ERROR_TYPE[b[72]] ?? `0x${b[72].toString(16)}` });
  return out;
}

function decodePcie(b: Uint8Array): { name: string; value: string }[] {
  if (b.length < 40) return [];
  const dv = new DataView(b.buffer, b.byteOffset, b.length);
  const valid = dv.getBigUint64(0, true);
  const out: { name: string; value: string }[] = [];
  if (valid & 1n) out.push({ name: 'Port Type', value: PCIE_PORT[dv.getUint32(8, true)] || `0x${dv.getUint32(8, true).toString(16)}` });
  if (valid & 8n) {
    // Device ID block at 24: vendor, device, class code (3 bytes), function, device, segment, bus.
    const seg = dv.getUint16(33, true);
    out.push({ name: 'Device', value: `${seg.toString(16).padStart(4, '0')}:${b[35].toString(16).padStart(2, '0')}:${b[32].toString(16).padStart(2, '0')}.${b[31].toString(16)}` });
    out.push({ name: 'Vendor/Device Id', value: `${dv.getUint16(24, true).toString(16).padStart(4, '0')}:${dv.getUint16(26, true).toString(16).padStart(4, '0')}` });
  }
  return out;
}

/** Decodes a whole record (header, every descriptor, the sections decoded here). `b` holds `cperLength` bytes or fewer. */
export function decodeCper(b: Uint8Array): CperRecord {
  const length = cperLength(b);
  const dv = new DataView(b.buffer, b.byteOffset, b.length);
  if (dv.getUint32(6, true) !== 0xffffffff) throw new FormatError('WHEA error record', `signature end is 0x${dv.getUint32(6, true).toString(16)}, not 0xffffffff`, 6);
  const sectionCount = dv.getUint16(10, true);
  const severity = dv.getUint32(12, true);
  const valid = dv.getUint32(16, true);
  const notes: string[] = [];
  if (length < CPER_HEADER_SIZE || length > CPER_MAX_LENGTH) throw new FormatError('WHEA error record', `record length ${length} is outside ${CPER_HEADER_SIZE}..${CPER_MAX_LENGTH}`, 20);
  if (b.length < length) notes.push(`only ${b.length} of the record's ${length} bytes are in the dump`);
  let timestamp: string | undefined;
  if (valid & 2) {
    // Seconds, minutes, hours, flags (bit 0: precise), day, month, year, century: binary numbers as Windows
    // writes them (the WDK's WHEA_TIMESTAMP bit fields).
    const [sec, min, hour, , day, month, year, century] = b.subarray(24, 32);
    const p = (n: number) => String(n).padStart(2, '0');
    timestamp = `${century * 100 + year}-${p(month)}-${p(day)} ${p(hour)}:${p(min)}:${p(sec)} (UTC)`;
  }
  const creatorId = guidAt(b, 64);
  const notifyType = guidAt(b, 80);
  const sections: CperSection[] = [];
  const n = Math.min(sectionCount, CPER_MAX_SECTIONS);
  if (sectionCount > CPER_MAX_SECTIONS) notes.push(`the header announces ${sectionCount} sections; only the first ${CPER_MAX_SECTIONS} were read`);
  const end = Math.min(length, b.length);
  for (let i = 0; i < n; i++) {
    const d = CPER_HEADER_SIZE + i * CPER_DESCRIPTOR_SIZE;
    if (d + CPER_DESCRIPTOR_SIZE > end) {
      notes.push(`section descriptor ${i} at offset ${d} lies past the ${end} bytes available`);
      break;
    }
    const offset = dv.getUint32(d, true);
    const len = dv.getUint32(d + 4, true);
    const flags = dv.getUint32(d + 12, true);
    const typeGuid = guidAt(b, d + 16);
    const sev = dv.getUint32(d + 48, true);
    const inside = offset >= CPER_HEADER_SIZE && len <= end && offset <= end - len;
    if (!inside) notes.push(`section ${i}: its body (offset ${offset}, length ${len}) lies outside the record's ${end} bytes`);
    const body = inside ? b.subarray(offset, offset + len) : new Uint8Array(0);
    const details = typeGuid === SECTION_PROCESSOR_GENERIC ? decodeProcessorGeneric(body) : typeGuid === SECTION_PROCESSOR_X86 ? decodeProcessorX86(body) : typeGuid === SECTION_MEMORY ? decodeMemory(body) : typeGuid === SECTION_PCIE ? decodePcie(body) : [];
    sections.push({ index: i, offset, length: len, flags, primary: (flags & 1) === 1, typeGuid, typeName: SECTIONS[typeGuid] ?? `Unknown section {${typeGuid}}`, severity: sev, severityName: severityName(sev), fruText: b[d + 10] & 2 ? ascii(b.subarray(d + 52, d + 72)) || undefined : undefined, details });
  }
  return {
    revision: dv.getUint16(4, true),
    sectionCount,
    severity,
    severityName: severityName(severity),
    length,
    recordId: dv.getBigUint64(96, true),
    flags: dv.getUint32(104, true),
    timestamp,
    platformId: valid & 1 ? guidAt(b, 32) : undefined,
    creatorId,
    creatorName: CREATORS[creatorId],
    notifyType,
    notifyName: NOTIFY[notifyType],
    sections,
    notes,
  };
}
