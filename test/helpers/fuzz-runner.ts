// The test side of fuzzing: sends each case to a worker thread (test/helpers/fuzz-worker.ts) with a
// deadline, stops and replaces the worker when a case hangs or exhausts its heap, samples the process's
// peak RSS, and turns every bug into an assertion message that says how to reproduce it.
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import type { FuzzJob, FuzzResult, WorkerMessage } from './fuzz-jobs.js';

/** One case's time bound. Generous: CI machines are slow and shared; a real hang never ends. */
export const CASE_TIMEOUT_MS = Number(process.env.FUZZ_CASE_TIMEOUT_MS ?? 30_000);
/** The worker's heap: a case that needs more has an unbounded allocation. */
const WORKER_HEAP_MB = 768;

const BOOT = `
const { workerData } = require('node:worker_threads');
import(workerData.tsx).then((m) => { m.register(); return import(workerData.entry); });
`;

let peakRss = process.memoryUsage.rss();
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 25);
sampler.unref();

/** Peak resident memory of this test process so far (sampled, and the kernel's high-water mark). */
export function peakRssBytes(): number {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  return Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
}

/** Where a case came from and what was done to it: printed with every failure. */
export interface CaseInfo {
  /** The input: a repository or corpus path, or how it was built ('scenario 0x50 as kernel-bitmap'). */
  input: string;
  /** The mutation: 'cut at 0x3000', 'u64 NumberOfRuns@0x88 = 0xffffffffffffffff', fast-check's value… */
  mutation: string;
  /** The fast-check seed, when the case came from a property. */
  seed?: number;
}

export function describeCase(c: CaseInfo): string {
  return `input: ${c.input}\nmutation: ${c.mutation}${c.seed === undefined ? '' : `\nseed: ${c.seed} (FUZZ_SEED=${c.seed} reruns the property)`}`;
}

/** One worker and the case it is running. */
class Slot {
  private worker?: Worker;
  private pending?: { id: number; resolve: (r: FuzzResult) => void; step: string };

  private start(): Worker {
    const w = new Worker(BOOT, {
      eval: true,
      workerData: { tsx: import.meta.resolve('tsx/esm/api'), entry: new URL('./fuzz-worker.ts', import.meta.url).href },
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
      stdout: true,
      stderr: true,
    });
    // What the program prints (symbol notices) is not what is tested; keep the test output readable.
    w.stdout.resume();
    w.stderr.resume();
    w.on('message', (m: WorkerMessage) => {
      const p = this.pending;
      if (!p || m.id !== p.id) return;
      if ('started' in m) p.step = m.started;
      else {
        this.pending = undefined;
        p.resolve(m.result);
      }
    });
    const died = (why: string, stack?: string) => {
      if (this.worker === w) this.worker = undefined;
      const p = this.pending;
      if (!p) return;
      this.pending = undefined;
      p.resolve({ steps: [], bug: { step: p.step, error: why, stack }, ms: 0 });
    };
    w.on('error', (e: Error & { code?: string }) => died(e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `ran out of its ${WORKER_HEAP_MB} MB heap (unbounded allocation)` : `worker crashed: ${e.message}`, e.stack));
    w.on('exit', (code) => died(`worker exited with code ${code}`));
    this.worker = w;
    return w;
  }

