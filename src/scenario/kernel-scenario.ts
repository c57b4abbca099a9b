// A coherent synthetic x64 Windows kernel in memory: the scenario kernel and drivers loaded at their bases,
// the debugger data block, the loaded-module list, the System process with its threads, one PRCB per
// processor with its idle thread, the clock, kernel stacks laid out from real unwind data, and pool blocks.
// Scenarios (scenarios.ts) add the crash on top. Every structure is written by field name through the
// scenario kernel's PDB.
import { encodeExceptionRecord64, encodeX64Context, type ExceptionRecord } from '../formats/kernel-dump/records.js';
import type { DumpFacts } from '../formats/kernel-dump/writer.js';
import { FormatError } from '../io/errors.js';
import type { UdtType } from '../symbols/types.js';
import { encodeDebuggerData } from '../target/debugger-data.js';
import { KernelTypes } from '../target/struct-view.js';
import type { X64Registers } from '../target/x64-registers.js';
import { bindImports, type LoadedImage, loadImage, symbolAddress } from './images.js';
import { MemoryBuilder } from './memory-builder.js';
import { type BuiltFrame, buildStack, type ChainFrame, type NonVolatileRegisters, storeHomeArguments } from './stack-builder.js';
import { StructWriter } from './struct-writer.js';

/** The compiled scenario binaries: file name → bytes (images and their PDBs). */
export type ScenarioBinaries = Map<string, Uint8Array>;

export const NT_BASE = 0xfffff80116200000n;
const KDBG_VA = 0xfffff80116c00b20n;
const OBJECTS = 0xffffa50840000000n;
const PRCB_BASE = 0xfffff80114800000n;
const STACKS = 0xfffff90fb6d00000n;
const STACK_SIZE = 0x7000n;
/**
 * The default self-map slot: MmPteBase FFFFBE8000000000, as in the 0x50 walkthrough. Windows picks the slot
 * at random per boot (any kernel PML4 slot), so scenarios choose their own (`KernelScenarioOptions`).
 */
export const DEFAULT_SELF_MAP_INDEX = 0x17d;
/** The clock: 15.625 ms ticks (KeMaximumIncrement, 100 ns units); the tick count is the header's uptime in ticks. */
export const CLOCK_INCREMENT = 156250;
export const SYSTEM_UPTIME = 18927980000n; // 0:31:32.798, the 0x50 walkthrough's uptime
export const TICK_COUNT = SYSTEM_UPTIME / BigInt(CLOCK_INCREMENT);
/** UTC − 7:00, the walkthroughs' time zone (KUSER_SHARED_DATA.TimeZoneBias, 100 ns units). */
export const TIME_ZONE_BIAS = 7n * 3600n * 10_000_000n;
export const SYSTEM_TIME = 0x01d9ee2b6f8c2f00n;
/** System's process figures, chosen to print as the 0x7E walkthrough's `!p` does (3.98 MB, 15.53 MB, 40 KB, 272 B). */
export const SYSTEM_FIGURES = { virtualSize: 4173824n, peakVirtualSize: 16284385n, commitPages: 10n, quotaNonPaged: 272n, quotaPaged: 0n, handles: 2858 };

export interface ThreadSpec {
  ethread: bigint;
  stackBase: bigint;
  stackLimit: bigint;
}

/** `!vm`'s counters (pages) where a Windows 10 kernel keeps them: field paths in nt!MiSystemPartition and nt!MiState. */
export interface VmCounters {
  partition?: Record<string, bigint>;
  miState?: Record<string, bigint>;
  /** Each processor's _KPRCB.CachedCommit (WinDbg's Processor Commit is their sum). */
  cachedCommit?: bigint[];
  /** The page-file-backed modified lists: _MI_PARTITION.PageLists.ModifiedPageListByReservation[i].Total per paging file, and the one without a reservation. */
  modifiedByPagingFile?: bigint[];
  modifiedNoReservation?: bigint;
  /** What the variable the debugger data block's MmPagedPoolCommit points at holds. */
  pagedPoolCommit?: bigint;
  /** _MM_SESSION_SPACE.CommittedPages per session id (sessions are made when a process names them). */
  sessionCommit?: Record<number, bigint>;
  pagingFiles?: { name?: string; size: bigint; free: bigint; minimum: bigint; maximum: bigint }[];
}

/** The scenario's clock: the dump's system time (FILETIME) and uptime (100 ns), and when System was created after boot. */
export interface ScenarioClock {
  systemTime: bigint;
  uptime: bigint;
  systemCreatedAfterBoot: bigint;
}

/** KUSER_SHARED_DATA's fixed address on x64. */
const KUSER_SHARED_DATA = 0xfffff78000000000n;
/** _KOBJECTS values the dispatcher headers of threads and processes carry (ThreadObject, ProcessObject). */
const THREAD_OBJECT = 6;
const PROCESS_OBJECT = 3;
/** nt!RtlpHpHeapGlobals.HeapKey: random per boot on Windows; fixed here so the dumps are reproducible. */
export const HEAP_KEY = 0x5a3c96e10f7b2d48n;

