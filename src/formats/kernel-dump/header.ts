// The first page(s) of a kernel dump: DUMP_HEADER64 ("PAGEDU64", 0x2000 bytes) or DUMP_HEADER32
// ("PAGEDUMP", 0x1000 bytes). Offsets below are the on-disk format, the same for every Windows build.
import { LE } from '../../io/bytes.js';
import { FormatError } from '../../io/errors.js';
import { filetimeToDate } from '../../util/cformat.js';

export type Machine = 'x64' | 'x86' | 'arm64' | 'unknown';
export type DumpType = 'full' | 'kernel-summary' | 'header-only' | 'triage' | 'full-bitmap' | 'kernel-bitmap' | 'automatic' | 'unknown';

export interface PhysicalRun {
  basePage: number;
  pageCount: number;
}

export interface DumpHeader {
  is64: boolean;
  /** Header size: where the dump's body starts. */
  headerSize: number;
  majorVersion: number;
  /** MinorVersion is the NT build number. */
  ntBuild: number;
  machineImageType: number;
  machine: Machine;
  processors: number;
  bugcheckCode: number;
  bugcheckArgs: bigint[];
  directoryTableBase: bigint;
  pfnDatabase: bigint;
  psLoadedModuleList: bigint;
  psActiveProcessHead: bigint;
  kdDebuggerDataBlock: bigint;
  /** Raw DumpType value and its meaning. */
  dumpTypeValue: number;
  dumpType: DumpType;
  /** PhysicalMemoryBlock (meaningful for full dumps): runs and total pages. */
  physicalRuns: PhysicalRun[];
  physicalPages: number;
  /** Raw CONTEXT bytes (architecture-specific) and the raw exception record. */
  contextBytes: Uint8Array;
  exceptionBytes: Uint8Array;
  requiredDumpSpace?: number;
  systemTime?: string;
  /** The same as a raw FILETIME (100 ns since 1601), for writing it back unchanged. */
  systemTimeRaw?: bigint;
  /** System up time in 100 ns units. */
  systemUpTime?: bigint;
  comment?: string;
  attributes?: number;
  productType?: number;
  suiteMask?: number;
  kdSecondaryVersion?: number;
  /** DUMP_HEADER64.MiniDumpFields (0x1038): for a small dump, the TRIAGE_DUMP_* flags of what it holds. */
  miniDumpFields?: number;
  /** BootId (0x1054), WriterStatus (0x1048), SecondaryDataState (0x103c), as Windows wrote them. */
  bootId?: number;
  writerStatus?: number;
  secondaryDataState?: number;
  /** The header exactly as read (0x2000 or 0x1000 bytes), so a conversion can carry every field through. */
  raw: Uint8Array;
}

const DUMP_TYPES: Record<number, DumpType> = { 1: 'full', 2: 'kernel-summary', 3: 'header-only', 4: 'triage', 5: 'full-bitmap', 6: 'kernel-bitmap', 7: 'automatic' };
const MACHINES = new Map<number, Machine>([[0x8664, 'x64'], [0x14c, 'x86'], [0xaa64, 'arm64']]);
/** An unused header field is filled with the bytes of "PAGE"; such fields are treated as absent. */
const PAGE_FILL32 = 0x45474150;
const MAX_RUNS_64 = 42; // 700-byte PhysicalMemoryBlock: 16-byte header + 42 runs of 16 bytes
const MAX_RUNS_32 = 86;

function runs(le: LE, off: number, count: number, runSize: 16 | 8, max: number, what: string): PhysicalRun[] {
  if (count > max) throw new FormatError(le.format, `${what} claims ${count} physical memory runs; at most ${max} fit in the header`, off);
  const out: PhysicalRun[] = [];
  for (let i = 0; i < count; i++) {
    const o = off + (runSize === 16 ? 16 : 8) + i * runSize;
    const basePage = runSize === 16 ? le.u64n(o, 'run BasePage') : le.u32(o);
    const pageCount = runSize === 16 ? le.u64n(o + 8, 'run PageCount') : le.u32(o + 4);
    out.push({ basePage, pageCount });
  }
  return out;
}

function optionalU32(v: number): number | undefined {
  return v === PAGE_FILL32 ? undefined : v;
}

function time(ft: bigint): string | undefined {
  if (ft === 0n || ft === 0x4547415045474150n) return undefined;
  const d = filetimeToDate(ft);
  return d && Number.isFinite(d.getTime()) ? d.toISOString() : undefined;
}

/** Why a dump's memory cannot be read, in words: an unknown DumpType or machine is named with its value. */
export function untranslatedReason(h: DumpHeader): string {
  const hex = (n: number) => `0x${n.toString(16)}`;
  if (h.dumpType === 'unknown') return `DumpType ${hex(h.dumpTypeValue)} (file offset ${h.is64 ? '0xf98' : '0xf88'}) is not a known dump type: no memory can be read, only the header facts`;
  if (h.machine === 'unknown') return `MachineImageType ${hex(h.machineImageType)} (file offset ${h.is64 ? '0x30' : '0x20'}) is not a known machine: memory translation is not supported`;
  return `${h.machine} ${h.dumpType} dumps: memory translation is not supported yet`;
}

