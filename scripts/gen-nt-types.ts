// Generates fixtures/scenario/src/nt-types.h: C declarations of the Windows 10 19041 x64 kernel structures
// the scenario kernel needs, with each listed field at the offset the corpus ISF gives (a public fact) and
// explicit padding between them. The C compiler then emits them into the stand-in kernel's PDB, so the
// scenario dumps are read through real CodeView type records. _Static_asserts pin every offset.
// Run: node --import tsx scripts/gen-nt-types.ts  (needs ../shared/corpus; the output is committed)
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openIsf } from '../src/formats/isf/open-isf.js';
import type { EnumType, Field, Type, UdtType } from '../src/symbols/types.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const isfDir = join(root, '..', 'shared', 'corpus', 'isf', 'ntkrnlmp.pdb');
const isf = openIsf(new Uint8Array(readFileSync(join(isfDir, readdirSync(isfDir)[0]))), 'ntkrnlmp');

// Structures and the fields of each that the scenarios write and dumpscope reads. '*' = every field.
// Order matters: a structure embedded by value comes before the one embedding it.
const WANT: [string, string[]][] = [
  ['_LIST_ENTRY', ['*']],
  ['_SINGLE_LIST_ENTRY', ['*']],
  ['_UNICODE_STRING', ['*']],
  ['_LARGE_INTEGER', ['*']],
  ['_CLIENT_ID', ['*']],
  ['_M128A', ['*']],
  ['_KAPC_STATE', ['ApcListHead', 'Process']],
  ['_DISPATCHER_HEADER', ['Type', 'SignalState', 'WaitListHead']],
  ['_KWAIT_BLOCK', ['WaitListEntry', 'WaitType', 'BlockState', 'WaitKey', 'Thread', 'Object']],
  // 'A|B|C' lists the field A and the fields B, C that overlay it (a union in the kernel's own header);
  // overlapping fields become anonymous unions wherever they occur, so this is only a way of grouping.
  // 'A+B|C+D' makes A, B one structure of the union and C, D another, even where A ends exactly where B starts.
  // Header.Type: the dispatcher object type `!thread`/`!process ADDRESS` check (ThreadObject 6, ProcessObject 3).
  ['_KTHREAD', ['Header', 'InitialStack', 'StackLimit', 'StackBase', 'KernelStack', 'TrapFrame', 'Alertable', 'ApcState|Priority', 'WaitBlockList', 'Teb', 'WaitIrql', 'WaitMode', 'State', 'WaitReason', 'BasePriority', 'PriorityDecrement|ForegroundBoost|UnusualBoost', 'ContextSwitches', 'WaitTime', 'Win32Thread', 'KernelTime', 'UserTime', 'NextProcessor', 'Process', 'WaitBlockCount', 'IdealProcessor', 'ThreadListEntry']],
  ['_ETHREAD', ['Tcb', 'Cid', 'StartAddress', 'Win32StartAddress', 'ThreadListEntry', 'ThreadIoPriority', 'ThreadPagePriority']],
  ['_KPROCESS', ['Header', 'DirectoryTableBase', 'ThreadListHead', 'BasePriority', 'KernelTime', 'UserTime']],
  ['_HANDLE_TABLE_FREE_LIST', ['HandleCount']],
  ['_HANDLE_TABLE', ['FreeLists']],
  ['_MM_SESSION_SPACE', ['SessionId', 'CommittedPages', 'WsListEntry']],
  ['_EPROCESS', ['Pcb', 'UniqueProcessId', 'ActiveProcessLinks', 'InheritedFromUniqueProcessId', 'ImageFileName', 'ThreadListHead', 'Peb', 'ActiveThreads', 'CreateTime', 'ProcessQuotaUsage', 'PeakVirtualSize', 'VirtualSize', 'Session', 'ObjectTable', 'CommitCharge', 'ExitStatus']],
  ['_CONTEXT', ['*']],
  ['_KPROCESSOR_STATE', ['ContextFrame']],
  ['_KSPIN_LOCK_QUEUE', ['*']],
  // DPCs (0x133): the queue in KPRCB.DpcData, the routine running, the watchdog counters.
  ['_KDPC', ['*']],
  ['_KDPC_LIST', ['*']],
  ['_KDPC_DATA', ['*']],
  ['_KPRCB', ['Number', 'CurrentThread', 'NextThread', 'IdleThread', 'ProcessorState', 'LockQueue', 'CpuType', 'CpuStepping', 'CpuModel', 'MHz', 'VendorString', 'CachedCommit', 'CurrentDpcRoutine', 'DpcData', 'DpcWatchdogPeriod', 'DpcWatchdogCount', 'DpcTimeCount', 'DpcTimeLimit']],
  ['_KSYSTEM_TIME', ['*']],
  ['_KUSER_SHARED_DATA', ['TickCountMultiplier', 'TimeZoneBias', 'TickCountQuad', 'NtProductType', 'ProductTypeIsValid', 'SuiteMask']],
  ['_KLDR_DATA_TABLE_ENTRY', ['InLoadOrderLinks', 'DllBase', 'SizeOfImage', 'FullDllName', 'BaseDllName', 'CheckSum', 'TimeDateStamp']],
  // In the kernel header's member order (the 0x50 walkthrough's `!ddt nt!_KTRAP_FRAME`): the ISF sorts
  // members that share an offset by name, which would put InterruptRetpolineState before PreviousMode.
  ['_KTRAP_FRAME', ['P1Home', 'P2Home', 'P3Home', 'P4Home', 'P5', 'PreviousMode|InterruptRetpolineState', 'PreviousIrql', 'FaultIndicator|NmiMsrIbrs', 'ExceptionActive', 'MxCsr', 'Rax', 'Rcx', 'Rdx', 'R8', 'R9', 'R10', 'R11', 'GsBase|GsSwap', 'Xmm0', 'Xmm1', 'Xmm2', 'Xmm3', 'Xmm4', 'Xmm5', 'FaultAddress|ContextRecord', 'Dr0+Dr1+Dr2+Dr3+Dr6+Dr7|ShadowStackFrame+Spare', 'DebugControl', 'LastBranchToRip', 'LastBranchFromRip', 'LastExceptionToRip', 'LastExceptionFromRip', 'SegDs', 'SegEs', 'SegFs', 'SegGs', 'TrapFrame', 'Rbx', 'Rdi', 'Rsi', 'Rbp', 'ErrorCode|ExceptionFrame', 'Rip', 'SegCs', 'Fill0', 'Logging', 'Fill1', 'EFlags', 'Fill2', 'Rsp', 'SegSs', 'Fill3', 'Fill4']],
  ['_EXCEPTION_RECORD', ['*']],
  ['_POOL_HEADER', ['*']],
  ['_KPCR', ['Self', 'CurrentPrcb', 'Irql', 'Prcb']],
  ['_POOL_TRACKER_TABLE', ['*']],
  // I/O (0x9F): an IRP, its stack locations, the device and driver objects they name.
  ['_KAPC', ['*']],
  ['_KDEVICE_QUEUE_ENTRY', ['*']],
  ['_IO_STATUS_BLOCK', ['*']],
  ['_POWER_STATE', ['*']],
  ['_IO_STACK_LOCATION', ['*']],
  ['_IRP', ['*']],
  ['_DEVICE_OBJECT', ['*']],
  ['_DRIVER_OBJECT', ['*']],
  // Page frames (0x1A): the PFN entry and the PTE formats it embeds.
  ['_RTL_BALANCED_NODE', ['*']],
  ['_MMPTE_HARDWARE', ['*']],
  ['_MMPTE_PROTOTYPE', ['*']],
  ['_MMPTE_SOFTWARE', ['*']],
  ['_MMPTE_TIMESTAMP', ['*']],
  ['_MMPTE_TRANSITION', ['*']],
  ['_MMPTE_SUBSECTION', ['*']],
  ['_MMPTE_LIST', ['*']],
  ['_MMPTE', ['*']],
  ['_MI_ACTIVE_PFN', ['*']],
  ['_MIPFNBLINK', ['*']],
  ['_MMPFNENTRY1', ['*']],
  ['_MMPFNENTRY3', ['*']],
  ['_MMPFN', ['*']],
  // !vm's counters: MiState (Vs, SystemPtes) and MiSystemPartition (Vp); the region map READ_/WRITE_ADDRESS
  // name a pool by (MiVisibleState->SystemVaType, one _MI_SYSTEM_VA_TYPE per 512 GB of the kernel half).
  ['_MMPFNLIST', ['Total']],
  ['_MI_PARTITION_PAGE_LISTS', ['ModifiedPageListNoReservation', 'ModifiedPageListByReservation']],
  ['_MM_PAGED_POOL_INFO', ['AllocatedPagedPool']],
  ['_MI_SYSTEM_PTE_TYPE', ['PteFailures', 'TotalFreeSystemPtes']],
  ['_MI_SYSTEM_PTE_STATE', ['KernelStackPteInfo']],
  ['_MI_SYSTEM_VA_ASSIGNMENT', ['*']],
  ['_MI_VISIBLE_STATE', ['SessionWsList', 'PagedPoolInfo', 'MaximumNonPagedPoolInPages', 'SizeOfPagedPoolInPages', 'SystemPteInfo', 'NonPagedPoolCommit', 'SmallNonPagedPtesCommit', 'BootCommit', 'MdlPagesAllocated', 'SystemPageTableCommit', 'DriverCommit', 'PfnDatabaseCommit', 'PagefileHashPages', 'SystemVaTypeCount', 'SystemVaType', 'SystemVaRegions']],
  ['_MI_SYSTEM_INFORMATION', ['SystemPtes', 'Vs']],
  ['_MMPAGING_FILE', ['Size', 'MaximumSize', 'MinimumSize', 'FreeSpace', 'PageFileName']],
  ['_MI_VISIBLE_PARTITION', ['NumberOfPhysicalPages', 'NumberOfPagingFiles', 'PagingFile', 'AvailablePages', 'ResidentAvailablePages', 'TotalCommittedPages', 'ModifiedPageListHead', 'ModifiedNoWritePageListHead', 'TotalCommitLimit', 'ProcessLockedFilePages', 'SharedCommit', 'SlabAllocatorPages']],
  ['_MI_PARTITION', ['PageLists', 'Vp']],
  // The segment heap's variable-size allocator context (the 0x7E walkthrough's `dt ntkrnlmp!_HEAP_VS_CONTEXT`).
  ['_RTL_RB_TREE', ['*']],
  ['_SLIST_HEADER', ['*']],
  ['_HEAP_VS_DELAY_FREE_CONTEXT', ['*']],
  ['_HEAP_SUBALLOCATOR_CALLBACKS', ['*']],
  ['_RTL_HP_VS_CONFIG', ['*']],
  ['_HEAP_VS_CONTEXT', ['*']],
  // Pool blocks without a _POOL_HEADER (nt!PoolBigPageTable's entries) and the segment heap's VS chunk header
  // before a pool header, encoded with nt!RtlpHpHeapGlobals.HeapKey (`!pool`, the analysis's pool rules).
  ['_POOL_TRACKER_BIG_PAGES', ['*']],
  // In the kernel header's order: the size bitfields form one structure, then the key views overlaying it.
  ['_HEAP_VS_CHUNK_HEADER_SIZE', ['MemoryCost', 'UnsafeSize', 'UnsafePrevSize', 'Allocated', 'KeyUShort', 'KeyULong', 'HeaderBits']],
  ['_HEAP_VS_CHUNK_HEADER', ['*']],
  ['_RTLP_HP_HEAP_GLOBALS', ['HeapKey', 'LfhKey']],
];
// Members the 19041 ISF does not have that the 22621 kernel of the walkthroughs does, at the offsets the 0x50
// walkthrough's `!ddt nt!_KTRAP_FRAME` shows: the shadow-stack frame overlays the debug registers.
const U64: Type = { kind: 'base', name: 'unsigned __int64', size: 8, signed: false };
const EXTRA: Record<string, Field[]> = {
  _KTRAP_FRAME: [
    { name: 'ShadowStackFrame', offset: 0xd8, type: U64 },
    { name: 'Spare', offset: 0xe0, type: { kind: 'array', size: 0x28, count: 5, element: U64 } },
  ],
};
// Enumerations emitted with their constants: fields of these types get them, and the ones stored in bytes
// (SystemVaType, SystemVaRegions' index) are referenced from ntstub.c so they reach the PDB.
const ENUMS = ['_MI_SYSTEM_VA_TYPE', '_MI_ASSIGNED_REGION_TYPES', '_POWER_STATE_TYPE', '_DEVICE_POWER_STATE', '_SYSTEM_POWER_STATE', '_RTLP_HP_LOCK_TYPE'];
const emitted = new Set(WANT.map(([n]) => n));
/** Fields joined by '+' in WANT: one structure inside a union, whatever their offsets (a group name each). */
const joined = new Map<Field, string>();
/** The ISF's anonymous types already written out under their own tag (a second use names the tag only). */
const anonymousTags = new Set<string>();
/** Each chosen field's predecessor in the order WANT (or the ISF, for '*') lists them. */
const prev = new Map<Field, Field | undefined>();
const MAX_NESTING = 8;

