// The short views the walkthroughs use from the mex extension, built in: `!t` (one thread with its stack),
// `!p` (the process table row), and `!us [FUNCTION]` (threads grouped by identical stacks).
import { DumpscopeError } from '../../io/errors.js';
import { THREAD_STATES, type ProcessInfo, type ThreadInfo } from '../../target/kernel-objects.js';
import type { KernelTarget } from '../../target/kernel-target.js';
import type { CommandSpec } from '../command.js';
import { evalArg, kernelTarget } from './target-access.js';

const WAIT_REASONS = ['Executive', 'FreePage', 'PageIn', 'PoolAllocation', 'DelayExecution', 'Suspended', 'UserRequest', 'WrExecutive', 'WrFreePage', 'WrPageIn', 'WrPoolAllocation', 'WrDelayExecution', 'WrSuspended', 'WrUserRequest', 'WrEventPair', 'WrQueue', 'WrLpcReceive', 'WrLpcReply', 'WrVirtualMemory', 'WrPageOut', 'WrRendezvous', 'WrKeyedEvent', 'WrTerminated', 'WrProcessInSwap', 'WrCpuRateControl', 'WrCalloutStack', 'WrKernel', 'WrResource', 'WrPushLock', 'WrMutex', 'WrQuantumEnd', 'WrDispatchInt', 'WrPreempted', 'WrYieldExecution', 'WrFastMutex', 'WrGuardedMutex', 'WrRundown', 'WrAlertByThreadId', 'WrDeferredPreempt'];
const h16 = (v: bigint | undefined) => (v ?? 0n).toString(16).padStart(16, '0');

interface StackLine {
  sp: bigint;
  ret: bigint;
  site: string;
  ip: bigint;
}

async function threadStack(t: KernelTarget, th: ThreadInfo, max = 64): Promise<StackLine[]> {
  const regs = await t.threadRegisters(th).catch(() => undefined);
  if (!regs) return [];
  const frames = await t.walk(regs, { maxFrames: max });
  const out: StackLine[] = [];
  for (const f of frames) out.push({ sp: f.sp, ret: f.returnAddress, ip: f.ip, site: (await t.symbolize(f.ip)) ?? h16(f.ip) });
  return out;
}

export interface MexThreadResult {
  kind: 'mex-thread';
  thread: ThreadInfo;
  processName?: string;
  running?: number;
  stack: StackLine[];
}

export const mexThreadCommand: CommandSpec<MexThreadResult> = {
  names: ['!t', '!mex.t'],
  summary: 'A thread in one line (process, IDs, times, wait reason, state), its priorities and its stack',
  usage: '!t [ADDRESS]',
  async run(session, args) {
    const t = kernelTarget(session);
    const crash = await t.crashState();
    const th = args.trim() ? await t.thread(await evalArg(session, args.trim())) : crash.thread;
    if (!th) throw new DumpscopeError('the crashing thread is not known', 'NO_THREAD');
    const proc = th.processAddress ? await t.process(th.processAddress).catch(() => undefined) : undefined;
    return { kind: 'mex-thread', thread: th, processName: proc?.name, running: crash.thread?.address === th.address ? crash.prcb?.number : undefined, stack: await threadStack(t, th) };
  },
  renderText(r) {
    const th = r.thread;
    const state = r.running !== undefined ? `Running on processor ${r.running}` : th.state !== undefined ? (THREAD_STATES[th.state] ?? String(th.state)) : '?';
    const ms = (ticks?: number) => (ticks === undefined ? '?' : `${Math.round(ticks * 15.625)}ms`);
    const proc = `${r.processName ?? '?'} (${h16(th.processAddress)})`;
    const lines = [
      `${'Process'.padEnd(proc.length)} ${'Thread'.padEnd(16)} ${'CID'.padEnd(9)} UserTime KernelTime ContextSwitches Wait Reason State`,
      `${proc} ${h16(th.address)} ${`${th.processId.toString(16)}.${th.threadId.toString(16)}`.padEnd(9)} ${ms(th.userTime).padStart(8)} ${ms(th.kernelTime).padStart(10)} ${String(th.contextSwitches ?? '?').padStart(15)} ${(WAIT_REASONS[th.waitReason ?? 0] ?? '?').padEnd(11)} ${state}`,
      '',
      'Priority:',
      '    Current Base',
      `    ${String(th.priority ?? '?').padEnd(7)} ${th.basePriority ?? '?'}`,
      '',
      ' # Child-SP         Return           Call Site',
      ...r.stack.map((s, i) => `${i.toString(16).padStart(2)} ${h16(s.sp)} ${h16(s.ret)} ${s.site}`),
    ];
    if (!r.stack.length) lines.push('(no saved context for this thread in the dump)');
    return lines.join('\n');
  },
};

export interface MexProcessResult {
  kind: 'mex-process';
  process: ProcessInfo;
  threads?: number;
}

