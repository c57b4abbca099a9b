// Opens a kernel dump of any layout: header facts, the crash CONTEXT and EXCEPTION_RECORD, and either
// physical memory (full and bitmap dumps) or the captured parts of a triage dump.
import type { ByteSource } from '../../io/byte-source.js';
import { FormatError } from '../../io/errors.js';
import type { PhysicalMemory } from '../../memory/physical.js';
import type { X64Registers } from '../../target/x64-registers.js';
import { BitmapPhysicalMemory, BITMAP_HEADER_SIZE, parseBitmapHeader, type BitmapHeader } from './bitmap-memory.js';
import { type DumpHeader, parseDumpHeader } from './header.js';
import { decodeExceptionRecord64, decodeX64Context, type ExceptionRecord } from './records.js';
import { RunsPhysicalMemory } from './runs-memory.js';
import { readTriage, type TriageParts } from './triage.js';

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
}

/** Sanity bound for a bitmap: 2^40 page frames is 4 PiB of physical address space. */
const MAX_BITMAP_PAGES = 2 ** 40;

export async function openKernelDump(source: ByteSource): Promise<KernelDump> {
  const first = await source.read(0, Math.min(source.size, 0x2000));
  const header = parseDumpHeader(first, source.name);
  const dump: KernelDump = { format: 'kernel', source, header };
  if (header.is64 && header.machine === 'x64') {
    dump.context = decodeX64Context(header.contextBytes, 'dump header CONTEXT', 0x348);
    dump.exception = decodeExceptionRecord64(header.exceptionBytes, 'dump header EXCEPTION_RECORD64', 0xf00);
  } else if (header.is64) {
    dump.exception = decodeExceptionRecord64(header.exceptionBytes, 'dump header EXCEPTION_RECORD64', 0xf00);
  }
  switch (header.dumpType) {
    case 'full':
      dump.physical = new RunsPhysicalMemory(source, header.headerSize, header.physicalRuns);
      break;
    case 'full-bitmap':
    case 'kernel-bitmap':
    case 'automatic': {
      const at = header.headerSize;
      const bh = parseBitmapHeader(await source.read(at, BITMAP_HEADER_SIZE), at, source.size);
      if (bh.pages > MAX_BITMAP_PAGES) throw new FormatError('bitmap dump header', `bitmap covers ${bh.pages} pages, more than any machine has`, at + 0x30);
      const bitmap = await source.read(at + BITMAP_HEADER_SIZE, Math.ceil(bh.pages / 8));
      dump.bitmap = bh;
      dump.physical = new BitmapPhysicalMemory(source, bh, bitmap);
      break;
    }
    case 'triage':
      dump.triage = await readTriage(source, header.headerSize);
      break;
    default:
      // Summary (DumpType 2) and header-only dumps have no memory we can read; the header facts still stand.
      break;
  }
  return dump;
}

/** The layout name used in `info --json` (`dumpType`). */
export function dumpTypeName(d: KernelDump): string {
  if (d.bitmap) {
    if (d.bitmap.signature === 'FDMP') return 'full-bitmap';
    return d.header.dumpType === 'automatic' ? 'automatic-bitmap' : 'kernel-bitmap';
  }
  return d.header.dumpType;
}
