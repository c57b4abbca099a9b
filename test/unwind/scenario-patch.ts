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

/** What a patch may do: write bytes at a virtual address, drop the page behind one, look at the scenario. */
export interface ScenarioPatcher {
  write(va: bigint, bytes: number[]): Promise<void>;
  /** Removes the physical page that maps `va` from the dump (a page the dump did not capture). */
  dropPage(va: bigint): Promise<void>;
  readU64(va: bigint): Promise<bigint>;
  scenario: BuiltScenario;
}

/**
 * Builds `name`, applies `patch(write, patcher)`, and writes the dump at `path` (full layout; a dropped page
 * needs a bitmap layout, since a full dump's merged runs would fill it with zeros: `layout` says which).
 */
export async function writePatchedScenario(
  name: ScenarioName,
  path: string,
  patch: (write: (va: bigint, bytes: number[]) => Promise<void>, p: ScenarioPatcher) => Promise<void>,
  layout: 'full' | 'kernel-bitmap' = 'full',
): Promise<BuiltScenario> {
  const s = await buildScenario(name, await readScenarioBinaries());
  const space = new X64AddressSpace(pagesAsPhysical(s.pages), s.facts.directoryTableBase);
  const patcher: ScenarioPatcher = {
    write: (va, bytes) => writeBytes(va, bytes),
    async dropPage(va) {
      const tr = await space.translate(va);
      if (tr.pa === undefined) throw new FormatError('scenario', `0x${va.toString(16)} is not mapped`);
      s.pages.delete(Math.floor(tr.pa / 4096));
    },
    async readU64(va) {
      const b = await space.read(va, 8);
      return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
    },
    scenario: s,
  };
  const writeBytes = async (va: bigint, bytes: number[]) => {
    for (const [i, b] of bytes.entries()) {
      const tr = await space.translate(va + BigInt(i));
      if (tr.pa === undefined) throw new FormatError('scenario', `0x${(va + BigInt(i)).toString(16)} is not mapped`);
      const page = s.pages.get(Math.floor(tr.pa / 4096));
      if (!page) throw new FormatError('scenario', `page of 0x${tr.pa.toString(16)} is missing`);
      page[tr.pa % 4096] = b;
    }
  };
  await patch(writeBytes, patcher);
  const sink = await FileSink.create(path);
  await writeKernelDump(sink, s.facts, s.pages, { layout });
  await sink.commit();
  return s;
}
