// Writes samples/walkthrough-0x50.dmp: a small x64 kernel-bitmap dump in the situation of the 0x50
// walkthrough (a write just past a paged-pool allocation into a page whose PTE says "freed").
// Run: node --import tsx scripts/make-sample.ts  (the output is committed; rerunning gives the same bytes)
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeKernelDump } from '../src/formats/kernel-dump/writer.js';
import { FileSink } from '../src/node/file-sink.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'samples', 'walkthrough-0x50.dmp');

const pages = new Map<number, Uint8Array>();
const page = (pfn: number) => {
  let p = pages.get(pfn);
  if (!p) pages.set(pfn, (p = new Uint8Array(4096)));
  return p;
};
const entry = (table: number, index: number, value: bigint) => new DataView(page(table).buffer).setBigUint64(index * 8, value, true);
const idx = (va: bigint, level: number) => Number((va >> BigInt(12 + 9 * level)) & 0x1ffn);

const PML4 = 0x1ad;
const PTE_BASE = 0xffffbe8000000000n;
const KERNEL_RW = 0x0a00000000000863n; // valid, writable, accessed, dirty (as in the walkthrough's !pte)
// The self-map: PML4 entry 0x17d points at the PML4 itself, which places page tables at PTE_BASE.
entry(PML4, idx(PTE_BASE, 3), (BigInt(PML4) << 12n) | KERNEL_RW);
const pool = 0xffffe5068d8a3000n; // last valid page of the allocation
entry(PML4, idx(pool, 3), (0x107400n << 12n) | KERNEL_RW);
entry(0x107400, idx(pool, 2), (0x5dc8n << 12n) | KERNEL_RW);
entry(0x5dc8, idx(pool, 1), 0x1a0000025754a863n); // the walkthrough's PDE, software bits and all
entry(0x25754a, idx(pool, 0), (0x3000n << 12n) | KERNEL_RW);
entry(0x25754a, idx(pool + 0x1000n, 0), 0x00003e9800000000n); // the next page was freed
page(0x3000).fill(0x41, 0xdb0); // the tail of the allocation filled with 'A'

mkdirSync(dirname(out), { recursive: true });
const sink = await FileSink.create(out);
await writeKernelDump(
  sink,
  {
    ntBuild: 22621,
    processors: 4,
    bugcheckCode: 0x50,
    bugcheckArgs: [0xffffe5068d8a4000n, 2n, 0xfffff801197f1d1en, 0n],
    directoryTableBase: BigInt(PML4) << 12n,
    psLoadedModuleList: 0xfffff80116c130e0n,
    kdDebuggerDataBlock: 0xfffff80116c00b20n,
    systemTime: 0x01d9ee2b6f8c2f00n,
    systemUpTime: 18927980000n,
    comment: 'dumpscope sample: 0x50 walkthrough situation (synthetic)',
  },
  pages,
  { layout: 'kernel-bitmap', physicalPages: 0x300000 },
);
await sink.commit();
console.log(`wrote ${out}`);
