// Where the counts, sizes and offsets of each file format lie, read here from the formats' published
// layouts (DUMP_HEADER64/TRIAGE_DUMP, MSF 7.00 and the DBI/TPI stream headers, PE/COFF, CAB), not from
// dumpscope's readers: the fuzz tests write extremes into exactly these fields. Tests check the locations
// against independent facts (the corpus README, llvm-readobj, llvm-pdbutil, gcab) before using them.
import type { Field } from './fuzz-mutate.js';

const u16 = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8)) >>> 0;
const u32 = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
const ascii = (b: Uint8Array, o: number, n: number) => String.fromCharCode(...b.subarray(o, o + n));

/** DUMP_HEADER64 (0x2000 bytes), then the layout's own header at 0x2000: runs, bitmap or TRIAGE_DUMP. */
export function kernelDumpFields(b: Uint8Array): Field[] {
  const f: Field[] = [
    { name: 'MajorVersion', offset: 0x8, width: 4 },
    { name: 'MinorVersion', offset: 0xc, width: 4 },
    { name: 'DirectoryTableBase', offset: 0x10, width: 8 },
    { name: 'PfnDataBase', offset: 0x18, width: 8 },
    { name: 'PsLoadedModuleList', offset: 0x20, width: 8 },
    { name: 'PsActiveProcessHead', offset: 0x28, width: 8 },
    { name: 'MachineImageType', offset: 0x30, width: 4 },
    { name: 'NumberProcessors', offset: 0x34, width: 4 },
    { name: 'BugCheckCode', offset: 0x38, width: 4 },
    { name: 'BugCheckParameter1', offset: 0x40, width: 8 },
    { name: 'BugCheckParameter3', offset: 0x50, width: 8 },
    { name: 'KdDebuggerDataBlock', offset: 0x80, width: 8 },
    { name: 'PhysicalMemoryBlock.NumberOfRuns', offset: 0x88, width: 4 },
    { name: 'PhysicalMemoryBlock.NumberOfPages', offset: 0x90, width: 8 },
    // CONTEXT at 0x348 (fixed x64 ABI record): Rsp at +0x98, Rip at +0xf8.
    { name: 'ContextRecord.Rsp', offset: 0x348 + 0x98, width: 8 },
    { name: 'ContextRecord.Rip', offset: 0x348 + 0xf8, width: 8 },
    // EXCEPTION_RECORD64 at 0xf00: ExceptionAddress at +0x10, NumberParameters at +0x18.
    { name: 'Exception.ExceptionAddress', offset: 0xf00 + 0x10, width: 8 },
    { name: 'Exception.NumberParameters', offset: 0xf00 + 0x18, width: 4 },
    { name: 'DumpType', offset: 0xf98, width: 4 },
    { name: 'RequiredDumpSpace', offset: 0xfa0, width: 8 },
    { name: 'SystemTime', offset: 0xfa8, width: 8 },
    { name: 'SystemUpTime', offset: 0x1030, width: 8 },
  ];
  const dumpType = u32(b, 0xf98);
  if (dumpType === 1) {
    const runs = Math.min(u32(b, 0x88), 42);
    for (let i = 0; i < Math.min(runs, 4); i++) {
      f.push({ name: `Run[${i}].BasePage`, offset: 0x98 + i * 16, width: 8 }, { name: `Run[${i}].PageCount`, offset: 0xa0 + i * 16, width: 8 });
    }
    if (runs > 4) f.push({ name: `Run[${runs - 1}].PageCount`, offset: 0xa0 + (runs - 1) * 16, width: 8 });
  }
  const sig = ascii(b, 0x2000, 4);
  if (sig === 'SDMP' || sig === 'FDMP') {
    f.push(
      { name: `${sig}.FirstPage`, offset: 0x2020, width: 8 },
      { name: `${sig}.TotalPresentPages`, offset: 0x2028, width: 8 },
      { name: `${sig}.Pages`, offset: 0x2030, width: 8 },
    );
  }
  if (dumpType === 4) f.push(...triageFields(b));
  return f;
}

const TRIAGE_U32 = [
  'ServicePackBuild', 'SizeOfDump', 'ValidOffset', 'ContextOffset', 'ExceptionOffset', 'MmOffset', 'UnloadedDriversOffset', 'PrcbOffset',
  'ProcessOffset', 'ThreadOffset', 'CallStackOffset', 'SizeOfCallStack', 'DriverListOffset', 'DriverCount', 'StringPoolOffset', 'StringPoolSize',
  'BrokenDriverOffset', 'TriageOptions',
];

