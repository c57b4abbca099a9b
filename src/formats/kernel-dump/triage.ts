// Small memory dumps (DumpType 4, "minidumps" in C:\Windows\Minidump): a TRIAGE_DUMP header after the dump
// header points at the crash's context, exception, PRCB, process, thread, the call stack, the driver list
// with its string pool, unloaded drivers, the debugger data block and extra data blocks.
import type { ByteSource } from '../../io/byte-source.js';
import { LE } from '../../io/bytes.js';
import { FormatError } from '../../io/errors.js';
import { BlockAddressSpace, type CapturedBlock } from '../../memory/block-space.js';

/** The ULONG at TRIAGE_DUMP.ValidOffset of a whole small dump ('TRGD' in the file). */
export const TRIAGE_DUMP_VALID = 0x44475254;
/** DUMP_HEADER64.MiniDumpFields bits of a small dump: which parts it holds. */
export const TRIAGE_FLAGS = {
  CONTEXT: 0x1,
  EXCEPTION: 0x2,
  PRCB: 0x4,
  PROCESS: 0x8,
  THREAD: 0x10,
  STACK: 0x20,
  DRIVER_LIST: 0x40,
  BROKEN_DRIVER: 0x80,
  /** The eight above: what every small dump Windows writes claims. */
  BASIC_INFO: 0xff,
  MMINFO: 0x100,
  DATAPAGE: 0x200,
  DEBUGGER_DATA: 0x400,
  DATA_BLOCKS: 0x800,
} as const;

export interface TriageHeader {
  servicePackBuild: number;
  sizeOfDump: number;
  validOffset: number;
  contextOffset: number;
  exceptionOffset: number;
  mmOffset: number;
  unloadedDriversOffset: number;
  prcbOffset: number;
  processOffset: number;
  threadOffset: number;
  callStackOffset: number;
  sizeOfCallStack: number;
  driverListOffset: number;
  driverCount: number;
  stringPoolOffset: number;
  stringPoolSize: number;
  brokenDriverOffset: number;
  triageOptions: number;
  topOfStack: bigint;
  dataPageAddress: bigint;
  dataPageOffset: number;
  dataPageSize: number;
  debuggerDataOffset: number;
  debuggerDataSize: number;
  dataBlocksOffset: number;
  dataBlocksCount: number;
}

export interface TriageDriver {
  /** Full path from the string pool ('\SystemRoot\system32\ntoskrnl.exe'). */
  path: string;
  /** File name ('ntoskrnl.exe'). */
  name: string;
  /** Raw copy of the loader entry (KLDR_DATA_TABLE_ENTRY prefix) as the dump stores it. */
  ldrEntry: Uint8Array;
  ldrEntryOffset: number;
  base: bigint;
  size: number;
  checksum: number;
  timestamp: number;
}

export interface TriageUnloadedDriver {
  name: string;
  start: bigint;
  end: bigint;
}

export interface TriageParts {
  header: TriageHeader;
  drivers: TriageDriver[];
  unloadedDrivers: TriageUnloadedDriver[];
  /** File ranges of the copies the dump carries (their VAs are found by the target model). */
  prcb: { offset: number; size: number };
  process: { offset: number; size: number };
  thread: { offset: number; size: number };
  debuggerData?: Uint8Array;
  /** Captured virtual memory: call stack, data blocks, data page. */
  memory: BlockAddressSpace;
  blocks: CapturedBlock[];
  /** What a file cut short lost (empty for a whole file). */
  notes: string[];
  /** Damaged counts and entries the reader clipped or skipped (limitations naming field and file offset). */
  damage: string[];
  /** The file size the header's parts imply (larger than the file when it is cut short). */
  expectedSize: number;
  /** The ULONG at ValidOffset (TRIAGE_DUMP_VALID in a whole dump), undefined when it lies past the file. */
  validMarker?: number;
}

/**
 * What a debugger checks before trusting a small dump: the marker at ValidOffset and the MiniDumpFields
 * flags in the dump header. Other writers' dumps may differ, so each finding is a warning, not an error.
 */
