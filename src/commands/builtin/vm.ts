// `!vm [FLAGS]`: WinDbg's virtual memory summary. On Windows 10 and later the counters live in the memory
// manager's own structures, read here by symbol and field name through nt's types (PDB or ISF):
// nt!MiSystemPartition (_MI_PARTITION: its Vp, the visible partition), nt!MiState (_MI_SYSTEM_INFORMATION:
// Vs, SystemPtes), each processor's _KPRCB and the session spaces. Older kernels' debugger data block
// pointers (MmNumberOf…) are the fallback. WinDbg lines with no identifiable source are left out and named
// once in a note, and so are lines whose memory the dump lacks; nothing is guessed. Without flag 1, the
// processes' commit (EPROCESS.CommitCharge) follows Total Private, as WinDbg's `!vm` lists it.
import type { KernelTarget } from '../../target/kernel-target.js';
import { walkList } from '../../target/list-walk.js';
import { type KernelTypes, resolveField } from '../../target/struct-view.js';
import { DumpscopeError } from '../../io/errors.js';
import { checkpoint, isAbort } from '../checkpoint.js';
import type { CommandSpec } from '../command.js';
import { addr64 } from '../../util/hex.js';
import { kernelTarget } from './target-access.js';

type Source =
  | { global: 'MiSystemPartition'; type: '_MI_PARTITION'; path: string }
  | { global: 'MiState'; type: '_MI_SYSTEM_INFORMATION'; path: string }
  | { prcb: string }
  /** Sums read by walking the kernel's structures (Reader.modifiedPagefile, Reader.sessionCommit). */
  | { sum: 'modified-pagefile' | 'session-commit' };

interface LineSpec {
  label: string;
  src?: Source;
  /** The debugger data block's pointer to the same counter (kernels before the partition structures). */
  kdbg?: string;
  /** A part of WinDbg's "Sum System Commit". */
  commit?: boolean;
}

const P = (path: string): Source => ({ global: 'MiSystemPartition', type: '_MI_PARTITION', path: `Vp.${path}` });
const S = (path: string): Source => ({ global: 'MiState', type: '_MI_SYSTEM_INFORMATION', path });

// WinDbg's lines in WinDbg's order (the 22621 walkthroughs' `!vm 1`), each with its source when one is
// identifiable by name in the 19041 kernel's types.
const LINES: LineSpec[] = [
  { label: 'Physical Memory:', src: P('NumberOfPhysicalPages'), kdbg: 'MmNumberOfPhysicalPages' },
  { label: 'Available Pages:', src: P('AvailablePages'), kdbg: 'MmAvailablePages' },
  { label: 'ResAvail Pages:', src: P('ResidentAvailablePages'), kdbg: 'MmResidentAvailablePages' },
  { label: 'Locked IO Pages:' },
  { label: 'Free System PTEs:', src: S('Vs.SystemPteInfo.TotalFreeSystemPtes') },
  { label: 'Modified Pages:', src: P('ModifiedPageListHead.Total') },
  { label: 'Modified PF Pages:', src: { sum: 'modified-pagefile' } },
  { label: 'Modified No Write Pages:', src: P('ModifiedNoWritePageListHead.Total') },
  { label: 'NonPagedPool Usage:' },
  { label: 'NonPagedPoolNx Usage:' },
  { label: 'NonPagedPool Max:', src: S('Vs.MaximumNonPagedPoolInPages') },
  { label: 'PagedPool Usage:', src: S('Vs.PagedPoolInfo.AllocatedPagedPool') },
  { label: 'PagedPool Maximum:', src: S('Vs.SizeOfPagedPoolInPages') },
  { label: 'Processor Commit:', src: { prcb: 'CachedCommit' }, commit: true },
  { label: 'Session Commit:', src: { sum: 'session-commit' }, commit: true },
  { label: 'Shared Commit:', src: P('SharedCommit'), kdbg: 'MmSharedCommit', commit: true },
  { label: 'Special Pool:', commit: true },
  { label: 'Kernel Stacks:', commit: true },
  { label: 'Pages For MDLs:', src: S('Vs.MdlPagesAllocated'), commit: true },
  { label: 'ContigMem Pages:', commit: true },
  { label: 'Partition Pages:', commit: true },
  { label: 'Pages For AWE:', commit: true },
  { label: 'NonPagedPool Commit:', src: S('Vs.NonPagedPoolCommit'), commit: true },
  { label: 'PagedPool Commit:', kdbg: 'MmPagedPoolCommit', commit: true },
  { label: 'Driver Commit:', src: S('Vs.DriverCommit'), kdbg: 'MmDriverCommit', commit: true },
  { label: 'Boot Commit:', src: S('Vs.BootCommit'), commit: true },
  { label: 'PFN Array Commit:', src: S('Vs.PfnDatabaseCommit'), commit: true },
  { label: 'SmallNonPagedPtesCommit:', src: S('Vs.SmallNonPagedPtesCommit'), commit: true },
  // Listed among the commit lines, but not part of WinDbg's sum (both walkthroughs' figures agree on that).
  { label: 'SlabAllocatorPages:', src: P('SlabAllocatorPages') },
  { label: 'SkPagesInUnchargedSlabs:', commit: true },
  { label: 'System PageTables:', src: S('Vs.SystemPageTableCommit'), commit: true },
  { label: 'ProcessLockedFilePages:', src: P('ProcessLockedFilePages'), commit: true },
  { label: 'Pagefile Hash Pages:', src: S('Vs.PagefileHashPages'), commit: true },
  { label: 'Sum System Commit:' },
  { label: 'Total Private:' },
  { label: 'Committed pages:', src: P('TotalCommittedPages'), kdbg: 'MmTotalCommittedPages' },
  { label: 'Commit limit:', src: P('TotalCommitLimit'), kdbg: 'MmTotalCommitLimit' },
];

