// Test helper: builds a scenario, changes bytes at virtual addresses of its memory (through the scenario's
// own page tables), and writes it as a dump, to get crashes whose unwind data is damaged on purpose.
import { FormatError } from '../../src/io/errors.js';
import type { PhysicalMemory } from '../../src/memory/physical.js';
import { X64AddressSpace } from '../../src/memory/x64-paging.js';
import { writeKernelDump } from '../../src/formats/kernel-dump/writer.js';
import { FileSink } from '../../src/node/file-sink.js';
import { readScenarioBinaries } from '../../src/node/scenario-files.js';
import { type BuiltScenario, buildScenario, type ScenarioName } from '../../src/scenario/scenarios.js';

function pagesAsPhysical(pages: Map<number, Uint8Array>): PhysicalMemory {
  const readPage = async (pfn: number) => pages.get(pfn);
  return {
    hasPage: (pfn) => pages.has(pfn),
    readPage,
    async read(pa, length) {
      const out = new Uint8Array(length);
      for (let i = 0; i < length; ) {
        const page = pages.get(Math.floor((pa + i) / 4096));
        if (!page) throw new FormatError('scenario', `physical 0x${(pa + i).toString(16)} is not present`);
        const off = (pa + i) % 4096;
        const n = Math.min(4096 - off, length - i);
        out.set(page.subarray(off, off + n), i);
        i += n;
      }
      return out;
    },
    get pageCount() {
      return pages.size;
    },
    *runs() {
      for (const pfn of [...pages.keys()].sort((a, b) => a - b)) yield { basePfn: pfn, pageCount: 1 };
    },
  };
}

/** Builds `name`, applies `patch(write)` (write bytes at a virtual address), and writes a full dump at `path`. */
export async function writePatchedScenario(name: ScenarioName, path: string, patch: (write: (va: bigint, bytes: number[]) => Promise<void>) => Promise<void>): Promise<BuiltScenario> {
  const s = await buildScenario(name, await readScenarioBinaries());
  const space = new X64AddressSpace(pagesAsPhysical(s.pages), s.facts.directoryTableBase);
  await patch(async (va, bytes) => {
    for (const [i, b] of bytes.entries()) {
      const tr = await space.translate(va + BigInt(i));
      if (tr.pa === undefined) throw new FormatError('scenario', `0x${(va + BigInt(i)).toString(16)} is not mapped`);
      const page = s.pages.get(Math.floor(tr.pa / 4096));
      if (!page) throw new FormatError('scenario', `page of 0x${tr.pa.toString(16)} is missing`);
      page[tr.pa % 4096] = b;
    }
  });
  const sink = await FileSink.create(path);
  await writeKernelDump(sink, s.facts, s.pages, { layout: 'full' });
  await sink.commit();
  return s;
}
