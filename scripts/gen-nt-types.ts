// Generates fixtures/scenario/src/nt-types.h: C declarations of the Windows 10 19041 x64 kernel structures
// the scenario kernel needs, with each listed field at the offset the corpus ISF gives (a public fact) and
// explicit padding between them. The C compiler then emits them into the stand-in kernel's PDB, so the
// scenario dumps are read through real CodeView type records. _Static_asserts pin every offset.
// Run: node --import tsx scripts/gen-nt-types.ts  (needs ../shared/corpus; the output is committed)
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openIsf } from '../src/formats/isf/open-isf.js';
import type { Field, Type, UdtType } from '../src/symbols/types.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const isfDir = join(root, '..', 'shared', 'corpus', 'isf', 'ntkrnlmp.pdb');
const isf = openIsf(new Uint8Array(readFileSync(join(isfDir, readdirSync(isfDir)[0]))), 'ntkrnlmp');

// Structures and the fields of each that the scenarios write and dumpscope reads. '*' = every field.
const WANT: [string, string[]][] = [
  ['_LIST_ENTRY', ['*']],
  ['_UNICODE_STRING', ['*']],
  ['_CLIENT_ID', ['*']],
  ['_M128A', ['*']],
  ['_KAPC_STATE', ['ApcListHead', 'Process']],
  ['_DISPATCHER_HEADER', ['Type', 'SignalState', 'WaitListHead']],
  ['_KWAIT_BLOCK', ['WaitListEntry', 'WaitType', 'BlockState', 'WaitKey', 'Thread', 'Object']],
  // 'A|B|C': the field A and the bitfields B, C that overlay it (a union in the kernel's own header).
  ['_KTHREAD', ['InitialStack', 'StackLimit', 'StackBase', 'KernelStack', 'TrapFrame', 'Alertable', 'ApcState|Priority', 'WaitBlockList', 'Teb', 'WaitIrql', 'WaitMode', 'State', 'WaitReason', 'BasePriority', 'PriorityDecrement|ForegroundBoost|UnusualBoost', 'ContextSwitches', 'WaitTime', 'Win32Thread', 'KernelTime', 'UserTime', 'NextProcessor', 'Process', 'WaitBlockCount', 'IdealProcessor', 'ThreadListEntry']],
  ['_ETHREAD', ['Tcb', 'Cid', 'StartAddress', 'Win32StartAddress', 'ThreadListEntry', 'ThreadIoPriority', 'ThreadPagePriority']],
  ['_KPROCESS', ['DirectoryTableBase', 'ThreadListHead', 'BasePriority', 'KernelTime', 'UserTime']],
  ['_HANDLE_TABLE_FREE_LIST', ['HandleCount']],
  ['_HANDLE_TABLE', ['FreeLists']],
  ['_MM_SESSION_SPACE', ['SessionId']],
  ['_EPROCESS', ['Pcb', 'UniqueProcessId', 'ActiveProcessLinks', 'InheritedFromUniqueProcessId', 'ImageFileName', 'ThreadListHead', 'Peb', 'ActiveThreads', 'CreateTime', 'ProcessQuotaUsage', 'PeakVirtualSize', 'VirtualSize', 'Session', 'ObjectTable', 'CommitCharge']],
  ['_CONTEXT', ['*']],
  ['_KPROCESSOR_STATE', ['ContextFrame']],
  ['_KSPIN_LOCK_QUEUE', ['*']],
  ['_KPRCB', ['Number', 'CurrentThread', 'NextThread', 'IdleThread', 'ProcessorState', 'LockQueue', 'CpuType', 'CpuStepping', 'CpuModel', 'MHz', 'VendorString', 'CachedCommit']],
  ['_KSYSTEM_TIME', ['*']],
  ['_KUSER_SHARED_DATA', ['TickCountMultiplier', 'TimeZoneBias', 'TickCountQuad', 'NtProductType', 'ProductTypeIsValid', 'SuiteMask']],
  ['_KLDR_DATA_TABLE_ENTRY', ['InLoadOrderLinks', 'DllBase', 'SizeOfImage', 'FullDllName', 'BaseDllName', 'CheckSum', 'TimeDateStamp']],
  ['_KTRAP_FRAME', ['*']],
  ['_EXCEPTION_RECORD', ['*']],
  ['_POOL_HEADER', ['*']],
  ['_KPCR', ['Self', 'CurrentPrcb', 'Irql', 'Prcb']],
  ['_POOL_TRACKER_TABLE', ['*']],
  // !vm's counters: MiState (Vs, SystemPtes) and MiSystemPartition (Vp).
  ['_MMPFNLIST', ['Total']],
  ['_MM_PAGED_POOL_INFO', ['AllocatedPagedPool']],
  ['_MI_SYSTEM_PTE_TYPE', ['PteFailures', 'TotalFreeSystemPtes']],
  ['_MI_SYSTEM_PTE_STATE', ['KernelStackPteInfo']],
  ['_MI_VISIBLE_STATE', ['PagedPoolInfo', 'MaximumNonPagedPoolInPages', 'SizeOfPagedPoolInPages', 'SystemPteInfo', 'NonPagedPoolCommit', 'SmallNonPagedPtesCommit', 'BootCommit', 'MdlPagesAllocated', 'SystemPageTableCommit', 'DriverCommit', 'PfnDatabaseCommit', 'PagefileHashPages']],
  ['_MI_SYSTEM_INFORMATION', ['SystemPtes', 'Vs']],
  ['_MMPAGING_FILE', ['Size', 'MaximumSize', 'MinimumSize', 'FreeSpace', 'PageFileName']],
  ['_MI_VISIBLE_PARTITION', ['NumberOfPhysicalPages', 'NumberOfPagingFiles', 'PagingFile', 'AvailablePages', 'ResidentAvailablePages', 'TotalCommittedPages', 'ModifiedPageListHead', 'ModifiedNoWritePageListHead', 'TotalCommitLimit', 'ProcessLockedFilePages', 'SharedCommit', 'SlabAllocatorPages']],
  ['_MI_PARTITION', ['Vp']],
];
const emitted = new Set(WANT.map(([n]) => n));

