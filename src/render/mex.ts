// mex's `!t` (one thread as a table row, its wait objects, priorities and stack) and `!p` (one process as a
// table row, its memory figures and the command menu mex prints under it), in mex's layouts.
//
// The `(E|K|W|R|V)` after a thread address and `(E|K|O)` after a process address are mex's menu of
// shortcut links, not state: every published mex output shows the same letters for every thread (running,
// waiting or standby, kernel or user) and every process. They are printed as mex prints them and carry no
// meaning here.
import type { ProcessInfo, ThreadInfo } from '../target/kernel-objects.js';
import type { WaitObject } from '../target/object-details.js';
import { mexDate, mexDuration, mexSize } from './thread-times.js';

export const MEX_THREAD_LINKS = '(E|K|W|R|V)';
export const MEX_PROCESS_LINKS = '(E|K|O)';

const h16 = (v: bigint | undefined) => (v === undefined ? '?'.repeat(16) : v.toString(16).padStart(16, '0'));

export interface MexStackRow {
  sp: bigint;
  ret: bigint;
  site: string;
}

export interface MexThreadView {
  thread: ThreadInfo;
  processName?: string;
  /** 'Running on processor 3', 'Waiting', 'Standby on processor 0', … */
  state: string;
  /** The wait reason's name, or its number when the name is unknown. */
  waitReason: string;
  userMs?: number;
  kernelMs?: number;
  /** Since the last wait or switch (Tcb.WaitTime against the tick count at the crash). */
  sinceMs?: number;
  waitObjects: WaitObject[];
  stack: MexStackRow[];
  notes: string[];
}

/** Columns as wide as the wider of header and value; `right` aligns both right (mex's `Time` column). */
function table(cols: { head: string; value: string; right?: boolean }[]): [string, string] {
  const heads: string[] = [];
  const values: string[] = [];
  for (const c of cols) {
    const w = Math.max(c.head.length, c.value.length);
    heads.push(c.right ? c.head.padStart(w) : c.head.padEnd(w));
    values.push(c.right ? c.value.padStart(w) : c.value.padEnd(w));
  }
  return [heads.join(' ').trimEnd(), values.join(' ').trimEnd()];
}

const duration = (ms: number | undefined) => (ms === undefined ? '?' : mexDuration(ms));

export function renderMexThread(v: MexThreadView): string {
  const t = v.thread;
  const cols: { head: string; value: string; right?: boolean }[] = [
    { head: 'Process', value: `${v.processName ?? '?'} (${h16(t.processAddress)})` },
    { head: 'Thread', value: `${h16(t.address)} ${MEX_THREAD_LINKS}` },
    { head: 'CID'.padEnd(9), value: `${t.processId.toString(16)}.${t.threadId.toString(16)}` },
  ];
  if (t.teb) cols.push({ head: 'TEB', value: h16(t.teb) });
  cols.push(
    { head: 'UserTime', value: duration(v.userMs), right: true },
    { head: 'KernelTime', value: duration(v.kernelMs), right: true },
    { head: 'ContextSwitches', value: String(t.contextSwitches ?? '?'), right: true },
    { head: 'Wait Reason', value: v.waitReason },
    { head: 'Time', value: duration(v.sinceMs), right: true },
    { head: 'State', value: v.state },
  );
  const [head, row] = table(cols);
  const lines = [head, row];
  if (v.waitObjects.length) {
    const tw = Math.max(20, ...v.waitObjects.map((o) => o.typeName.length));
    lines.push('', 'WaitBlockList:', `    ${'Object'.padEnd(16)} ${'Type'.padEnd(tw)} Other Waiters`);
    for (const o of v.waitObjects) lines.push(`    ${h16(o.address)} ${o.typeName.padEnd(tw)} ${String(o.otherWaiters ?? '?').padStart(13)}`);
  }
  const q = (x: number | undefined) => (x === undefined ? '?' : String(x));
  const [ph, pv] = table([
    { head: 'Current', value: q(t.priority) },
    { head: 'Base', value: q(t.basePriority) },
    { head: 'Decrement', value: q(t.priorityDecrement) },
    { head: 'ForegroundBoost', value: q(t.foregroundBoost) },
    { head: 'IO', value: q(t.ioPriority) },
    { head: 'Page', value: q(t.pagePriority) },
  ]);
  lines.push('', 'Priority:', `    ${ph}`, `    ${pv}`, '');
  if (v.stack.length) {
    // The frame number column is as wide as the last frame number in hex.
    const w = (v.stack.length - 1).toString(16).length;
    lines.push(`${'#'.padStart(w)} Child-SP         Return           Call Site`);
    for (const [i, s] of v.stack.entries()) lines.push(`${i.toString(16).padStart(w)} ${h16(s.sp)} ${h16(s.ret)} ${s.site}`);
  }
  for (const n of v.notes) lines.push(`(${n})`);
  return lines.join('\n');
}

