// Rewrites a full-memory kernel dump in another layout (full, kernel-bitmap, full-bitmap), like WinDbg's
// `.dump /f` and `/k`: the same header facts, context and exception bytes, and exactly the same physical
// pages, streamed in large batches so a many-GB dump never sits in memory.
import { UnsupportedError } from '../../io/errors.js';
import { PAGE_SIZE } from '../../memory/physical.js';
import type { KernelDump } from './kernel-dump.js';
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
  };
}

export async function convertKernelDump(d: KernelDump, sink: DumpSink, o: ConvertOptions): Promise<WriteResult> {
  if (o.layout === 'triage' || d.triage) {
    throw new UnsupportedError(`converting ${d.triage ? 'from' : 'to'} the small (triage) layout needs the kernel model (use the convert command)`);
  }
  if (d.header.machine !== 'x64' && o.layout !== 'full32') throw new UnsupportedError(`${d.header.machine} dumps can only be written in the full32 layout`);
  const phys = d.physical;
  if (!phys) throw new UnsupportedError(`${d.header.dumpType} dumps have no physical memory to convert`);
  // Only the runs are listed up front (a few per contiguous stretch of memory), never every page.
  const runs: PageRun[] = [];
  for await (const r of phys.runs()) if (r.pageCount > 0) runs.push({ basePage: r.basePfn, pageCount: r.pageCount });
  return writeKernelDump(
    sink,
    factsOf(d),
    {
      runs,
      readPages: async (pfn, dest) => {
        if (phys.readInto) await phys.readInto(pfn * PAGE_SIZE, dest);
        else dest.set(await phys.read(pfn * PAGE_SIZE, dest.length));
      },
    },
    { layout: o.layout, physicalPages: o.physicalPages },
  );
}