const isAnonymous = (t: UdtType) => /^(__anonymous|<anonymous|<unnamed)/.test(t.name);
const tag = (t: UdtType) => (t.udtKind === 'union' ? 'union' : 'struct');
const hex = (n: number) => `0x${n.toString(16)}`;
/** Indents every line of members that may span several lines (inline anonymous types). */
const indent = (lines: string[]) => lines.flatMap((l) => l.split('\n')).map((l) => `  ${l}`);

/** Per top-level type: padding names and the offsets to pin (paths from the top, absolute offsets). */
interface Ctx {
  top: string;
  pad: number;
  asserts: string[];
  /** Every field of the type is emitted: a gap between them is the compiler's alignment padding. */
  all: boolean;
  /** The alignment of the members emitted at the top level so far (attributes included). */
  align: number;
}

/** Alignment of a type as this generator writes it in C (types it reduces to bytes align to 1). */
const alignments = new Map<string, number>();
function alignOf(t: Type): number {
  switch (t.kind) {
    case 'base':
    case 'enum':
      return Math.min(Math.max(t.size, 1), 8);
    case 'pointer':
    case 'function':
      return 8;
    case 'array':
      return alignOf(t.element);
    case 'udt':
      if (emitted.has(t.name)) return alignments.get(t.name) ?? 1;
      return isAnonymous(t) ? Math.max(1, ...t.fields.map((f) => alignOf(f.type))) : 1;
    default:
      return 1;
  }
}
const roundUp = (n: number, a: number) => Math.ceil(n / a) * a;

