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
  ['_KTHREAD', ['InitialStack', 'StackLimit', 'StackBase', 'KernelStack', 'TrapFrame', 'Alertable', 'ApcState|Priority', 'WaitBlockList', 'Teb', 'WaitIrql', 'WaitMode', 'State', 'WaitReason', 'BasePriority', 'PriorityDecrement|ForegroundBoost|UnusualBoost', 'ContextSwitches', 'WaitTime', 'Win32Thread', 'KernelTime', 'UserTime', 'NextProcessor', 'Process', 'WaitBlockCount', 'IdealProcessor', 'ThreadListEntry']],
  ['_ETHREAD', ['Tcb', 'Cid', 'StartAddress', 'Win32StartAddress', 'ThreadListEntry', 'ThreadIoPriority', 'ThreadPagePriority']],
  ['_KPROCESS', ['DirectoryTableBase', 'ThreadListHead', 'BasePriority', 'KernelTime', 'UserTime']],
  ['_HANDLE_TABLE_FREE_LIST', ['HandleCount']],
  ['_HANDLE_TABLE', ['FreeLists']],
  ['_MM_SESSION_SPACE', ['SessionId']],
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
  ['_KTRAP_FRAME', ['*']],
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
  ['_MM_PAGED_POOL_INFO', ['AllocatedPagedPool']],
  ['_MI_SYSTEM_PTE_TYPE', ['PteFailures', 'TotalFreeSystemPtes']],
  ['_MI_SYSTEM_PTE_STATE', ['KernelStackPteInfo']],
  ['_MI_SYSTEM_VA_ASSIGNMENT', ['*']],
  ['_MI_VISIBLE_STATE', ['PagedPoolInfo', 'MaximumNonPagedPoolInPages', 'SizeOfPagedPoolInPages', 'SystemPteInfo', 'NonPagedPoolCommit', 'SmallNonPagedPtesCommit', 'BootCommit', 'MdlPagesAllocated', 'SystemPageTableCommit', 'DriverCommit', 'PfnDatabaseCommit', 'PagefileHashPages', 'SystemVaTypeCount', 'SystemVaType', 'SystemVaRegions']],
  ['_MI_SYSTEM_INFORMATION', ['SystemPtes', 'Vs']],
  ['_MMPAGING_FILE', ['Size', 'MaximumSize', 'MinimumSize', 'FreeSpace', 'PageFileName']],
  ['_MI_VISIBLE_PARTITION', ['NumberOfPhysicalPages', 'NumberOfPagingFiles', 'PagingFile', 'AvailablePages', 'ResidentAvailablePages', 'TotalCommittedPages', 'ModifiedPageListHead', 'ModifiedNoWritePageListHead', 'TotalCommitLimit', 'ProcessLockedFilePages', 'SharedCommit', 'SlabAllocatorPages']],
  ['_MI_PARTITION', ['Vp']],
];
// Enumerations emitted with their constants: fields of these types get them, and the ones stored in bytes
// (SystemVaType, SystemVaRegions' index) are referenced from ntstub.c so they reach the PDB.
const ENUMS = ['_MI_SYSTEM_VA_TYPE', '_MI_ASSIGNED_REGION_TYPES', '_POWER_STATE_TYPE', '_DEVICE_POWER_STATE', '_SYSTEM_POWER_STATE'];
const emitted = new Set(WANT.map(([n]) => n));
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
        const body = emitBody(t, t.fields, ctx, `${path}.`, at, depth + 1);
        return [`${tag(t)} {`, ...indent(body), `} ${decl}`].join('\n');
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
    // Of the runs it fits, the one extended last: members stay in the kernel header's order.
    let lane = out.filter(fits).sort((a, b) => b.touched - a.touched)[0];
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
function sequence(items: Field[], start: number, ctx: Ctx, prefix: string, base: number, depth: number): string[] {
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
    if (f.offset > at) lines.push(`unsigned char _pad${ctx.pad++}[${hex(f.offset - at)}];`);
    if (f.bitLength !== undefined) {
      if (pos > 0) lines.push(`${cType(f.type, '', ctx, '', 0, depth)}: ${pos};`);
      lines.push(`${cType(f.type, f.name, ctx, '', 0, depth)} : ${f.bitLength};`);
      unit = { offset: f.offset, type: f.type, nextBit: pos + f.bitLength };
    } else {
      const path = `${prefix}${f.name}`;
      lines.push(`${cType(f.type, f.name, ctx, path, base + f.offset, depth)};`);
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
    if (last && f.offset < last.end) {
      last.fields.push(f);
      last.end = Math.max(last.end, f.offset + f.type.size);
    } else clusters.push({ start: f.offset, end: f.offset + f.type.size, fields: [f] });
  }
  const lines: string[] = [];
  let run: Field[] = [];
  let runStart = 0;
  let at = 0;
  const flush = () => {
    lines.push(...sequence(run, runStart, ctx, prefix, base, depth));
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
      runStart = c.end;
    }
    at = c.end;
  }
  flush();
  if (t.size > at) lines.push(`unsigned char _pad${ctx.pad++}[${hex(t.size - at)}];`);
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
  const field = (f: string) => t.fields.find((x) => x.name === f) ?? (() => { throw new Error(`${name}.${f} missing`); })();
  const chosen = fields[0] === '*' ? [...t.fields] : fields.flatMap((spec) => spec.split('|').map(field));
  const ctx: Ctx = { top: name, pad: 0, asserts };
  const body = emitBody(t, chosen, ctx, '', 0, 0);
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
