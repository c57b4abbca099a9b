// Unwinding throughput: every thread of a full-memory scenario with thousands of threads, each stack walked
// from its switch frame through the scenario kernel's unwind data. Reference: the same number of 4 KiB
// page reads through the same address space (the unwinder's floor), in the same run.
import { mkdirSync } from 'node:fs';
import { openSession } from '../src/node/open-session.js';
import { scenarioBinDir, writeScenarioDump } from '../src/node/scenario-files.js';
import { report } from './lib.js';

const THREADS = Number(process.env.THREADS ?? 3000);
mkdirSync('/tmp/dumpscope-bench', { recursive: true });
const path = `/tmp/dumpscope-bench/threads-${THREADS}.dmp`;
const tb = process.hrtime.bigint();
await writeScenarioDump('0x50', 'kernel-bitmap', path, { extraThreads: THREADS });
const buildMs = Number(process.hrtime.bigint() - tb) / 1e6;
const io = { out() {}, err() {}, stderrIsTty: false, env: {} };
const { target, close } = await openSession(path, { sympath: scenarioBinDir(), offline: true, json: false, markdown: false, commands: [], rest: [] }, io);
const { processes } = await target.processes();
const threads = (await target.threadsOf(processes[0])).threads;
let frames = 0;
const t0 = process.hrtime.bigint();
for (const th of threads) {
  const regs = await target.threadRegisters(th);
  if (regs) frames += (await target.walk(regs, { maxFrames: 64 })).length;
}
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
const t1 = process.hrtime.bigint();
for (const th of threads) await target.memory.read(th.stackBase! - 0x1000n, 4096);
const readMs = Number(process.hrtime.bigint() - t1) / 1e6;
await close();
report(`unwinding every thread (${threads.length} threads, scenario built in ${buildMs.toFixed(0)} ms)`, [
  ['frames', `${frames}`],
  ['time', `${ms.toFixed(1)} ms`],
  ['frames per second', `${Math.round(frames / (ms / 1000)).toLocaleString('en-US')}`],
  ['reference: one 4 KiB stack read per thread', `${readMs.toFixed(1)} ms`],
]);