export interface VmCounter {
  label: string;
  /** Where the value was read ('nt!MiSystemPartition.Vp.AvailablePages'), when it has a source. */
  source?: string;
  pages?: bigint;
  /** Why there is no value: no source in this kernel's types, or the memory is not in the dump. */
  reason?: string;
  missing?: 'no-source' | 'not-in-dump';
}

export interface VmPageFile {
  name?: string;
  /** Pages. */
  size: bigint;
  free: bigint;
  minimum: bigint;
  maximum: bigint;
}

export interface VmProcess {
  processId: bigint;
  name: string;
  commitPages: bigint;
}

export interface VmResult {
  kind: 'vm';
  flags: number;
  pageFiles: VmPageFile[];
  pageFilesNote?: string;
  counters: VmCounter[];
  /** MiState.SystemPtes.KernelStackPteInfo.PteFailures, when non-zero. */
  stackPteFailures?: number;
  /** Sum System Commit + Total Private − Committed pages, in Kb (WinDbg's warning), when positive. */
  commitExcessKb?: bigint;
  /**
   * The excess is a lower bound: some commit lines have no value, and the ones read already exceed the
   * overall commit (the missing ones, page counts, could only add to it).
   */
  commitExcessAtLeast?: boolean;
  /** A counter whose value is shaped like a kernel address, not a page count (WinDbg prints it all the same). */
  addressLike?: { label: string; value: bigint }[];
  processes?: VmProcess[];
  processesNote?: string;
}

const M64 = (1n << 64n) - 1n;
const MAX_PAGING_FILES = 16;
/** Bounds for the walks behind Modified PF Pages (one list per paging file) and Session Commit. */
const MAX_RESERVATION_LISTS = 64;
const MAX_SESSIONS = 4096;

class Reader {
  private readonly bases = new Map<string, Promise<bigint | undefined>>();
  constructor(
    private readonly t: KernelTarget,
    private readonly kt: KernelTypes | undefined,
  ) {}

  private missingMemory(): string {
    return this.t.dump.triage ? 'the small dump does not contain the memory holding it' : 'not in this dump';
  }

  private base(name: string): Promise<bigint | undefined> {
    let p = this.bases.get(name);
    if (!p) {
      const nt = this.t.modules.modules[0];
      p = this.kt && nt ? this.kt.global(nt.base, name).catch(() => undefined) : Promise.resolve(undefined);
      this.bases.set(name, p);
    }
    return p;
  }

  async u64(address: bigint, size: number, signed = false): Promise<bigint | undefined> {
    const b = await this.t.memory.read(address, size).catch(() => undefined);
    if (!b) return undefined;
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    return signed ? BigInt.asIntN(size * 8, v) & M64 : v;
  }