/** Bytes as text when printable, else as hex ('PAGE', or 00 00 00 00): a signature of NULs must not print as ''. */
export function bytesText(bytes: Uint8Array): string {
  return [...bytes].every((b) => b >= 0x20 && b < 0x7f) ? `'${String.fromCharCode(...bytes)}'` : [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

export function parseDumpHeader(bytes: Uint8Array, fileName: string): DumpHeader {
  const le = new LE(bytes, `kernel dump header (${fileName})`);
  if (bytes.length < 8) throw new FormatError(le.format, `file is only ${bytes.length} bytes, too short for a dump header`, 0);
  const sig = le.ascii(0, 8);
  if (sig === 'PAGEDU64') return parse64(le);
  if (sig === 'PAGEDUMP') return parse32(le);
  throw new FormatError(le.format, `signature ${bytesText(bytes.subarray(0, 8))} is not PAGEDU64 or PAGEDUMP`, 0);
}

function parse64(le: LE): DumpHeader {
  if (le.length < 0x2000) throw new FormatError(le.format, `the ${le.length}-byte file ends inside the 0x2000-byte DUMP_HEADER64 (cut off before any memory)`, le.length);
  const machineImageType = le.u32(0x30);
  const nRuns = le.u32(0x88);
  const dumpTypeValue = le.u32(0xf98);
  const dumpType = DUMP_TYPES[dumpTypeValue] ?? 'unknown';
  // The run descriptor is only filled in for full dumps; elsewhere it holds the "PAGE" fill.
  const hasRuns = dumpType === 'full' && nRuns !== PAGE_FILL32;
  const comment = le.ascii(0xfb0, 0x80);
  const required = le.u64(0xfa0);
  return {
    is64: true,
    headerSize: 0x2000,
    majorVersion: le.u32(8),
    ntBuild: le.u32(0xc),
    machineImageType,
    machine: MACHINES.get(machineImageType) ?? 'unknown',
    processors: le.u32(0x34),
    bugcheckCode: le.u32(0x38),
    bugcheckArgs: [le.u64(0x40), le.u64(0x48), le.u64(0x50), le.u64(0x58)],
    directoryTableBase: le.u64(0x10),
    pfnDatabase: le.u64(0x18),
    psLoadedModuleList: le.u64(0x20),
    psActiveProcessHead: le.u64(0x28),
    kdDebuggerDataBlock: le.u64(0x80),
    dumpTypeValue,
    dumpType,
    physicalRuns: hasRuns ? runs(le, 0x88, nRuns, 16, MAX_RUNS_64, 'PAGEDU64 header') : [],
    physicalPages: hasRuns ? le.u64n(0x90, 'NumberOfPages') : 0,
    contextBytes: le.sub(0x348, 3000),
    exceptionBytes: le.sub(0xf00, 0x98),
    requiredDumpSpace: required === 0x4547415045474150n || required > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(required),
    systemTime: time(le.u64(0xfa8)),
    systemTimeRaw: le.u64(0xfa8),
    systemUpTime: le.u64(0x1030) === 0x4547415045474150n ? undefined : le.u64(0x1030),
    comment: comment.startsWith('PAGEPAGE') || comment === '' ? undefined : comment,
    productType: optionalU32(le.u32(0x1040)),
    suiteMask: optionalU32(le.u32(0x1044)),
    kdSecondaryVersion: le.u8(0x104d),
    attributes: optionalU32(le.u32(0x1050)),
    miniDumpFields: optionalU32(le.u32(0x1038)),
    secondaryDataState: optionalU32(le.u32(0x103c)),
    writerStatus: optionalU32(le.u32(0x1048)),
    bootId: optionalU32(le.u32(0x1054)),
    raw: le.sub(0, 0x2000).slice(),
  };
}

function parse32(le: LE): DumpHeader {
  if (le.length < 0x1000) throw new FormatError(le.format, `the ${le.length}-byte file ends inside the 0x1000-byte DUMP_HEADER32 (cut off before any memory)`, le.length);
  const machineImageType = le.u32(0x20);
  const nRuns = le.u32(0x64);
  const dumpTypeValue = le.u32(0xf88);
  const dumpType = DUMP_TYPES[dumpTypeValue] ?? 'unknown';
  const hasRuns = dumpType === 'full' && nRuns !== PAGE_FILL32;
  const comment = le.ascii(0x820, 0x80);
  const required = le.u64(0xfa0);
  return {
    is64: false,
    headerSize: 0x1000,
    majorVersion: le.u32(8),
    ntBuild: le.u32(0xc),
    machineImageType,
    machine: MACHINES.get(machineImageType) ?? 'unknown',
    processors: le.u32(0x24),
    bugcheckCode: le.u32(0x28),
    bugcheckArgs: [0, 1, 2, 3].map((i) => BigInt(le.u32(0x2c + i * 4))),
    directoryTableBase: BigInt(le.u32(0x10)),
    pfnDatabase: BigInt(le.u32(0x14)),
    psLoadedModuleList: BigInt(le.u32(0x18)),
    psActiveProcessHead: BigInt(le.u32(0x1c)),
    kdDebuggerDataBlock: BigInt(le.u32(0x60)),
    dumpTypeValue,
    dumpType,
    physicalRuns: hasRuns ? runs(le, 0x64, nRuns, 8, MAX_RUNS_32, 'PAGEDUMP header') : [],
    physicalPages: hasRuns ? le.u32(0x68) : 0,
    contextBytes: le.sub(0x320, 1200),
    exceptionBytes: le.sub(0x7d0, 0x50),
    requiredDumpSpace: required === 0x4547415045474150n || required > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(required),
    systemTime: time(le.u64(0xfc0)),
    systemTimeRaw: le.u64(0xfc0),
    systemUpTime: le.u64(0xfb8) === 0x4547415045474150n ? undefined : le.u64(0xfb8),
    comment: comment.startsWith('PAGEPAGE') || comment === '' ? undefined : comment,
    productType: optionalU32(le.u32(0xf94)),
    suiteMask: optionalU32(le.u32(0xf98)),
    raw: le.sub(0, 0x1000).slice(),
  };
}