export interface MexProcessView {
  process: ProcessInfo;
  /** 0 for a process outside any session (System), as mex shows it. */
  sessionId?: number;
  /** Already shifted into the target's time zone when `localTime`, else UTC. */
  createTime?: Date;
  localTime: boolean;
  modules?: number;
  handles?: number;
  threads?: number;
  /** The account name needs the token's SID resolved through the target's accounts: not in a dump. */
  userName?: string;
  system: boolean;
  notes: string[];
}

export function renderMexProcess(v: MexProcessView): string {
  const p = v.process;
  const q = (x: number | undefined) => (x === undefined ? '?' : String(x));
  const pid = (x: bigint | undefined) => (x === undefined ? '?' : `${x.toString(16)} (0n${x})`);
  const cols: { head: string; value: string; right?: boolean }[] = [
    { head: 'Name', value: p.name },
    { head: 'Address', value: `${h16(p.address)} ${MEX_PROCESS_LINKS}` },
    { head: 'Ses', value: q(v.sessionId), right: true },
    { head: 'PID', value: pid(p.processId) },
    { head: 'Parent', value: pid(p.parentId) },
    { head: 'PEB', value: h16(p.peb) },
    { head: 'Create Time', value: v.createTime ? mexDate(v.createTime) : '?'.padEnd(26) },
    { head: 'Mods', value: q(v.modules), right: true },
    { head: 'Handle', value: q(v.handles), right: true },
    { head: 'Thrd', value: q(v.threads), right: true },
    { head: 'User Name', value: v.userName ?? '' },
  ];
  const widths = cols.map((c) => Math.max(c.head.length, c.value.length));
  const lines = [
    cols.map((c, i) => c.head.padEnd(widths[i])).join(' ').trimEnd(),
    widths.map((w) => '='.repeat(w)).join(' '),
    cols.map((c, i) => (c.right ? c.value.padStart(widths[i]) : c.value.padEnd(widths[i]))).join(' ').trimEnd(),
    '',
    'Memory Details:',
    '',
  ];
  const size = (b: bigint | undefined) => (b === undefined ? '?' : mexSize(b));
  const mem: { head: string; value: string; right?: boolean }[] = [
    { head: 'VM', value: size(p.virtualSize) },
    { head: 'Peak', value: size(p.peakVirtualSize) },
    { head: 'Commit Size', value: size(p.commitCharge === undefined ? undefined : p.commitCharge * 4096n), right: true },
  ];
  // mex leaves the paged-pool quota out when it is zero (System).
  if (p.quotaPaged) mem.push({ head: 'PP Quota', value: size(p.quotaPaged), right: true });
  mem.push({ head: 'NPP Quota', value: size(p.quotaNonPaged), right: true });
  const mw = mem.map((c) => Math.max(c.head.length, c.value.length));
  lines.push(
    `    ${mem.map((c, i) => c.head.padEnd(mw[i])).join(' ').trimEnd()}`,
    `    ${mw.map((w) => '='.repeat(w)).join(' ')}`,
    `    ${mem.map((c, i) => (c.right ? c.value.padStart(mw[i]) : c.value.padEnd(mw[i]))).join(' ').trimEnd()}`,
    '',
  );
  // mex's menu under the table (its links, as plain text).
  if (v.system) lines.push('File Server Threads (Active threads running srv or srv2 driver)', 'Exective Work Queues', '');
  lines.push('Show LPC Port information for process', '', `Show Threads: Unique Stacks    !mex.listthreads (!lt) ${h16(p.address)}    !process ${h16(p.address)} 7`);
  for (const n of v.notes) lines.push(`(${n})`);
  return lines.join('\n');
}
