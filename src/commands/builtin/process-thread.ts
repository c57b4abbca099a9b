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
import { processorContext } from '../../target/thread-context.js';
import { allProcessors, currentProcess, currentThread, threadFacts, threadStackListing } from './thread-facts.js';

export interface ThreadResult {
  kind: 'thread';
  thread: ThreadView;
}

/** How much of a thread `!thread`/`!process` flags ask for: the THREAD line, with its wait objects, or all of it with the stack. */
export type ThreadDetail = 'line' | 'waits' | 'full';

async function threadView(t: KernelTarget, th: ThreadInfo, detail: ThreadDetail, withArgs: boolean, signal?: AbortSignal): Promise<ThreadView> {
  const f = await threadFacts(t, th);
  const s = detail === 'full' ? await threadStackListing(t, th, withArgs, 64, signal) : {};
  return {
    info: th,
    detail,
    processName: f.processName,
    attachedProcessName: f.attachedProcessName,
    running: f.running,
    standby: f.standby,
    stateName: f.stateName,
    waitReasonName: f.waitReasonName,
    waitObjects: detail === 'line' ? [] : f.waitObjects,
    ticks: f.ticks,
    msPerTick: f.clock.msPerTick,
    startSymbol: th.startAddress ? await t.symbolize(th.startAddress) : undefined,
    win32StartSymbol: th.win32StartAddress ? await t.symbolize(th.win32StartAddress) : undefined,
    stack: s.stack,
    stackNote: s.note,
    notes: [...f.notes, ...(s.notes ?? [])],
  };
}

/** The clock's notes (assumed tick length, unknown tick count), once per command. */
async function clockNotes(t: KernelTarget): Promise<string[]> {
  return (await kernelClock(t)).notes;
}

/** `!thread` and `!process` flags are hex. */
function parseFlags(command: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const v = /^(0x)?[0-9a-f]+$/i.test(text) ? Number.parseInt(text.replace(/^0x/i, ''), 16) : Number.NaN;
  if (!Number.isFinite(v) || v < 0) throw new DumpscopeError(`${command}: bad flags '${text}'`, 'BAD_ARGUMENT');
  return v;
}

/** Flags 0x2 show the wait objects, 0x4 with 0x2 the whole block and stack (WinDbg's `!thread` and `!process` bits). */
function threadDetail(flags: number): ThreadDetail {
  return (flags & 6) === 6 ? 'full' : flags & 2 ? 'waits' : 'line';
}

export const threadCommand: CommandSpec<ThreadResult> = {
  names: ['!thread'],
  summary: 'A thread: IDs, state and wait, processes, times, stack limits, priorities, start address and call stack (no argument or -1: the current thread)',
  usage: '!thread [-1 | ADDRESS [FLAGS]]',
  async run(session, args, _name, signal) {
    const t = kernelTarget(session);
    const words = args.trim().split(/\s+/).filter(Boolean);
    const th = !words.length || words[0] === '-1' ? await currentThread(session, t) : await t.thread(await evalArg(session, words[0]));
    if (!th) throw new DumpscopeError(`the current thread is not known (${(await t.crashState()).notes.join('; ') || 'no PRCB'})`, 'NO_THREAD');
    // 0x8: return addresses and stack pointers without the arguments.
    const flags = parseFlags('!thread', words[1], 6);
    const view = await threadView(t, th, threadDetail(flags), (flags & 8) === 0, signal);
    view.notes.push(...(await clockNotes(t)));
    return { kind: 'thread', thread: view };
  },
  renderText: (r) => renderThread(r.thread),
};

export interface ProcessResult {
  kind: 'process';
  processes: ProcessView[];
  /** `!process 0 FLAGS`: the whole list, which WinDbg heads with `**** NT ACTIVE PROCESS DUMP ****`. */
  activeList: boolean;
  notes: string[];
}

async function processView(t: KernelTarget, p: ProcessInfo, details: boolean): Promise<ProcessView> {
  // ElapsedTime: from CreateTime to the crash (the dump header's SystemTime), both FILETIMEs.
  const crash = t.dump.header.systemTimeRaw;
  const elapsedMs = details && crash && p.createTime && crash >= p.createTime ? Number((crash - p.createTime) / 10_000n) : undefined;
  return { info: p, sessionId: await sessionIdOf(t, p), handleCount: await handleCountOf(t, p), details, msPerTick: (await kernelClock(t)).msPerTick, elapsedMs };
}

