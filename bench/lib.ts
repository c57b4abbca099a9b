// Shared helpers for benchmarks: each compares our figure with a reference measured on the same machine in
// the same run (the machine is shared and noisy), reporting medians.
import { spawnSync } from 'node:child_process';

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Wall time in ms of a command, median of `runs`, after one warm-up run. */
export function timeCommand(cmd: string, args: string[], runs = 7): { medianMs: number; all: number[] } {
  spawnSync(cmd, args, { stdio: 'ignore' });
  const all: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
    all.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return { medianMs: median(all), all };
}

/** Peak RSS (MiB) of a command, via GNU time when available. */
export function peakRssMiB(cmd: string, args: string[]): number | undefined {
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) return undefined;
  const kb = Number(r.stderr.trim().split('\n').at(-1));
  return Number.isFinite(kb) ? kb / 1024 : undefined;
}

export function report(title: string, rows: [string, string][]): void {
  console.log(`\n## ${title}`);
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) console.log(`  ${k.padEnd(w)}  ${v}`);
}