function cType(t: Type, name: string): string {
  switch (t.kind) {
    case 'void':
      return `void ${name}`;
    case 'base':
      return `${t.name === 'wchar_t' ? 'unsigned short' : t.name === '__int64' ? 'long long' : t.name === 'unsigned __int64' ? 'unsigned long long' : t.name} ${name}`;
    case 'pointer': {
      const target = t.target;
      if (target.kind === 'udt' && emitted.has(target.name)) return `struct ${target.name} *${name}`;
      if (target.kind === 'base') return cType(target, `*${name}`);
      return `void *${name}`;
    }
    case 'array':
      return cType(t.element, `${name}[${t.count}]`);
    case 'udt':
      if (emitted.has(t.name)) return `struct ${t.name} ${name}`;
      return `unsigned char ${name}[${t.size}]`;
    case 'enum':
      return `${t.size === 1 ? 'unsigned char' : t.size === 2 ? 'unsigned short' : t.size === 8 ? 'unsigned long long' : 'unsigned long'} ${name}`;
    case 'function':
      return `void *${name}`;
  }
}

const out: string[] = [
  '// Generated by scripts/gen-nt-types.ts from the Windows 10 19041 x64 kernel symbol table (ISF): field',
  '// names and offsets are public facts; padding stands for the fields the scenarios do not use.',
  '#pragma once',
  '',
  ...WANT.map(([n]) => `struct ${n};`),
  'struct _KSWITCH_FRAME;',
  'struct _UNLOADED_DRIVERS;',
  '',
];
const asserts: string[] = [];
for (const [name, fields] of WANT) {
  const t = isf.typeByName(name) as UdtType;
  if (t?.kind !== 'udt') throw new Error(`${name} is not in the ISF`);
  const field = (f: string) => t.fields.find((x) => x.name === f) ?? (() => { throw new Error(`${name}.${f} missing`); })();
  const overlays = new Map<string, Field[]>();
  let chosen: Field[] = fields[0] === '*' ? [...t.fields] : fields.map((spec) => {
    const [first, ...bits] = spec.split('|');
    if (bits.length) overlays.set(first, bits.map(field).sort((a, b) => (a.bitPosition ?? 0) - (b.bitPosition ?? 0)));
    return field(first);
  });
  chosen = chosen.sort((a, b) => a.offset - b.offset || (a.bitPosition ?? 0) - (b.bitPosition ?? 0));
  const lines: string[] = [];
  let at = 0;
  let pad = 0;
  let bitUnit: { offset: number; size: number; nextBit: number } | undefined;
  for (const f of chosen) {
    if (f.bitLength !== undefined) {
      // Bitfields sharing a storage unit follow each other; the unit starts at f.offset.
      if (bitUnit && bitUnit.offset === f.offset) {
        const pos = f.bitPosition ?? 0;
        if (pos < bitUnit.nextBit) continue; // an alternative view of bits already placed
        if (pos > bitUnit.nextBit) lines.push(`  ${cType(f.type, '')} : ${pos - bitUnit.nextBit};`);
        lines.push(`  ${cType(f.type, f.name)} : ${f.bitLength};`);
        bitUnit.nextBit = pos + f.bitLength;
        continue;
      }
      if (f.offset < at) continue;
      if (f.offset > at) lines.push(`  unsigned char _pad${pad++}[0x${(f.offset - at).toString(16)}];`);
      if ((f.bitPosition ?? 0) > 0) lines.push(`  ${cType(f.type, '')} : ${f.bitPosition};`);
      lines.push(`  ${cType(f.type, f.name)} : ${f.bitLength};`);
      bitUnit = { offset: f.offset, size: f.type.size, nextBit: (f.bitPosition ?? 0) + f.bitLength };
      at = f.offset + f.type.size;
      continue;
    }
    if (f.offset < at) continue; // a union member over a field already placed
    bitUnit = undefined;
    if (f.offset > at) lines.push(`  unsigned char _pad${pad++}[0x${(f.offset - at).toString(16)}];`);
    const over = overlays.get(f.name);
    if (over) {
      // An anonymous union: the whole field; a struct of the bitfields sharing its storage; and, for a
      // field placed inside it (KTHREAD.Priority in ApcState's tail), a struct that skips up to it.
      lines.push('  union {', `    ${cType(f.type, f.name)};`);
      const bits = over.filter((b) => b.bitLength !== undefined);
      if (bits.length) {
        lines.push('    struct {');
        let next = 0;
        for (const b of bits) {
          if ((b.bitPosition ?? 0) > next) lines.push(`      ${cType(b.type, '')} : ${(b.bitPosition ?? 0) - next};`);
          lines.push(`      ${cType(b.type, b.name)} : ${b.bitLength};`);
          next = (b.bitPosition ?? 0) + (b.bitLength ?? 0);
        }
        lines.push('    };');
      }
      for (const m of over.filter((b) => b.bitLength === undefined)) {
        lines.push('    struct {', `      unsigned char _fill${pad++}[0x${(m.offset - f.offset).toString(16)}];`, `      ${cType(m.type, m.name)};`, '    };');
        asserts.push(`_Static_assert(__builtin_offsetof(struct ${name}, ${m.name}) == 0x${m.offset.toString(16)}, "${name}.${m.name}");`);
      }
      lines.push('  };');
      at = Math.max(f.offset + f.type.size, ...over.map((m) => m.offset + m.type.size));
      asserts.push(`_Static_assert(__builtin_offsetof(struct ${name}, ${f.name}) == 0x${f.offset.toString(16)}, "${name}.${f.name}");`);
      continue;
    }
    lines.push(`  ${cType(f.type, f.name)};`);
    asserts.push(`_Static_assert(__builtin_offsetof(struct ${name}, ${f.name}) == 0x${f.offset.toString(16)}, "${name}.${f.name}");`);
    at = f.offset + f.type.size;
  }
  if (t.size > at) lines.push(`  unsigned char _pad${pad++}[0x${(t.size - at).toString(16)}];`);
  out.push(`struct ${name} {`, ...lines, '};', `_Static_assert(sizeof(struct ${name}) == 0x${t.size.toString(16)}, "sizeof ${name}");`, '');
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
out.push(...asserts, '');
const dest = join(root, 'fixtures', 'scenario', 'src', 'nt-types.h');
writeFileSync(dest, out.join('\n'));
console.log(`wrote ${dest}`);