  /** A field of a kernel global by dotted path: its value, or why there is none. */
  async field(global: string, type: string, path: string): Promise<{ value?: bigint; reason: string; missing?: VmCounter['missing'] }> {
    const at = await this.base(global);
    const t = this.kt ? await this.kt.struct(type).catch(() => undefined) : undefined;
    const f = t ? resolveField(t, path) : undefined;
    if (at === undefined || !f || f.type.size < 1 || f.type.size > 8) return { reason: `nt's types have no ${global} ${type}.${path}`, missing: 'no-source' };
    const signed = f.type.kind === 'base' && !/unsigned/.test(f.type.name) && f.type.name !== 'bool';
    const value = await this.u64(at + BigInt(f.offset), f.type.size, signed);
    return value === undefined ? { reason: this.missingMemory(), missing: 'not-in-dump' } : { value, reason: '' };
  }

  async fieldAddress(global: string, type: string, path: string): Promise<bigint | undefined> {
    const at = await this.base(global);
    const t = this.kt ? await this.kt.struct(type).catch(() => undefined) : undefined;
    const f = t ? resolveField(t, path) : undefined;
    return at !== undefined && f ? at + BigInt(f.offset) : undefined;
  }

  async counter(spec: LineSpec): Promise<VmCounter> {
    const { label, src } = spec;
    if (src && 'global' in src) {
      const r = await this.field(src.global, src.type, src.path);
      if (r.value !== undefined) return { label, source: `nt!${src.global}.${src.path}`, pages: r.value };
      if (r.missing === 'not-in-dump' || !spec.kdbg) return { label, source: `nt!${src.global}.${src.path}`, reason: r.reason, missing: r.missing };
    }
    if (src && 'prcb' in src) return this.perProcessor(label, src.prcb);
    if (src && 'sum' in src) return src.sum === 'modified-pagefile' ? this.modifiedPagefile(label) : this.sessionCommit(label);
    const ptr = spec.kdbg ? this.t.debuggerData?.pointer(spec.kdbg) : undefined;
    if (ptr) {
      const v = await this.u64(ptr, 8);
      return v === undefined ? { label, source: `nt!${spec.kdbg}`, reason: this.missingMemory(), missing: 'not-in-dump' } : { label, source: `nt!${spec.kdbg}`, pages: v };
    }
    return { label, reason: 'no source identified among the kernel\'s fields', missing: 'no-source' };
  }

  private async readField(at: bigint, size: number): Promise<bigint | undefined> {
    return size >= 1 && size <= 8 ? this.u64(at, size) : undefined;
  }

  /**
   * Modified pages headed for a paging file: the partition's modified list without a page-file reservation
   * plus its per-paging-file lists (PageLists.ModifiedPageListNoReservation, ModifiedPageListByReservation[i]).
   */
  private async modifiedPagefile(label: string): Promise<VmCounter> {
    const source = 'nt!MiSystemPartition.PageLists.ModifiedPageListNoReservation.Total + ModifiedPageListByReservation[*].Total';
    const none = await this.field('MiSystemPartition', '_MI_PARTITION', 'PageLists.ModifiedPageListNoReservation.Total');
    if (none.missing) return { label, source: none.missing === 'no-source' ? undefined : source, reason: none.reason, missing: none.missing };
    const lists = await this.fieldAddress('MiSystemPartition', '_MI_PARTITION', 'PageLists.ModifiedPageListByReservation');
    const t = this.kt ? await this.kt.struct('_MI_PARTITION').catch(() => undefined) : undefined;
    const array = t ? resolveField(t, 'PageLists.ModifiedPageListByReservation')?.type : undefined;
    const total = array?.kind === 'array' && array.element.kind === 'udt' ? resolveField(array.element, 'Total') : undefined;
    if (lists === undefined || array?.kind !== 'array' || !total) return { label, reason: "nt's types have no _MI_PARTITION.PageLists.ModifiedPageListByReservation[].Total", missing: 'no-source' };
    let sum = none.value as bigint;
    for (let i = 0; i < Math.min(array.count, MAX_RESERVATION_LISTS); i++) {
      const v = await this.readField(lists + BigInt(i * array.element.size + total.offset), total.type.size);
      if (v === undefined) return { label, source, reason: this.missingMemory(), missing: 'not-in-dump' };
      sum += v;
    }
    return { label, source, pages: sum & M64 };
  }

