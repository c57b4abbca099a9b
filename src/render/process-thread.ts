// `!thread`, `!process` and `!running` in WinDbg's layouts.
import type { ProcessInfo, ThreadInfo } from '../target/kernel-objects.js';
import { THREAD_STATES } from '../target/kernel-objects.js';
import { renderStack, type StackListing } from './stack.js';

export interface ThreadView {
  info: ThreadInfo;
  processName?: string;
  /** Processor the thread was running on at the crash. */
  running?: number;
  startSymbol?: string;
  win32StartSymbol?: string;
  stack?: StackListing;
  stackNote?: string;
}

export interface ProcessView {
  info: ProcessInfo;
  threads?: ThreadView[];
}

const h = (v: bigint | undefined, w = 16) => (v === undefined ? '?'.repeat(w) : v.toString(16).padStart(w, '0'));
const cid = (v: bigint) => v.toString(16).padStart(4, '0');

/** Thread times are in clock ticks; 15.625 ms is the default clock interval of x64 Windows. */
function ticks(n: number | undefined): string {
  if (n === undefined) return '?';
  const ms = Math.round(n * 15.625);
  const hh = Math.floor(ms / 3600000);
  const mm = Math.floor(ms / 60000) % 60;
  const ss = Math.floor(ms / 1000) % 60;
  return `${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}:${String(ss).padStart(2, '0')}.${String(ms % 1000).padStart(3, '0')}`;
}

export function renderThread(v: ThreadView, indent = ''): string {
  const t = v.info;
  const state = v.running !== undefined ? `RUNNING on processor ${v.running}` : t.state !== undefined ? (THREAD_STATES[t.state] ?? `state ${t.state}`).toUpperCase() : '';
  const lines = [
    `THREAD ${h(t.address)}  Cid ${cid(t.processId)}.${cid(t.threadId)}  Teb: ${h(t.teb)} ${state}`,
    `Owning Process            ${h(t.processAddress)}       Image:         ${v.processName ?? '?'}`,
    `Wait Start TickCount      ${t.waitTime ?? '?'}`,
    `Context Switch Count      ${t.contextSwitches ?? '?'}`,
    `UserTime                  ${ticks(t.userTime)}`,
    `KernelTime                ${ticks(t.kernelTime)}`,
  ];
  if (t.win32StartAddress) lines.push(`Win32 Start Address ${v.win32StartSymbol ?? ''} (0x${h(t.win32StartAddress)})`);
  if (t.startAddress) lines.push(`Start Address ${v.startSymbol ?? ''} (0x${h(t.startAddress)})`);
  lines.push(`Stack Init ${h(t.initialStack)} Current ${h(t.kernelStack)}`);
  lines.push(`Base ${h(t.stackBase)} Limit ${h(t.stackLimit)}`);
  lines.push(`Priority ${t.priority ?? '?'} BasePriority ${t.basePriority ?? '?'}`);
  if (t.origin === 'dump-copy') lines.push('(from the small dump\'s copy of the crashing thread)');
  if (v.stack) lines.push(renderStack(v.stack, 'kb'));
  else if (v.stackNote) lines.push(`(${v.stackNote})`);
  return lines.map((l) => (indent ? l.split('\n').map((x) => indent + x).join('\n') : l)).join('\n');
}

export function renderProcesses(list: ProcessView[], notes: string[]): string {
  const out = ['**** NT ACTIVE PROCESS DUMP ****'];
  for (const { info: p, threads } of list) {
    out.push(`PROCESS ${h(p.address)}`);
    const session = p.sessionId !== undefined ? String(p.sessionId) : p.sessionSpace === 0n ? 'none' : '?';
    out.push(`    SessionId: ${session}  Cid: ${cid(p.processId)}    Peb: ${h(p.peb, 8)}  ParentCid: ${p.parentId === undefined ? '????' : cid(p.parentId)}`);
    out.push(`    DirBase: ${h(p.directoryTableBase, 8)}  ActiveThreads: ${p.activeThreads ?? '?'}`);
    out.push(`    Image: ${p.name}`);
    if (p.origin === 'dump-copy') out.push("    (from the small dump's copy of the crashing process)");
    for (const t of threads ?? []) out.push('', renderThread(t, '        '));
    out.push('');
  }
  for (const n of notes) out.push(`(${n})`);
  return out.join('\n').trimEnd();
}

export function renderRunning(rows: { processor: number; prcb?: bigint; current: bigint; next?: bigint; idle?: bigint; irql?: number }[], notes: string[], all = false): string {
  // As WinDbg: processor masks first, then only the processors not running their idle thread.
  let system = 0n;
  let idle = 0n;
  for (const r of rows) {
    system |= 1n << BigInt(r.processor);
    if (r.current === r.idle) idle |= 1n << BigInt(r.processor);
  }
  const out = [`System Processors:  (${h(system)})`, `  Idle Processors:  (${h(idle)})`, '', '       Prcbs             Current           Next              Idle              IRQL'];
  for (const r of rows) {
    if (!all && r.current === r.idle) continue;
    out.push(`  ${String(r.processor).padStart(2)}   ${h(r.prcb)}  ${h(r.current)}  ${r.next ? h(r.next) : ' '.repeat(16)}  ${h(r.idle)}  ${r.irql === undefined ? '?' : r.irql}`);
  }
  for (const n of notes) out.push(`(${n})`);
  return out.join('\n');
}
