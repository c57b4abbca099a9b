// `!thread`, `!process`, `!running`: the crashed kernel's threads, processes and processors, read by field
// name through nt's types. Small dumps hold only the crashing thread and process, and the output says so.
import { DumpscopeError } from '../../io/errors.js';
import { type ProcessView, type RunningRow, renderProcesses, renderRunning, renderThread, type ThreadView } from '../../render/process-thread.js';
import { kernelClock } from '../../target/kernel-clock.js';
import type { ProcessInfo, ThreadInfo } from '../../target/kernel-objects.js';
import type { KernelTarget } from '../../target/kernel-target.js';
import { handleCountOf, sessionIdOf } from '../../target/object-details.js';
import { checkpoint } from '../checkpoint.js';
import type { CommandSpec } from '../command.js';
import { buildStackListing } from './stack.js';
import { evalArg, kernelTarget } from './target-access.js';
import { allProcessors, frozenContext, threadFacts, threadStackListing } from './thread-facts.js';

export interface ThreadResult {
  kind: 'thread';
  thread: ThreadView;
}

async function threadView(t: KernelTarget, th: ThreadInfo, withStack: boolean, withArgs: boolean, signal?: AbortSignal): Promise<ThreadView> {
  const f = await threadFacts(t, th);
  const s = withStack ? await threadStackListing(t, th, withArgs, 64, signal) : {};
  return {
    info: th,
    processName: f.processName,
    attachedProcessName: f.attachedProcessName,
    running: f.running,
    standby: f.standby,
    stateName: f.stateName,
    waitReasonName: f.waitReasonName,
    waitObjects: f.waitObjects,
    ticks: f.ticks,
    msPerTick: f.clock.msPerTick,
    startSymbol: th.startAddress ? await t.symbolize(th.startAddress) : undefined,
    win32StartSymbol: th.win32StartAddress ? await t.symbolize(th.win32StartAddress) : undefined,
    stack: s.stack,
    stackNote: s.note,
    notes: f.notes,
  };
}

/** The clock's notes (assumed tick length, unknown tick count), once per command. */
async function clockNotes(t: KernelTarget): Promise<string[]> {
  return (await kernelClock(t)).notes;
}

export const threadCommand: CommandSpec<ThreadResult> = {
  names: ['!thread'],
  summary: 'A thread: IDs, state and wait, processes, times, stack limits, priorities, start address and call stack (no argument: the crashing thread)',
  usage: '!thread [ADDRESS]',
  async run(session, args, _name, signal) {
    const t = kernelTarget(session);
    const crash = await t.crashState();
    let th: ThreadInfo | undefined;
    if (args.trim()) th = await t.thread(await evalArg(session, args.trim().split(/\s+/)[0]));
    else th = crash.thread;
    if (!th) throw new DumpscopeError(`the crashing thread is not known (${crash.notes.join('; ') || 'no PRCB'})`, 'NO_THREAD');
    const view = await threadView(t, th, true, true, signal);
    view.notes.push(...(await clockNotes(t)));
    return { kind: 'thread', thread: view };
  },
  renderText: (r) => renderThread(r.thread),
};

export interface ProcessResult {
  kind: 'process';
  processes: ProcessView[];
  notes: string[];
}

async function processView(t: KernelTarget, p: ProcessInfo, details: boolean): Promise<ProcessView> {
  return { info: p, sessionId: await sessionIdOf(t, p), handleCount: await handleCountOf(t, p), details, msPerTick: (await kernelClock(t)).msPerTick };
}

/** `!process` flags are hex; 0x1 adds the process counters, 0x2/0x4 the threads, 0x4 their stacks. */
function parseFlags(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const v = Number.parseInt(text.replace(/^0x/i, ''), 16);
  if (!Number.isFinite(v) || v < 0) throw new DumpscopeError(`!process: bad flags '${text}'`, 'BAD_ARGUMENT');
  return v;
}