/** How a scenario's machine differs from the default one. */
export interface KernelScenarioOptions {
  clock?: Partial<ScenarioClock>;
  /** PML4 slot of the page-table self-map (0x100-0x1fe; MmPteBase = 0xffff000000000000 | slot << 39). */
  selfMapIndex?: number;
}

export class KernelScenario {
  readonly mem: MemoryBuilder;
  readonly images: LoadedImage[] = [];
  types!: KernelTypes;
  nt!: LoadedImage;
  private nextObject = OBJECTS;
  private nextStack = STACKS;
  systemProcess = 0n;
  private lists = { modules: 0n, processes: 0n };
  readonly threads: (ThreadSpec & { process: bigint })[] = [];
  readonly prcbs: bigint[] = [];
  /** Per processor: its idle thread (Idle process, Cid 0.0). */
  readonly idleThreads: bigint[] = [];
  idleProcess = 0n;
  /** The work queue System workers wait on (a KQUEUE's dispatcher header), once one waits. */
  workQueue = 0n;
  /** Where a driver was loaded from, when not \SystemRoot\system32\drivers (the loader entry's FullDllName). */
  private readonly fullPaths = new Map<LoadedImage, string>();
  /** Session spaces by session id (one _MM_SESSION_SPACE each, shared by the session's processes). */
  private readonly sessions = new Map<number, bigint>();
  readonly clock: ScenarioClock;
  /** Clock ticks since boot at the crash (KUSER_SHARED_DATA.TickCountQuad). */
  readonly tickCount: bigint;
  /** nt!KeBugCheckEx, where the dump header's exception record says the system stopped. */
  private bugCheckEx = 0n;
  /** nt!KiBugCheckData, where KeBugCheckEx keeps the code and its four parameters. */
  private bugCheckData = 0n;

  constructor(
    private readonly bins: ScenarioBinaries,
    readonly processors: number,
    options: KernelScenarioOptions = {},
  ) {
    this.mem = new MemoryBuilder(options.selfMapIndex ?? DEFAULT_SELF_MAP_INDEX);
    this.clock = { systemTime: SYSTEM_TIME, uptime: SYSTEM_UPTIME, systemCreatedAfterBoot: 5_000_000n, ...options.clock };
    this.tickCount = this.clock.uptime / BigInt(CLOCK_INCREMENT);
  }

  private bin(name: string): Uint8Array {
    const b = this.bins.get(name);
    if (!b) throw new FormatError('scenario', `binary ${name} is missing`);
    return b;
  }

  /** Loads nt and the drivers (each from \SystemRoot\system32\drivers unless a path is given), binds imports, and builds the kernel's lists and objects. */
  async init(drivers: (string | { name: string; fullPath: string })[], extraThreads = 0): Promise<void> {
    this.nt = await loadImage(this.mem, 'ntoskrnl.exe', this.bin('ntoskrnl.exe'), this.bin('ntkrnlmp.pdb'));
    this.images.push(this.nt);
    for (const spec of drivers) {
      const d = typeof spec === 'string' ? spec : spec.name;
      const img = await loadImage(this.mem, `${d}.sys`, this.bin(`${d}.sys`), this.bin(`${d}.pdb`));
      bindImports(this.mem, img, [this.nt]);
      this.images.push(img);
      if (typeof spec !== 'string') this.fullPaths.set(img, spec.fullPath);
    }
    this.types = new KernelTypes(this.nt.pdb);
    this.bugCheckEx = await this.global('KeBugCheckEx');
    this.bugCheckData = await this.global('KiBugCheckData');
    this.lists = { modules: await this.global('PsLoadedModuleList'), processes: await this.global('PsActiveProcessHead') };
    await this.writeSessionList();
    await this.writeModuleList();
    await this.writeSystemProcess();
    await this.writeIdleProcess();
    for (let i = 0; i < this.processors; i++) await this.writePrcb(i);
    await this.writeClock();
    await this.writeDebuggerData();
    (await this.struct('_RTLP_HP_HEAP_GLOBALS', await this.global('RtlpHpHeapGlobals'))).set('HeapKey', HEAP_KEY);
    for (let i = 0; i < extraThreads; i++) await this.addWaitingThread();
  }

  image(name: string): LoadedImage {
    const img = this.images.find((i) => i.fileName.toLowerCase() === name.toLowerCase() || i.fileName.toLowerCase() === `${name.toLowerCase()}.sys`);
    if (!img) throw new FormatError('scenario', `image ${name} is not loaded`);
    return img;
  }

  alloc(size: number, align = 16): bigint {
    const a = (this.nextObject + BigInt(align - 1)) & ~BigInt(align - 1);
    this.nextObject = a + BigInt(size);
    this.mem.map(a, size);
    return a;
  }

  async struct(typeName: string, address?: bigint): Promise<StructWriter> {
    const t: UdtType = await this.types.struct(typeName);
    return new StructWriter(this.mem, t, address ?? this.alloc(t.size));
  }

  async global(name: string): Promise<bigint> {
    return symbolAddress(this.nt, name);
  }