/** Kernel addresses start here; a smaller `!process` argument is a process ID. */
const KERNEL_SPACE = 0xffff800000000000n;

/** ImageFileName keeps 14 characters: a longer name matches on them. */
function imageMatches(name: string, wanted: string): boolean {
  const a = name.toLowerCase();
  const b = wanted.toLowerCase();
  return a === b || (a.length >= 14 && b.startsWith(a));
}

export const processCommand: CommandSpec<ProcessResult> = {
  names: ['!process'],
  summary: 'Processes: `!process 0 0 [IMAGE]` lists all (or those of an image), `!process ADDR|PID 7` one with its threads (no argument or -1: the current process)',
  usage: '!process [0 FLAGS [IMAGE] | -1 FLAGS | ADDRESS|PID [FLAGS]]',
  async run(session, args, _name, signal) {
    const t = kernelTarget(session);
    const parts = args.trim().split(/\s+/).filter(Boolean);
    const notes: string[] = [];
    let list: ProcessInfo[];
    let flags: number;
    const value = parts.length && parts[0] !== '-1' ? await evalArg(session, parts[0]) : undefined;
    if (value === undefined) {
      const p = await currentProcess(session, t);
      if (!p) throw new DumpscopeError(`the current process is not known (${(await t.crashState()).notes.join('; ') || 'no thread'})`, 'NO_PROCESS');
      list = [p];
      flags = parseFlags('!process', parts[1], 7);
    } else if (value === 0n || value < KERNEL_SPACE) {
      // 0: every process (optionally those of one image); else a process ID.
      const r = await t.processes(signal);
      if (r.note) notes.push(r.note);
      flags = parseFlags('!process', parts[1], value === 0n ? 0 : 7);
      if (value === 0n) list = parts[2] ? r.processes.filter((p) => imageMatches(p.name, parts[2])) : r.processes;
      else {
        list = r.processes.filter((p) => p.processId === value);
        if (!list.length) throw new DumpscopeError(`no process with ID 0x${value.toString(16)} in the active process list`, 'NO_PROCESS');
      }
    } else {
      list = [await t.process(value)];
      flags = parseFlags('!process', parts[1], 7);
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
          view.threads.push(await threadView(t, x, (flags & 4) !== 0 ? 'full' : 'waits', false, signal));
        }
        for (const v of view.threads) notes.push(...v.notes.splice(0));
      }
      processes.push(view);
    }
    if (flags & 7) notes.push(...(await clockNotes(t)));
    return { kind: 'process', processes, activeList: value === 0n, notes: [...new Set(notes)] };
  },
  renderText: (r) => renderProcesses(r.processes, r.notes, r.activeList),
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
    notes.push(...(await t.processorNotes().catch(() => [])));
    if (t.dump.triage && prcbs.length < t.dump.header.processors) notes.push(`small dump: ${prcbs.length} of ${t.dump.header.processors} processors' blocks are present`);
    const priorityOf = async (a: bigint | undefined) => (a ? (await t.thread(a).catch(() => undefined))?.priority : undefined);
    const rows: RunningRow[] = [];
    for (const p of prcbs) {
      await checkpoint(signal);
      const row: RunningRow = { processor: p.number, prcb: p.address, current: p.currentThread, currentPriority: await priorityOf(p.currentThread), next: p.nextThread || undefined, nextPriority: await priorityOf(p.nextThread), idle: p.idleThread, locks: p.lockQueue };
      if (stacks && (idle || p.currentThread !== p.idleThread || p.nextThread)) {
        const th = p.currentThread ? await t.thread(p.currentThread).catch(() => undefined) : undefined;
        // The same registers !thread and .thread use for the thread this processor runs (thread-context.ts).
        const c = await processorContext(t, p);
        if (c.registers) row.stack = await buildStackListing(t, c.registers, false, 64, { thread: th, signal });
        else row.stackNote = c.reason;
      }
      rows.push(row);
    }
    return { kind: 'running', idle, stacks, rows, notes };
  },
  renderText: (r) => renderRunning(r.rows, r.notes, { idle: r.idle, stacks: r.stacks }),
};