export function triageWarnings(t: TriageParts, miniDumpFields: number | undefined, fileSize: number): string[] {
  const out: string[] = [];
  const h = t.header;
  const at = `0x${h.validOffset.toString(16)}`;
  if (h.validOffset + 4 > fileSize) {
    out.push(`small dump not validated: TRIAGE_DUMP.ValidOffset (${at}) lies past the end of the ${fileSize}-byte file, so the 'TRGD' marker debuggers check is missing (WinDbg would reject the dump as corrupt)`);
  } else if (t.validMarker !== TRIAGE_DUMP_VALID) {
    out.push(`small dump not validated: the ULONG at TRIAGE_DUMP.ValidOffset (${at}) is 0x${(t.validMarker ?? 0).toString(16)}, not 'TRGD' (0x${TRIAGE_DUMP_VALID.toString(16)}), so WinDbg would reject the dump as corrupt; read anyway`);
  }
  if (miniDumpFields === undefined) {
    out.push("small dump: the header's MiniDumpFields (0x1038) is not set, so it does not say which parts the dump holds; the TRIAGE_DUMP offsets are used as they are");
    return out;
  }
  const missing = TRIAGE_FLAGS.BASIC_INFO & ~miniDumpFields;
  if (missing) out.push(`small dump: MiniDumpFields 0x${miniDumpFields.toString(16)} lacks basic-info flags 0x${missing.toString(16)} that Windows always sets (context, exception, PRCB, process, thread, stack, driver list); the parts are read where the TRIAGE_DUMP offsets point`);
  const unlisted: string[] = [];
  if (h.debuggerDataOffset && h.debuggerDataSize && !(miniDumpFields & TRIAGE_FLAGS.DEBUGGER_DATA)) unlisted.push('debugger data');
  if (h.dataBlocksOffset && h.dataBlocksCount && !(miniDumpFields & TRIAGE_FLAGS.DATA_BLOCKS)) unlisted.push('data blocks');
  if (h.dataPageOffset && h.dataPageSize && !(miniDumpFields & TRIAGE_FLAGS.DATAPAGE)) unlisted.push('data page');
  if (unlisted.length) out.push(`small dump: MiniDumpFields 0x${miniDumpFields.toString(16)} does not list the ${unlisted.join(', ')} the TRIAGE_DUMP header points to; read anyway`);
  return out;
}

// DUMP_DRIVER_ENTRY64: DriverNameOffset (u32, padded to 8) + a loader entry of 0x88 bytes. In that copy
// DllBase is at +0x30, SizeOfImage at +0x40, CheckSum at +0x78 and TimeDateStamp at +0x80 (dump-format layout).
const DRIVER_ENTRY_SIZE = 0x90;
const LDR_COPY = 8;
const UNLOADED_ENTRY_SIZE = 0x38;
const MAX_DRIVERS = 65536;
const MAX_BLOCKS = 1 << 20;

export function parseTriageHeader(bytes: Uint8Array, at: number): TriageHeader {
  const le = new LE(bytes, 'TRIAGE_DUMP header', at);
  const u = (o: number) => le.u32(o);
  const h: TriageHeader = {
    servicePackBuild: u(0), sizeOfDump: u(4), validOffset: u(8), contextOffset: u(0xc), exceptionOffset: u(0x10),
    mmOffset: u(0x14), unloadedDriversOffset: u(0x18), prcbOffset: u(0x1c), processOffset: u(0x20), threadOffset: u(0x24),
    callStackOffset: u(0x28), sizeOfCallStack: u(0x2c), driverListOffset: u(0x30), driverCount: u(0x34),
    stringPoolOffset: u(0x38), stringPoolSize: u(0x3c), brokenDriverOffset: u(0x40), triageOptions: u(0x44),
    topOfStack: le.u64(0x48), dataPageAddress: le.u64(0x60), dataPageOffset: u(0x68), dataPageSize: u(0x6c),
    debuggerDataOffset: u(0x70), debuggerDataSize: u(0x74), dataBlocksOffset: u(0x78), dataBlocksCount: u(0x7c),
  };
  return h;
}

/**
 * Parts the header places (partly) past the end of the file: a small dump cut short (a partial upload, a
 * reboot while writing) keeps what lies before the cut. Each part is clipped to the file and noted once.
 */