  private async unicodeString(s: StructWriter, field: string, text: string): Promise<void> {
    const bytes = new Uint8Array(text.length * 2);
    for (let i = 0; i < text.length; i++) new DataView(bytes.buffer).setUint16(i * 2, text.charCodeAt(i), true);
    const buf = this.alloc(bytes.length + 2);
    this.mem.write(buf, bytes);
    s.set(`${field}.Length`, bytes.length).set(`${field}.MaximumLength`, bytes.length + 2).set(`${field}.Buffer`, buf);
  }

  /** Links `entry` at the tail of the list whose head is at `head`. */
  linkTail(head: bigint, entry: bigint): void {
    const read = (a: bigint) => new DataView(this.mem.read(a, 8).buffer).getBigUint64(0, true);
    let blink = read(head + 8n);
    if (blink === 0n) {
      this.mem.u64(head, head);
      this.mem.u64(head + 8n, head);
      blink = head;
    }
    this.mem.u64(entry, head);
    this.mem.u64(entry + 8n, blink);
    this.mem.u64(blink, entry);
    this.mem.u64(head + 8n, entry);
  }

  private async writeModuleList(): Promise<void> {
    const head = await this.global('PsLoadedModuleList');
    for (const img of this.images) {
      const e = await this.struct('_KLDR_DATA_TABLE_ENTRY');
      e.set('DllBase', img.base).set('SizeOfImage', img.pe.sizeOfImage).set('TimeDateStamp', img.pe.timestamp).set('CheckSum', img.pe.checksum);
      await this.unicodeString(e, 'BaseDllName', img.fileName);
      await this.unicodeString(e, 'FullDllName', this.fullPaths.get(img) ?? `\\SystemRoot\\system32\\${img === this.nt ? '' : 'drivers\\'}${img.fileName}`);
      this.linkTail(head, e.addressOf('InLoadOrderLinks'));
    }
  }

  /** MiState.Vs.SessionWsList: the memory manager's list of session spaces, empty until a session is made. */
  private async writeSessionList(): Promise<void> {
    const vs = (await this.global('MiState')) + BigInt(await this.types.offsetOf('_MI_SYSTEM_INFORMATION', 'Vs'));
    const head = vs + BigInt(await this.types.offsetOf('_MI_VISIBLE_STATE', 'SessionWsList'));
    this.mem.u64(head, head);
    this.mem.u64(head + 8n, head);
  }

  /** The session space of session `id`, made (and linked into MiState.Vs.SessionWsList) on first use. */
  async session(id: number): Promise<bigint> {
    const known = this.sessions.get(id);
    if (known !== undefined) return known;
    const s = (await this.struct('_MM_SESSION_SPACE')).set('SessionId', id);
    const vs = (await this.global('MiState')) + BigInt(await this.types.offsetOf('_MI_SYSTEM_INFORMATION', 'Vs'));
    this.linkTail(vs + BigInt(await this.types.offsetOf('_MI_VISIBLE_STATE', 'SessionWsList')), s.addressOf('WsListEntry'));
    this.sessions.set(id, s.address);
    return s.address;
  }

  private async writeSystemProcess(): Promise<void> {
    const f = SYSTEM_FIGURES;
    // Created shortly after boot (the header's time minus its uptime).
    const created = this.clock.systemTime - this.clock.uptime + this.clock.systemCreatedAfterBoot;
    this.systemProcess = await this.addProcess('System', { pid: 4, parentPid: 0, dtb: this.mem.directoryTableBase, createTime: created, ...f });
  }

  /**
   * A process by field name: its own page directory (sharing the kernel half of the PML4), session,
   * handle table (the count spread over one free list per processor, ExpFreeListCount), quotas and sizes;
   * linked into PsActiveProcessHead unless `linked` is false (the Idle process is not in the list).
   */
  async addProcess(
    name: string,
    o: { pid: number; parentPid: number; sessionId?: number; peb?: bigint; dtb?: bigint; createTime?: bigint; virtualSize?: bigint; peakVirtualSize?: bigint; commitPages?: bigint; quotaNonPaged?: bigint; quotaPaged?: bigint; handles?: number; basePriority?: number; address?: bigint; linked?: boolean },
  ): Promise<bigint> {
    const p = await this.struct('_EPROCESS', o.address);
    let dtb = o.dtb;
    if (dtb === undefined) {
      const pfn = this.mem.allocPfn();
      (this.mem.pages.get(pfn) as Uint8Array).set((this.mem.pages.get(this.mem.pml4Pfn) as Uint8Array).subarray(0x800), 0x800);
      dtb = BigInt(pfn) << 12n;
    }
    p.set('Pcb.Header.Type', PROCESS_OBJECT).set('UniqueProcessId', o.pid).set('InheritedFromUniqueProcessId', o.parentPid).set('Pcb.DirectoryTableBase', dtb);
    p.bytes('ImageFileName', new TextEncoder().encode(`${name.slice(0, 14)}\0`));
    p.set('Peb', o.peb ?? 0n).set('CreateTime', o.createTime ?? 0n).set('Pcb.BasePriority', o.basePriority ?? 8);
    p.set('VirtualSize', o.virtualSize ?? 0n).set('PeakVirtualSize', o.peakVirtualSize ?? 0n).set('CommitCharge', o.commitPages ?? 0n);
    const quota = p.addressOf('ProcessQuotaUsage');
    this.mem.u64(quota, o.quotaNonPaged ?? 0n);
    this.mem.u64(quota + 8n, o.quotaPaged ?? 0n);
    if (o.sessionId !== undefined) p.set('Session', await this.session(o.sessionId));
    if (o.handles !== undefined) p.set('ObjectTable', await this.handleTable(o.handles));
    const list = p.addressOf('ThreadListHead');
    this.mem.u64(list, list);
    this.mem.u64(list + 8n, list);
    if (o.linked !== false) this.linkTail(await this.global('PsActiveProcessHead'), p.addressOf('ActiveProcessLinks'));
    return p.address;
  }

