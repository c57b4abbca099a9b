// Sequential physical-page reads over a sparse bitmap dump of >= 16 GiB address space, against `cat FILE >
// /dev/null` of the same file in the same run, plus the reader's peak RSS.
// SIZE_GIB sets the physical address space (default 16); DATA_MIB the pages actually present (default 1024).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openKernelDump } from '../src/formats/kernel-dump/kernel-dump.js';
import { writeKernelDump } from '../src/formats/kernel-dump/writer.js';
import { FileSink } from '../src/node/file-sink.js';
import { FileSource } from '../src/node/file-source.js';
import { median, report } from './lib.js';

if (process.argv[2] === '--read') {
  // Child mode: read every present page in PFN order, report ms and bytes; the parent reads our peak RSS.
  // Large sequential reads go straight to the file; the page cache serves small random reads.
  const d = await openKernelDump(await FileSource.open(process.argv[3]));
  const t = process.hrtime.bigint();
  let bytes = 0;
  let sum = 0;
  const CHUNK = 2 << 20;
  const buf = new Uint8Array(CHUNK);
  for await (const r of d.physical!.runs()) {
    const end = (r.basePfn + r.pageCount) * 4096;
    for (let pa = r.basePfn * 4096; pa < end; pa += CHUNK) {
      const b = buf.subarray(0, Math.min(CHUNK, end - pa));
      await d.physical!.readInto!(pa, b);
      sum ^= b[0];
      bytes += b.length;
    }
  }
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  console.log(JSON.stringify({ ms, bytes, sum, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
  process.exit(0);
}

const sizeGiB = Number(process.env.SIZE_GIB ?? 16);
const dataMiB = Number(process.env.DATA_MIB ?? 1024);
const dir = mkdtempSync(join(tmpdir(), 'dumpscope-bench-'));
const path = join(dir, 'sparse.dmp');
try {
  const totalPages = (sizeGiB * 2 ** 30) / 4096;
  const present = (dataMiB * 2 ** 20) / 4096;
  // Present pages spread over the whole space in 2 MiB clusters, so the bitmap is exercised end to end.
  const pages = new Map<number, Uint8Array>();
  const clusters = present / 512;
  const stride = Math.floor(totalPages / clusters);
  const fill = new Uint8Array(4096).fill(0x5a);
  for (let c = 0; c < clusters; c++) for (let i = 0; i < 512; i++) pages.set(c * stride + i, fill);
  const sink = await FileSink.create(path);
  await writeKernelDump(sink, { ntBuild: 19041, processors: 4, bugcheckCode: 0xe2, bugcheckArgs: [], directoryTableBase: 0x1ad000n }, pages, { layout: 'kernel-bitmap', physicalPages: totalPages });
  await sink.commit();
  pages.clear();
  const fileMiB = statSync(path).size / 2 ** 20;
  const catMs: number[] = [];
  const ours: { ms: number; maxRssMiB: number }[] = [];
  for (let i = 0; i < 3; i++) {
    let t = process.hrtime.bigint();
    spawnSync('sh', ['-c', `cat '${path}' > /dev/null`]);
    catMs.push(Number(process.hrtime.bigint() - t) / 1e6);
    t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--read', path], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    ours.push(JSON.parse(r.stdout.trim().split('\n').at(-1)!));
  }
  const cat = median(catMs);
  const mine = median(ours.map((o) => o.ms));
  report(`sequential page reads: ${sizeGiB} GiB address space, ${dataMiB} MiB present (file ${fileMiB.toFixed(0)} MiB), median of 3`, [
    ['cat FILE > /dev/null', `${cat.toFixed(0)} ms (${(fileMiB / (cat / 1000)).toFixed(0)} MiB/s)`],
    ['dumpscope page reads', `${mine.toFixed(0)} ms (${(dataMiB / (mine / 1000)).toFixed(0)} MiB/s)`],
    ['ratio (ours / cat throughput)', `${(((dataMiB / mine) / (fileMiB / cat)) * 100).toFixed(0)} %`],
    ['peak RSS of the reader', `${Math.max(...ours.map((o) => o.maxRssMiB)).toFixed(0)} MiB`],
  ]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