  run(id: number, job: FuzzJob, timeoutMs: number): Promise<FuzzResult> {
    const w = this.worker ?? this.start();
    return new Promise<FuzzResult>((resolve) => {
      const timer = setTimeout(() => {
        const p = this.pending;
        if (!p || p.id !== id) return;
        this.pending = undefined;
        this.worker = undefined;
        void w.terminate();
        resolve({ steps: [], bug: { step: p.step, error: `no answer within ${timeoutMs} ms (a hang or an unbounded loop)` }, ms: timeoutMs });
      }, timeoutMs);
      this.pending = {
        id,
        step: 'queued',
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      w.postMessage({ id, job });
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }
}

/** A failed case, as the assertion prints it. */
export function failureText(job: FuzzJob, r: FuzzResult, c: CaseInfo): string {
  const bug = r.bug as NonNullable<FuzzResult['bug']>;
  const stack = bug.stack ? `\n${bug.stack.split('\n').slice(0, 12).join('\n')}` : '';
  return `${job.kind} case failed in step ${bug.step}: ${bug.error}\n${describeCase(c)}${stack}`;
}

/** Workers running cases side by side (deterministic sweeps use every core; properties run one case at a time). */
export class FuzzRunner {
  private readonly slots: Slot[];
  private readonly free: Slot[];
  private readonly waiting: ((s: Slot) => void)[] = [];
  private next = 1;

  constructor(workers = Math.max(1, Math.min(2, availableParallelism()))) {
    this.slots = Array.from({ length: workers }, () => new Slot());
    this.free = [...this.slots];
  }

  /** Runs one case; a hang past `timeoutMs` stops its worker and is reported as a bug in the step it was in. */
  async run(job: FuzzJob, timeoutMs = CASE_TIMEOUT_MS): Promise<FuzzResult> {
    const slot = this.free.pop() ?? (await new Promise<Slot>((r) => this.waiting.push(r)));
    try {
      return await slot.run(this.next++, job, timeoutMs);
    } finally {
      const w = this.waiting.shift();
      if (w) w(slot);
      else this.free.push(slot);
    }
  }

  /** Runs a case and fails the test, with everything needed to reproduce it, if it found a bug. */
  async check(job: FuzzJob, c: CaseInfo, timeoutMs?: number): Promise<FuzzResult> {
    const r = await this.run(job, timeoutMs);
    if (r.bug) assert.fail(failureText(job, r, c));
    return r;
  }

  /**
   * Runs many cases on every worker and fails once with the first few bugs (a sweep reports all it found,
   * not just the first). `make` builds case i lazily so a large sweep never holds every input at once.
   */
  async sweep(count: number, make: (i: number) => { job: FuzzJob; info: CaseInfo }, timeoutMs?: number): Promise<FuzzResult[]> {
    const failures: string[] = [];
    const results: FuzzResult[] = new Array(count);
    let i = 0;
    const lane = async () => {
      while (i < count) {
        const k = i++;
        const { job, info } = make(k);
        const r = await this.run(job, timeoutMs);
        results[k] = r;
        if (r.bug) failures.push(failureText(job, r, info));
      }
    };
    await Promise.all(this.slots.map(lane));
    if (failures.length) assert.fail(`${failures.length} of ${count} cases failed; the first:\n\n${failures.slice(0, 4).join('\n\n')}`);
    return results;
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.close()));
  }
}

/** 1 GiB: the program reads dumps through bounded caches; a fuzz run far above that has a leak or an unbounded allocation. */
export const RSS_BOUND = 1 << 30;

export function assertMemoryBounded(what: string, t?: { diagnostic(message: string): void }): void {
  const peak = peakRssBytes();
  t?.diagnostic(`${what}: peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB (bound ${RSS_BOUND / 2 ** 20} MiB)`);
  assert.ok(peak < RSS_BOUND, `${what}: peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB is above the ${RSS_BOUND / 2 ** 20} MiB bound`);
}

/**
 * A fast-check property over mutations `M` of one input: each value becomes a case run by `runner` (the
 * results are returned, for checking how deep the cases went). A failure message carries the input, the
 * mutation in words and the seed. Dump cases do not shrink by default (`endOnFailure`): shrinking a hang
 * would re-run it for minutes, and the mutation is already printed.
 */
export async function fuzzProperty<M>(
  runner: FuzzRunner,
  o: { input: string; seed: number; numRuns: number; arb: fc.Arbitrary<M>; job: (m: M) => FuzzJob; text: (m: M) => string; shrink?: boolean },
): Promise<FuzzResult[]> {
  const seen: FuzzResult[] = [];
  await fc.assert(
    fc.asyncProperty(o.arb, async (m) => {
      seen.push(await runner.check(o.job(m), { input: o.input, mutation: o.text(m), seed: o.seed }));
    }),
    { seed: o.seed, numRuns: o.numRuns, endOnFailure: !o.shrink },
  );
  return seen;
}