  /** A _HANDLE_TABLE whose free lists (one per processor) count `handles` open handles in all. */
  private async handleTable(handles: number): Promise<bigint> {
    const t = await this.types.struct('_HANDLE_TABLE');
    const fl = await this.types.struct('_HANDLE_TABLE_FREE_LIST');
    const lists = await this.types.offsetOf('_HANDLE_TABLE', 'FreeLists');
    const count = await this.types.offsetOf('_HANDLE_TABLE_FREE_LIST', 'HandleCount');
    const at = this.alloc(t.size + (this.processors - 1) * fl.size);
    for (let i = 0; i < this.processors; i++) {
      const share = Math.floor(handles / this.processors) + (i < handles % this.processors ? 1 : 0);
      this.mem.u32(at + BigInt(lists + i * fl.size + count), share);
    }
    return at;
  }

  /** The Idle process (Cid 0, not in the active process list), placed next to processor 0's PCR. */
  private async writeIdleProcess(): Promise<void> {
    this.idleProcess = await this.addProcess('Idle', { pid: 0, parentPid: 0, dtb: this.mem.directoryTableBase, basePriority: 0, address: PRCB_BASE + 0xd000n, linked: false });
  }

  /** A thread with its own kernel stack (System's unless `owner` says otherwise); returns its writer and stack bounds. */
  async addThread(startFn = 'ExpWorkerThread', state = 5, owner?: { process: bigint; pid: number }): Promise<ThreadSpec & { writer: StructWriter }> {
    const t = await this.struct('_ETHREAD');
    const process = owner?.process ?? this.systemProcess;
    const id = 0x100 + this.threads.length * 4;
    const limit = this.nextStack;
    const base = limit + STACK_SIZE;
    this.nextStack = base + 0x1000n; // a guard gap between stacks
    this.mem.map(limit, Number(STACK_SIZE));
    t.set('Tcb.Header.Type', THREAD_OBJECT).set('Cid.UniqueProcess', owner?.pid ?? 4).set('Cid.UniqueThread', id);
    t.set('Tcb.StackBase', base).set('Tcb.StackLimit', limit).set('Tcb.InitialStack', base - 0x470n);
    t.set('Tcb.State', state).set('Tcb.Priority', 13).set('Tcb.BasePriority', 12).set('Tcb.WaitReason', state === 5 ? 15 : 0);
    // A running thread was switched in at the current tick; waiting ones have waited a while.
    t.set('Tcb.ContextSwitches', 17 + this.threads.length).set('Tcb.KernelTime', 3).set('Tcb.WaitTime', state === 2 ? this.tickCount : this.tickCount - 1000n + BigInt(this.threads.length));
    t.set('Tcb.Process', process).set('Tcb.ApcState.Process', process);
    t.set('Tcb.IdealProcessor', this.threads.length % this.processors).set('Tcb.NextProcessor', this.threads.length % this.processors);
    t.set('ThreadIoPriority', 2).set('ThreadPagePriority', 5); // IoPriorityNormal, MEMORY_PRIORITY_NORMAL
    const start = await this.global(startFn);
    t.set('StartAddress', start).set('Win32StartAddress', start);
    const procList = process + BigInt(await this.types.offsetOf('_EPROCESS', 'ThreadListHead'));
    this.linkTail(procList, t.addressOf('ThreadListEntry'));
    const spec = { ethread: t.address, stackBase: base, stackLimit: limit };
    this.threads.push({ ...spec, process });
    const p = await this.struct('_EPROCESS', process);
    p.set('ActiveThreads', this.threads.filter((x) => x.process === process).length);
    return { ...spec, writer: t };
  }

  /** A dispatcher object of `type` (_KOBJECTS: 0 notification event, 1 synchronization event, 4 queue…). */
  async dispatcherObject(type: number, size = 0x40): Promise<bigint> {
    const o = new StructWriter(this.mem, await this.types.struct('_DISPATCHER_HEADER'), this.alloc(size));
    o.set('Type', type);
    const head = o.addressOf('WaitListHead');
    this.mem.u64(head, head);
    this.mem.u64(head + 8n, head);
    return o.address;
  }

  /** Makes the thread wait on `object`: one wait block at WaitBlockList, linked into the object's wait list. */
  async waitOn(thread: StructWriter, object: bigint): Promise<void> {
    const wb = await this.struct('_KWAIT_BLOCK');
    wb.set('Object', object).set('Thread', thread.address).set('WaitType', 1).set('BlockState', 2);
    this.linkTail(object + BigInt(await this.types.offsetOf('_DISPATCHER_HEADER', 'WaitListHead')), wb.addressOf('WaitListEntry'));
    thread.set('Tcb.WaitBlockList', wb.address).set('Tcb.WaitBlockCount', 1);
  }