/**
 * How to reach `offset` from `at` before a member of alignment `align` at the top level of a type: nothing
 * when natural alignment gets there (no padding member that WinDbg would not show), an alignment attribute
 * when the type is complete and a cache-line-style alignment explains the gap, else a padding array.
 */
function gap(at: number, offset: number, type: Type, ctx: Ctx, size: number, top: boolean): string[] {
  if (offset <= at) return [];
  const align = alignOf(type);
  if (top && roundUp(at, align) === offset) return [];
  // (A type written as bytes has lost its alignment: its gap stays explicit.)
  const faithful = type.kind !== 'udt' || emitted.has(type.name) || isAnonymous(type);
  if (top && ctx.all && faithful) {
    for (const p of [16, 32, 64]) {
      if (p > align && roundUp(at, p) === offset && size % p === 0) {
        ctx.align = Math.max(ctx.align, p);
        return [`__attribute__((aligned(${p})))`];
      }
    }
  }
  return [`unsigned char _pad${ctx.pad++}[${hex(offset - at)}];`];
}

function baseName(name: string): string {
  return name === 'wchar_t' ? 'unsigned short' : name === '__int64' ? 'long long' : name === 'unsigned __int64' ? 'unsigned long long' : name;
}

/** A C declaration of `decl` (a declarator) with type `t`; anonymous structures are written out inline. */
function cType(t: Type, decl: string, ctx: Ctx, path: string, at: number, depth: number): string {
  switch (t.kind) {
    case 'void':
      return `void ${decl}`;
    case 'base':
      return `${baseName(t.name)} ${decl}`;
    case 'pointer': {
      const target = t.target;
      if (target.kind === 'udt' && emitted.has(target.name)) return `${tag(target)} ${target.name} *${decl}`;
      if (target.kind === 'base') return cType(target, `*${decl}`, ctx, path, at, depth);
      return `void *${decl}`;
    }
    case 'array':
      return cType(t.element, `${decl}[${t.count}]`, ctx, `${path}[0]`, at, depth);
    case 'udt':
      if (emitted.has(t.name)) return `${tag(t)} ${t.name} ${decl}`;
      if (isAnonymous(t)) {
        if (depth >= MAX_NESTING) throw new Error(`${ctx.top}.${path}: anonymous types nested deeper than ${MAX_NESTING}`);
        // A named member of an unnamed type keeps the ISF's tag (__anonymous_…): clang would otherwise call
        // it `Outer::<unnamed-tag>`, where the kernel's own PDB (and WinDbg) says `<unnamed-tag>`.
        const name = /^__anonymous_\w+$/.test(t.name) ? `${t.name} ` : '';
        if (name && anonymousTags.has(t.name)) return `${tag(t)} ${name}${decl}`;
        if (name) anonymousTags.add(t.name);
        const body = emitBody(t, t.fields, ctx, `${path}.`, at, depth + 1);
        return [`${tag(t)} ${name}{`, ...indent(body), `} ${decl}`].join('\n');
      }
      return `unsigned char ${decl}[${hex(t.size)}]`;
    case 'enum':
      if (t.size === 4 && ENUMS.includes(t.name)) return `enum ${t.name} ${decl}`;
      return `${t.size === 1 ? 'unsigned char' : t.size === 2 ? 'unsigned short' : t.size === 8 ? 'unsigned long long' : 'unsigned long'} ${decl}`;
    case 'function':
      return `void *${decl}`;
  }
}

