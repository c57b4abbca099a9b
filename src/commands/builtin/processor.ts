// `!irql [N]`, `!pcr [N]`, `!prcb [N]`: one processor's saved IRQL, its KPCR and its KPRCB headline fields,
// in the layouts of Microsoft's documentation for these kdexts commands, every field read by name through
// nt's types (a field the types lack is left out, never guessed). `!irql` and `!pcr` default to the current
// processor (the prompt's), `!prcb` to processor 0, as documented.
import { DumpscopeError } from '../../io/errors.js';
import type { PrcbInfo } from '../../target/kernel-objects.js';
import type { KernelTarget } from '../../target/kernel-target.js';
import { StructView } from '../../target/struct-view.js';
import { allProcessors } from '../../target/thread-context.js';
import type { CommandSpec } from '../command.js';
import type { Session } from '../session.js';
import { evalArg, kernelTarget } from './target-access.js';

const h16 = (v: bigint) => v.toString(16).padStart(16, '0');
const h8 = (v: bigint) => v.toString(16).padStart(8, '0');

/** x64 IRQL names as WinDbg prints them after the number (levels 3–11 are device levels, unnamed). */
const IRQL_NAMES: Record<number, string> = { 0: 'LOW_LEVEL', 1: 'APC_LEVEL', 2: 'DISPATCH_LEVEL', 12: 'SYNCH_LEVEL', 13: 'CLOCK_LEVEL', 14: 'IPI_LEVEL', 15: 'HIGH_LEVEL' };

interface Processor {
  prcb: PrcbInfo;
  /** The KPRCB by field name: in memory, or a small dump's copy of the crashing one. */
  view: StructView;
}

/** The processor numbered by the argument (an expression), or the default one; WinDbg's message when it has no PRCB. */
async function processorOf(session: Session, t: KernelTarget, args: string, fallback: number): Promise<Processor> {
  const n = args.trim() ? Number(await evalArg(session, args.trim())) : fallback;
  const kt = await t.kernelTypes();
  if (!kt) throw new DumpscopeError("no kernel types (nt PDB or ISF) to read the processor blocks with", 'NO_TYPES');
  const prcb = (await allProcessors(t)).find((p) => p.number === n);
  if (!prcb) throw new DumpscopeError(`Cannot get PRCB address (processor ${n} is not in this dump)`, 'NO_PROCESSOR');
  if (prcb.address !== undefined) return { prcb, view: await kt.read(t.memory, '_KPRCB', prcb.address) };
  const copy = t.dump.triage?.prcb;
  if (prcb.origin !== 'dump-copy' || !copy?.size) throw new DumpscopeError(`Cannot get PRCB address (processor ${n})`, 'NO_PROCESSOR');
  const type = await kt.struct('_KPRCB');
  return { prcb, view: new StructView(type, await t.dump.source.read(copy.offset, Math.min(copy.size, type.size))) };
}

export interface IrqlResult {
  kind: 'irql';
  processor: number;
  irql: number;
}

export const irqlCommand: CommandSpec<IrqlResult> = {
  names: ['!irql'],
  summary: "A processor's IRQL just before the bugcheck (KPRCB.DebuggerSavedIRQL; default: the current processor)",
  usage: '!irql [PROCESSOR]',
  async run(session, args) {
    const t = kernelTarget(session);
    const { prcb, view } = await processorOf(session, t, args, session.processor);
    // KeBugCheckEx raises the IRQL; the one before it is the one the kernel saved for the debugger.
    if (!view.has('DebuggerSavedIRQL')) throw new DumpscopeError("nt's _KPRCB has no DebuggerSavedIRQL field: the saved IRQL is unknown", 'NO_FIELD');
    return { kind: 'irql', processor: prcb.number, irql: view.num('DebuggerSavedIRQL') };
  },
  renderText: (r) => `Debugger saved IRQL for processor 0x${r.processor.toString(16)} -- ${r.irql}${IRQL_NAMES[r.irql] ? ` (${IRQL_NAMES[r.irql]})` : ''}`,
};

export interface PcrResult {
  kind: 'pcr';
  processor: number;
  pcr?: bigint;
  /** Label and value in WinDbg's order, in its three groups (NT_TIB; PCR; threads). */
  groups: { label: string; value: bigint }[][];
  version?: { major: number; minor: number };
  notes: string[];
}

