// The short names WinDbg gives exception codes in `.exr`, `!analyze`'s EXCEPTION_RECORD and its event
// filters ("c0000005 (Access violation)"). Codes WinDbg has no short name for fall back to the NTSTATUS name.
import { ntstatusName } from './errors.js';

const SHORT_NAMES = new Map<number, string>([
  [0x80000001, 'Guard page violation'],
  [0x80000002, 'Data misaligned'],
  [0x80000003, 'Break instruction exception'],
  [0x80000004, 'Single step exception'],
  [0x80000007, 'Wake debugger'],
  [0xc0000005, 'Access violation'],
  [0xc0000006, 'In-page I/O error'],
  [0xc0000008, 'Invalid handle'],
  [0xc000001c, 'Invalid system call'],
  [0xc000001d, 'Illegal instruction'],
  [0xc000001e, 'Invalid lock sequence'],
  [0xc0000037, 'Port disconnected'],
  [0xc000008c, 'Array bounds exceeded'],
  [0xc0000094, 'Integer divide-by-zero'],
  [0xc0000095, 'Integer overflow'],
  [0xc0000096, 'Privileged instruction'],
  [0xc00000fd, 'Stack overflow'],
  [0xc0000409, 'Security check failure or stack buffer overrun'],
  [0xc0000420, 'Assertion failure'],
  [0xc0000421, 'Verifier stop'],
  [0x40010005, 'Control-C exception'],
  [0x40010008, 'Control-Break exception'],
  [0xe06d7363, 'C++ EH exception'],
  [0x406d1388, 'Visual C++ exception'],
  [0x4000001f, 'WOW64 breakpoint'],
  [0x4000001e, 'WOW64 single step exception'],
]);

/** WinDbg's name for an exception code: the short name when it has one, else the NTSTATUS name, else undefined. */
export function exceptionCodeName(code: number): string | undefined {
  return SHORT_NAMES.get(code >>> 0) ?? ntstatusName(code >>> 0);
}

/** WinDbg's short name for an exception code, only when it has one (no NTSTATUS fallback). */
export function exceptionShortName(code: number): string | undefined {
  return SHORT_NAMES.get(code >>> 0);
}
