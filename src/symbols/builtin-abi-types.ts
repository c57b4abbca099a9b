// x64 layouts that every 64-bit Windows build shares, for when nt's own types (PDB or ISF) are missing.
// WinDbg lists a full dump's modules before it has nt's PDB the same way: the leading fields of the loader
// entry never moved. Only fields that are the same in the 19041 ISF, in the scenario kernel's PDB and in
// the public headers are here (test/symbols/builtin-abi-types.test.ts checks the first two field by field);
// anything else (TimeDateStamp of the loader entry moved between builds) is left out on purpose.
import type { SymbolInfo, SymbolMatch, SymbolSource } from './symbol-source.js';
import type { BaseType, Field, PointerType, Type, UdtType } from './types.js';

const base = (name: string, size: number, signed: boolean): BaseType => ({ kind: 'base', name, size, signed });
const U8 = base('unsigned char', 1, false);
const I8 = base('char', 1, true);
const U16 = base('unsigned short', 2, false);
const U32 = base('unsigned long', 4, false);
const U64 = base('unsigned __int64', 8, false);
const WCHAR = base('wchar_t', 2, false);
const ptr = (target: () => Type): PointerType => ({
  kind: 'pointer',
  size: 8,
  get target() {
    return target();
  },
});
const VOID_PTR = ptr(() => ({ kind: 'void', name: 'void', size: 0 }));

function struct(name: string, size: number, fields: [string, number, Type][]): UdtType {
  return { kind: 'udt', udtKind: 'struct', name, size, fields: fields.map(([n, offset, type]): Field => ({ name: n, offset, type })) };
}

// ntdef.h / wdm.h
const LIST_ENTRY: UdtType = struct('_LIST_ENTRY', 0x10, [
  ['Flink', 0x0, ptr(() => LIST_ENTRY)],
  ['Blink', 0x8, ptr(() => LIST_ENTRY)],
]);
const UNICODE_STRING = struct('_UNICODE_STRING', 0x10, [
  ['Length', 0x0, U16],
  ['MaximumLength', 0x2, U16],
  ['Buffer', 0x8, ptr(() => WCHAR)],
]);

// The kernel's loader entry (PsLoadedModuleList): only its stable head, so the sizes given cover just these
// fields (the real entries are longer) and a view reads no more than they need.
const LOADER_HEAD: [string, number, Type][] = [
  ['InLoadOrderLinks', 0x0, LIST_ENTRY],
  ['DllBase', 0x30, VOID_PTR],
  ['EntryPoint', 0x38, VOID_PTR],
  ['SizeOfImage', 0x40, U32],
  ['FullDllName', 0x48, UNICODE_STRING],
  ['BaseDllName', 0x58, UNICODE_STRING],
  ['Flags', 0x68, U32],
];
const KLDR_DATA_TABLE_ENTRY = struct('_KLDR_DATA_TABLE_ENTRY', 0x80, [...LOADER_HEAD, ['LoadCount', 0x6c, U16], ['CheckSum', 0x78, U32]]);
const LDR_DATA_TABLE_ENTRY = struct('_LDR_DATA_TABLE_ENTRY', 0x70, [
  LOADER_HEAD[0],
  ['InMemoryOrderLinks', 0x10, LIST_ENTRY],
  ['InInitializationOrderLinks', 0x20, LIST_ENTRY],
  ...LOADER_HEAD.slice(1),
]);

// wdm.h (AMD64): the registers a trap frame saves. Spare and debug-register fields are left out.
const KTRAP_FRAME = struct('_KTRAP_FRAME', 0x190, [
  ['P1Home', 0x0, U64],
  ['P2Home', 0x8, U64],
  ['P3Home', 0x10, U64],
  ['P4Home', 0x18, U64],
  ['P5', 0x20, U64],
  ['PreviousMode', 0x28, I8],
  ['PreviousIrql', 0x29, U8],
  ['FaultIndicator', 0x2a, U8],
  ['ExceptionActive', 0x2b, U8],
  ['MxCsr', 0x2c, U32],
  ['Rax', 0x30, U64],
  ['Rcx', 0x38, U64],
  ['Rdx', 0x40, U64],
  ['R8', 0x48, U64],
  ['R9', 0x50, U64],
  ['R10', 0x58, U64],
  ['R11', 0x60, U64],
  ['GsBase', 0x68, U64],
  ['FaultAddress', 0xd0, U64],
  ['SegDs', 0x130, U16],
  ['SegEs', 0x132, U16],
  ['SegFs', 0x134, U16],
  ['SegGs', 0x136, U16],
  ['TrapFrame', 0x138, U64],
  ['Rbx', 0x140, U64],
  ['Rdi', 0x148, U64],
  ['Rsi', 0x150, U64],
  ['Rbp', 0x158, U64],
  ['ErrorCode', 0x160, U64],
  ['Rip', 0x168, U64],
  ['SegCs', 0x170, U16],
  ['EFlags', 0x178, U32],
  ['Rsp', 0x180, U64],
  ['SegSs', 0x188, U16],
]);

// MmUnloadedDrivers' entries (x64): the 19041 ISF lacks this type, so it is checked against the scenario
// kernel's PDB instead. CurrentTime is a LARGE_INTEGER (a FILETIME of the unload).
const UNLOADED_DRIVERS = struct('_UNLOADED_DRIVERS', 0x28, [
  ['Name', 0x0, UNICODE_STRING],
  ['StartAddress', 0x10, VOID_PTR],
  ['EndAddress', 0x18, VOID_PTR],
  ['CurrentTime', 0x20, base('__int64', 8, true)],
]);
/** Built-in types the 19041 ISF does not describe (their test compares them with the scenario PDB). */
export const NOT_IN_ISF = new Set(['_UNLOADED_DRIVERS']);

const TYPES = new Map<string, UdtType>([LIST_ENTRY, UNICODE_STRING, KLDR_DATA_TABLE_ENTRY, LDR_DATA_TABLE_ENTRY, KTRAP_FRAME, UNLOADED_DRIVERS].map((t) => [t.name, t]));

/** The note a target records when it falls back to these layouts. */
export const BUILTIN_TYPES_NOTE = 'nt types missing: module list read with the fixed x64 loader-entry layout';

/** A type-only symbol source over the fixed x64 layouts above (no symbols). */
export class BuiltinAbiTypes implements SymbolSource {
  readonly kind = 'builtin' as const;
  readonly description = 'built-in x64 ABI layouts';

  async symbolAt(): Promise<SymbolMatch | undefined> {
    return undefined;
  }

  async lookup(): Promise<SymbolInfo | undefined> {
    return undefined;
  }

  async symbols(): Promise<readonly SymbolInfo[]> {
    return [];
  }

  async findType(name: string): Promise<Type | undefined> {
    return TYPES.get(name);
  }

  async typeNames(): Promise<readonly string[]> {
    return [...TYPES.keys()];
  }
}