/** The ISF lists the members of anonymous unions inline, overlapping: sort them into runs that do not overlap. */
function lanes(fields: readonly Field[]): Field[][] {
  const out: { items: Field[]; end: number; touched: number; unit?: { offset: number; size: number; nextBit: number } }[] = [];
  let step = 0;
  const sorted = fields.map((f, i) => ({ f, i })).sort((a, b) => a.f.offset - b.f.offset || (a.f.bitPosition ?? 0) - (b.f.bitPosition ?? 0) || a.i - b.i);
  for (const { f } of sorted) {
    const pos = f.bitPosition ?? 0;
    const fits = (l: (typeof out)[number]) =>
      f.bitLength !== undefined && l.unit && l.unit.offset === f.offset && l.unit.size === f.type.size ? pos >= l.unit.nextBit : f.offset >= l.end;
    // Of the runs it fits, the one holding the member listed just before it (a structure inside the union
    // continues), else the one extended last: members stay in the kernel header's order.
    const fitting = out.filter(fits);
    let lane = fitting.find((l) => l.items.at(-1) === prev.get(f)) ?? fitting.sort((a, b) => b.touched - a.touched)[0];
    if (!lane) {
      lane = { items: [], end: 0, touched: 0 };
      out.push(lane);
    }
    lane.items.push(f);
    lane.touched = ++step;
    lane.end = Math.max(lane.end, f.offset + f.type.size);
    lane.unit = f.bitLength !== undefined ? { offset: f.offset, size: f.type.size, nextBit: pos + f.bitLength } : undefined;
  }
  return out.map((l) => l.items);
}

