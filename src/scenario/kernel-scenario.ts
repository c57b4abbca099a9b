// A coherent synthetic x64 Windows kernel in memory: the scenario kernel and drivers loaded at their bases,
// the debugger data block, the loaded-module list, the System process with its threads, one PRCB per
// processor, kernel stacks laid out from real unwind data, and pool blocks. Scenarios (scenarios.ts) add
// the crash on top. Every structure is written by field name through the scenario kernel's PDB.
import { encodeExceptionRecord64, encodeX64Context, type ExceptionRecord } from '../formats/kernel-dump/records.js';
import type { DumpFacts } from '../formats/kernel-dump/writer.js';
import { FormatError } from '../io/errors.js';
import type { UdtType } from '../symbols/types.js';
import { encodeDebuggerData } from '../target/debugger-data.js';
import { KernelTypes } from '../target/struct-view.js';
import type { X64Registers } from '../target/x64-registers.js';
import { bindImports, type LoadedImage, loadImage, symbolAddress } from './images.js';
import { MemoryBuilder } from './memory-builder.js';
import { type BuiltFrame, buildStack, type ChainFrame } from './stack-builder.js';
import { StructWriter } from './struct-writer.js';

/** The compiled scenario binaries: file name → bytes (images and their PDBs). */
export type ScenarioBinaries = Map<string, Uint8Array>;

export const NT_BASE = 0xfffff80116200000n;
const KDBG_VA = 0xfffff80116c00b20n;
const OBJECTS = 0xffffa50840000000n;
const PRCB_BASE = 0xfffff80114800000n;
const STACKS = 0xfffff90fb6d00000n;
const STACK_SIZE = 0x7000n;
const SELF_MAP_INDEX = 0x17d; // MmPteBase FFFFBE8000000000, as in the 0x50 walkthrough

export interface ThreadSpec {
  ethread: bigint;
  stackBase: bigint;
  stackLimit: bigint;
}

/** Memory counters the debugger data block points at (read by `!vm`). */
export const VM_COUNTERS = ['MmNumberOfPhysicalPages', 'MmAvailablePages', 'MmResidentAvailablePages', 'MmTotalCommittedPages', 'MmTotalCommitLimit', 'MmPeakCommitment', 'MmSharedCommit', 'MmDriverCommit', 'MmProcessCommit', 'MmPagedPoolCommit'] as const;

export class KernelScenario {
  readonly mem = new MemoryBuilder(SELF_MAP_INDEX);
  readonly images: LoadedImage[] = [];
  types!: KernelTypes;
  nt!: LoadedImage;
  private nextObject = OBJECTS;
  private nextStack = STACKS;
  systemProcess = 0n;
  private lists = { modules: 0n, processes: 0n };
  readonly threads: ThreadSpec[] = [];
  readonly prcbs: bigint[] = [];

  constructor(
    private readonly bins: ScenarioBinaries,
    readonly processors: number,
  ) {}

  private bin(name: string): Uint8Array {
    const b = this.bins.get(name);
    if (!b) throw new FormatError('scenario', `binary ${name} is missing`);
    return b;
  }