  /** Every session's committed pages: _MM_SESSION_SPACE.CommittedPages over MiState.Vs.SessionWsList (linked by WsListEntry). */
  private async sessionCommit(label: string): Promise<VmCounter> {
    const source = 'nt!MiState.Vs.SessionWsList → _MM_SESSION_SPACE.CommittedPages (summed)';
    const head = await this.fieldAddress('MiState', '_MI_SYSTEM_INFORMATION', 'Vs.SessionWsList');
    const t = this.kt ? await this.kt.struct('_MM_SESSION_SPACE').catch(() => undefined) : undefined;
    const link = t ? resolveField(t, 'WsListEntry') : undefined;
    const pages = t ? resolveField(t, 'CommittedPages') : undefined;
    if (head === undefined || !link || !pages) return { label, reason: "nt's types have no MiState Vs.SessionWsList or _MM_SESSION_SPACE.WsListEntry/CommittedPages", missing: 'no-source' };
    if ((await this.u64(head, 8)) === undefined) return { label, source, reason: this.missingMemory(), missing: 'not-in-dump' };
    const walk = await walkList(this.t.memory, head, link.offset, MAX_SESSIONS);
    if (walk.note) return { label, source, reason: `the session list is damaged (${walk.note})`, missing: 'not-in-dump' };
    let sum = 0n;
    for (const s of walk.items) {
      const v = await this.readField(s + BigInt(pages.offset), pages.type.size);
      if (v === undefined) return { label, source, reason: this.missingMemory(), missing: 'not-in-dump' };
      sum += v;
    }
    return { label, source, pages: sum & M64 };
  }

  /** A _KPRCB field summed over every processor (each one's cached share of a counter). */
  private async perProcessor(label: string, path: string): Promise<VmCounter> {
    const source = `nt!_KPRCB.${path} (all processors)`;
    const t = this.kt ? await this.kt.struct('_KPRCB').catch(() => undefined) : undefined;
    const f = t ? resolveField(t, path) : undefined;
    if (!f || f.type.size < 1 || f.type.size > 8) return { label, reason: `nt's types have no _KPRCB.${path}`, missing: 'no-source' };
    const prcbs = await this.t.processors().catch(() => []);
    const count = this.t.dump.header.processors;
    if (prcbs.length !== count || prcbs.some((p) => p.address === undefined)) return { label, source, reason: `${this.missingMemory()} (${prcbs.length} of ${count} processor blocks readable)`, missing: 'not-in-dump' };
    let sum = 0n;
    for (const p of prcbs) {
      const v = await this.u64((p.address as bigint) + BigInt(f.offset), f.type.size);
      if (v === undefined) return { label, source, reason: this.missingMemory(), missing: 'not-in-dump' };
      sum += v;
    }
    return { label, source, pages: sum & M64 };
  }
}

async function pageFiles(r: Reader, t: KernelTarget, kt: KernelTypes | undefined): Promise<{ files: VmPageFile[]; note?: string }> {
  const n = await r.field('MiSystemPartition', '_MI_PARTITION', 'Vp.NumberOfPagingFiles');
  if (n.value === undefined) return { files: [], note: `paging files: ${n.reason}` };
  const array = await r.fieldAddress('MiSystemPartition', '_MI_PARTITION', 'Vp.PagingFile');
  const type = kt ? await kt.struct('_MMPAGING_FILE').catch(() => undefined) : undefined;
  if (array === undefined || !type || !kt) return { files: [], note: "paging files: nt's types have no _MMPAGING_FILE" };
  const files: VmPageFile[] = [];
  const count = Number(n.value > BigInt(MAX_PAGING_FILES) ? MAX_PAGING_FILES : n.value);
  for (let i = 0; i < count; i++) {
    const p = await r.u64(array + BigInt(i * 8), 8);
    const v = p ? await kt.read(t.memory, '_MMPAGING_FILE', p).catch(() => undefined) : undefined;
    if (!v) return { files, note: `paging file ${i}: its _MMPAGING_FILE is not in this dump` };
    const name = v.has('PageFileName.Buffer') ? await t.readUnicodeString(v.sub('PageFileName')) : undefined;
    files.push({ name: name || undefined, size: v.uint('Size'), free: v.uint('FreeSpace'), minimum: v.uint('MinimumSize'), maximum: v.uint('MaximumSize') });
  }
  return { files, note: n.value > BigInt(MAX_PAGING_FILES) ? `NumberOfPagingFiles is ${n.value}: only ${MAX_PAGING_FILES} can exist` : undefined };
}

