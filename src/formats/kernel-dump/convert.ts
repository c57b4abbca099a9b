// Rewrites a full-memory kernel dump in another layout (full, kernel-bitmap, full-bitmap), like WinDbg's
// `.dump /f` and `/k`: the same header facts, context and exception bytes, and exactly the same physical
// pages, streamed in large batches so a many-GB dump never sits in memory.
import { UnsupportedError } from '../../io/errors.js';
import { PAGE_SIZE } from '../../memory/physical.js';
import type { KernelDump } from './kernel-dump.js';
import { type DumpTrailer, RangedPhysicalMemory } from './valid-ranges.js';
import { type DumpSink, type DumpFacts, type PageRun, type WriteLayout, type WriteResult, writeKernelDump } from './writer.js';

export interface ConvertOptions {
  layout: WriteLayout | 'triage';
  /** Size of the physical address space in pages for bitmap layouts (at least the highest page + 1). */
  physicalPages?: number;
}

export function factsOf(d: KernelDump): DumpFacts {
  const h = d.header;
  return {
    ntBuild: h.ntBuild,
    majorVersion: h.majorVersion,
    machineImageType: h.machineImageType,
    processors: h.processors,
    bugcheckCode: h.bugcheckCode,
    bugcheckArgs: h.bugcheckArgs,
    directoryTableBase: h.directoryTableBase,
    pfnDatabase: h.pfnDatabase,
    psLoadedModuleList: h.psLoadedModuleList,
    psActiveProcessHead: h.psActiveProcessHead,
    kdDebuggerDataBlock: h.kdDebuggerDataBlock,
    contextBytes: h.contextBytes,
    exceptionBytes: h.exceptionBytes,
    systemTime: h.systemTimeRaw,
    systemUpTime: h.systemUpTime,
    comment: h.comment,
    attributes: h.attributes,
    productType: h.productType,
    suiteMask: h.suiteMask,
    miniDumpFields: h.miniDumpFields,
    secondaryDataState: h.secondaryDataState,
    writerStatus: h.writerStatus,
    kdSecondaryVersion: h.is64 ? h.kdSecondaryVersion : undefined,
    bootId: h.bootId,
    // Everything else in the header (reserved bytes, fields not modelled) is carried through as is.
    rawHeader: h.raw,
  };
}

export async function convertKernelDump(d: KernelDump, sink: DumpSink, o: ConvertOptions): Promise<WriteResult> {
  if (o.layout === 'triage' || d.triage) {
    throw new UnsupportedError(`converting ${d.triage ? 'from' : 'to'} the small (triage) layout needs the kernel model (use the convert command)`);
  }
  const layout = layoutFor(d, o.layout);
  const phys = d.physical;
  if (!phys) throw new UnsupportedError(`${d.header.dumpType} dumps have no physical memory to convert`);
  // A dump whose trailer limits it to some bytes: copy its pages as stored, and the limits with them.
  const raw = phys instanceof RangedPhysicalMemory ? phys.base : phys;
  // Only the runs are listed up front (a few per contiguous stretch of memory), never every page.
  const runs: PageRun[] = [];
  for await (const r of phys.runs()) if (r.pageCount > 0) runs.push({ basePage: r.basePfn, pageCount: r.pageCount });
  return writeKernelDump(
    sink,
    factsOf(d),
    {
      runs,
      readPages: async (pfn, dest) => {
        if (raw.readInto) await raw.readInto(pfn * PAGE_SIZE, dest);
        else dest.set(await raw.read(pfn * PAGE_SIZE, dest.length));
      },
    },
    { layout, physicalPages: o.physicalPages, trailer: trailerFor(d) },
  );
}

/**
 * The layout a `--to` request means for this dump. A 32-bit (PAGEDUMP) dump converts to the full layout in
 * its own 32-bit header (full32): the bitmap layouts are written with the 64-bit header only, so they are
 * refused for it, as are the other machines (ARM64) whose conversions are not verified yet.
 */
export function layoutFor(d: KernelDump, to: WriteLayout): WriteLayout {
  const m = d.header.machine;
  if (!d.header.is64) {
    if (to === 'full' || to === 'full32') return 'full32';
    throw new UnsupportedError(`--to ${to} is not supported for 32-bit (PAGEDUMP) dumps: dumpscope writes the bitmap layouts with the 64-bit header only; --to full writes this dump in the 32-bit full layout`);
  }
  if (to === 'full32') throw new UnsupportedError('the full32 layout is for 32-bit dumps; this is a 64-bit dump (use --to full)');
  if (m !== 'x64') throw new UnsupportedError(`converting ${m} dumps is not supported yet (x64 and 32-bit x86 dumps are)`);
  return to;
}

/** The notes and ranges a converted copy of `d` carries: its own, and the loss when `d` is truncated. */
export function trailerFor(d: KernelDump, extraNotes: string[] = []): DumpTrailer | undefined {
  const notes = [...(d.trailer?.notes ?? []), ...extraNotes];
  const t = d.truncation;
  if (t) notes.push(`converted from a truncated dump (${t.actualSize} of ${t.expectedSize} bytes, ${t.expectedSize - t.actualSize} missing): what was past the cut is not in this dump either`);
  if (!notes.length && !d.trailer?.ranges) return undefined;
  return { ranges: d.trailer?.ranges, notes };
}
