// `dumpscope convert` throughput against `cp` (and `cp` + `sync`, as convert flushes its output to disk) of
// the same input in the same run: a kernel-bitmap dump with DATA_MIB (default 1024) MiB of pages in 2 MiB
// clusters (512 runs, merged to 42 for full), converted to full and to full-bitmap, plus the converter's
// peak RSS. Needs `npm run build` (runs the built CLI, as users do).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeKernelDump } from '../src/formats/kernel-dump/writer.js';
import { FileSink } from '../src/node/file-sink.js';
import { median, peakRssMiB, report } from './lib.js';

const dataMiB = Number(process.env.DATA_MIB ?? 1024);
const runs = Number(process.env.RUNS ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'dumpscope-bench-convert-'));
const input = join(dir, 'in.dmp');
const out = join(dir, 'out.dmp');

function time(cmd: string, args: string[]): number {
  rmSync(out, { force: true });
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

try {
  const totalPages = (16 * 2 ** 30) / 4096;
  const clusters = (dataMiB * 2 ** 20) / 4096 / 512;
  const stride = 513; // a one-page hole after each cluster: one run each, as in real, mostly contiguous memory
  const pages = new Map<number, Uint8Array>();
  for (let c = 0; c < clusters; c++) {
    for (let i = 0; i < 512; i++) {
      const p = new Uint8Array(4096);
      p.fill((c * 7 + i) & 0xff);
      pages.set(c * stride + i, p);
    }
  }
  const sink = await FileSink.create(input);
  await writeKernelDump(sink, { ntBuild: 19041, processors: 4, bugcheckCode: 0xe2, bugcheckArgs: [], directoryTableBase: 0x1ad000n }, pages, { layout: 'kernel-bitmap', physicalPages: totalPages });
  await sink.commit();
  pages.clear();
  const inMiB = statSync(input).size / 2 ** 20;
  const rows: [string, string][] = [];
  const cp: number[] = [];
  const cpSync: number[] = [];
  const full: number[] = [];
  const fullBitmap: number[] = [];
  for (let i = 0; i < runs; i++) {
    cp.push(time('cp', [input, out]));
    // convert flushes OUT to disk before renaming it into place: so does this reference.
    cpSync.push(time('sh', ['-c', `cp '${input}' '${out}' && sync '${out}'`]));
    full.push(time(process.execPath, ['bin/dumpscope.js', 'convert', input, out, '--to', 'full']));
    fullBitmap.push(time(process.execPath, ['bin/dumpscope.js', 'convert', input, out, '--to', 'full-bitmap']));
  }
  const rate = (ms: number) => `${(dataMiB / (ms / 1000)).toFixed(0)} MiB/s`;
  rows.push(['cp IN OUT', `${median(cp).toFixed(0)} ms (${(inMiB / (median(cp) / 1000)).toFixed(0)} MiB/s)`]);
  rows.push(['cp IN OUT && sync OUT', `${median(cpSync).toFixed(0)} ms (${(inMiB / (median(cpSync) / 1000)).toFixed(0)} MiB/s)`]);
  rows.push(['convert --to full', `${median(full).toFixed(0)} ms (${rate(median(full))}, ${((median(cpSync) / median(full)) * 100).toFixed(0)} % of cp + sync)`]);
  rows.push(['convert --to full-bitmap', `${median(fullBitmap).toFixed(0)} ms (${rate(median(fullBitmap))})`]);
  rmSync(out, { force: true });
  const rss = peakRssMiB(process.execPath, ['bin/dumpscope.js', 'convert', input, out, '--to', 'full']);
  if (rss !== undefined) rows.push(['peak RSS of convert --to full', `${rss.toFixed(0)} MiB`]);
  report(`convert: ${dataMiB} MiB of pages (input ${inMiB.toFixed(0)} MiB, ${clusters} runs), median of ${runs}`, rows);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