/** TRIAGE_DUMP at 0x2000, the first driver entry, the first data block and the unloaded-driver count. */
export function triageFields(b: Uint8Array): Field[] {
  const at = 0x2000;
  const f: Field[] = TRIAGE_U32.map((name, i) => ({ name: `TRIAGE_DUMP.${name}`, offset: at + i * 4, width: 4 as const }));
  f.push(
    { name: 'TRIAGE_DUMP.TopOfStack', offset: at + 0x48, width: 8 },
    { name: 'TRIAGE_DUMP.DataPageAddress', offset: at + 0x60, width: 8 },
    { name: 'TRIAGE_DUMP.DataPageOffset', offset: at + 0x68, width: 4 },
    { name: 'TRIAGE_DUMP.DataPageSize', offset: at + 0x6c, width: 4 },
    { name: 'TRIAGE_DUMP.DebuggerDataOffset', offset: at + 0x70, width: 4 },
    { name: 'TRIAGE_DUMP.DebuggerDataSize', offset: at + 0x74, width: 4 },
    { name: 'TRIAGE_DUMP.DataBlocksOffset', offset: at + 0x78, width: 4 },
    { name: 'TRIAGE_DUMP.DataBlocksCount', offset: at + 0x7c, width: 4 },
  );
  const drivers = u32(b, at + 0x30);
  if (drivers && drivers + 0x90 <= b.length) {
    // DUMP_DRIVER_ENTRY64: DriverNameOffset, then the loader entry copy (DllBase +0x30, SizeOfImage +0x40).
    f.push({ name: 'Driver[0].DriverNameOffset', offset: drivers, width: 4 }, { name: 'Driver[0].DllBase', offset: drivers + 8 + 0x30, width: 8 }, { name: 'Driver[0].SizeOfImage', offset: drivers + 8 + 0x40, width: 4 });
    const pool = u32(b, at + 0x38);
    const name = u32(b, drivers);
    if (name >= pool && name + 4 <= b.length) f.push({ name: 'StringPool[Driver[0]].Length', offset: name, width: 4 });
  }
  const unloaded = u32(b, at + 0x18);
  if (unloaded && unloaded + 4 <= b.length) f.push({ name: 'UnloadedDrivers.Count', offset: unloaded, width: 4 });
  const blocks = u32(b, at + 0x78);
  if (blocks && u32(b, at + 0x7c) && blocks + 16 <= b.length) {
    f.push({ name: 'DataBlock[0].Address', offset: blocks, width: 8 }, { name: 'DataBlock[0].Offset', offset: blocks + 8, width: 4 }, { name: 'DataBlock[0].Size', offset: blocks + 12, width: 4 });
  }
  return f;
}

/** DUMP_HEADER32 ('PAGEDUMP', 0x1000 bytes): the runs and what locates memory. */
export function kernelDump32Fields(b: Uint8Array): Field[] {
  const f: Field[] = [
    { name: 'DirectoryTableBase', offset: 0x10, width: 4 },
    { name: 'PsLoadedModuleList', offset: 0x18, width: 4 },
    { name: 'MachineImageType', offset: 0x20, width: 4 },
    { name: 'NumberProcessors', offset: 0x24, width: 4 },
    { name: 'KdDebuggerDataBlock', offset: 0x60, width: 4 },
    { name: 'PhysicalMemoryBlock.NumberOfRuns', offset: 0x64, width: 4 },
    { name: 'PhysicalMemoryBlock.NumberOfPages', offset: 0x68, width: 4 },
    { name: 'DumpType', offset: 0xf88, width: 4 },
  ];
  for (let i = 0; i < Math.min(u32(b, 0x64), 3); i++) f.push({ name: `Run[${i}].BasePage`, offset: 0x6c + i * 8, width: 4 }, { name: `Run[${i}].PageCount`, offset: 0x70 + i * 8, width: 4 });
  return f;
}

/** An MSF 7.00 file's streams: sizes and the blocks that hold them. */
export interface MsfLayout {
  blockSize: number;
  directoryAt: number;
  sizes: number[];
  blocks: number[][];
  /** File offset of byte `at` of stream `s`. */
  fileOffset(s: number, at: number): number;
}