  /** Loads nt and the drivers, binds imports, and builds the kernel's lists and objects. */
  async init(drivers: string[], extraThreads = 0): Promise<void> {
    this.nt = await loadImage(this.mem, 'ntoskrnl.exe', this.bin('ntoskrnl.exe'), this.bin('ntkrnlmp.pdb'));
    this.images.push(this.nt);
    for (const d of drivers) {
      const img = await loadImage(this.mem, `${d}.sys`, this.bin(`${d}.sys`), this.bin(`${d}.pdb`));
      bindImports(this.mem, img, [this.nt]);
      this.images.push(img);
    }
    this.types = new KernelTypes(this.nt.pdb);
    this.lists = { modules: await this.global('PsLoadedModuleList'), processes: await this.global('PsActiveProcessHead') };
    await this.writeModuleList();
    await this.writeSystemProcess();
    for (let i = 0; i < this.processors; i++) await this.writePrcb(i);
    await this.writeDebuggerData();
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
      await this.unicodeString(e, 'FullDllName', `\\SystemRoot\\system32\\${img === this.nt ? '' : 'drivers\\'}${img.fileName}`);
      this.linkTail(head, e.addressOf('InLoadOrderLinks'));
    }
  }

  private async writeSystemProcess(): Promise<void> {
    const p = await this.struct('_EPROCESS');
    p.set('UniqueProcessId', 4).set('InheritedFromUniqueProcessId', 0).set('Pcb.DirectoryTableBase', this.mem.directoryTableBase);
    p.bytes('ImageFileName', new TextEncoder().encode('System\0'));
    const list = p.addressOf('ThreadListHead');
    this.mem.u64(list, list);
    this.mem.u64(list + 8n, list);
    this.linkTail(await this.global('PsActiveProcessHead'), p.addressOf('ActiveProcessLinks'));
    this.systemProcess = p.address;
  }

  /** A System thread with its own kernel stack; returns the ETHREAD writer and the stack bounds. */
  async addThread(startFn = 'ExpWorkerThread', state = 5): Promise<ThreadSpec & { writer: StructWriter }> {
    const t = await this.struct('_ETHREAD');
    const id = 0x100 + this.threads.length * 4;
    const limit = this.nextStack;
    const base = limit + STACK_SIZE;
    this.nextStack = base + 0x1000n; // a guard gap between stacks
    this.mem.map(limit, Number(STACK_SIZE));
    t.set('Cid.UniqueProcess', 4).set('Cid.UniqueThread', id);
    t.set('Tcb.StackBase', base).set('Tcb.StackLimit', limit).set('Tcb.InitialStack', base - 0x470n);
    t.set('Tcb.State', state).set('Tcb.Priority', 13).set('Tcb.BasePriority', 12).set('Tcb.WaitReason', state === 5 ? 15 : 0);
    t.set('Tcb.ContextSwitches', 17 + this.threads.length).set('Tcb.KernelTime', 3).set('Tcb.WaitTime', 1000 + this.threads.length);
    t.set('Tcb.Process', this.systemProcess);
    const start = await this.global(startFn);
    t.set('StartAddress', start).set('Win32StartAddress', start);
    const procList = this.systemProcess + BigInt((await this.types.offsetOf('_EPROCESS', 'ThreadListHead')));
    this.linkTail(procList, t.addressOf('ThreadListEntry'));
    const spec = { ethread: t.address, stackBase: base, stackLimit: limit };
    this.threads.push(spec);
    const p = await this.struct('_EPROCESS', this.systemProcess);
    p.set('ActiveThreads', this.threads.length);
    return { ...spec, writer: t };
  }

  /** A thread waiting in KeWaitForSingleObject, its switch frame at KernelStack. */
  async addWaitingThread(): Promise<void> {
    const t = await this.addThread();
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

  private async writePrcb(n: number): Promise<void> {
    const address = PRCB_BASE + BigInt(n) * 0x10000n + 0x180n;
    const p = await this.struct('_KPRCB', address);
    p.set('Number', n);
    this.prcbs.push(address);
    this.mem.u64((await this.global('KiProcessorBlock')) + BigInt(n * 8), address);
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

  /** Sets what a processor runs: its current thread (and idle thread). */
  async setCurrentThread(n: number, thread: bigint): Promise<void> {
    const p = await this.struct('_KPRCB', this.prcbs[n]);
    p.set('CurrentThread', thread).set('IdleThread', thread);
  }

  /** Stores the bugcheck context in the PRCB's ProcessorState, as KeBugCheckEx does. */
  async setProcessorContext(n: number, regs: X64Registers): Promise<void> {
    const p = await this.struct('_KPRCB', this.prcbs[n]);
    this.mem.write(p.addressOf('ProcessorState.ContextFrame'), encodeX64Context(regs));
  }

  private async writeDebuggerData(): Promise<void> {
    const pteBase = this.mem.pteBase;
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
      NtBuildLab: lab,
      PteBase: pteBase,
    };
    for (const v of VM_COUNTERS) values[v] = await this.global(v);
    this.mem.write(KDBG_VA, encodeDebuggerData(values));
  }

  /** Sets MiState's count of failed kernel-stack PTE allocations (a `!vm` warning). */
  async setKernelStackPteFailures(n: number): Promise<void> {
    const off = await this.types.offsetOf('_MI_SYSTEM_INFORMATION', 'SystemPtes.KernelStackPteInfo.PteFailures');
    this.mem.u32((await this.global('MiState')) + BigInt(off), n);
  }

  /** Sets memory counters (pages) for `!vm`. */
  async setVmCounters(values: Partial<Record<(typeof VM_COUNTERS)[number], bigint>>): Promise<void> {
    for (const [k, v] of Object.entries(values)) if (v !== undefined) this.mem.u64(await this.global(k), v);
  }

  /** Lays out a call chain on a thread's stack; the innermost frame's sp is `sp`. */
  stack(chain: ChainFrame[], sp: bigint): Promise<BuiltFrame[]> {
    return buildStack(this.mem, chain, sp);
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

  /** Header facts for the dump writer. */
  facts(bugcheckCode: number, args: bigint[], context: X64Registers, comment: string): DumpFacts {
    return {
      ntBuild: 19041,
      processors: this.processors,
      bugcheckCode,
      bugcheckArgs: args,
      directoryTableBase: this.mem.directoryTableBase,
      psLoadedModuleList: this.lists.modules,
      psActiveProcessHead: this.lists.processes,
      kdDebuggerDataBlock: KDBG_VA,
      context,
      systemTime: 0x01d9ee2b6f8c2f00n,
      systemUpTime: 18927980000n,
      comment,
    };
  }
}

export function zeroRegisters(): X64Registers {
  return { rax: 0n, rbx: 0n, rcx: 0n, rdx: 0n, rsi: 0n, rdi: 0n, rip: 0n, rsp: 0n, rbp: 0n, r8: 0n, r9: 0n, r10: 0n, r11: 0n, r12: 0n, r13: 0n, r14: 0n, r15: 0n, eflags: 0x282, cs: 0x10, ss: 0x18, ds: 0x2b, es: 0x2b, fs: 0x53, gs: 0x2b };
}
