// The short views the walkthroughs use from the mex extension, built in: `!t` (one thread with its wait
// objects, priorities and stack), `!p` (the process table row and its memory figures), and `!us [FUNCTION]`
// (threads grouped by identical stacks).
import { DumpscopeError } from '../../io/errors.js';
import { type MexProcessView, type MexThreadView, renderMexProcess, renderMexThread } from '../../render/mex.js';
import { guessMark } from '../../render/stack.js';
import { kernelClock, ticksToMs } from '../../target/kernel-clock.js';
import type { ThreadInfo } from '../../target/kernel-objects.js';
import type { KernelTarget } from '../../target/kernel-target.js';
import { handleCountOf, sessionIdOf } from '../../target/object-details.js';
import { filetimeToDate } from '../../util/cformat.js';
import { checkpoint } from '../checkpoint.js';
import type { CommandSpec } from '../command.js';
import { evalArg, kernelTarget } from './target-access.js';
import { allProcessors, currentProcess, currentThread, threadFacts, threadStackListing } from './thread-facts.js';
import { threadContext } from '../../target/thread-context.js';

const h16 = (v: bigint | undefined) => (v ?? 0n).toString(16).padStart(16, '0');

/** A thread's frames as instruction pointers and call sites (frame 0 at rip, the others at return addresses), guesses marked. */
async function stackFrames(t: KernelTarget, th: ThreadInfo, signal?: AbortSignal): Promise<{ frames: { sp: bigint; ret: bigint; ip: bigint; site: string; guessed: boolean }[]; note?: string; notes: string[] }> {
  const s = await threadStackListing(t, th, false, 64, signal);
  if (!s.stack || s.rip === undefined) return { frames: [], note: s.note, notes: s.notes ?? [] };
  const rip = s.rip;
  const frames = s.stack.rows.map((r, i, rows) => ({ sp: r.childSp, ret: r.retAddr, ip: i === 0 ? rip : rows[i - 1].retAddr, site: r.callSite + guessMark(r), guessed: !!r.guessed }));
  const notes = [...(s.notes ?? []), ...s.stack.notes.map((n) => n.replace(/^\((.*)\)$/, '$1'))];
  return { frames, note: notes.join('; ') || undefined, notes };
}

export interface MexThreadResult extends MexThreadView {
  kind: 'mex-thread';
}

export const mexThreadCommand: CommandSpec<MexThreadResult> = {
  names: ['!t', '!mex.t'],
  summary: 'A thread in one line (process, IDs, times, wait reason, wait age, state), its wait objects, priorities and stack',
  usage: '!t [ADDRESS]',
  async run(session, args, _name, signal) {
    const t = kernelTarget(session);
    const th = args.trim() && args.trim() !== '-1' ? await t.thread(await evalArg(session, args.trim())) : await currentThread(session, t);
    if (!th) throw new DumpscopeError('the current thread is not known', 'NO_THREAD');
    const f = await threadFacts(t, th);
    const state =
      f.running !== undefined ? `Running on processor ${f.running}` : f.standby !== undefined ? `${f.stateName ?? 'Standby'} on processor ${f.standby}` : (f.stateName ?? (th.state === undefined ? '?' : String(th.state)));
    const ms = (ticks: number | undefined) => (ticks === undefined ? undefined : ticksToMs(ticks, f.clock));
    const stack = await stackFrames(t, th, signal);
    const notes = [...f.notes, ...f.clock.notes];
    if (stack.note) notes.push(stack.note);
    return {
      kind: 'mex-thread',
      thread: th,
      processName: f.processName,
      state,
      // An unknown reason is shown as its number, never as a guess.
      waitReason: f.waitReasonName ?? (th.waitReason === undefined ? '?' : String(th.waitReason)),
      userMs: ms(th.userTime),
      kernelMs: ms(th.kernelTime),
      sinceMs: ms(f.ticks),
      waitObjects: f.waitObjects,
      stack: stack.frames.map(({ sp, ret, site }) => ({ sp, ret, site })),
      notes,
    };
  },
  renderText: (r) => renderMexThread(r),
};

export interface MexProcessResult extends MexProcessView {
  kind: 'mex-process';
}