export const pcrCommand: CommandSpec<PcrResult> = {
  names: ['!pcr'],
  summary: "A processor's KPCR: its NT_TIB, self pointer, PRCB, current IRQL, descriptor tables and threads (default: the current processor)",
  usage: '!pcr [PROCESSOR]',
  async run(session, args) {
    const t = kernelTarget(session);
    const { prcb, view } = await processorOf(session, t, args, session.processor);
    const kt = await t.kernelTypes();
    const notes: string[] = [];
    let pcr: StructView | undefined;
    let at: bigint | undefined;
    if (kt && prcb.address !== undefined) {
      // The PRCB is embedded in the KPCR (at _KPCR.Prcb).
      at = prcb.address - BigInt(await kt.offsetOf('_KPCR', 'Prcb').catch(() => 0));
      pcr = await kt.read(t.memory, '_KPCR', at).catch(() => undefined);
      if (!pcr) notes.push(`the KPCR at ${h16(at)} is not in the dump`);
    } else notes.push("the PRCB's address is unknown (a small dump's copy): its KPCR cannot be read");
    const group = (v: StructView | undefined, rows: string[][]) => rows.flatMap(([label, path]) => (v?.has(path) ? [{ label, value: v.uint(path) }] : []));
    const groups = [
      group(pcr, [['NtTib.ExceptionList', 'NtTib.ExceptionList'], ['NtTib.StackBase', 'NtTib.StackBase'], ['NtTib.StackLimit', 'NtTib.StackLimit'], ['NtTib.SubSystemTib', 'NtTib.SubSystemTib'], ['NtTib.Version', 'NtTib.Version'], ['NtTib.UserPointer', 'NtTib.ArbitraryUserPointer'], ['NtTib.SelfTib', 'NtTib.Self']]),
      group(pcr, [['SelfPcr', 'Self'], ['Prcb', 'CurrentPrcb'], ['Irql', 'Irql'], ['IDT', 'IdtBase'], ['GDT', 'GdtBase'], ['TSS', 'TssBase']]),
      group(view, [['CurrentThread', 'CurrentThread'], ['NextThread', 'NextThread'], ['IdleThread', 'IdleThread']]),
    ].filter((g) => g.length);
    const version = pcr?.has('MajorVersion') && pcr.has('MinorVersion') ? { major: pcr.num('MajorVersion'), minor: pcr.num('MinorVersion') } : undefined;
    return { kind: 'pcr', processor: prcb.number, pcr: at, groups, version, notes };
  },
  renderText(r) {
    const lines = [`KPCR for Processor ${r.processor} at ${r.pcr === undefined ? '?' : h16(r.pcr)}:`];
    if (r.version) lines.push(`    Major ${r.version.major} Minor ${r.version.minor}`);
    r.groups.forEach((g, i) => {
      if (i) lines.push('');
      for (const x of g) lines.push(`${x.label.padStart(25)}: ${h16(x.value)}`);
    });
    for (const n of r.notes) lines.push(`(${n})`);
    return lines.join('\n').trimEnd();
  },
};

export interface PrcbResult {
  kind: 'prcb';
  processor: number;
  address?: bigint;
  irql?: number;
  current?: bigint;
  next?: bigint;
  idle?: bigint;
  group?: number;
  groupIndex?: number;
  groupSetMember?: bigint;
  interruptCount?: bigint;
  times: { dpc?: bigint; interrupt?: bigint; kernel?: bigint; user?: bigint };
}

export const prcbCommand: CommandSpec<PrcbResult> = {
  names: ['!prcb'],
  summary: "A processor's KPRCB: current IRQL, current/next/idle threads, number and group, interrupt count and times (default: processor 0)",
  usage: '!prcb [PROCESSOR]',
  async run(session, args) {
    const t = kernelTarget(session);
    const { prcb, view } = await processorOf(session, t, args, 0);
    const u = (path: string) => (view.has(path) ? view.uint(path) : undefined);
    const n = (path: string) => (view.has(path) ? view.num(path) : undefined);
    return {
      kind: 'prcb',
      processor: prcb.number,
      address: prcb.address,
      irql: prcb.irql,
      current: u('CurrentThread'),
      next: u('NextThread'),
      idle: u('IdleThread'),
      group: n('Group'),
      groupIndex: n('GroupIndex'),
      groupSetMember: u('GroupSetMember'),
      interruptCount: u('InterruptCount'),
      times: { dpc: u('DpcTime'), interrupt: u('InterruptTime'), kernel: u('KernelTime'), user: u('UserTime') },
    };
  },
  renderText(r) {
    const x = (v: bigint | undefined) => (v === undefined ? '?'.repeat(16) : h16(v));
    const w = (v: bigint | undefined) => (v === undefined ? '????????' : h8(v));
    const lines = [`PRCB for Processor ${r.processor} at ${r.address === undefined ? '?' : h16(r.address)}:`];
    if (r.irql !== undefined) lines.push(`Current IRQL -- ${r.irql}`);
    lines.push(`Threads--  Current ${x(r.current)} Next ${x(r.next)} Idle ${x(r.idle)}`);
    const number = r.group !== undefined && r.groupIndex !== undefined ? ` Number (${r.group}, ${r.groupIndex})` : '';
    lines.push(`Processor Index ${r.processor}${number}${r.groupSetMember !== undefined ? ` GroupSetMember ${r.groupSetMember.toString(16)}` : ''}`);
    if (r.interruptCount !== undefined) lines.push(`Interrupt Count -- ${w(r.interruptCount)}`);
    const tm = r.times;
    if (tm.dpc !== undefined || tm.kernel !== undefined) lines.push(`Times -- Dpc    ${w(tm.dpc)} Interrupt ${w(tm.interrupt)} `, `         Kernel ${w(tm.kernel)} User      ${w(tm.user)} `);
    return lines.join('\n');
  },
};