  /** A System worker thread waiting for work (WrQueue) in KeWaitForSingleObject, its switch frame at KernelStack. */
  async addWaitingThread(): Promise<void> {
    const t = await this.addThread();
    this.workQueue ||= await this.dispatcherObject(4);
    await this.waitOn(t.writer, this.workQueue);
    const frames = await buildStack(
      this.mem,
      [
        { image: this.nt, fn: 'KiSwapContext', at: 'body' },
        { image: this.nt, fn: 'KeWaitForSingleObject' },
        { image: this.nt, fn: 'ExpWorkerThread' },
        { image: this.nt, fn: 'PspSystemThreadStartup' },
        { image: this.nt, fn: 'KiStartSystemThread' },
      ],
      t.stackBase - 0x800n,
    );
    const sw = await this.types.struct('_KSWITCH_FRAME');
    const kernelStack = frames[0].sp - BigInt(sw.size);
    const f = new StructWriter(this.mem, sw, kernelStack);
    f.set('Return', frames[0].ip).set('Rbp', 0);
    t.writer.set('Tcb.KernelStack', kernelStack);
  }

  /** Processor n's PRCB (inside its PCR) and its idle thread, which it runs until a scenario says otherwise. */
  private async writePrcb(n: number): Promise<void> {
    const address = PRCB_BASE + BigInt(n) * 0x10000n + 0x180n;
    const idle = await this.struct('_ETHREAD', PRCB_BASE + BigInt(n) * 0x10000n + 0xc000n);
    idle.set('Tcb.Header.Type', THREAD_OBJECT).set('Cid.UniqueProcess', 0).set('Cid.UniqueThread', 0).set('Tcb.State', 2).set('Tcb.Priority', 0).set('Tcb.BasePriority', 0);
    idle.set('Tcb.Process', this.idleProcess).set('Tcb.ApcState.Process', this.idleProcess).set('Tcb.WaitTime', this.tickCount).set('Tcb.NextProcessor', n).set('Tcb.IdealProcessor', n);
    this.idleThreads.push(idle.address);
    const p = await this.struct('_KPRCB', address);
    p.set('Number', n).set('CurrentThread', idle.address).set('IdleThread', idle.address);
    this.prcbs.push(address);
    this.mem.u64((await this.global('KiProcessorBlock')) + BigInt(n * 8), address);
  }

  /** KeMaximumIncrement, the tick count at the crash and the time-zone bias (KUSER_SHARED_DATA), by name. */
  private async writeClock(): Promise<void> {
    this.mem.u32(await this.global('KeMaximumIncrement'), CLOCK_INCREMENT);
    this.mem.u32(await this.global('ExpFreeListCount'), this.processors);
    const k = await this.struct('_KUSER_SHARED_DATA', KUSER_SHARED_DATA);
    k.set('TickCountQuad', this.tickCount).set('TimeZoneBias.LowPart', TIME_ZONE_BIAS & 0xffffffffn).set('TimeZoneBias.High1Time', TIME_ZONE_BIAS >> 32n).set('TimeZoneBias.High2Time', TIME_ZONE_BIAS >> 32n);
  }

  /** Sets a processor's IRQL in the KPCR around its PRCB. */
  async setIrql(n: number, irql: number): Promise<void> {
    const pcrAddress = this.prcbs[n] - BigInt(await this.types.offsetOf('_KPCR', 'Prcb'));
    const pcr = await this.struct('_KPCR', pcrAddress);
    pcr.set('Irql', irql).set('Self', pcrAddress).set('CurrentPrcb', this.prcbs[n]);
  }

  /** Records drivers that were loaded and unloaded (MmUnloadedDrivers). */
  async setUnloadedDrivers(list: { name: string; start: bigint; end: bigint }[]): Promise<void> {
    const t = await this.types.struct('_UNLOADED_DRIVERS');
    const array = this.alloc(t.size * Math.max(list.length, 1));
    for (const [i, d] of list.entries()) {
      const e = new StructWriter(this.mem, t, array + BigInt(i * t.size));
      e.set('StartAddress', d.start).set('EndAddress', d.end);
      await this.unicodeString(e, 'Name', d.name);
    }
    this.mem.u64(await this.global('MmUnloadedDrivers'), array);
    this.mem.u32(await this.global('MmLastUnloadedDriver'), list.length);
  }

  /** Fills the pool tracker table (`!poolused`): per tag, allocations and bytes in nonpaged and paged pool. */
  async setPoolTracking(rows: { tag: number; nonPagedAllocs?: number; nonPagedFrees?: number; nonPagedBytes?: number; pagedAllocs?: number; pagedFrees?: number; pagedBytes?: number }[]): Promise<void> {
    const t = await this.types.struct('_POOL_TRACKER_TABLE');
    const table = this.alloc(t.size * rows.length);
    for (const [i, r] of rows.entries()) {
      const e = new StructWriter(this.mem, t, table + BigInt(i * t.size));
      e.set('Key', r.tag).set('NonPagedAllocs', r.nonPagedAllocs ?? 0).set('NonPagedFrees', r.nonPagedFrees ?? 0).set('NonPagedBytes', r.nonPagedBytes ?? 0);
      e.set('PagedAllocs', r.pagedAllocs ?? 0).set('PagedFrees', r.pagedFrees ?? 0).set('PagedBytes', r.pagedBytes ?? 0);
    }
    this.mem.u64(await this.global('PoolTrackTable'), table);
    this.mem.u64(await this.global('PoolTrackTableSize'), BigInt(rows.length));
  }