export function msfLayout(b: Uint8Array): MsfLayout {
  if (ascii(b, 0, 24) !== 'Microsoft C/C++ MSF 7.00') throw new Error('not an MSF 7.00 file');
  const blockSize = u32(b, 0x20);
  const directoryBytes = u32(b, 0x2c);
  const mapAt = u32(b, 0x34) * blockSize;
  const dirBlocks = Array.from({ length: Math.ceil(directoryBytes / blockSize) }, (_, i) => u32(b, mapAt + i * 4));
  const dir = new Uint8Array(dirBlocks.length * blockSize);
  for (const [i, blk] of dirBlocks.entries()) dir.set(b.subarray(blk * blockSize, (blk + 1) * blockSize), i * blockSize);
  const n = u32(dir, 0);
  const sizes = Array.from({ length: n }, (_, i) => u32(dir, 4 + i * 4));
  const blocks: number[][] = [];
  let at = 4 + n * 4;
  for (const size of sizes) {
    const count = size === 0xffffffff ? 0 : Math.ceil(size / blockSize);
    blocks.push(Array.from({ length: count }, (_, i) => u32(dir, at + i * 4)));
    at += count * 4;
  }
  return {
    blockSize,
    directoryAt: dirBlocks[0] * blockSize,
    sizes,
    blocks,
    fileOffset: (s, off) => blocks[s][Math.floor(off / blockSize)] * blockSize + (off % blockSize),
  };
}

/** A copy of stream `s`'s bytes. */
export function msfStream(b: Uint8Array, m: MsfLayout, s: number): Uint8Array {
  const out = new Uint8Array(m.sizes[s]);
  for (let i = 0; i < m.blocks[s].length; i++) out.set(b.subarray(m.blocks[s][i] * m.blockSize, (m.blocks[s][i] + 1) * m.blockSize).subarray(0, out.length - i * m.blockSize), i * m.blockSize);
  return out;
}

const DBI_SIZES = ['ModInfoSize', 'SectionContributionSize', 'SectionMapSize', 'SourceInfoSize', 'TypeServerMapSize', 'MFCTypeServerIndex', 'OptionalDbgHeaderSize', 'ECSubstreamSize'];

/** The superblock, the stream directory's counts and sizes, the PDB info, DBI and TPI stream headers. */
export function pdbFields(b: Uint8Array): Field[] {
  const m = msfLayout(b);
  const f: Field[] = [
    { name: 'SuperBlock.BlockSize', offset: 0x20, width: 4 },
    { name: 'SuperBlock.FreeBlockMapBlock', offset: 0x24, width: 4 },
    { name: 'SuperBlock.NumBlocks', offset: 0x28, width: 4 },
    { name: 'SuperBlock.NumDirectoryBytes', offset: 0x2c, width: 4 },
    { name: 'SuperBlock.BlockMapAddr', offset: 0x34, width: 4 },
    { name: 'Directory.NumStreams', offset: m.directoryAt, width: 4 },
  ];
  for (const s of [1, 2, 3, 4]) if (s < m.sizes.length) f.push({ name: `Directory.StreamSizes[${s}]`, offset: m.directoryAt + 4 + s * 4, width: 4 });
  if (m.sizes[1] >= 12) f.push({ name: 'PdbInfo.Age', offset: m.fileOffset(1, 8), width: 4 });
  if (m.sizes[2] >= 56) {
    const tpi = (o: number, name: string) => ({ name: `TPI.${name}`, offset: m.fileOffset(2, o), width: 4 as const });
    f.push(tpi(4, 'HeaderSize'), tpi(8, 'TypeIndexBegin'), tpi(12, 'TypeIndexEnd'), tpi(16, 'TypeRecordBytes'), tpi(20, 'HashStreamIndex'));
  }
  if (m.sizes[3] >= 64) {
    const dbi = (o: number, name: string, width: 2 | 4 = 4) => ({ name: `DBI.${name}`, offset: m.fileOffset(3, o), width });
    f.push(dbi(8, 'Age'), dbi(12, 'GlobalStreamIndex', 2), dbi(16, 'PublicStreamIndex', 2), dbi(20, 'SymRecordStream', 2));
    for (const [i, name] of DBI_SIZES.entries()) f.push(dbi(24 + i * 4, name));
  }
  return f;
}

/** A TPI type record: its type index, leaf kind and where its bytes lie in the stream. */
export interface TpiRecord {
  ti: number;
  leaf: number;
  /** Stream offset of the record's length field; the payload starts 4 bytes later. */
  at: number;
  length: number;
}

export function tpiRecords(b: Uint8Array): { m: MsfLayout; records: TpiRecord[]; stream: Uint8Array } {
  const m = msfLayout(b);
  const s = msfStream(b, m, 2);
  const headerSize = u32(s, 4);
  let ti = u32(s, 8);
  const records: TpiRecord[] = [];
  for (let at = headerSize; at + 4 <= s.length; ) {
    const length = u16(s, at);
    records.push({ ti: ti++, leaf: u16(s, at + 2), at, length });
    at += 2 + length;
  }
  return { m, records, stream: s };
}