class Clipper {
  readonly notes: string[] = [];
  /** The file size the header's parts imply. */
  expectedSize: number;
  constructor(private readonly size: number) {
    this.expectedSize = size;
  }
  /** Bytes of [off, off+len) inside the file (0 when the part is absent or wholly past the end). */
  clip(what: string, off: number, len: number): number {
    if (!off || !len) return 0;
    this.expectedSize = Math.max(this.expectedSize, off + len);
    if (off + len <= this.size) return len;
    const kept = Math.max(0, this.size - off);
    this.notes.push(kept ? `${what} (0x${len.toString(16)} bytes at 0x${off.toString(16)}) is cut to 0x${kept.toString(16)} bytes` : `${what} (0x${len.toString(16)} bytes at 0x${off.toString(16)}) is missing`);
    return kept;
  }
}

/** A driver's path from the string pool, or why it cannot be read (a damaged or cut name offset). */
async function readString(source: ByteSource, off: number, poolAt: number, poolSize: number): Promise<string | { bad: string }> {
  const end = poolAt + poolSize;
  if (off < poolAt || off + 4 > end) return { bad: `its name offset 0x${off.toString(16)} is outside the string pool (0x${poolAt.toString(16)}-0x${end.toString(16)})` };
  const chars = new LE(await source.read(off, 4), 'TRIAGE_DUMP string pool', off).u32(0);
  const bytes = chars * 2;
  if (off + 4 + bytes > end) return { bad: `its name at 0x${off.toString(16)} (${chars} characters) runs past the string pool` };
  return new LE(await source.read(off + 4, bytes), 'TRIAGE_DUMP string pool', off + 4).utf16(0, bytes, true);
}

/**
 * DriverCount, clipped when it is damaged rather than cut: a list that does not fit in max(file size,
 * SizeOfDump), or that runs into the string pool following it (where Windows and our writer put the pool).
 */
function driverCount(h: TriageHeader, headerAt: number, fileSize: number, damage: string[]): number {
  const start = h.driverListOffset;
  if (!start || !h.driverCount) return 0;
  const limit = Math.max(fileSize, h.sizeOfDump);
  let end = start + h.driverCount * DRIVER_ENTRY_SIZE;
  let why = '';
  if (h.driverCount > MAX_DRIVERS) {
    end = Math.min(end, start + MAX_DRIVERS * DRIVER_ENTRY_SIZE);
    why = `is more than ${MAX_DRIVERS} drivers`;
  }
  if (h.stringPoolOffset > start && h.stringPoolOffset < end) {
    end = h.stringPoolOffset;
    why = `runs into the string pool at 0x${h.stringPoolOffset.toString(16)}`;
  } else if (end > limit) {
    end = Math.max(start, Math.min(fileSize, end));
    why = `runs past the end of the 0x${limit.toString(16)}-byte dump`;
  }
  if (!why) return h.driverCount;
  const n = Math.floor((end - start) / DRIVER_ENTRY_SIZE);
  damage.push(`TRIAGE_DUMP.DriverCount (file offset 0x${(headerAt + 0x34).toString(16)}) is damaged: a list of ${h.driverCount} 0x${DRIVER_ENTRY_SIZE.toString(16)}-byte entries at 0x${start.toString(16)} ${why}; ${n} drivers are read`);
  return n;
}

/**
 * The data-block table: TRIAGE_DATA_BLOCK { u64 va, u32 offset, u32 size } entries, whose data Windows (and
 * our writer) places right after the table, in table order. Truncation and damage are told apart:
 * - a table that does not fit in max(file size, SizeOfDump) is not a cut file but a damaged DataBlocksCount;
 * - the table ends where the data of its first block begins: an entry read from there on is block data
 *   mistaken for an entry (a count too large), so reading stops;
 * - an entry whose data lies inside the table, or past max(file size, SizeOfDump), is damaged and skipped.
 * Damage is reported in `damage` (limitations naming the field and its file offset), not as truncation.
 */