  /**
   * Records big pool allocations in nt!PoolBigPageTable (one _POOL_TRACKER_BIG_PAGES slot each, by field
   * name; `poolType` is the POOL_TYPE, 1 = paged) and its slot count in nt!PoolBigPageTableSize.
   */
  async setBigPages(rows: { va: bigint; tag: number; poolType: number; bytes: bigint }[]): Promise<void> {
    const t = await this.types.struct('_POOL_TRACKER_BIG_PAGES');
    const table = this.alloc(t.size * Math.max(rows.length, 1));
    for (const [i, r] of rows.entries()) {
      const e = new StructWriter(this.mem, t, table + BigInt(i * t.size));
      e.set('Va', r.va).set('Key', r.tag).set('PoolType', r.poolType).set('NumberOfBytes', r.bytes);
    }
    this.mem.u64(await this.global('PoolBigPageTable'), table);
    this.mem.u64(await this.global('PoolBigPageTableSize'), BigInt(rows.length));
  }

  /**
   * A segment-heap VS chunk header at `address` (just before a pool header), by field name: sizes in bytes
   * (stored in 16-byte units), then its first eight bytes (Sizes.HeaderBits) XORed with its own address and
   * HEAP_KEY, as the kernel stores them.
   */
  async vsChunkHeader(address: bigint, c: { size: number; previousSize: number; allocated: boolean }): Promise<void> {
    const h = await this.struct('_HEAP_VS_CHUNK_HEADER', address);
    h.set('Sizes.UnsafeSize', c.size / 16).set('Sizes.UnsafePrevSize', c.previousSize / 16).set('Sizes.Allocated', c.allocated ? 1 : 0);
    const bits = h.addressOf('Sizes.HeaderBits');
    const plain = new DataView(this.mem.read(bits, 8).buffer).getBigUint64(0, true);
    this.mem.u64(bits, plain ^ address ^ HEAP_KEY);
  }

  /** Sets what a processor runs (its idle thread stays its idle thread). */
  async setCurrentThread(n: number, thread: bigint): Promise<void> {
    const p = await this.struct('_KPRCB', this.prcbs[n]);
    p.set('CurrentThread', thread);
  }

  /** Sets the thread a processor has selected to run next (a Standby thread). */
  async setNextThread(n: number, thread: bigint): Promise<void> {
    const p = await this.struct('_KPRCB', this.prcbs[n]);
    p.set('NextThread', thread);
  }

  /** Stores the bugcheck context in the PRCB's ProcessorState, as KeBugCheckEx does. */
  async setProcessorContext(n: number, regs: X64Registers): Promise<void> {
    const p = await this.struct('_KPRCB', this.prcbs[n]);
    this.mem.write(p.addressOf('ProcessorState.ContextFrame'), encodeX64Context(regs));
  }

  private async writeDebuggerData(): Promise<void> {
    const pteBase = this.mem.pteBase as bigint; // a scenario always has a self-map
    this.mem.u64(await this.global('MmPteBase'), pteBase);
    const lab = await this.global('NtBuildLab');
    const values: Record<string, bigint | number> = {
      KernBase: this.nt.base,
      PsLoadedModuleList: await this.global('PsLoadedModuleList'),
      PsActiveProcessHead: await this.global('PsActiveProcessHead'),
      PspCidTable: await this.global('PspCidTable'),
      MmPfnDatabase: await this.global('MmPfnDatabase'),
      KiProcessorBlock: await this.global('KiProcessorBlock'),
      MmUnloadedDrivers: await this.global('MmUnloadedDrivers'),
      MmLastUnloadedDriver: await this.global('MmLastUnloadedDriver'),
      PoolTrackTable: await this.global('PoolTrackTable'),
      KeBugCheckCallbackListHead: await this.global('KeBugCheckCallbackListHead'),
      MmPagedPoolCommit: await this.global('MmPagedPoolCommit'),
      NtBuildLab: lab,
      PteBase: pteBase,
    };
    this.mem.write(KDBG_VA, encodeDebuggerData(values));
  }

  /** Sets MiState's count of failed kernel-stack PTE allocations (a `!vm` warning). */
  async setKernelStackPteFailures(n: number): Promise<void> {
    const off = await this.types.offsetOf('_MI_SYSTEM_INFORMATION', 'SystemPtes.KernelStackPteInfo.PteFailures');
    this.mem.u32((await this.global('MiState')) + BigInt(off), n);
  }