export const processCommand: CommandSpec<ProcessResult> = {
  names: ['!process'],
  summary: 'Processes: `!process 0 0` lists all, `!process ADDR 7` one with its threads (no argument: the crashing process)',
  usage: '!process [0 FLAGS | -1 FLAGS | ADDRESS [FLAGS]]',
  async run(session, args, _name, signal) {
    const t = kernelTarget(session);
    const parts = args.trim().split(/\s+/).filter(Boolean);
    const notes: string[] = [];
    let list: ProcessInfo[];
    let flags: number;
    if (parts.length === 0 || parts[0] !== '0') {
      // No argument or -1: the current process; else the process at that address.
      const crash = await t.crashState();
      const p = parts.length && parts[0] !== '-1' ? await t.process(await evalArg(session, parts[0])) : crash.process;
      if (!p) throw new DumpscopeError(`the crashing process is not known (${crash.notes.join('; ') || 'no thread'})`, 'NO_PROCESS');
      list = [p];
      flags = parseFlags(parts[1], 7);
    } else {
      const r = await t.processes(signal);
      list = r.processes;
      if (r.note) notes.push(r.note);
      flags = parseFlags(parts[1], 0);
    }
    const processes: ProcessView[] = [];
    for (const p of list) {
      await checkpoint(signal);
      const view = await processView(t, p, (flags & 1) !== 0);
      if (flags & 6) {
        const th = await t.threadsOf(p, signal);
        if (th.note) notes.push(th.note);
        view.threads = [];
        for (const x of th.threads) {
          await checkpoint(signal);
          view.threads.push(await threadView(t, x, (flags & 4) !== 0, false, signal));
        }
        for (const v of view.threads) notes.push(...v.notes.splice(0));
      }
      processes.push(view);
    }
    if (flags & 7) notes.push(...(await clockNotes(t)));
    return { kind: 'process', processes, notes: [...new Set(notes)] };
  },
  renderText: (r) => renderProcesses(r.processes, r.notes),
};

export interface RunningResult {
  kind: 'running';
  idle: boolean;
  stacks: boolean;
  rows: RunningRow[];
  notes: string[];
}

export const runningCommand: CommandSpec<RunningResult> = {
  names: ['!running'],
  summary: 'What each processor was running at the crash (-i: idle processors too, -t: their stacks)',
  usage: '!running [-i] [-t]',
  async run(session, args, _name, signal) {
    const t = kernelTarget(session);
    const notes: string[] = [];
    const opts = args.trim().split(/\s+/).filter(Boolean);
    for (const o of opts) if (!/^-[it]+$/.test(o)) throw new DumpscopeError(`!running: unknown option '${o}' (use -i, -t)`, 'BAD_ARGUMENT');
    const idle = opts.some((o) => o.includes('i'));
    const stacks = opts.some((o) => o.includes('t'));
    const prcbs = await allProcessors(t);
    if (t.dump.triage && prcbs.length < t.dump.header.processors) notes.push(`small dump: ${prcbs.length} of ${t.dump.header.processors} processors' blocks are present`);
    const crash = await t.crashState();
    const priorityOf = async (a: bigint | undefined) => (a ? (await t.thread(a).catch(() => undefined))?.priority : undefined);
    const rows: RunningRow[] = [];
    for (const p of prcbs) {
      await checkpoint(signal);
      const row: RunningRow = { processor: p.number, prcb: p.address, current: p.currentThread, currentPriority: await priorityOf(p.currentThread), next: p.nextThread || undefined, nextPriority: await priorityOf(p.nextThread), idle: p.idleThread, locks: p.lockQueue };
      if (stacks && (idle || p.currentThread !== p.idleThread || p.nextThread)) {
        const th = p.currentThread ? await t.thread(p.currentThread).catch(() => undefined) : undefined;
        const regs = th && crash.thread?.address === th.address ? await t.threadRegisters(th).catch(() => undefined) : await frozenContext(t, p);
        if (regs) row.stack = await buildStackListing(t, regs, false, 64, { thread: th, signal });
        else row.stackNote = "this processor's saved context (PRCB ProcessorState.ContextFrame) is empty or not in the dump";
      }
      rows.push(row);
    }
    return { kind: 'running', idle, stacks, rows, notes };
  },
  renderText: (r) => renderRunning(r.rows, r.notes, { idle: r.idle, stacks: r.stacks }),
};