/** Members laid one after another from `start` (relative offsets), padding and bitfield gaps explicit. */
function sequence(items: Field[], start: number, ctx: Ctx, prefix: string, base: number, depth: number, top = false, size = 0): string[] {
  const lines: string[] = [];
  let at = start;
  let unit: { offset: number; type: Type; nextBit: number } | undefined;
  const close = () => {
    // Fill the rest of a bitfield unit, so the next bitfield of the same type cannot share it.
    if (unit && unit.nextBit < unit.type.size * 8) lines.push(`${cType(unit.type, '', ctx, '', 0, depth)}: ${unit.type.size * 8 - unit.nextBit};`);
    unit = undefined;
  };
  for (const f of items) {
    const pos = f.bitPosition ?? 0;
    if (f.bitLength !== undefined && unit && unit.offset === f.offset && unit.type.size === f.type.size) {
      if (pos > unit.nextBit) lines.push(`${cType(f.type, '', ctx, '', 0, depth)}: ${pos - unit.nextBit};`);
      lines.push(`${cType(f.type, f.name, ctx, '', 0, depth)} : ${f.bitLength};`);
      unit.nextBit = pos + f.bitLength;
      continue;
    }
    close();
    const pad = gap(at, f.offset, f.type, ctx, size, top);
    if (top) ctx.align = Math.max(ctx.align, alignOf(f.type));
    // An alignment attribute goes in front of the member's declaration.
    const attr = pad[0]?.startsWith('__attribute__') ? `${pad.shift()} ` : '';
    lines.push(...pad);
    if (f.bitLength !== undefined) {
      if (pos > 0) lines.push(`${cType(f.type, '', ctx, '', 0, depth)}: ${pos};`);
      lines.push(`${cType(f.type, f.name, ctx, '', 0, depth)} : ${f.bitLength};`);
      unit = { offset: f.offset, type: f.type, nextBit: pos + f.bitLength };
    } else {
      const path = `${prefix}${f.name}`;
      lines.push(`${attr}${cType(f.type, f.name, ctx, path, base + f.offset, depth)};`);
      ctx.asserts.push(`_Static_assert(__builtin_offsetof(struct ${ctx.top}, ${path}) == ${hex(base + f.offset)}, "${ctx.top}.${path}");`);
      if (f.type.kind === 'udt' && !emitted.has(f.type.name)) ctx.asserts.push(`_Static_assert(sizeof(((struct ${ctx.top} *)0)->${path}) == ${hex(f.type.size)}, "sizeof ${ctx.top}.${path}");`);
    }
    at = f.offset + f.type.size;
  }
  close();
  return lines;
}

