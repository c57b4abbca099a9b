// `!thread`, `!process` and `!running` in WinDbg's layouts.
import type { ProcessInfo, ThreadInfo } from '../target/kernel-objects.js';
import type { WaitObject } from '../target/object-details.js';
import { addr64 } from '../util/hex.js';
import { guessMark, NO_UNWIND_WARNING, renderStack, type StackListing } from './stack.js';
import { dhms, hms } from './thread-times.js';

export interface ThreadView {
  info: ThreadInfo;
  /** `line`: the THREAD line only (flags 0); `waits`: with the wait objects (flag 0x2); `full` (default): the whole block. */
  detail?: 'line' | 'waits' | 'full';
  processName?: string;
  attachedProcessName?: string;
  /** Processor whose PRCB runs the thread (CurrentThread) or has it next (NextThread). */
  running?: number;
  standby?: number;
  /** Names from nt's enumerations (or the public tables). */
  stateName?: string;
  waitReasonName?: string;
  waitObjects: WaitObject[];
  /** Clock ticks since Tcb.WaitTime, when the tick count at the crash is known. */
  ticks?: number;
  msPerTick: number;
  startSymbol?: string;
  win32StartSymbol?: string;
  stack?: StackListing;
  stackNote?: string;
  notes: string[];
}

export interface ProcessView {
  info: ProcessInfo;
  sessionId?: number;
  handleCount?: number;
  /** Details of `!process ADDR 7` (flag bit 0). */
  details?: boolean;
  msPerTick: number;
  /** Milliseconds from the process's creation to the crash (ElapsedTime), when both are known. */
  elapsedMs?: number;
  threads?: ThreadView[];
}

const h = (v: bigint | undefined, w = 16) => (v === undefined ? '?'.repeat(w) : v.toString(16).padStart(w, '0'));
const cid = (v: bigint) => v.toString(16).padStart(4, '0');
const ms = (ticks: number | undefined, msPerTick: number) => (ticks === undefined ? undefined : Math.round(ticks * msPerTick));

/** The state part of the THREAD line: RUNNING on processor 0, WAIT: (WrQueue) KernelMode Non-Alertable, … */
function threadState(v: ThreadView): string {
  const t = v.info;
  if (v.running !== undefined) return `RUNNING on processor ${v.running}`;
  if (t.state === 5) {
    const reason = v.waitReasonName ?? (t.waitReason === undefined ? '?' : String(t.waitReason));
    const mode = t.waitMode === undefined ? '' : t.waitMode === 0 ? ' KernelMode' : ' UserMode';
    const alert = t.alertable === undefined ? '' : t.alertable ? ' Alertable' : ' Non-Alertable';
    return `WAIT: (${reason})${mode}${alert}`;
  }
  const name = (v.stateName ?? (t.state === undefined ? '' : `state ${t.state}`)).toUpperCase();
  return v.standby !== undefined ? `${name} on processor ${v.standby}` : name;
}