async function readDataBlocks(source: ByteSource, h: TriageHeader, headerAt: number, cut: Clipper, damage: string[], blocks: CapturedBlock[]): Promise<void> {
  if (!h.dataBlocksOffset || !h.dataBlocksCount) return;
  const hex = (n: number) => `0x${n.toString(16)}`;
  const limit = Math.max(source.size, h.sizeOfDump);
  const start = h.dataBlocksOffset;
  const countAt = hex(headerAt + 0x7c);
  let count = h.dataBlocksCount;
  let tooMany = '';
  if (start + count * 16 > limit) {
    tooMany = `${h.dataBlocksCount} entries need ${hex(h.dataBlocksCount * 16)} bytes at ${hex(start)}, past the end of the ${hex(limit)}-byte dump`;
    count = Math.max(0, Math.floor((source.size - start) / 16));
  }
  if (count > MAX_BLOCKS) {
    tooMany ||= `${h.dataBlocksCount} entries are more than the ${MAX_BLOCKS} a small dump can list`;
    count = MAX_BLOCKS;
  }
  const kept = Math.floor(cut.clip('data block table', start, count * 16) / 16);
  if (kept <= 0) {
    if (tooMany) damage.push(`TRIAGE_DUMP.DataBlocksCount (file offset ${countAt}) is damaged: ${tooMany}; no entry is read`);
    return;
  }
  const t = new LE(await source.read(start, kept * 16), 'TRIAGE_DUMP data blocks', start);
  let dataStart = Number.POSITIVE_INFINITY; // the lowest data offset at or past the table: where the table ends
  let lost = 0;
  let cutBlocks = 0;
  const bad: number[] = [];
  let read = 0;
  for (let i = 0; i < kept; i++) {
    const at = start + i * 16;
    if (at >= dataStart) break;
    read++;
    const va = t.u64(i * 16);
    const fileOffset = t.u32(i * 16 + 8);
    const size = t.u32(i * 16 + 12);
    if (!size) continue;
    if ((fileOffset < at + 16 && fileOffset + size > start) || fileOffset + size > limit) {
      bad.push(i);
      continue;
    }
    if (fileOffset >= start) dataStart = Math.min(dataStart, fileOffset);
    cut.expectedSize = Math.max(cut.expectedSize, fileOffset + size);
    const inFile = Math.min(size, Math.max(0, source.size - fileOffset));
    if (inFile < size) {
      if (inFile) cutBlocks++;
      else lost++;
    }
    if (inFile) blocks.push({ va, fileOffset, size: inFile, what: 'data block' });
  }
  const ends = read < kept ? `the table ends at ${hex(dataStart)}, where its first block's data begins` : '';
  if (tooMany || ends) {
    const why = [tooMany, ends].filter(Boolean).join('; ');
    damage.push(`TRIAGE_DUMP.DataBlocksCount (file offset ${countAt}) is damaged: ${tooMany ? why : `it says ${h.dataBlocksCount} blocks but ${why}`}; ${read} entries are read`);
  }
  if (bad.length) {
    const first = bad[0];
    damage.push(`${bad.length} data block entries are damaged (their data lies inside the table or past the end of the dump) and are skipped; the first is entry ${first} at file offset ${hex(start + first * 16)}`);
  }
  if (lost || cutBlocks) cut.notes.push(`of ${read} captured memory blocks, ${lost} are missing${cutBlocks ? ` and ${cutBlocks} cut short` : ''}`);
}