/**
 * The members of a structure or union of `size` bytes. Fields that overlap become an anonymous union of
 * anonymous structures, one per run of non-overlapping fields; every name stays reachable as in the kernel.
 */
function emitBody(t: { udtKind: string; size: number }, fields: readonly Field[], ctx: Ctx, prefix: string, base: number, depth: number): string[] {
  const union = (group: Field[], start: number): string[] => {
    const out: string[] = [];
    for (const lane of lanes(group)) {
      if (lane.length === 1 && lane[0].offset === start && lane[0].bitLength === undefined) out.push(...sequence(lane, start, ctx, prefix, base, depth));
      else out.push('struct {', ...indent(sequence(lane, start, ctx, prefix, base, depth)), '};');
    }
    return out;
  };
  if (t.udtKind === 'union') {
    const lines = union([...fields], 0);
    const end = Math.max(0, ...fields.map((f) => f.offset + f.type.size));
    if (t.size > end) lines.push(`unsigned char _pad${ctx.pad++}[${hex(t.size)}];`);
    return lines;
  }
  // Clusters of fields whose byte ranges overlap, in offset order.
  const sorted = [...fields].sort((a, b) => a.offset - b.offset);
  const clusters: { start: number; end: number; fields: Field[] }[] = [];
  for (const f of sorted) {
    const last = clusters.at(-1);
    const group = joined.get(f);
    if (last && (f.offset < last.end || (group !== undefined && last.fields.some((x) => joined.get(x) === group)))) {
      last.fields.push(f);
      last.end = Math.max(last.end, f.offset + f.type.size);
    } else clusters.push({ start: f.offset, end: f.offset + f.type.size, fields: [f] });
  }
  const lines: string[] = [];
  let run: Field[] = [];
  let runStart = 0;
  let at = 0;
  const top = depth === 0 && t.udtKind !== 'union';
  const flush = () => {
    lines.push(...sequence(run, runStart, ctx, prefix, base, depth, top, t.size));
    run = [];
  };
  for (const c of clusters) {
    const ls = lanes(c.fields);
    if (ls.length === 1) {
      if (!run.length) runStart = at;
      run.push(...ls[0]);
    } else {
      flush();
      if (c.start > at) lines.push(`unsigned char _pad${ctx.pad++}[${hex(c.start - at)}];`);
      lines.push('union {', ...indent(union(c.fields, c.start)), '};');
      if (top) ctx.align = Math.max(ctx.align, ...c.fields.map((f) => alignOf(f.type)));
      runStart = c.end;
    }
    at = c.end;
  }
  flush();
  // Trailing padding: none where the structure's alignment rounds its size up to the ISF's.
  if (t.size > at && !(top && roundUp(at, ctx.align) === t.size)) lines.push(`unsigned char _pad${ctx.pad++}[${hex(t.size - at)}];`);
  return lines;
}