export const mexProcessCommand: CommandSpec<MexProcessResult> = {
  names: ['!p', '!mex.p'],
  summary: 'The current (or given) process as one table row (session, PIDs, PEB, create time, handles, threads) and its memory figures',
  usage: '!p [ADDRESS]',
  async run(session, args) {
    const t = kernelTarget(session);
    const p = args.trim() && args.trim() !== '-1' ? await t.process(await evalArg(session, args.trim())) : await currentProcess(session, t);
    if (!p) throw new DumpscopeError('the current process is not known', 'NO_PROCESS');
    const notes: string[] = [];
    const clock = await kernelClock(t);
    const utc = p.createTime ? filetimeToDate(p.createTime) : undefined;
    const local = utc && clock.timeZoneBias !== undefined ? new Date(utc.getTime() - Number(clock.timeZoneBias / 10_000n)) : undefined;
    if (utc && !local) notes.push("Create Time is UTC: the target's time zone (KUSER_SHARED_DATA.TimeZoneBias) is not in the dump");
    // mex shows session 0 for a process outside any session (System).
    const sessionId = p.sessionSpace === 0n ? 0 : await sessionIdOf(t, p);
    // User-mode modules are listed in the PEB, whose pages a kernel dump does not hold; System has none.
    const modules = p.peb === 0n ? 0 : undefined;
    if (modules === undefined) notes.push("Mods: the process's module list lives in user memory (its PEB), which is not in this dump");
    return {
      kind: 'mex-process',
      process: p,
      sessionId,
      createTime: local ?? utc,
      localTime: local !== undefined,
      modules,
      handles: await handleCountOf(t, p),
      threads: p.activeThreads,
      system: p.processId === 4n,
      notes,
    };
  },
  renderText: (r) => renderMexProcess(r),
};

export interface UniqueStacksResult {
  kind: 'unique-stacks';
  /** Each stack once, with why its walk stopped early (bad unwind data, unreadable memory), as `k` says. */
  groups: { threads: bigint[]; frames: { ip: bigint; site: string; guessed?: boolean }[]; stopped?: string[] }[];
  /** Threads counted but with no stack to group, each with why. */
  noStack: { thread: bigint; reason: string }[];
  matched: number;
  total: number;
  filter?: string;
  notes: string[];
}

const MAX_THREADS = 20_000;

export const uniqueStacksCommand: CommandSpec<UniqueStacksResult> = {
  names: ['!us', '!mex.us'],
  summary: 'Threads grouped by identical call stacks, optionally only those whose stack contains FUNCTION',
  usage: '!us [FUNCTION]',
  async run(session, args, _name, signal) {
    const t = kernelTarget(session);
    const filter = args.trim() || undefined;
    // mex's other !us switches are not built in: refused, not taken for a function name.
    if (filter?.startsWith('-')) throw new DumpscopeError(`unknown option '${filter.split(/\s+/)[0]}': !us takes only a FUNCTION (or module) name to filter by`, 'BAD_ARGUMENT');
    const notes: string[] = [];
    const threads: ThreadInfo[] = [];
    const procs = await t.processes(signal);
    if (procs.note) notes.push(procs.note);
    for (const p of procs.processes) {
      const th = await t.threadsOf(p, signal);
      if (th.note) notes.push(th.note);
      threads.push(...th.threads);
      if (threads.length >= MAX_THREADS) {
        notes.push(`stopped after ${MAX_THREADS} threads`);
        break;
      }
    }
    // A thread a processor runs belongs in the count even when a damaged list lost it: the PRCB names it.
    const listed = new Set(threads.map((x) => x.address));
    for (const p of await allProcessors(t)) {
      if (!p.currentThread || p.currentThread === p.idleThread || listed.has(p.currentThread)) continue;
      const th = await t.thread(p.currentThread).catch(() => undefined);
      if (!th) continue;
      threads.push(th);
      listed.add(th.address);
      notes.push(`thread ${h16(p.currentThread)}, running on processor ${p.number}, is not on its process's thread list: taken from the PRCB`);
    }
    const groups = new Map<string, UniqueStacksResult['groups'][number]>();
    const noStack: UniqueStacksResult['noStack'] = [];
    const guessWhy = new Set<string>();
    let matched = 0;
    for (const th of threads) {
      await checkpoint(signal);
      const s = await stackFrames(t, th, signal);
      if (!s.frames.length) {
        if (!filter) noStack.push({ thread: th.address ?? 0n, reason: s.note ?? 'no frames' });
        continue;
      }
      const frames = s.frames.map((f) => ({ ip: f.ip, site: f.site, guessed: f.guessed }));
      if (filter && !frames.some((f) => f.site === filter || f.site.startsWith(`${filter}+`) || f.site.toLowerCase().includes(filter.toLowerCase()))) continue;
      matched++;
      for (const n of s.notes) {
        const why = /^frames [0-9a-f]+ and above are guesses: (.*)$/.exec(n)?.[1];
        if (why) guessWhy.add(why);
      }
      const key = frames.map((f) => f.ip.toString(16)).join(',');
      const stopped = s.notes.filter((n) => /^(stack walk stopped|frame [0-9a-f]+:)/.test(n));
      const g = groups.get(key) ?? { threads: [], frames, ...(stopped.length ? { stopped } : {}) };
      g.threads.push(th.address ?? 0n);
      groups.set(key, g);
    }
    for (const why of guessWhy) notes.push(`frames marked (guessed: …) were found without unwind data and may be wrong: ${why}`);
    return { kind: 'unique-stacks', groups: [...groups.values()].sort((a, b) => b.threads.length - a.threads.length), noStack, matched, total: threads.length, filter, notes: [...new Set(notes)] };
  },
  renderText(r) {
    const lines: string[] = [];
    for (const g of r.groups) {
      lines.push(`${g.threads.length} thread${g.threads.length === 1 ? '' : 's'} [stats]: ${g.threads.map((a) => h16(a)).join(' ')}`);
      for (const f of g.frames) lines.push(`    ${h16(f.ip)} ${f.site}`);
      for (const n of g.stopped ?? []) lines.push(`    (${n})`);
      lines.push('');
    }
    if (r.noStack.length) {
      lines.push(`${r.noStack.length} thread${r.noStack.length === 1 ? '' : 's'} with no stack:`);
      for (const n of r.noStack) lines.push(`    ${h16(n.thread)} ${n.reason.replace(/^no stack: /, '')}`);
      lines.push('');
    }
    lines.push(r.filter ? `Threads matching filter: ${r.matched} out of ${r.total}` : `${r.groups.length} unique stack(s) over ${r.total} thread(s)`);
    for (const n of r.notes) lines.push(`(${n})`);
    return lines.join('\n');
  },
};