/** The stack rows of `!thread` (kb without frame numbers) and `!process … 7` (k without them). */
function stackLines(s: StackListing, withArgs: boolean): string[] {
  const out = withArgs ? [`Child-SP          RetAddr               : Args to Child${' '.repeat(59)}: Call Site`] : ['Child-SP          RetAddr               Call Site'];
  let warned = false;
  for (const r of s.rows) {
    if (r.guessed && !warned) {
      out.push(NO_UNWIND_WARNING);
      warned = true;
    }
    const site = (r.trapFrame === undefined ? r.callSite : `${r.callSite} (TrapFrame @ ${addr64(r.trapFrame)})`) + guessMark(r);
    const head = `${addr64(r.childSp)} ${addr64(r.retAddr)}     `;
    if (!withArgs) out.push(`${head}${site}`);
    else out.push(`${head}: ${(r.args ?? [undefined, undefined, undefined, undefined]).map((a) => (a === undefined ? '????????`????????' : addr64(a))).join(' ')} : ${site}`);
  }
  return [...out, ...s.notes];
}

export function renderThread(v: ThreadView, indent = '', withArgs = true): string {
  const t = v.info;
  const win32 = t.win32Thread === undefined ? '' : ` Win32Thread: ${h(t.win32Thread)}`;
  const lines = [`THREAD ${h(t.address)}  Cid ${cid(t.processId)}.${cid(t.threadId)}  Teb: ${h(t.teb)}${win32} ${threadState(v)}`];
  for (const o of v.waitObjects) lines.push(`    ${h(o.address)}  ${o.typeName}`);
  if (v.detail === 'line' || v.detail === 'waits') return [...lines, ...v.notes.map((n) => `(${n})`)].map((l) => indent + l).join('\n');
  lines.push(`Owning Process            ${h(t.processAddress)}       Image:         ${v.processName ?? '?'}`);
  if (t.attachedProcess) lines.push(`Attached Process          ${h(t.attachedProcess)}       Image:         ${v.attachedProcessName ?? '?'}`);
  else lines.push('Attached Process          N/A            Image:         N/A');
  const age = v.ticks === undefined ? '' : v.ticks === 0 ? '0' : `${v.ticks} (${dhms(ms(v.ticks, v.msPerTick) as number)})`;
  lines.push(`Wait Start TickCount      ${String(t.waitTime ?? '?').padEnd(15)}${age ? `Ticks: ${age}` : ''}`.trimEnd());
  lines.push(`Context Switch Count      ${String(t.contextSwitches ?? '?').padEnd(15)}${t.idealProcessor === undefined ? '' : `IdealProcessor: ${t.idealProcessor}`}`.trimEnd());
  const time = (x: number | undefined) => (x === undefined ? '?' : hms(ms(x, v.msPerTick) as number));
  lines.push(`UserTime                  ${time(t.userTime)}`, `KernelTime                ${time(t.kernelTime)}`);
  const start = (label: string, a: bigint, sym?: string) => `${label} ${sym ? `${sym} (0x${h(a)})` : `0x${h(a)}`}`;
  if (t.win32StartAddress) lines.push(start('Win32 Start Address', t.win32StartAddress, v.win32StartSymbol));
  else if (t.startAddress) lines.push(start('Start Address', t.startAddress, v.startSymbol));
  lines.push(`Stack Init ${h(t.initialStack)} Current ${h(t.kernelStack)}`);
  lines.push(`Base ${h(t.stackBase)} Limit ${h(t.stackLimit)}${t.callbackStack === undefined ? '' : ` Call ${h(t.callbackStack)}`}`);
  const prio = [`Priority ${t.priority ?? '?'}`, `BasePriority ${t.basePriority ?? '?'}`];
  if (t.priorityDecrement !== undefined) prio.push(`PriorityDecrement ${t.priorityDecrement}`);
  if (t.ioPriority !== undefined) prio.push(`IoPriority ${t.ioPriority}`);
  if (t.pagePriority !== undefined) prio.push(`PagePriority ${t.pagePriority}`);
  lines.push(prio.join(' '));
  if (t.origin === 'dump-copy') lines.push("(from the small dump's copy of the crashing thread)");
  if (v.stack) lines.push(...stackLines(v.stack, withArgs));
  else if (v.stackNote) lines.push(`(${v.stackNote})`);
  for (const n of v.notes) lines.push(`(${n})`);
  return lines.map((l) => indent + l).join('\n');
}

/** `!process` process lines: the short block of `!process 0 0`, plus the counters of flag 1. */
function processLines(v: ProcessView): string[] {
  const p = v.info;
  const session = v.sessionId !== undefined ? String(v.sessionId) : p.sessionSpace === 0n ? 'none' : '?';
  const out = [
    `PROCESS ${h(p.address)}`,
    `    SessionId: ${session}  Cid: ${cid(p.processId)}    Peb: ${h(p.peb, 8)}  ParentCid: ${p.parentId === undefined ? '????' : cid(p.parentId)}`,
    `    DirBase: ${h(p.directoryTableBase, 8)}  ObjectTable: ${h(p.objectTable, 8)}  HandleCount: ${v.handleCount === undefined ? '<Data Not Accessible>' : `${String(v.handleCount).padStart(3)}.`}`,
    `    Image: ${p.name}`,
  ];
  if (v.details) {
    const row = (label: string, value: string | undefined) => value !== undefined && out.push(`    ${label.padEnd(34)}${value}`);
    const time = (x: number | undefined) => (x === undefined ? undefined : hms(ms(x, v.msPerTick) as number));
    const mb = (b: bigint | undefined) => (b === undefined ? undefined : `${b / 1048576n} Mb`);
    const dec = (x: bigint | undefined) => x?.toString();
    // WinDbg's order; a line whose field nt's types lack is left out.
    if (p.vadRoot !== undefined) out.push(`    VadRoot ${h(p.vadRoot)} Vads ${p.vadCount ?? '?'} Clone ${(p.cloneRoot ?? 0n).toString(16)} Private ${p.privatePages ?? '?'}. Modified ${p.modifiedPages ?? '?'}. Locked ${p.lockedPages ?? '?'}.`);
    if (p.deviceMap !== undefined) out.push(`    DeviceMap ${h(p.deviceMap)}`);
    row('Token', p.token === undefined ? undefined : h(p.token));
    row('ElapsedTime', v.elapsedMs === undefined ? undefined : hms(v.elapsedMs));
    row('UserTime', time(p.userTime));
    row('KernelTime', time(p.kernelTime));
    row('QuotaPoolUsage[PagedPool]', p.quotaPaged?.toString());
    row('QuotaPoolUsage[NonPagedPool]', p.quotaNonPaged?.toString());
    if (p.workingSet !== undefined && p.workingSetMin !== undefined && p.workingSetMax !== undefined) {
      const kb = (pages: bigint) => `${pages * 4n}KB`;
      out.push(`    Working Set Sizes (now,min,max)  (${p.workingSet}, ${p.workingSetMin}, ${p.workingSetMax}) (${kb(p.workingSet)}, ${kb(p.workingSetMin)}, ${kb(p.workingSetMax)})`);
    }
    row('PeakWorkingSetSize', dec(p.peakWorkingSet));
    row('VirtualSize', mb(p.virtualSize));
    row('PeakVirtualSize', mb(p.peakVirtualSize));
    row('PageFaultCount', dec(p.pageFaults));
    row('BasePriority', p.basePriority?.toString());
    row('CommitCharge', p.commitCharge?.toString());
    if (p.job) row('Job', h(p.job));
  }
  if (p.origin === 'dump-copy') out.push("    (from the small dump's copy of the crashing process)");
  return out;
}

/** `header`: WinDbg's `**** NT ACTIVE PROCESS DUMP ****`, printed for `!process 0 FLAGS` only. */
export function renderProcesses(list: ProcessView[], notes: string[], header: boolean): string {
  const out = header ? ['**** NT ACTIVE PROCESS DUMP ****'] : [];
  for (const v of list) {
    out.push(...processLines(v));
    for (const t of v.threads ?? []) out.push('', renderThread(t, '        ', false));
    out.push('');
  }
  for (const n of notes) out.push(`(${n})`);
  return out.join('\n').trimEnd();
}

export interface RunningRow {
  processor: number;
  prcb?: bigint;
  current: bigint;
  currentPriority?: number;
  next?: bigint;
  nextPriority?: number;
  idle?: bigint;
  /** The 16 queued spin locks ('.', 'O', 'W'). */
  locks?: string;
  stack?: StackListing;
  stackNote?: string;
}

export function renderRunning(rows: RunningRow[], notes: string[], opts: { idle?: boolean; stacks?: boolean } = {}): string {
  // As WinDbg: processor masks first, then the processors not running their idle thread (all with -i).
  let system = 0n;
  let idle = 0n;
  // A processor counts as idle when it runs its idle thread and has chosen nothing to run next.
  const isIdle = (r: RunningRow) => r.current === r.idle && !r.next;
  for (const r of rows) {
    // A damaged PRCB's Number can be any value: only Windows' 2048 possible processors have a mask bit.
    if (!(r.processor >= 0 && r.processor < 2048)) continue;
    system |= 1n << BigInt(r.processor);
    if (isIdle(r)) idle |= 1n << BigInt(r.processor);
  }
  const out = ['', `System Processors:  (${h(system)})`, `  Idle Processors:  (${h(idle)})`];
  if (rows.length && idle === system && !opts.idle) out.push('All processors idle.');
  out.push('', '       Prcbs             Current         (pri) Next            (pri) Idle');
  const pri = (p: number | undefined) => `(${(p === undefined ? '?' : String(p)).padStart(2)})`;
  for (const r of rows) {
    if (!opts.idle && isIdle(r)) continue;
    const next = r.next ? `${h(r.next)} ${pri(r.nextPriority)}` : ' '.repeat(21);
    out.push(`${String(r.processor).padStart(3)}    ${h(r.prcb)}  ${h(r.current)} ${pri(r.currentPriority)} ${next} ${h(r.idle)}${r.locks ? `  ${r.locks}` : ''}`);
    if (opts.stacks) {
      out.push('');
      if (r.stack) out.push(renderStack(r.stack, 'k'));
      else out.push(`(${r.stackNote ?? 'no stack'})`);
      out.push('');
    }
  }
  for (const n of notes) out.push(`(${n})`);
  return out.join('\n');
}