const out: string[] = [
  '// Generated by scripts/gen-nt-types.ts from the Windows 10 19041 x64 kernel symbol table (ISF): field',
  '// names and offsets are public facts; padding stands for the fields the scenarios do not use.',
  '#pragma once',
  '',
];
const asserts: string[] = [];
for (const name of ENUMS) {
  const e = isf.typeByName(name) as EnumType | undefined;
  if (e?.kind !== 'enum' || e.size !== 4) throw new Error(`${name} is not a 4-byte enum in the ISF`);
  out.push(`enum ${name} {`, ...e.enumerators.map((x) => `  ${x.name} = ${x.value},`), '};', '');
}
const types = WANT.map(([name, fields]) => {
  const t = isf.typeByName(name) as UdtType;
  if (t?.kind !== 'udt') throw new Error(`${name} is not in the ISF`);
  return { name, t, fields };
});
out.push(...types.map(({ name, t }) => `${tag(t)} ${name};`), 'struct _KSWITCH_FRAME;', 'struct _UNLOADED_DRIVERS;', '');
for (const { name, t, fields } of types) {
  const field = (f: string) => t.fields.find((x) => x.name === f) ?? EXTRA[name]?.find((x) => x.name === f) ?? (() => { throw new Error(`${name}.${f} missing`); })();
  const chosen = fields[0] === '*' ? [...t.fields] : fields.flatMap((spec) => spec.split('|').flatMap((part, i) => {
    const members = part.split('+').map(field);
    const group = `${name}.${i}.${part}`;
    if (members.length > 1) for (const m of members) joined.set(m, group);
    return members;
  }));
  for (const [i, f] of chosen.entries()) prev.set(f, chosen[i - 1]);
  const ctx: Ctx = { top: name, pad: 0, asserts, all: fields[0] === '*', align: 1 };
  const body = emitBody(t, chosen, ctx, '', 0, 0);
  alignments.set(name, t.udtKind === 'union' ? Math.max(1, ...chosen.map((f) => alignOf(f.type))) : ctx.align);
  out.push(`${tag(t)} ${name} {`, ...indent(body), '};', `_Static_assert(sizeof(${tag(t)} ${name}) == ${hex(t.size)}, "sizeof ${name}");`, '');
}
// _KSWITCH_FRAME is not in the ISF (Volatility drops it); its public x64 layout: the frame SwapContext
// leaves at KTHREAD.KernelStack, ending with the return address the thread resumes at.
out.push(
  'struct _KSWITCH_FRAME {',
  '  unsigned long long P1Home;',
  '  unsigned long long P2Home;',
  '  unsigned long long P3Home;',
  '  unsigned long long P4Home;',
  '  unsigned long long P5Home;',
  '  unsigned char ApcBypass;',
  '  unsigned char Fill1[7];',
  '  unsigned long long Rbp;',
  '  unsigned long long Return;',
  '};',
  '_Static_assert(sizeof(struct _KSWITCH_FRAME) == 0x40, "sizeof _KSWITCH_FRAME");',
  '',
  '// _UNLOADED_DRIVERS (MmUnloadedDrivers entries) is not in the ISF either; its public x64 layout:',
  'struct _UNLOADED_DRIVERS {',
  '  struct _UNICODE_STRING Name;',
  '  void *StartAddress;',
  '  void *EndAddress;',
  '  long long CurrentTime;',
  '};',
  '_Static_assert(sizeof(struct _UNLOADED_DRIVERS) == 0x28, "sizeof _UNLOADED_DRIVERS");',
  '',
);
// __builtin_offsetof(struct X, …) also takes unions; the asserts of union types name them as such.
const unions = new Set(types.filter(({ t }) => t.udtKind === 'union').map(({ name }) => name));
out.push(...asserts.map((a) => a.replace(/\(struct (_[A-Z_0-9]+)([ ,)])/g, (m, n, end) => (unions.has(n) ? `(union ${n}${end}` : m))), '');
const dest = join(root, 'fixtures', 'scenario', 'src', 'nt-types.h');
writeFileSync(dest, out.join('\n'));
console.log(`wrote ${dest}`);
