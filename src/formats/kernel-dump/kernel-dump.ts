// Opens a kernel dump of any layout: header facts, the crash CONTEXT and EXCEPTION_RECORD, and either
// physical memory (full and bitmap dumps) or the captured parts of a triage dump.
import type { ByteSource } from '../../io/byte-source.js';
import { FormatError } from '../../io/errors.js';
import type { PhysicalMemory } from '../../memory/physical.js';
import type { X64Registers } from '../../target/x64-registers.js';
import { BitmapPhysicalMemory, BITMAP_HEADER_SIZE, MAX_BITMAP_PAGES, parseBitmapHeader, type BitmapHeader } from './bitmap-memory.js';
import { type DumpHeader, parseDumpHeader } from './header.js';
import { decodeExceptionRecord64, decodeX64Context, type ExceptionRecord } from './records.js';
import { RunsPhysicalMemory } from './runs-memory.js';
import { readTriage, triageWarnings, type TriageParts } from './triage.js';
import { type DumpTrailer, RangedPhysicalMemory, readTrailer } from './valid-ranges.js';

export interface KernelDump {
  format: 'kernel';
  source: ByteSource;
  header: DumpHeader;
  /** Bitmap layout details (bitmap dumps only). */
  bitmap?: BitmapHeader;
  physical?: PhysicalMemory;
  triage?: TriageParts;
  /** The CONTEXT stored in the header (x64 only): the processor state where KeBugCheckEx was called. */
  context?: X64Registers;
  exception?: ExceptionRecord;
  /** Set when the file is shorter than its layout says: pages past `actualSize` read as missing. */
  truncation?: { expectedSize: number; actualSize: number };
  /** What the file itself lacks (a truncated file), for `info` and the analysis' limitations. */
  limitations: string[];
  /** dumpscope's metadata trailer of a converted dump (valid byte ranges, notes), when the file has one. */
  trailer?: DumpTrailer;
}


export async function openKernelDump(source: ByteSource): Promise<KernelDump> {
  const first = await source.read(0, Math.min(source.size, 0x2000));
  const header = parseDumpHeader(first, source.name);
  const dump: KernelDump = { format: 'kernel', source, header, limitations: [] };
  if (header.is64 && header.machine === 'x64') {
    dump.context = decodeX64Context(header.contextBytes, 'dump header CONTEXT', 0x348);
    dump.exception = decodeExceptionRecord64(header.exceptionBytes, 'dump header EXCEPTION_RECORD64', 0xf00);
  } else if (header.is64) {
    dump.exception = decodeExceptionRecord64(header.exceptionBytes, 'dump header EXCEPTION_RECORD64', 0xf00);
  }
  switch (header.dumpType) {
    case 'full': {
      const phys = new RunsPhysicalMemory(source, header.headerSize, header.physicalRuns);
      dump.physical = phys;
      noteTruncation(dump, phys.expectedSize, phys.pageCount, phys.declaredPages, header.headerSize);
      await applyTrailer(dump, phys.expectedSize);
      break;
    }
    case 'full-bitmap':
    case 'kernel-bitmap':
    case 'automatic': {
      const at = header.headerSize;
      const bh = parseBitmapHeader(await source.read(at, BITMAP_HEADER_SIZE), at, source.size);
      if (bh.pages > MAX_BITMAP_PAGES) throw new FormatError('bitmap dump header', `bitmap covers ${bh.pages} pages, more than any machine has`, at + 0x30);
      const phys = await BitmapPhysicalMemory.open(source, bh, at + BITMAP_HEADER_SIZE);
      dump.bitmap = bh;
      dump.physical = phys;
      if (phys.countWarning) dump.limitations.push(phys.countWarning);
      noteTruncation(dump, phys.expectedSize, phys.pageCount, phys.header.totalPresentPages, bh.firstPage);
      if (bh.bitsInFile !== undefined) {
        const bitmapBytes = Math.ceil(bh.pages / 8);
        dump.limitations.push(
          `the file ends inside the page bitmap: ${bh.bitsInFile / 8} of its ${bitmapBytes} bytes are present, so which pages the dump held is known only for the first 0x${bh.bitsInFile.toString(16)} page frames, and no page is in the file`,
        );
      }
      await applyTrailer(dump, phys.expectedSize);
      break;
    }
    case 'triage': {
      const t = await readTriage(source, header.headerSize);
      dump.triage = t;
      if (t.expectedSize > source.size) {
        dump.truncation = { expectedSize: t.expectedSize, actualSize: source.size };
        dump.limitations.push(
          `truncated dump: the file is ${t.expectedSize - source.size} bytes shorter than its header says (${source.size} of ${t.expectedSize}); ` +
            `parts past file offset 0x${source.size.toString(16)} are missing: ${t.notes.join('; ')}`,
        );
      }
      dump.limitations.push(...t.damage);
      // A cut file has lost its marker with its tail: the truncation note above already says so.
      dump.limitations.push(...triageWarnings(t, header.miniDumpFields, source.size).filter((w) => !dump.truncation || !w.includes('past the end')));
      break;
    }
    default:
      // Summary (DumpType 2) and header-only dumps have no memory we can read; the header facts still stand.
      break;
  }
  return dump;
}

/** A converted dump's trailer: its notes become limitations, its ranges limit memory to the real bytes. */
async function applyTrailer(dump: KernelDump, dataEnd: number): Promise<void> {
  if (dump.truncation || !dump.physical) return;
  const { trailer, warning } = await readTrailer(dump.source, dataEnd);
  if (warning) dump.limitations.push(warning);
  if (!trailer) return;
  dump.trailer = trailer;
  dump.limitations.push(...trailer.notes);
  if (trailer.ranges) dump.physical = new RangedPhysicalMemory(dump.physical, trailer.ranges);
}

/** A file cut short keeps the pages before the cut; says so, once, in words a support engineer can act on. */
function noteTruncation(dump: KernelDump, expectedSize: number, readable: number, declared: number, dataAt: number): void {
  const actualSize = dump.source.size;
  if (actualSize >= expectedSize) return;
  dump.truncation = { expectedSize, actualSize };
  const cut = dataAt + readable * 0x1000;
  dump.limitations.push(
    `truncated dump: the file is ${expectedSize - actualSize} bytes shorter than its header says (${actualSize} of ${expectedSize}); ` +
      `pages past file offset 0x${cut.toString(16)} are missing (${declared - readable} of ${declared} pages), so memory they held reads as not in the dump`,
  );
}

/** The layout name used in `info --json` (`dumpType`). */
export function dumpTypeName(d: KernelDump): string {
  if (d.bitmap) {
    if (d.bitmap.signature === 'FDMP') return 'full-bitmap';
    return d.header.dumpType === 'automatic' ? 'automatic-bitmap' : 'kernel-bitmap';
  }
  return d.header.dumpType;
}