export interface ImplicitResult {
  kind: 'implicit';
  what: 'thread' | 'process';
  address: bigint;
  /** What the options asked that a dump cannot do, and why the thread has no registers. */
  notes: string[];
}

/**
 * `.thread`/`.process` options: /p (use the process's page directory), /r (reload user symbols, with /p),
 * /i (invasive: let the target run to switch, .process only). A dump cannot do the last.
 */
function implicitOptions(args: string, allowed: string): { rest: string; notes: string[] } {
  const words = args.trim().split(/\s+/).filter(Boolean);
  const notes: string[] = [];
  let i = 0;
  for (; i < words.length && words[i].startsWith('/'); i++) {
    for (const o of words[i].slice(1).split('/')) {
      if (!o.length || !allowed.includes(o) || o.length !== 1) throw new DumpscopeError(`unknown option '/${o}' (use ${[...allowed].map((x) => `/${x}`).join(' ')})`, 'BAD_ARGUMENT');
      if (o === 'p') notes.push("/p: translation stays on the dump header's DirectoryTableBase (the crashing process's page directory): another process's user-mode mappings are not switched to");
      else if (o === 'r') notes.push("/r: no user-mode symbols to reload: a kernel dump does not hold a process's module list (its PEB's loader data)");
      else notes.push('/i: an invasive switch needs a live target that runs to the new process; a dump cannot run, so the switch is non-invasive');
    }
  }
  return { rest: words.slice(i).join(' '), notes };
}

const implicitText = (r: ImplicitResult) => [`Implicit ${r.what} is now ${h16(r.address).replace(/^(.{8})/, '$1`')}`, ...r.notes.map((n) => `(${n})`)].join('\n');

export const dotThreadCommand: CommandSpec<ImplicitResult> = {
  names: ['.thread'],
  summary: 'Make a thread the register context (the crashing thread: the bugcheck context; one running on another processor: the context it saved; else its switch frame)',
  usage: '.thread [/p [/r]] [ADDRESS]',
  async run(session, args) {
    const t = kernelTarget(session);
    const { rest, notes } = implicitOptions(args, 'pr');
    const crash = await t.crashState();
    const th = rest ? await t.thread(await evalArg(session, rest)) : crash.thread;
    if (!th?.address) throw new DumpscopeError('no thread', 'NO_THREAD');
    const c = await threadContext(t, th);
    // The crashing thread's context is the default one; any other thread's is a set context (k says so).
    session.registers = c.registers && c.source !== 'bugcheck' ? c.registers : undefined;
    if (!c.registers) {
      session.noContext = c.reason ?? 'no saved context';
      notes.push(`no stack: ${session.noContext}; k and r have no registers for this thread`);
    }
    session.variables.set('$thread', th.address);
    if (th.processAddress) session.variables.set('$proc', th.processAddress);
    return { kind: 'implicit', what: 'thread', address: th.address, notes };
  },
  renderText: implicitText,
};

export const dotProcessCommand: CommandSpec<ImplicitResult> = {
  names: ['.process'],
  summary: 'Make a process the implicit process ($proc)',
  usage: '.process [/i] [/p [/r]] [ADDRESS]',
  async run(session, args) {
    const t = kernelTarget(session);
    const { rest, notes } = implicitOptions(args, 'ipr');
    const p = rest && rest !== '-1' ? await t.process(await evalArg(session, rest)) : await currentProcess(session, t);
    if (!p?.address) throw new DumpscopeError('no process', 'NO_PROCESS');
    session.variables.set('$proc', p.address);
    return { kind: 'implicit', what: 'process', address: p.address, notes };
  },
  renderText: implicitText,
};