export const mexProcessCommand: CommandSpec<MexProcessResult> = {
  names: ['!p', '!mex.p'],
  summary: 'The current (or given) process as one table row: name, address, PID, parent, PEB, threads',
  usage: '!p [ADDRESS]',
  async run(session, args) {
    const t = kernelTarget(session);
    const p = args.trim() ? await t.process(await evalArg(session, args.trim())) : (await t.crashState()).process;
    if (!p) throw new DumpscopeError('the current process is not known', 'NO_PROCESS');
    return { kind: 'mex-process', process: p, threads: p.activeThreads };
  },
  renderText(r) {
    const p = r.process;
    const name = p.name.padEnd(6);
    return [
      `${'Name'.padEnd(name.length)} Address          PID${' '.repeat(5)}Parent  PEB              Thrd`,
      `${'='.repeat(name.length)} ================ ======= ======= ================ ====`,
      `${name} ${h16(p.address)} ${`${p.processId} (0n${p.processId})`.padEnd(7)} ${`${p.parentId ?? '?'}`.padEnd(7)} ${h16(p.peb)} ${String(r.threads ?? '?').padStart(4)}`,
    ].join('\n');
  },
};

export interface UniqueStacksResult {
  kind: 'unique-stacks';
  groups: { threads: bigint[]; frames: { ip: bigint; site: string }[] }[];
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
    const notes: string[] = [];
    const threads: ThreadInfo[] = [];
    const procs = await t.processes();
    if (procs.note) notes.push(procs.note);
    for (const p of procs.processes) {
      const th = await t.threadsOf(p);
      if (th.note) notes.push(th.note);
      threads.push(...th.threads);
      if (threads.length >= MAX_THREADS) {
        notes.push(`stopped after ${MAX_THREADS} threads`);
        break;
      }
    }
    const groups = new Map<string, { threads: bigint[]; frames: { ip: bigint; site: string }[] }>();
    let matched = 0;
    for (const th of threads) {
      if (signal.aborted) break;
      const stack = await threadStack(t, th);
      if (!stack.length) continue;
      const frames = stack.map((s) => ({ ip: s.ip, site: s.site }));
      if (filter && !frames.some((f) => f.site === filter || f.site.startsWith(`${filter}+`) || f.site.toLowerCase().includes(filter.toLowerCase()))) continue;
      matched++;
      const key = frames.map((f) => f.ip.toString(16)).join(',');
      const g = groups.get(key) ?? { threads: [], frames };
      g.threads.push(th.address ?? 0n);
      groups.set(key, g);
    }
    return { kind: 'unique-stacks', groups: [...groups.values()].sort((a, b) => b.threads.length - a.threads.length), matched, total: threads.length, filter, notes: [...new Set(notes)] };
  },
  renderText(r) {
    const lines: string[] = [];
    for (const g of r.groups) {
      lines.push(`${g.threads.length} thread${g.threads.length === 1 ? '' : 's'} [stats]: ${g.threads.map((a) => h16(a)).join(' ')}`);
      for (const f of g.frames) lines.push(`    ${h16(f.ip)} ${f.site}`);
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
  note?: string;
}

export const dotThreadCommand: CommandSpec<ImplicitResult> = {
  names: ['.thread'],
  summary: 'Make a thread the register context (its saved switch frame; the crashing thread: the bugcheck context)',
  usage: '.thread [ADDRESS]',
  async run(session, args) {
    const t = kernelTarget(session);
    const crash = await t.crashState();
    const th = args.trim() ? await t.thread(await evalArg(session, args.trim())) : crash.thread;
    if (!th?.address) throw new DumpscopeError('no thread', 'NO_THREAD');
    const regs = await t.threadRegisters(th);
    session.registers = regs && crash.thread?.address !== th.address ? regs : undefined;
    session.variables.set('$thread', th.address);
    if (th.processAddress) session.variables.set('$proc', th.processAddress);
    return { kind: 'implicit', what: 'thread', address: th.address, note: regs ? undefined : 'no saved context for this thread: registers unchanged' };
  },
  renderText: (r) => `Implicit thread is now ${h16(r.address).replace(/^(.{8})/, '$1`')}${r.note ? `\n(${r.note})` : ''}`,
};

export const dotProcessCommand: CommandSpec<ImplicitResult> = {
  names: ['.process'],
  summary: 'Make a process the implicit process ($proc)',
  usage: '.process [ADDRESS]',
  async run(session, args) {
    const t = kernelTarget(session);
    const p = args.trim() ? await t.process(await evalArg(session, args.trim())) : (await t.crashState()).process;
    if (!p?.address) throw new DumpscopeError('no process', 'NO_PROCESS');
    session.variables.set('$proc', p.address);
    return { kind: 'implicit', what: 'process', address: p.address };
  },
  renderText: (r) => `Implicit process is now ${h16(r.address).replace(/^(.{8})/, '$1`')}`,
};