  /**
   * Marks [base, base + bytes) as one kind of system VA in the kernel's region map, by field and enum name:
   * MiVisibleState → MiState.Vs, whose SystemVaType holds one _MI_SYSTEM_VA_TYPE per slot of the kernel
   * half (`type`), SystemVaTypeCount the slots of each type, SystemVaRegions[`region`] (an
   * _MI_ASSIGNED_REGION_TYPES name) the range.
   */
  async setSystemVaRegion(type: string, region: string, base: bigint, bytes: bigint): Promise<void> {
    const enumValue = async (e: string, name: string) => {
      const t = await this.types.source.findType(e);
      const v = t?.kind === 'enum' ? t.enumerators.find((x) => x.name === name)?.value : undefined;
      if (v === undefined) throw new FormatError('scenario kernel', `${e} has no ${name}`);
      return v;
    };
    const vs = (await this.global('MiState')) + BigInt(await this.types.offsetOf('_MI_SYSTEM_INFORMATION', 'Vs'));
    this.mem.u64(await this.global('MiVisibleState'), vs);
    const state = new StructWriter(this.mem, await this.types.struct('_MI_VISIBLE_STATE'), vs);
    const slotsField = state.type.fields.find((f) => f.name === 'SystemVaType');
    const slots = slotsField?.type.kind === 'array' ? BigInt(slotsField.type.count) : 0n;
    const slot = slots ? (1n << 47n) / slots : 0n;
    const first = slot ? (base - 0xffff800000000000n) / slot : -1n;
    if (!slot || base % slot !== 0n || bytes % slot !== 0n || first < 0n || first + bytes / slot > slots) throw new FormatError('scenario kernel', `[${base.toString(16)}, +${bytes.toString(16)}) is not a whole number of region-map slots`);
    const value = await enumValue('_MI_SYSTEM_VA_TYPE', type);
    for (let i = first; i < first + bytes / slot; i++) this.mem.write(state.addressOf('SystemVaType') + i, Uint8Array.of(Number(value)));
    this.mem.u64(state.addressOf('SystemVaTypeCount') + value * 8n, bytes / slot);
    const assignment = await this.types.struct('_MI_SYSTEM_VA_ASSIGNMENT');
    const index = await enumValue('_MI_ASSIGNED_REGION_TYPES', region);
    if (index * BigInt(assignment.size) >= BigInt(state.type.size - state.offset('SystemVaRegions'))) throw new FormatError('scenario kernel', `SystemVaRegions has no entry ${region}`);
    const r = new StructWriter(this.mem, assignment, state.addressOf('SystemVaRegions') + index * BigInt(assignment.size));
    r.set('BaseAddress', base).set('NumberOfBytes', bytes);
  }

  /** Sets `!vm`'s counters by field name: the system partition's, MiState's, each PRCB's, and the paging files. */
  async setVmCounters(v: VmCounters): Promise<void> {
    const partition = await this.struct('_MI_PARTITION', await this.global('MiSystemPartition'));
    for (const [k, x] of Object.entries(v.partition ?? {})) partition.set(k, x);
    const miState = await this.struct('_MI_SYSTEM_INFORMATION', await this.global('MiState'));
    for (const [k, x] of Object.entries(v.miState ?? {})) miState.set(k, x);
    for (const [i, x] of (v.cachedCommit ?? []).entries()) (await this.struct('_KPRCB', this.prcbs[i])).set('CachedCommit', x);
    const lists = await this.types.struct('_MMPFNLIST');
    const total = await this.types.offsetOf('_MMPFNLIST', 'Total');
    for (const [i, x] of (v.modifiedByPagingFile ?? []).entries()) this.mem.u64(partition.addressOf('PageLists.ModifiedPageListByReservation') + BigInt(i * lists.size + total), x);
    if (v.modifiedNoReservation !== undefined) partition.set('PageLists.ModifiedPageListNoReservation.Total', v.modifiedNoReservation);
    if (v.pagedPoolCommit !== undefined) this.mem.u64(await this.global('MmPagedPoolCommit'), v.pagedPoolCommit);
    for (const [id, pages] of Object.entries(v.sessionCommit ?? {})) (await this.struct('_MM_SESSION_SPACE', await this.session(Number(id)))).set('CommittedPages', pages);
    if (!v.pagingFiles) return;
    partition.set('Vp.NumberOfPagingFiles', v.pagingFiles.length);
    for (const [i, f] of v.pagingFiles.entries()) {
      const pf = await this.struct('_MMPAGING_FILE');
      pf.set('Size', f.size).set('FreeSpace', f.free).set('MinimumSize', f.minimum).set('MaximumSize', f.maximum);
      if (f.name) await this.unicodeString(pf, 'PageFileName', f.name);
      this.mem.u64(partition.addressOf('Vp.PagingFile') + BigInt(i * 8), pf.address);
    }
  }

  /** What `vertarget`/`!di` read about the machine: product type and suite, every processor's CPU identification. */
  async setSystemIdentity(s: { productType: number; suiteMask: number; cpu: { vendor: string; family: number; model: number; stepping: number; mhz: number } }): Promise<void> {
    const k = await this.struct('_KUSER_SHARED_DATA', KUSER_SHARED_DATA);
    k.set('NtProductType', s.productType).set('ProductTypeIsValid', 1).set('SuiteMask', s.suiteMask);
    for (const a of this.prcbs) {
      const p = await this.struct('_KPRCB', a);
      p.set('CpuType', s.cpu.family).set('CpuModel', s.cpu.model).set('CpuStepping', s.cpu.stepping).set('MHz', s.cpu.mhz);
      p.bytes('VendorString', new TextEncoder().encode(`${s.cpu.vendor}\0`));
    }
  }