export async function readTriage(source: ByteSource, headerAt: number): Promise<TriageParts> {
  if (source.size < headerAt + 0x80) throw new FormatError('TRIAGE_DUMP header', `the ${source.size}-byte file ends inside the 0x80-byte TRIAGE_DUMP header at 0x${headerAt.toString(16)}`, headerAt);
  const h = parseTriageHeader(await source.read(headerAt, 0x80), headerAt);
  const cut = new Clipper(source.size);
  const damage: string[] = [];
  const drivers: TriageDriver[] = [];
  const poolKept = cut.clip('driver name string pool', h.stringPoolOffset, h.stringPoolSize);
  const listKept = Math.floor(cut.clip('driver list', h.driverListOffset, driverCount(h, headerAt, source.size, damage) * DRIVER_ENTRY_SIZE) / DRIVER_ENTRY_SIZE);
  if (listKept > 0) {
    const list = new LE(await source.read(h.driverListOffset, listKept * DRIVER_ENTRY_SIZE), 'TRIAGE_DUMP driver list', h.driverListOffset);
    let lostWithPool = 0;
    const bad: string[] = [];
    for (let i = 0; i < listKept; i++) {
      const e = i * DRIVER_ENTRY_SIZE;
      const ldr = list.sub(e + LDR_COPY, DRIVER_ENTRY_SIZE - LDR_COPY);
      const l = new LE(ldr, 'TRIAGE_DUMP driver entry', h.driverListOffset + e + LDR_COPY);
      const base = l.u64(0x30);
      const name = await readString(source, list.u32(e), h.stringPoolOffset, poolKept);
      let path: string;
      if (typeof name === 'string') path = name;
      else {
        // A lost name loses the name, not the driver: its range still names the code in a stack.
        path = `driver_${base.toString(16)}.sys`;
        if (poolKept < h.stringPoolSize) lostWithPool++;
        else bad.push(`entry ${i} at file offset 0x${(h.driverListOffset + e).toString(16)}: ${name.bad}`);
      }
      drivers.push({
        path,
        name: path.split(/[\\/]/).pop() ?? path,
        ldrEntry: ldr,
        ldrEntryOffset: h.driverListOffset + e + LDR_COPY,
        base,
        size: l.u32(0x40),
        checksum: l.u32(0x78),
        timestamp: l.u32(0x80),
      });
    }
    if (lostWithPool) cut.notes.push(`${lostWithPool} driver names are lost with the string pool`);
    if (bad.length) damage.push(`driver list: ${bad.length === 1 ? 'the name of driver' : `${bad.length} driver names are damaged (shown as driver_<base>.sys); the first:`} ${bad[0]}${bad.length === 1 ? ', so it is shown as driver_<base>.sys' : ''}`);
  }
  const unloadedDrivers: TriageUnloadedDriver[] = [];
  if (h.unloadedDriversOffset && cut.clip('unloaded driver list', h.unloadedDriversOffset, 8) === 8) {
    const head = new LE(await source.read(h.unloadedDriversOffset, 8), 'TRIAGE_DUMP unloaded drivers', h.unloadedDriversOffset);
    const n = head.u32(0);
    if (n > 1024) throw new FormatError('TRIAGE_DUMP unloaded drivers', `count ${n} is impossible`, h.unloadedDriversOffset);
    const kept = Math.floor(cut.clip('unloaded driver list', h.unloadedDriversOffset + 8, n * UNLOADED_ENTRY_SIZE) / UNLOADED_ENTRY_SIZE);
    const list = new LE(await source.read(h.unloadedDriversOffset + 8, kept * UNLOADED_ENTRY_SIZE), 'TRIAGE_DUMP unloaded drivers', h.unloadedDriversOffset + 8);
    for (let i = 0; i < kept; i++) {
      const e = i * UNLOADED_ENTRY_SIZE;
      const len = Math.min(list.u16(e), 24);
      unloadedDrivers.push({ name: list.utf16(e + 0x10, len, true), start: list.u64(e + 0x28), end: list.u64(e + 0x30) });
    }
  }
  const blocks: CapturedBlock[] = [];
  const stackKept = cut.clip('call stack', h.callStackOffset, h.sizeOfCallStack);
  if (stackKept) blocks.push({ va: h.topOfStack, fileOffset: h.callStackOffset, size: stackKept, what: 'call stack' });
  const pageKept = cut.clip('data page', h.dataPageOffset, h.dataPageSize);
  if (pageKept) blocks.push({ va: h.dataPageAddress, fileOffset: h.dataPageOffset, size: pageKept, what: 'data page' });
  await readDataBlocks(source, h, headerAt, cut, damage, blocks);
  const kdKept = cut.clip('debugger data block', h.debuggerDataOffset, h.debuggerDataSize);
  const debuggerData = kdKept ? await source.read(h.debuggerDataOffset, kdKept) : undefined;
  // The PRCB, process and thread copies lie back to back; each ends where the next part starts.
  const span = (what: string, a: number, b: number) => ({ offset: a, size: cut.clip(what, a, Math.max(0, b - a)) });
  const prcb = span('PRCB copy', h.prcbOffset, h.processOffset);
  const process = span('process copy', h.processOffset, h.threadOffset);
  const thread = span('thread copy', h.threadOffset, h.callStackOffset);
  const validMarker = h.validOffset + 4 <= source.size ? new LE(await source.read(h.validOffset, 4), 'TRIAGE_DUMP ValidOffset', h.validOffset).u32(0) : undefined;
  return {
    validMarker,
    header: h,
    drivers,
    unloadedDrivers,
    prcb,
    process,
    thread,
    debuggerData,
    memory: new BlockAddressSpace(source, blocks),
    blocks,
    notes: cut.notes,
    damage,
    expectedSize: cut.expectedSize,
  };
}