/** PE/COFF: header counts and sizes, the data directories that lead to tables, the first sections. */
export function peFields(b: Uint8Array): Field[] {
  const nt = u32(b, 0x3c);
  const opt = nt + 0x18;
  const is64 = u16(b, opt) === 0x20b;
  const dd = opt + (is64 ? 0x70 : 0x60);
  const f: Field[] = [
    { name: 'e_lfanew', offset: 0x3c, width: 4 },
    { name: 'FileHeader.NumberOfSections', offset: nt + 6, width: 2 },
    { name: 'FileHeader.SizeOfOptionalHeader', offset: nt + 0x14, width: 2 },
    { name: 'OptionalHeader.SizeOfImage', offset: opt + 0x38, width: 4 },
    { name: 'OptionalHeader.SizeOfHeaders', offset: opt + 0x3c, width: 4 },
    { name: 'OptionalHeader.NumberOfRvaAndSizes', offset: dd - 4, width: 4 },
  ];
  const dirs = ['Export', 'Import', 'Resource', 'Exception', 'Security', 'BaseReloc', 'Debug'];
  for (const [i, name] of dirs.entries()) f.push({ name: `DataDirectory[${name}].VirtualAddress`, offset: dd + i * 8, width: 4 }, { name: `DataDirectory[${name}].Size`, offset: dd + i * 8 + 4, width: 4 });
  const sections = nt + 0x18 + u16(b, nt + 0x14);
  const n = u16(b, nt + 6);
  for (let i = 0; i < Math.min(n, 3); i++) {
    const s = sections + i * 40;
    const name = ascii(b, s, 8).replace(/\0.*$/, '');
    f.push(
      { name: `Section[${name}].VirtualSize`, offset: s + 8, width: 4 },
      { name: `Section[${name}].VirtualAddress`, offset: s + 12, width: 4 },
      { name: `Section[${name}].SizeOfRawData`, offset: s + 16, width: 4 },
      { name: `Section[${name}].PointerToRawData`, offset: s + 20, width: 4 },
    );
  }
  // Tables the directories lead to: the export directory's counts, the first debug entry (CodeView).
  const fileOf = (rva: number): number | undefined => {
    for (let i = 0; i < n; i++) {
      const s = sections + i * 40;
      const va = u32(b, s + 12);
      const raw = u32(b, s + 16);
      if (rva >= va && rva < va + raw) return u32(b, s + 20) + rva - va;
    }
    return undefined;
  };
  const exp = fileOf(u32(b, dd));
  if (exp !== undefined && u32(b, dd + 4)) f.push({ name: 'ExportDirectory.NumberOfFunctions', offset: exp + 0x14, width: 4 }, { name: 'ExportDirectory.NumberOfNames', offset: exp + 0x18, width: 4 }, { name: 'ExportDirectory.AddressOfNames', offset: exp + 0x20, width: 4 });
  const dbg = fileOf(u32(b, dd + 6 * 8));
  if (dbg !== undefined && u32(b, dd + 6 * 8 + 4)) f.push({ name: 'DebugDirectory[0].SizeOfData', offset: dbg + 16, width: 4 }, { name: 'DebugDirectory[0].PointerToRawData', offset: dbg + 24, width: 4 });
  return f;
}

/** CFHEADER, the first CFFOLDER, CFFILE and CFDATA of a cabinet without reserved areas. */
export function cabFields(b: Uint8Array): Field[] {
  const files = u32(b, 16);
  const data = u32(b, 36);
  return [
    { name: 'CFHEADER.cbCabinet', offset: 8, width: 4 },
    { name: 'CFHEADER.coffFiles', offset: 16, width: 4 },
    { name: 'CFHEADER.cFolders', offset: 26, width: 2 },
    { name: 'CFHEADER.cFiles', offset: 28, width: 2 },
    { name: 'CFHEADER.flags', offset: 30, width: 2 },
    { name: 'CFFOLDER[0].coffCabStart', offset: 36, width: 4 },
    { name: 'CFFOLDER[0].cCFData', offset: 40, width: 2 },
    { name: 'CFFOLDER[0].typeCompress', offset: 42, width: 2 },
    { name: 'CFFILE[0].cbFile', offset: files, width: 4 },
    { name: 'CFFILE[0].uoffFolderStart', offset: files + 4, width: 4 },
    { name: 'CFFILE[0].iFolder', offset: files + 8, width: 2 },
    { name: 'CFDATA[0].cbData', offset: data + 4, width: 2 },
    { name: 'CFDATA[0].cbUncomp', offset: data + 6, width: 2 },
  ];
}