async function processCommit(t: KernelTarget, signal?: AbortSignal): Promise<{ processes?: VmProcess[]; note?: string }> {
  // An abort (Ctrl-C) is not a reason to show without the processes: it stops the command.
  const { processes, note } = await t.processes(signal).catch((e) => {
    if (isAbort(e)) throw e;
    return { processes: [], note: (e as Error).message };
  });
  if (note) return { note };
  if (!processes.length) return { note: 'no process was found' };
  if (processes.some((p) => p.commitCharge === undefined)) return { note: "nt's types have no _EPROCESS.CommitCharge" };
  const list = processes.map((p) => ({ processId: p.processId, name: p.name, commitPages: p.commitCharge as bigint }));
  return { processes: list.sort((a, b) => (b.commitPages > a.commitPages ? 1 : b.commitPages < a.commitPages ? -1 : 0)) };
}

export const vmCommand: CommandSpec<VmResult> = {
  names: ['!vm'],
  summary: 'Virtual memory summary: paging files, physical and available pages, pool, commit (WinDbg order), the processes\' commit without flag 1',
  usage: '!vm [FLAGS]',
  async run(session, args, _name, signal) {
    const t = kernelTarget(session);
    const text = args.trim();
    const flags = text ? Number.parseInt(text.replace(/^0x/i, ''), 16) : 0;
    if (!Number.isFinite(flags) || flags < 0) throw new DumpscopeError(`flags must be a hex number, not '${text}'`, 'USAGE');
    const kt = await t.kernelTypes();
    if (!kt && !t.debuggerData?.pointer('MmNumberOfPhysicalPages')) throw new DumpscopeError("nt's types are needed (a PDB or ISF table on the symbol path) to read MiSystemPartition and MiState", 'NO_TYPES');
    const r = new Reader(t, kt);
    const { files, note: pageFilesNote } = await pageFiles(r, t, kt);
    const counters: VmCounter[] = [];
    for (const spec of LINES) {
      await checkpoint(signal);
      counters.push(await r.counter(spec));
    }
    const byLabel = (l: string) => counters.find((c) => c.label === l) as VmCounter;
    // Sum System Commit is WinDbg's sum of its commit lines: known only when every part is.
    const parts = LINES.filter((l) => l.commit).map((l) => byLabel(l.label));
    const sum = byLabel('Sum System Commit:');
    const unknownParts = parts.filter((p) => p.pages === undefined).map((p) => p.label.replace(/:$/, ''));
    // Unwrapped: what the lines read add up to (a lower bound of the whole sum while some are unknown).
    const knownSum = parts.reduce((n, p) => n + (p.pages ?? 0n), 0n);
    if (unknownParts.length) Object.assign(sum, { reason: `needs ${unknownParts.join(', ')}`, missing: 'no-source' });
    else Object.assign(sum, { source: 'the sum of the commit lines', pages: knownSum & M64, reason: undefined, missing: undefined });
    const proc = await processCommit(t, signal);
    const total = byLabel('Total Private:');
    if (proc.processes) Object.assign(total, { source: 'the sum of _EPROCESS.CommitCharge over the process list', pages: proc.processes.reduce((n, p) => n + p.commitPages, 0n) & M64, reason: undefined, missing: undefined });
    else Object.assign(total, { reason: proc.note, missing: t.dump.triage ? 'not-in-dump' : 'no-source' });
    const committed = byLabel('Committed pages:').pages;
    let commitExcessKb: bigint | undefined;
    let commitExcessAtLeast: boolean | undefined;
    if (sum.pages !== undefined && total.pages !== undefined && committed !== undefined) {
      const excess = BigInt.asIntN(64, sum.pages + total.pages - committed);
      if (excess > 0n) commitExcessKb = (excess * 4n) & M64;
    } else if (unknownParts.length && knownSum <= M64 && total.pages !== undefined && committed !== undefined) {
      // The lines read already exceed the overall commit: the warning holds whatever the missing ones say.
      const excess = knownSum + total.pages - committed;
      if (excess > 0n) {
        commitExcessKb = (excess * 4n) & M64;
        commitExcessAtLeast = true;
      }
    }
    // A "count" in the kernel half of the address space is a pointer read as a count (WinDbg's PagedPool
    // Commit on 22621 walkthroughs); said so, since the sum and the warning inherit it.
    const addressLike = counters.filter((c) => c.pages !== undefined && c !== sum && c.pages >= 0xffff800000000000n).map((c) => ({ label: c.label.replace(/:$/, ''), value: c.pages as bigint }));
    const failures = await r.field('MiState', '_MI_SYSTEM_INFORMATION', 'SystemPtes.KernelStackPteInfo.PteFailures');
    return {
      kind: 'vm',
      flags,
      pageFiles: files,
      pageFilesNote,
      counters,
      stackPteFailures: failures.value ? Number(failures.value) : undefined,
      commitExcessKb,
      commitExcessAtLeast,
      addressLike: addressLike.length ? addressLike : undefined,
      processes: flags & 1 ? undefined : proc.processes,
      processesNote: flags & 1 ? undefined : proc.note,
    };
  },
  renderText(r) {
    const kb = (pages: bigint) => (pages * 4n) & M64;
    const lines: string[] = [];
    for (const f of r.pageFiles) {
      lines.push(f.name ? `Page File: ${f.name}` : 'No Name for Paging File');
      lines.push(`  Current:${kb(f.size).toString().padStart(10)} Kb  Free Space:${kb(f.free).toString().padStart(10)} Kb`);
      lines.push(`  Minimum:${kb(f.minimum).toString().padStart(10)} Kb  Maximum:${kb(f.maximum).toString().padStart(13)} Kb`);
    }
    if (r.pageFiles.length) lines.push('');
    // Numbers end in column 33, the Kb figure is 11 wide: WinDbg's columns. A wider number pushes right from
    // column 19 (or one past a longer label): `PagedPool Commit:  18446735282293205272` in the walkthroughs.
    const row = (label: string, pages: bigint) => {
      const start = Math.max(19, label.length + 1);
      return `${label.padEnd(start)}${pages.toString().padStart(33 - start)} (${kb(pages).toString().padStart(11)} Kb)`;
    };
    for (const c of r.counters) {
      if (c.label === 'Committed pages:' && r.commitExcessKb !== undefined) {
        lines.push('', `********** Sum of individual system commit + Process commit exceeds overall commit by ${r.commitExcessAtLeast ? 'at least ' : ''}${r.commitExcessKb} Kb ? ********`);
      }
      if (c.pages !== undefined) lines.push(row(c.label, c.pages));
      if (c.label === 'Free System PTEs:' && r.stackPteFailures) lines.push('', `******* ${r.stackPteFailures} kernel stack PTE allocations have failed ******`, '');
      if (c.label === 'Total Private:' && r.processes) {
        for (const p of r.processes) lines.push(`         ${p.processId.toString(16).padStart(4, '0')} ${p.name.padEnd(17)}${p.commitPages.toString().padStart(10)} (${kb(p.commitPages).toString().padStart(11)} Kb)`);
      }
    }
    const label = (c: VmCounter) => c.label.replace(/:$/, '');
    const sumLine = r.counters.find((c) => c.label === 'Sum System Commit:');
    const noSource = r.counters.filter((c) => c.missing === 'no-source' && c !== sumLine);
    const notInDump = r.counters.filter((c) => c.missing === 'not-in-dump');
    const notes: string[] = [];
    const reasons = new Map<string, VmCounter[]>();
    for (const c of notInDump) reasons.set(c.reason ?? '', [...(reasons.get(c.reason ?? '') ?? []), c]);
    for (const [why, cs] of reasons) notes.push(`Not shown (${why}): ${cs.map(label).join(', ')}.`);
    if (noSource.length) notes.push(`Not shown (no source identified among the kernel's fields): ${noSource.map(label).join(', ')}.`);
    if (sumLine?.missing) {
      const missing = sumLine.reason?.replace(/^needs /, '');
      if (r.commitExcessAtLeast) notes.push(`Sum System Commit needs every commit line; these have no value: ${missing}. The excess-commit warning counts the others, which already exceed the overall commit ("at least").`);
      else notes.push(`Sum System Commit and its excess-commit warning need every commit line; these have no value: ${missing}.`);
    }
    for (const a of r.addressLike ?? []) notes.push(`${a.label} holds ${addr64(a.value)}, shaped like a kernel address, not a page count (WinDbg prints the same value); the commit sum and its warning include it.`);
    if (r.pageFilesNote) notes.push(`${r.pageFilesNote[0].toUpperCase()}${r.pageFilesNote.slice(1)}.`);
    if (r.processesNote && !r.counters.some((c) => c.label === 'Total Private:' && c.missing)) notes.push(`Processes: ${r.processesNote}.`);
    if (notes.length) lines.push('', ...notes);
    return lines.join('\n');
  },
};
