// Small memory dumps (DumpType 4, "minidumps" in C:\Windows\Minidump): a TRIAGE_DUMP header after the dump
// header points at the crash's context, exception, PRCB, process, thread, the call stack, the driver list
// with its string pool, unloaded drivers, the debugger data block and extra data blocks.
import type { ByteSource } from '../../io/byte-source.js';
import { LE } from '../../io/bytes.js';
import { FormatError } from '../../io/errors.js';
import { BlockAddressSpace, type CapturedBlock } from '../../memory/block-space.js';

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
}

// DUMP_DRIVER_ENTRY64: DriverNameOffset (u32, padded to 8) + a loader entry of 0x88 bytes. In that copy
// DllBase is at +0x30, SizeOfImage at +0x40, CheckSum at +0x78 and TimeDateStamp at +0x80 (dump-format layout).
const DRIVER_ENTRY_SIZE = 0x90;
const LDR_COPY = 8;
const UNLOADED_ENTRY_SIZE = 0x38;
const MAX_DRIVERS = 65536;
const MAX_BLOCKS = 1 << 20;

export function parseTriageHeader(bytes: Uint8Array, at: number, fileSize: number): TriageHeader {
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
  const inFile = (off: number, len: number, what: string, fieldOff: number) => {
    if (off !== 0 && off + len > fileSize) throw new FormatError(le.format, `${what} (0x${off.toString(16)}, 0x${len.toString(16)} bytes) lies past the end of the 0x${fileSize.toString(16)}-byte file`, at + fieldOff);
  };
  if (h.driverCount > MAX_DRIVERS) throw new FormatError(le.format, `DriverCount ${h.driverCount} is impossible`, at + 0x34);
  if (h.dataBlocksCount > MAX_BLOCKS) throw new FormatError(le.format, `DataBlocksCount ${h.dataBlocksCount} is impossible`, at + 0x7c);
  inFile(h.callStackOffset, h.sizeOfCallStack, 'call stack', 0x28);
  inFile(h.driverListOffset, h.driverCount * DRIVER_ENTRY_SIZE, 'driver list', 0x30);
  inFile(h.stringPoolOffset, h.stringPoolSize, 'string pool', 0x38);
  inFile(h.debuggerDataOffset, h.debuggerDataSize, 'debugger data block', 0x70);
  inFile(h.dataBlocksOffset, h.dataBlocksCount * 16, 'data block table', 0x78);
  inFile(h.dataPageOffset, h.dataPageSize, 'data page', 0x68);
  return h;
}

async function readString(source: ByteSource, off: number, h: TriageHeader): Promise<string> {
  if (off < h.stringPoolOffset || off + 4 > h.stringPoolOffset + h.stringPoolSize) {
    throw new FormatError('TRIAGE_DUMP string pool', `driver name at 0x${off.toString(16)} is outside the string pool`, off);
  }
  const chars = new LE(await source.read(off, 4), 'TRIAGE_DUMP string pool', off).u32(0);
  const bytes = chars * 2;
  if (off + 4 + bytes > h.stringPoolOffset + h.stringPoolSize) throw new FormatError('TRIAGE_DUMP string pool', `string of ${chars} characters runs past the string pool`, off);
  return new LE(await source.read(off + 4, bytes), 'TRIAGE_DUMP string pool', off + 4).utf16(0, bytes, true);
}

export async function readTriage(source: ByteSource, headerAt: number): Promise<TriageParts> {
  const h = parseTriageHeader(await source.read(headerAt, 0x80), headerAt, source.size);
  const drivers: TriageDriver[] = [];
  if (h.driverCount > 0) {
    const list = new LE(await source.read(h.driverListOffset, h.driverCount * DRIVER_ENTRY_SIZE), 'TRIAGE_DUMP driver list', h.driverListOffset);
    for (let i = 0; i < h.driverCount; i++) {
      const e = i * DRIVER_ENTRY_SIZE;
      const path = await readString(source, list.u32(e), h);
      const ldr = list.sub(e + LDR_COPY, DRIVER_ENTRY_SIZE - LDR_COPY);
      const l = new LE(ldr, 'TRIAGE_DUMP driver entry', h.driverListOffset + e + LDR_COPY);
      drivers.push({
        path,
        name: path.split(/[\\/]/).pop() ?? path,
        ldrEntry: ldr,
        ldrEntryOffset: h.driverListOffset + e + LDR_COPY,
        base: l.u64(0x30),
        size: l.u32(0x40),
        checksum: l.u32(0x78),
        timestamp: l.u32(0x80),
      });
    }
  }
  const unloadedDrivers: TriageUnloadedDriver[] = [];
  if (h.unloadedDriversOffset) {
    const head = new LE(await source.read(h.unloadedDriversOffset, 8), 'TRIAGE_DUMP unloaded drivers', h.unloadedDriversOffset);
    const n = head.u32(0);
    if (n > 1024 || h.unloadedDriversOffset + 8 + n * UNLOADED_ENTRY_SIZE > source.size) {
      throw new FormatError('TRIAGE_DUMP unloaded drivers', `count ${n} does not fit in the file`, h.unloadedDriversOffset);
    }
    const list = new LE(await source.read(h.unloadedDriversOffset + 8, n * UNLOADED_ENTRY_SIZE), 'TRIAGE_DUMP unloaded drivers', h.unloadedDriversOffset + 8);
    for (let i = 0; i < n; i++) {
      const e = i * UNLOADED_ENTRY_SIZE;
      const len = Math.min(list.u16(e), 24);
      unloadedDrivers.push({ name: list.utf16(e + 0x10, len, true), start: list.u64(e + 0x28), end: list.u64(e + 0x30) });
    }
  }
  const blocks: CapturedBlock[] = [];
  if (h.callStackOffset && h.sizeOfCallStack) blocks.push({ va: h.topOfStack, fileOffset: h.callStackOffset, size: h.sizeOfCallStack, what: 'call stack' });
  if (h.dataPageOffset && h.dataPageSize) blocks.push({ va: h.dataPageAddress, fileOffset: h.dataPageOffset, size: h.dataPageSize, what: 'data page' });
  if (h.dataBlocksCount > 0) {
    const t = new LE(await source.read(h.dataBlocksOffset, h.dataBlocksCount * 16), 'TRIAGE_DUMP data blocks', h.dataBlocksOffset);
    for (let i = 0; i < h.dataBlocksCount; i++) {
      const va = t.u64(i * 16);
      const fileOffset = t.u32(i * 16 + 8);
      const size = t.u32(i * 16 + 12);
      if (fileOffset + size > source.size) throw new FormatError('TRIAGE_DUMP data blocks', `block ${i} (0x${size.toString(16)} bytes at 0x${fileOffset.toString(16)}) lies past the end of the file`, h.dataBlocksOffset + i * 16);
      blocks.push({ va, fileOffset, size, what: 'data block' });
    }
  }
  const debuggerData = h.debuggerDataOffset && h.debuggerDataSize ? await source.read(h.debuggerDataOffset, h.debuggerDataSize) : undefined;
  const span = (a: number, b: number) => ({ offset: a, size: Math.max(0, b - a) });
  return {
    header: h,
    drivers,
    unloadedDrivers,
    prcb: span(h.prcbOffset, h.processOffset),
    process: span(h.processOffset, h.threadOffset),
    thread: span(h.threadOffset, h.callStackOffset),
    debuggerData,
    memory: new BlockAddressSpace(source, blocks),
    blocks,
  };
}
