// Rewrites a full-memory kernel dump in another layout (full, kernel-bitmap, full-bitmap), like WinDbg's
// `.dump /f` and `/k`: the same header facts, context and exception bytes, and exactly the same physical
// pages, read one at a time so a many-GB dump never sits in memory.
import { UnsupportedError } from '../../io/errors.js';
import type { KernelDump } from './kernel-dump.js';
import { type DumpSink, type DumpFacts, type WriteLayout, writeKernelDump } from './writer.js';

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

export async function convertKernelDump(d: KernelDump, sink: DumpSink, o: ConvertOptions): Promise<{ pages: number; size: number }> {
  if (o.layout === 'triage' || d.triage) {
    throw new UnsupportedError(`converting ${d.triage ? 'from' : 'to'} the small (triage) layout: its driver list, string pool and copies of the crashing thread are not rebuilt yet`);
  }
  if (d.header.machine !== 'x64' && o.layout !== 'full32') throw new UnsupportedError(`${d.header.machine} dumps can only be written in the full32 layout`);
  const phys = d.physical;
  if (!phys) throw new UnsupportedError(`${d.header.dumpType} dumps have no physical memory to convert`);
  const pfns: number[] = [];
  for (const r of phys.runs()) for (let i = 0; i < r.pageCount; i++) pfns.push(r.basePfn + i);
  const size = await writeKernelDump(
    sink,
    factsOf(d),
    {
      pfns,
      read: async (pfn) => {
        const p = await phys.readPage(pfn);
        if (!p) throw new UnsupportedError(`page 0x${pfn.toString(16)} listed as present could not be read`);
        return p;
      },
    },
    { layout: o.layout, physicalPages: o.physicalPages },
  );
  return { pages: pfns.length, size };
}