  /**
   * The firmware's SMBIOS structure table in a physical page of its own (BIOS information, system
   * information with `manufacturer` and `product`, end of table), located by nt!WmipSMBiosTablePhysicalAddress
   * and nt!WmipSMBiosTableLength as the kernel keeps it.
   */
  async setSmbios(s: { manufacturer: string; product: string; biosVersion: string; serial: string }): Promise<void> {
    const text = (...strings: string[]) => [...new TextEncoder().encode(strings.join('\0')), 0, 0];
    const bios = [0, 0x18, 0x00, 0x00, 1, 2, 0x00, 0xe8, 3, 0xff, ...new Array(8).fill(0), 0, 0, 0, 0, 0xff, 0xff, ...text(s.manufacturer, s.biosVersion, '04/06/2022')];
    const uuid = new Array(16).fill(0).map((_, i) => (i * 37 + 11) & 0xff);
    const system = [1, 0x1b, 0x01, 0x00, 1, 2, 3, 4, ...uuid, 6, 0, 0, ...text(s.manufacturer, s.product, 'Hyper-V UEFI Release v4.1', s.serial)];
    const end = [127, 4, 0x02, 0x00, 0, 0];
    const table = Uint8Array.from([...bios, ...system, ...end]);
    const pfn = this.mem.allocPfn();
    (this.mem.pages.get(pfn) as Uint8Array).set(table);
    this.mem.u64(await this.global('WmipSMBiosTablePhysicalAddress'), BigInt(pfn) << 12n);
    this.mem.u32(await this.global('WmipSMBiosTableLength'), table.length);
  }

  /**
   * Lays out a call chain on a thread's stack; the innermost frame's sp is `sp`. `outer`: the non-volatile
   * registers of the outermost frame's caller (zero when not given).
   */
  stack(chain: ChainFrame[], sp: bigint, outer?: Partial<NonVolatileRegisters>): Promise<BuiltFrame[]> {
    return buildStack(this.mem, chain, sp, outer);
  }

  /** The register arguments a frame's function stores in its home space, where its code does so (`kb`'s columns). */
  homeArguments(frame: BuiltFrame, regs: Pick<X64Registers, 'rcx' | 'rdx' | 'r8' | 'r9'>): Promise<string[]> {
    return storeHomeArguments(this.mem, frame, [regs.rcx, regs.rdx, regs.r8, regs.r9]);
  }

  /** Writes a KTRAP_FRAME's saved registers by field name. */
  async trapRegisters(address: bigint, regs: Partial<Record<string, bigint>>): Promise<void> {
    const t = await this.struct('_KTRAP_FRAME', address);
    for (const [k, v] of Object.entries(regs)) if (v !== undefined) t.set(k, v);
  }

  writeContextRecord(address: bigint, regs: X64Registers): void {
    this.mem.write(address, encodeX64Context(regs));
  }

  writeExceptionRecord(address: bigint, e: ExceptionRecord): void {
    this.mem.write(address, encodeExceptionRecord64(e));
  }

  /**
   * Header facts for the dump writer. The header's exception record is what Windows writes there (the corpus
   * triage dump's, at 0xF00): a breakpoint, 0x80000003, EXCEPTION_NONCONTINUABLE, at nt!KeBugCheckEx, no parameters.
   * The code and arguments also go to nt!KiBugCheckData, as KeBugCheckEx stores them (WinDbg's
   * Bugcheck.Code.KiBugCheckData key reads them there).
   */
  facts(bugcheckCode: number, args: bigint[], context: X64Registers, comment: string): DumpFacts {
    this.mem.u64(this.bugCheckData, BigInt(bugcheckCode >>> 0));
    for (const [i, a] of args.slice(0, 4).entries()) this.mem.u64(this.bugCheckData + 8n * BigInt(i + 1), a);
    return {
      exception: { code: 0x80000003, flags: 1, record: 0n, address: this.bugCheckEx, parameters: [] },
      ntBuild: 19041,
      processors: this.processors,
      bugcheckCode,
      bugcheckArgs: args,
      directoryTableBase: this.mem.directoryTableBase,
      psLoadedModuleList: this.lists.modules,
      psActiveProcessHead: this.lists.processes,
      kdDebuggerDataBlock: KDBG_VA,
      context,
      systemTime: this.clock.systemTime,
      systemUpTime: this.clock.uptime,
      comment,
    };
  }
}

export function zeroRegisters(): X64Registers {
  return { rax: 0n, rbx: 0n, rcx: 0n, rdx: 0n, rsi: 0n, rdi: 0n, rip: 0n, rsp: 0n, rbp: 0n, r8: 0n, r9: 0n, r10: 0n, r11: 0n, r12: 0n, r13: 0n, r14: 0n, r15: 0n, eflags: 0x282, cs: 0x10, ss: 0x18, ds: 0x2b, es: 0x2b, fs: 0x53, gs: 0x2b };
}
