// The crash scenarios: each builds a kernel (kernel-scenario.ts), puts the crash on top — the faulting
// instruction really in the driver's code, registers that make its operand the bad address, a stack that
// unwinds through real unwind data — and returns the memory and header facts for the dump writer.
import type { DumpFacts } from '../formats/kernel-dump/writer.js';
import { FormatError } from '../io/errors.js';
import { decode } from '../disasm/x64.js';
import { type LoadedImage, symbolAddress } from './images.js';
import { KernelScenario, type ScenarioBinaries, SYSTEM_FIGURES, zeroRegisters } from './kernel-scenario.js';

export interface BuiltScenario {
  name: string;
  description: string;
  pages: Map<number, Uint8Array>;
  facts: DumpFacts;
  /** Addresses of the crash's records in the dump, for tests that restate the crash under other bugchecks. */
  records?: { trapFrame?: bigint; exceptionRecord?: bigint; contextRecord?: bigint };
  /** What analysis must conclude (for tests and the README). */
  expect: { bugcheck: number; module: string; bucketStart: string };
}

export const SCENARIOS = ['0x50', '0x7e', '0xd1', '0x3b'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

const FREED_PTE = 0x00003e9800000000n; // the walkthrough's "Page has been freed" software PTE
/** A paged-out pageable page (_MMPTE_SOFTWARE): PageFileHigh 0x3a2c1 (file offset 0x3a2c1000), PageFileLow 0, Protection 4 (read/write). */
const PAGED_OUT_PTE = (0x3a2c1n << 32n) | (4n << 5n);
const POOL_TAG_WRB1 = 0x31427257; // 'WrB1'

/** The first instruction of `fn` (within its .pdata range or 256 bytes) whose text matches `re`. */
async function findInstruction(img: LoadedImage, fn: string, re: RegExp): Promise<bigint> {
  const start = await symbolAddress(img, fn);
  const rva = Number(start - img.base);
  const sec = img.pe.sections.find((s) => rva >= s.virtualAddress && rva < s.virtualAddress + s.virtualSize);
  if (!sec) throw new FormatError(img.fileName, `${fn} is outside every section`);
  const off = rva - sec.virtualAddress + sec.rawPointer;
  for (const ins of await decode(img.bytes.subarray(off, off + 256), start, 80)) {
    if (re.test(`${ins.mnemonic} ${ins.operands}`)) return ins.address;
  }
  throw new FormatError(img.fileName, `${fn} has no instruction matching ${re}`);
}

/** Pool block: a POOL_HEADER then `size` bytes; returns the data address. */
async function poolBlock(k: KernelScenario, header: bigint, size: number, tag: number): Promise<bigint> {
  const h = await k.struct('_POOL_HEADER', header);
  h.set('PoolTag', tag).set('BlockSize', Math.ceil((size + 16) / 16)).set('PoolType', 2).set('PreviousSize', 0); // PagedPool (1) + 1: allocated
  return header + 16n;
}

const LOADER_TAIL = ['PnpCallDriverEntry', 'IopLoadDriver', 'IopLoadUnloadDriver', 'ExpWorkerThread', 'PspSystemThreadStartup', 'KiStartSystemThread'];

export async function buildScenario(name: ScenarioName, bins: ScenarioBinaries, opts: { extraThreads?: number } = {}): Promise<BuiltScenario> {
  switch (name) {
    case '0x50':
      return scenario50(bins, opts.extraThreads ?? 3);
    case '0x7e':
      return scenario7e(bins, opts.extraThreads ?? 3);
    case '0xd1':
      return scenarioD1(bins, opts.extraThreads ?? 3);
    case '0x3b':
      return scenario3b(bins, opts.extraThreads ?? 3);
  }
}

// The 0x50 walkthrough's `!vm 1`, by the field each line comes from (src/commands/builtin/vm.ts).
const WALKTHROUGH_50_VM = {
  partition: {
    'Vp.NumberOfPhysicalPages': 2844914n,
    'Vp.AvailablePages': 666710n,
    'Vp.ResidentAvailablePages': 2714282n,
    'Vp.ModifiedPageListHead.Total': 12504n,
    'Vp.ModifiedNoWritePageListHead.Total': 0n,
    'Vp.SharedCommit': 1417735n,
    'Vp.SlabAllocatorPages': 4608n,
    'Vp.ProcessLockedFilePages': 14n,
    'Vp.TotalCommittedPages': 2355436n,
    'Vp.TotalCommitLimit': 5990642n,
  },
  miState: {
    'Vs.SystemPteInfo.TotalFreeSystemPtes': 4294977138n,
    'Vs.MaximumNonPagedPoolInPages': 4294967296n,
    'Vs.PagedPoolInfo.AllocatedPagedPool': 66288n,
    'Vs.SizeOfPagedPoolInPages': 4294967296n,
    'Vs.MdlPagesAllocated': 3008n,
    'Vs.NonPagedPoolCommit': 35482n,
    'Vs.DriverCommit': 13223n,
    'Vs.BootCommit': 4899n,
    'Vs.PfnDatabaseCommit': 34410n,
    'Vs.SmallNonPagedPtesCommit': 462n,
    'Vs.SystemPageTableCommit': 1115n,
    'Vs.PagefileHashPages': 106n,
  },
  cachedCommit: [186n, 185n, 185n, 185n], // Processor Commit: 741
  modifiedByPagingFile: [12400n], // Modified PF Pages: 12461 (pagefile.sys's list and the unreserved one)
  modifiedNoReservation: 61n,
  // PagedPool Commit: WinDbg printed 18446735282293205272 = fffff801`16c06918, a pointer, not a count.
  pagedPoolCommit: 0xfffff80116c06918n,
  sessionCommit: { 0: 96n, 1: 112n }, // Session Commit: 208
  pagingFiles: [
    { name: '\\??\\C:\\pagefile.sys', size: 3145728n, free: 3131824n, minimum: 3145728n, maximum: 3145728n },
    { name: '\\??\\C:\\swapfile.sys', size: 65536n, free: 55956n, minimum: 65536n, maximum: 1572459n },
    { size: 4194034n, free: 4023901n, minimum: 4194034n, maximum: 4194034n },
  ],
};

// The 0x7E walkthrough's `!vm 1` the same way.
const WALKTHROUGH_7E_VM = {
  partition: {
    'Vp.NumberOfPhysicalPages': 1601266n,
    'Vp.AvailablePages': 442347n,
    'Vp.ResidentAvailablePages': 1488586n,
    'Vp.ModifiedPageListHead.Total': 4436n,
    'Vp.ModifiedNoWritePageListHead.Total': 27n,
    'Vp.SharedCommit': 390110n,
    'Vp.SlabAllocatorPages': 4608n,
    'Vp.ProcessLockedFilePages': 14n,
    'Vp.TotalCommittedPages': 1345720n,
    'Vp.TotalCommitLimit': 4746994n,
  },
  miState: {
    'Vs.SystemPteInfo.TotalFreeSystemPtes': 4294965927n,
    'Vs.MaximumNonPagedPoolInPages': 4294967296n,
    'Vs.PagedPoolInfo.AllocatedPagedPool': 59028n,
    'Vs.SizeOfPagedPoolInPages': 4294967296n,
    'Vs.MdlPagesAllocated': 3008n,
    'Vs.NonPagedPoolCommit': 34206n,
    'Vs.DriverCommit': 13165n,
    'Vs.BootCommit': 4900n,
    'Vs.PfnDatabaseCommit': 19809n,
    'Vs.SmallNonPagedPtesCommit': 462n,
    'Vs.SystemPageTableCommit': 1039n,
    'Vs.PagefileHashPages': 102n,
  },
  cachedCommit: [192n, 192n, 192n, 191n], // Processor Commit: 767
  modifiedByPagingFile: [4400n], // Modified PF Pages: 4417
  modifiedNoReservation: 17n,
  pagedPoolCommit: 0xfffff80448406918n, // 18446735296008579352
  sessionCommit: { 0: 98n, 1: 116n }, // Session Commit: 214
  pagingFiles: [
    { name: '\\??\\C:\\pagefile.sys', size: 3145728n, free: 3131848n, minimum: 3145728n, maximum: 3145728n },
    { name: '\\??\\C:\\swapfile.sys', size: 65536n, free: 53226n, minimum: 65536n, maximum: 1572459n },
    { size: 4194034n, free: 4074796n, minimum: 4194034n, maximum: 4194034n },
  ],
};

// The processes of a desktop machine after boot, each charging private commit (EPROCESS.CommitCharge), so
// that with System's they add up to a walkthrough's Total Private; the last takes what is left.
const USER_PROCESSES: { name: string; pid: number; parentPid: number; sessionId?: number; commit: bigint }[] = [
  { name: 'Registry', pid: 0x7c, parentPid: 4, commit: 2713n },
  { name: 'smss.exe', pid: 0x1c8, parentPid: 4, commit: 269n },
  { name: 'csrss.exe', pid: 0x260, parentPid: 0x24c, sessionId: 0, commit: 611n },
  { name: 'wininit.exe', pid: 0x2b0, parentPid: 0x24c, sessionId: 0, commit: 352n },
  { name: 'csrss.exe', pid: 0x2bc, parentPid: 0x2a8, sessionId: 1, commit: 574n },
  { name: 'services.exe', pid: 0x31c, parentPid: 0x2b0, sessionId: 0, commit: 1390n },
  { name: 'lsass.exe', pid: 0x334, parentPid: 0x2b0, sessionId: 0, commit: 2131n },
  { name: 'winlogon.exe', pid: 0x380, parentPid: 0x2a8, sessionId: 1, commit: 652n },
  { name: 'svchost.exe', pid: 0x3f8, parentPid: 0x31c, sessionId: 0, commit: 9814n },
  { name: 'MsMpEng.exe', pid: 0xc8c, parentPid: 0x31c, sessionId: 0, commit: 68211n },
  { name: 'explorer.exe', pid: 0x1170, parentPid: 0x115c, sessionId: 1, commit: 0n },
];

/** Adds USER_PROCESSES so that every process's commit, System's included, sums to `totalPrivate` pages. */
async function addUserProcesses(k: KernelScenario, totalPrivate: bigint): Promise<void> {
  const fixed = USER_PROCESSES.slice(0, -1).reduce((n, p) => n + p.commit, SYSTEM_FIGURES.commitPages);
  if (fixed >= totalPrivate) throw new FormatError('scenario', `Total Private ${totalPrivate} is below the processes' fixed commit ${fixed}`);
  for (const [i, p] of USER_PROCESSES.entries()) {
    const commitPages = i === USER_PROCESSES.length - 1 ? totalPrivate - fixed : p.commit;
    await k.addProcess(p.name, { pid: p.pid, parentPid: p.parentPid, sessionId: p.sessionId, peb: 0x0000_00a0_0000_0000n + BigInt(p.pid) * 0x1000n, commitPages });
  }
}

// The machine of both walkthroughs: a Hyper-V guest, Windows 10 WinNt with TerminalServer SingleUserTS, an
// Intel CPU (family 6 model 140 stepping 1 is the i7-1185G7 the walkthroughs name), its firmware's SMBIOS
// system information.
const WALKTHROUGH_MACHINE = { productType: 1, suiteMask: 0x110, cpu: { vendor: 'GenuineIntel', family: 6, model: 140, stepping: 1, mhz: 3000 } };
const WALKTHROUGH_SMBIOS = { manufacturer: 'Microsoft Corporation', product: 'Virtual Machine', biosVersion: 'Hyper-V UEFI Release v4.1', serial: '0000-0015-9216-6172-4380-8511-31' };

/** A walkthrough's `!vm 1` state (failed kernel-stack PTE allocations, processes' commit, counters) on its machine. */
async function setWalkthroughMachine(k: KernelScenario, stackPteFailures: number, totalPrivate: bigint, vm: Parameters<KernelScenario['setVmCounters']>[0]): Promise<void> {
  await k.setKernelStackPteFailures(stackPteFailures);
  await addUserProcesses(k, totalPrivate);
  await k.setVmCounters(vm);
  await k.setSystemIdentity(WALKTHROUGH_MACHINE);
  await k.setSmbios(WALKTHROUGH_SMBIOS);
}

// The walkthroughs' clocks: `Debug session time` (shown in UTC-7) and `System Uptime`; in the 0x7E one,
// `!p` shows System created at 11:35:55.475, 5.704 s after boot.
const filetime = (ms: number) => (BigInt(ms) + 11_644_473_600_000n) * 10_000n;
const CLOCK_50 = { systemTime: filetime(Date.UTC(2023, 8, 23, 12, 14, 13, 751)), uptime: 18_927_980_000n };
const CLOCK_7E = { systemTime: filetime(Date.UTC(2023, 8, 29, 18, 46, 6, 702)), uptime: 6_169_310_000n, systemCreatedAfterBoot: 57_040_000n };

// Each machine's page-table self-map slot (Windows randomizes it per boot): the 0x50 walkthrough's 0x17d
// (MmPteBase FFFFBE8000000000, so `!pte` prints its addresses); the 0x7E walkthrough does not show its own,
// so the others use slots of their own, clear of every address these scenarios map, so that code which
// assumes one base fails on them.
const SELF_MAP = { '0x50': 0x17d, '0x7e': 0x1b6, '0xd1': 0x13e, '0x3b': 0x159 } as const;

// 0x50: Driver.sys copies past the end of a paged-pool allocation into the next page, whose PTE says freed.
async function scenario50(bins: ScenarioBinaries, extra: number): Promise<BuiltScenario> {
  const k = new KernelScenario(bins, 4, { clock: CLOCK_50, selfMapIndex: SELF_MAP['0x50'] });
  await k.init(['Driver'], extra);
  const nt = k.nt;
  const drv = k.image('Driver');
  const thread = await k.addThread('ExpWorkerThread', 2);
  await k.setCurrentThread(0, thread.ethread);
  await k.setUnloadedDrivers([{ name: 'OldFilter.sys', start: 0xfffff80119a00000n, end: 0xfffff80119a0f000n }]);
  // The walkthrough's `!vm 1` figures (Kb / 4 = pages) and `!di` facts, where a 19041 kernel keeps them.
  await setWalkthroughMachine(k, 73746, 754817n, WALKTHROUGH_50_VM);
  // The allocation ends exactly at the end of a valid page; the page after it was freed.
  const lastPage = 0xffffe5068d8a3000n;
  // The walkthrough's own PXE, PPE and PDE values, so `!pte` prints what WinDbg printed there.
  k.mem.placeTables(lastPage, [0x0a00000107400863n, 0x0a00000005dc8863n, 0x1a0000025754a863n]);
  k.mem.map(lastPage, 0x1000);
  k.mem.setPte(lastPage + 0x1000n, FREED_PTE);
  // The kernel's region map: 16 TB of paged pool (the walkthrough's PagedPool Maximum) from ffffe500`00000000.
  await k.setSystemVaRegion('MiVaPagedPool', 'AssignedRegionPagedPool', 0xffffe50000000000n, 0x100000000000n);
  const data = await poolBlock(k, lastPage + 0xb80n, 0x470, POOL_TAG_WRB1); // the tag Driver.sys allocates with
  // A segment-heap page: the VS chunk header before the pool header spans itself, the header and the data.
  await k.vsChunkHeader(lastPage + 0xb70n, { size: 0x10 + 0x480, previousSize: 0, allocated: true });
  k.mem.fill(data, 0x470, 0x41); // the copy so far: 'A's from the source buffer
  const badVa = lastPage + 0x1000n;
  const faultIp = await findInstruction(drv, 'CopyBlocks', /^movaps xmmword ptr \[/);
  const chain = [
    { image: nt, fn: 'KeBugCheckEx', at: 'entry' as const },
    { image: nt, fn: 'MiSystemFault' },
    { image: nt, fn: 'MmAccessFault' },
    { image: nt, fn: 'KiPageFault', trap: true },
    { image: drv, fn: 'CopyBlocks', at: faultIp },
    { image: drv, fn: 'FillBuffer' },
    { image: drv, fn: 'RunTest' },
    { image: drv, fn: 'StartTests' },
    { image: drv, fn: 'DriverEntry' },
    ...LOADER_TAIL.map((fn) => ({ image: nt, fn })),
  ];
  const frames = await k.stack(chain, thread.stackBase - 0x1448n);
  const trap = frames[3].trapFrame as bigint;
  // The faulting store is movaps [rcx+rax-10h]: rcx = destination, rax = offset reached (0x480). FillBuffer
  // keeps its status in ebx across the copy; the full-size allocation had failed, so it holds
  // STATUS_INSUFFICIENT_RESOURCES (`mov ebx,0C000009Ah` before the call).
  await k.trapRegisters(trap, { Rax: 0x480n, Rcx: data, Rdx: 0xffffa50846322000n, R8: 0x8e0n, R9: 7n, Rbx: 0xc000009an, Rip: faultIp, Rbp: 0n, ErrorCode: 2n });
  const regs = { ...zeroRegisters(), rip: frames[0].ip, rsp: frames[0].sp, rcx: 0x50n, rdx: badVa, r8: 2n, r9: trap };
  await k.setProcessorContext(0, regs);
  await k.homeArguments(frames[0], regs); // KeBugCheckEx's code stores them there first
  thread.writer.set('Tcb.TrapFrame', trap).set('Tcb.KernelStack', frames[0].sp);
  return {
    name: '0x50',
    description: 'Driver.sys writes past a paged-pool allocation into a freed page (the 0x50 walkthrough)',
    pages: k.mem.pages,
    facts: k.facts(0x50, [badVa, 2n, faultIp, 0n], regs, 'dumpscope scenario 0x50: write past a pool allocation into a freed page'),
    records: { trapFrame: trap },
    expect: { bugcheck: 0x50, module: 'Driver', bucketStart: 'AV_W_' },
  };
}

// 0x7E: EvilDriver.sys fills twice its allocation with 'A'; ExFreePoolWithTag faults on the trashed chunk header.
async function scenario7e(bins: ScenarioBinaries, extra: number): Promise<BuiltScenario> {
  const k = new KernelScenario(bins, 4, { clock: CLOCK_7E, selfMapIndex: SELF_MAP['0x7e'] });
  // Loaded from its build folder, as the walkthrough's `lmvm EvilDriver` shows (Image path).
  await k.init([{ name: 'EvilDriver', fullPath: '\\??\\C:\\Users\\User\\source\\repos\\EvilDriver\\x64\\Release\\EvilDriver.sys' }], extra);
  const nt = k.nt;
  const drv = k.image('EvilDriver');
  const thread = await k.addThread('ExpWorkerThread', 2);
  await k.setCurrentThread(3, thread.ethread);
  await k.setPoolTracking([
    { tag: POOL_TAG_WRB1, pagedAllocs: 1, pagedBytes: 0x2510 },
    { tag: 0x656c6946 /* 'File' */, nonPagedAllocs: 5210, nonPagedFrees: 1200, nonPagedBytes: 1_283_000 },
    { tag: 0x20707249 /* 'Irp ' */, nonPagedAllocs: 840, nonPagedFrees: 800, nonPagedBytes: 20_480 },
    { tag: 0x6b6f6f42 /* 'Book' */, pagedAllocs: 3, pagedFrees: 3, pagedBytes: 0 },
  ]);
  await setWalkthroughMachine(k, 279962, 798197n, WALKTHROUGH_7E_VM);
  // The paged pool's segment-heap VS context RtlpHpVsFreeChunkInsert works on (r13 and r15 in the
  // walkthrough's context), as its `dt ntkrnlmp!_HEAP_VS_CONTEXT ffffe0099a6002c0 -r1` shows it: the
  // subsegment list's links are not kernel addresses (the corruption), the callbacks are encoded pointers.
  const vsContext = 0xffffe0099a6002c0n;
  const vs = await k.struct('_HEAP_VS_CONTEXT', vsContext);
  vs.set('Lock', 1).set('LockType', 0); // HeapLockPaged
  vs.set('FreeChunkTree.Root', 0xffffe009a1432f28n).set('FreeChunkTree.Min', 0xffffe0099ae09fc8n);
  vs.set('SubsegmentList.Flink', 0x8022e0n).set('SubsegmentList.Blink', 0x3cedc2e0n);
  vs.set('TotalCommittedUnits', 0x46a0).set('FreeCommittedUnits', 0xb).set('BackendCtx', 0x380);
  vs.set('Callbacks.Allocate', 0x3be60122f8626a50n).set('Callbacks.Free', 0x3be60122f879ced0n).set('Callbacks.Commit', 0x3be60122f87a88e0n).set('Callbacks.Decommit', 0x3be60122f879fe70n);
  const block = 0xffffe009a68dc000n;
  k.mem.map(block, 0x6000);
  const data = await poolBlock(k, block, 0x2500, POOL_TAG_WRB1);
  // Above a page, the allocation is recorded in the big-page table: 0x2510 bytes (the walkthrough's
  // ExFreePoolWithTag arguments), paged. The header written at its start does not say so: BlockSize has 8
  // bits, 0x251 units read as 0x51 (dumps without the table, like small ones, still find the block by it).
  await k.setBigPages([{ va: block, tag: POOL_TAG_WRB1, poolType: 1, bytes: 0x2510n }]);
  k.mem.fill(data, 0x2500 * 2 - 0x20, 0x41); // twice the allocation: the next chunk's header is 'A's too
  const faultIp = await findInstruction(nt, 'RtlpHpVsFreeChunkInsert', /^xor eax,dword ptr \[rax\]$/);
  // The walkthrough's faulting context (`.cxr` and `.frame /r 0n8`): the free path holds the VS context in r13
  // and r15, its FreeChunkTree in r10, the block in rsi and r11; rax is the chunk's link ('A's) minus 8.
  const fault = {
    rax: 0x4141414141414139n, rbx: 0x6000n, rcx: 0x2530001n, rdx: 0x4141414141414141n, rsi: block, rdi: 0xffffe009a68dffe0n, rbp: 0n,
    r8: 0x3be6192c0436d050n, r9: 0n, r10: vs.addressOf('FreeChunkTree'), r11: block, r12: 0xffffe009a68dfb00n, r13: vsContext, r14: 1n, r15: vsContext,
  };
  // One stack, as on Windows: the bugcheck raised by the system thread's exception filter, the dispatch
  // path, the trap frame right below the faulting rsp, then the interrupted free path and the driver.
  // `regs` are what each function holds in the non-volatile registers it saves; unwinding from KeBugCheckEx
  // gives every frame its own, and RtlpHpVsFreeChunkInsert the walkthrough's.
  const chain7e = (at: { exr: bigint; cxr: bigint; trap: bigint; dispatch: bigint; exceptionFrame: bigint; establisher: bigint }) => [
    { image: nt, fn: 'KeBugCheckEx', at: 'entry' as const },
    { image: nt, fn: 'PspSystemThreadStartup$filt$0', regs: { rbp: at.establisher } },
    { image: nt, fn: '_C_specific_handler', regs: { rbx: at.dispatch, rsi: at.establisher, rdi: at.cxr, r12: at.exr } },
    { image: nt, fn: 'RtlpExecuteHandlerForException' },
    { image: nt, fn: 'RtlDispatchException', regs: { rbx: at.dispatch, rsi: at.exr, rdi: at.cxr, r12: at.establisher } },
    { image: nt, fn: 'KiDispatchException', regs: { rbx: at.exr, rsi: at.exceptionFrame, rdi: at.trap, r12: 1n, r14: at.cxr, r15: 0n } },
    { image: nt, fn: 'KiExceptionDispatch' },
    { image: nt, fn: 'KiGeneralProtectionFault', trap: true, alignedInterruptedSp: true, regs: { rbp: at.trap + 0x80n } },
    { image: nt, fn: 'RtlpHpVsFreeChunkInsert', at: faultIp, regs: { rbx: fault.rbx, rsi: fault.rsi, rdi: fault.rdi, r12: fault.r12, r13: fault.r13, r14: fault.r14, r15: fault.r15 } },
    { image: nt, fn: 'RtlpHpFreeHeap' },
    { image: nt, fn: 'ExFreePoolWithTag' },
    // FillAndFree keeps the buffer in rbx and the write's status (here STATUS_INSUFFICIENT_RESOURCES) in edi
    // across the free, like the walkthrough's driver; rsi is its zero.
    { image: drv, fn: 'FillAndFree', regs: { rbx: data, rsi: 0n, rdi: 0xc000009an } },
    { image: drv, fn: 'RunTest' },
    { image: drv, fn: 'StartTests' },
    { image: drv, fn: 'DriverEntry' },
    ...LOADER_TAIL.map((fn) => ({ image: nt, fn })),
  ];
  const FILTER = 1, HANDLER = 2, DISPATCH = 4, KI_DISPATCH = 5, EXCEPTION_FRAME = 6, TRAP = 7, FAULT = 8;
  const places = (f: { sp: bigint }[]) => ({
    exr: f[EXCEPTION_FRAME].sp + 0x138n, // in KiExceptionDispatch's frame, after its exception frame
    cxr: f[KI_DISPATCH].sp + 0x30n, // a local of KiDispatchException
    trap: f[TRAP].sp,
    dispatch: f[DISPATCH].sp + 0x30n, // RtlDispatchException's DISPATCHER_CONTEXT
    exceptionFrame: f[EXCEPTION_FRAME].sp,
    establisher: f[f.length - 2].sp, // PspSystemThreadStartup's frame, whose filter runs
  });
  // Laid out once to learn the frames' addresses (the registers name some), then for real with the outermost
  // frame 0x18e0 below the stack base; the trial's bytes are cleared first.
  const trialSp = thread.stackBase - 0x4000n + 8n; // KeBugCheckEx at entry: rsp just below a return address
  const probe = await k.stack(chain7e({ exr: 0n, cxr: 0n, trap: 0n, dispatch: 0n, exceptionFrame: 0n, establisher: 0n }), trialSp);
  const top = probe[probe.length - 1].sp;
  k.mem.fill(trialSp, Number(top - trialSp) + 0x100, 0);
  const shift = (thread.stackBase - 0x18e0n - top) & ~0xfn;
  const at = places(probe.map((f) => ({ sp: f.sp + shift })));
  const frames = await k.stack(chain7e(at), trialSp + shift);
  const trap = at.trap;
  const exr = at.exr;
  const cxr = at.cxr;
  // The trap frame holds the interrupted volatile registers, rbp and the flags (`.frame /r 0n8` shows
  // efl=00040286 from it, the context record 00050206).
  await k.trapRegisters(trap, { Rax: fault.rax, Rcx: fault.rcx, Rdx: fault.rdx, R8: fault.r8, R9: fault.r9, R10: fault.r10, R11: fault.r11, Rbp: fault.rbp, Rip: faultIp, Rsp: frames[FAULT].sp, EFlags: 0x40286n, ErrorCode: 0n });
  k.writeExceptionRecord(exr, { code: 0xc0000005, flags: 0, record: 0n, address: faultIp, parameters: [0n, 0xffffffffffffffffn] });
  const ctxRegs = { ...zeroRegisters(), ...fault, rip: faultIp, rsp: frames[FAULT].sp, eflags: 0x50206 };
  k.writeContextRecord(cxr, ctxRegs);
  // What the dispatch code passed along: _C_specific_handler's EXCEPTION_POINTERS, RtlDispatchException's
  // DISPATCHER_CONTEXT (EstablisherFrame, ContextRecord, LanguageHandler; winnt.h's fixed x64 layout) and
  // KeBugCheckEx's fifth argument (the context record) above its home space.
  k.mem.u64(frames[HANDLER].sp + 0x30n, exr);
  k.mem.u64(frames[HANDLER].sp + 0x38n, cxr);
  k.mem.u64(at.dispatch + 0x18n, at.establisher);
  k.mem.u64(at.dispatch + 0x28n, cxr);
  k.mem.u64(at.dispatch + 0x30n, await symbolAddress(nt, '_C_specific_handler'));
  k.mem.u64(frames[FILTER].sp + 0x20n, cxr);
  // The bugcheck context: KeBugCheckEx's arguments, and the non-volatile registers its caller left.
  const regs = { ...zeroRegisters(), ...frames[0].regs, rip: frames[0].ip, rsp: frames[0].sp, rcx: 0x7en, rdx: 0xffffffffc0000005n, r8: faultIp, r9: exr };
  await k.setProcessorContext(3, regs);
  await k.homeArguments(frames[0], regs);
  thread.writer.set('Tcb.TrapFrame', trap).set('Tcb.KernelStack', frames[0].sp);
  return {
    name: '0x7e',
    description: "EvilDriver.sys overflows its 'WrB1' pool block with 'A's; ExFreePoolWithTag faults on the corrupted chunk (the 0x7E walkthrough)",
    pages: k.mem.pages,
    facts: k.facts(0x7e, [0xffffffffc0000005n, faultIp, exr, cxr], regs, 'dumpscope scenario 0x7E: pool corruption found while freeing'),
    records: { trapFrame: trap, exceptionRecord: exr, contextRecord: cxr },
    expect: { bugcheck: 0x7e, module: 'EvilDriver', bucketStart: 'AV_' },
  };
}

// 0xD1: IoctlDriver's DPC routine reads through a pointer into paged-out memory at DISPATCH_LEVEL.
async function scenarioD1(bins: ScenarioBinaries, extra: number): Promise<BuiltScenario> {
  const k = new KernelScenario(bins, 2, { selfMapIndex: SELF_MAP['0xd1'] });
  await k.init(['IoctlDriver'], extra);
  const nt = k.nt;
  const drv = k.image('IoctlDriver');
  const thread = await k.addThread('KiIdleLoop', 2);
  await k.setCurrentThread(1, thread.ethread);
  await k.setIrql(1, 2); // DISPATCH_LEVEL: the DPC was running
  const faultIp = await findInstruction(drv, 'TimerDpc', /^mov rax,qword ptr \[rdx\+/);
  const context = 0xffffc08be45a0000n; // paged pool, paged out: its PTE names a page-file slot
  const badVa = context + 0x28n;
  k.mem.setPte(context, PAGED_OUT_PTE);
  const frames = await k.stack(
    [
      { image: nt, fn: 'KeBugCheckEx', at: 'entry' },
      { image: nt, fn: 'KiBugCheckDispatch' },
      { image: nt, fn: 'KiPageFault', trap: true },
      { image: drv, fn: 'TimerDpc', at: faultIp },
      { image: nt, fn: 'KiExecuteAllDpcs' },
      { image: nt, fn: 'KiRetireDpcList' },
      { image: nt, fn: 'KiIdleLoop' },
    ],
    thread.stackBase - 0x1000n,
  );
  const trap = frames[2].trapFrame as bigint;
  await k.trapRegisters(trap, { Rdx: context, Rcx: 0xffffc08be4500000n, Rip: faultIp, ErrorCode: 0n });
  const regs = { ...zeroRegisters(), rip: frames[0].ip, rsp: frames[0].sp, rcx: 0xd1n, rdx: badVa, r8: 2n, r9: 0n };
  await k.setProcessorContext(1, regs);
  await k.homeArguments(frames[0], regs);
  thread.writer.set('Tcb.TrapFrame', trap).set('Tcb.KernelStack', frames[0].sp);
  return {
    name: '0xd1',
    description: 'IoctlDriver.sys touches paged memory from a DPC at DISPATCH_LEVEL',
    pages: k.mem.pages,
    facts: k.facts(0xd1, [badVa, 2n, 0n, faultIp], regs, 'dumpscope scenario 0xD1: paged memory at DISPATCH_LEVEL'),
    expect: { bugcheck: 0xd1, module: 'IoctlDriver', bucketStart: 'AV_' },
  };
}

// 0x3B: IoctlDriver's IOCTL handler dereferences a garbage pointer during a system call.
async function scenario3b(bins: ScenarioBinaries, extra: number): Promise<BuiltScenario> {
  const k = new KernelScenario(bins, 2, { selfMapIndex: SELF_MAP['0x3b'] });
  await k.init(['IoctlDriver'], extra);
  const nt = k.nt;
  const drv = k.image('IoctlDriver');
  const thread = await k.addThread('ExpWorkerThread', 2);
  await k.setCurrentThread(0, thread.ethread);
  const faultIp = await findInstruction(drv, 'HandleIoctl', /^mov rax,qword ptr \[rdx\+/);
  const ctxFrames = await k.stack(
    [
      { image: drv, fn: 'HandleIoctl', at: faultIp },
      { image: drv, fn: 'DispatchDeviceControl' },
      { image: nt, fn: 'IofCallDriver' },
      { image: nt, fn: 'NtDeviceIoControlFile' },
    ],
    thread.stackBase - 0x1800n,
  );
  const bugFrames = await k.stack(
    [
      { image: nt, fn: 'KeBugCheckEx', at: 'entry' },
      { image: nt, fn: 'KiBugCheckDispatch' },
      { image: nt, fn: 'KiSystemServiceHandler' },
    ],
    thread.stackBase - 0x3000n,
  );
  const cxr = thread.stackBase - 0x2400n;
  const ctxRegs = { ...zeroRegisters(), rip: faultIp, rsp: ctxFrames[0].sp, rdx: 0xdead0000beef0000n, rcx: 0xffffc08be4500000n };
  k.writeContextRecord(cxr, ctxRegs);
  const regs = { ...zeroRegisters(), rip: bugFrames[0].ip, rsp: bugFrames[0].sp, rcx: 0x3bn, rdx: 0xc0000005n, r8: faultIp, r9: cxr };
  await k.setProcessorContext(0, regs);
  await k.homeArguments(bugFrames[0], regs);
  thread.writer.set('Tcb.KernelStack', bugFrames[0].sp);
  return {
    name: '0x3b',
    description: 'IoctlDriver.sys dereferences a bad pointer in its IOCTL handler during a system call',
    pages: k.mem.pages,
    facts: k.facts(0x3b, [0xc0000005n, faultIp, cxr, 0n], regs, 'dumpscope scenario 0x3B: exception in a system service'),
    expect: { bugcheck: 0x3b, module: 'IoctlDriver', bucketStart: 'AV_' },
  };
}
