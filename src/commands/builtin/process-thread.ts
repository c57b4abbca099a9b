// `!thread`, `!process`, `!running`, `!t`, `!p`: the crashed kernel's threads and processes, read by field
// name through nt's types. Small dumps hold only the crashing thread and process, and the output says so.
import { DumpscopeError } from '../../io/errors.js';
import { type ProcessView, renderProcesses, renderRunning, renderThread, type ThreadView } from '../../render/process-thread.js';
import type { ProcessInfo, ThreadInfo } from '../../target/kernel-objects.js';
import type { KernelTarget } from '../../target/kernel-target.js';
import type { CommandSpec } from '../command.js';
import { buildStackListing } from './stack.js';
import { evalArg, kernelTarget } from './target-access.js';

export interface ThreadResult {
  kind: 'thread';
  thread: ThreadView;
}

async function threadView(t: KernelTarget, th: ThreadInfo, withStack: boolean): Promise<ThreadView> {
  const crash = await t.crashState();
  const proc = th.processAddress ? await t.process(th.processAddress).catch(() => undefined) : undefined;
  const regs = withStack ? await t.threadRegisters(th).catch(() => undefined) : undefined;
  return {
    info: th,
    processName: proc?.name,
    running: crash.thread?.address === th.address ? crash.prcb?.number : undefined,
    startSymbol: th.startAddress ? await t.symbolize(th.startAddress) : undefined,
    win32StartSymbol: th.win32StartAddress ? await t.symbolize(th.win32StartAddress) : undefined,
    stack: regs ? await buildStackListing(t, regs, true, 64) : undefined,
    stackNote: withStack && !regs ? 'no saved context for this thread in the dump' : undefined,
  };
}

export const threadCommand: CommandSpec<ThreadResult> = {
  names: ['!thread'],
  summary: 'A thread: IDs, state, process, stack limits, start address and call stack (no argument: the crashing thread)',
  usage: '!thread [ADDRESS]',
  async run(session, args) {
    const t = kernelTarget(session);
    const crash = await t.crashState();
    let th: ThreadInfo | undefined;
    if (args.trim()) th = await t.thread(await evalArg(session, args.trim().split(/\s+/)[0]));
    else th = crash.thread;
    if (!th) throw new DumpscopeError(`the crashing thread is not known (${crash.notes.join('; ') || 'no PRCB'})`, 'NO_THREAD');
    return { kind: 'thread', thread: await threadView(t, th, true) };
  },
  renderText: (r) => renderThread(r.thread),
};

export interface ProcessResult {
  kind: 'process';
  processes: ProcessView[];
  notes: string[];
}

export const processCommand: CommandSpec<ProcessResult> = {
  names: ['!process'],
  summary: 'Processes: `!process 0 0` lists all, `!process ADDR 7` one with its threads (no argument: the crashing process)',
  usage: '!process [0 0 | ADDRESS [FLAGS]]',
  async run(session, args) {
    const t = kernelTarget(session);
    const parts = args.trim().split(/\s+/).filter(Boolean);
    const notes: string[] = [];
    let list: ProcessInfo[];
    let withThreads = false;
    if (parts.length === 0 || (parts[0] !== '0' && parts[0] !== '-1')) {
      const crash = await t.crashState();
      const p = parts.length ? await t.process(await evalArg(session, parts[0])) : crash.process;
      if (!p) throw new DumpscopeError(`the crashing process is not known (${crash.notes.join('; ') || 'no thread'})`, 'NO_PROCESS');
      list = [p];
      withThreads = parts.length < 2 || (Number.parseInt(parts[1], 16) & 6) !== 0;
    } else {
      const r = await t.processes();
      list = r.processes;
      if (r.note) notes.push(r.note);
      withThreads = parts.length >= 2 && (Number.parseInt(parts[1], 16) & 6) !== 0;
    }
    const processes: ProcessView[] = [];
    for (const p of list) {
      const view: ProcessView = { info: p };
      if (withThreads) {
        const th = await t.threadsOf(p);
        if (th.note) notes.push(th.note);
        view.threads = [];
        for (const x of th.threads) view.threads.push(await threadView(t, x, parts[1] === '7' || parts.length < 2));
      }
      processes.push(view);
    }
    return { kind: 'process', processes, notes: [...new Set(notes)] };
  },
  renderText: (r) => renderProcesses(r.processes, r.notes),
};

export interface RunningResult {
  kind: 'running';
  all: boolean;
  rows: { processor: number; prcb?: bigint; current: bigint; next?: bigint; idle?: bigint; irql?: number }[];
  notes: string[];
}

export const runningCommand: CommandSpec<RunningResult> = {
  names: ['!running'],
  summary: 'What each processor was running at the crash',
  usage: '!running [-i]',
  async run(session, args) {
    const t = kernelTarget(session);
    const notes: string[] = [];
    let prcbs = await t.processors().catch((e) => {
      notes.push((e as Error).message);
      return [];
    });
    if (!prcbs.length) {
      const c = await t.crashState();
      if (c.prcb) {
        prcbs = [c.prcb];
        if (t.dump.triage) notes.push('small dump: only the crashing processor is present');
      }
    }
    return { kind: 'running', all: /-i\b/.test(args), rows: prcbs.map((p) => ({ processor: p.number, prcb: p.address, current: p.currentThread, next: p.nextThread, idle: p.idleThread, irql: p.irql })), notes };
  },
  renderText: (r) => renderRunning(r.rows, r.notes, r.all),
};
