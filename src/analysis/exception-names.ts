// The short names WinDbg gives exception codes in `.exr` and EXCEPTION_RECORD ("c0000005 (Access
// violation)") — its event-filter names, not the STATUS_ symbols.
const NAMES = new Map<number, string>([
  [0xc0000005, 'Access violation'],
  [0x80000003, 'Break instruction exception'],
  [0xc000001d, 'Illegal instruction'],
  [0xc0000094, 'Integer divide-by-zero'],
  [0xc0000095, 'Integer overflow'],
  [0xc0000096, 'Privileged instruction'],
  [0xc00000fd, 'Stack overflow'],
  [0xc0000409, 'Security check failure or stack buffer overrun'],
  [0x80000004, 'Single step exception'],
  [0x80000001, 'Guard page violation'],
  [0xc0000006, 'In-page I/O error'],
  [0x80000002, 'Data misaligned'],
  [0xc0000008, 'Invalid handle'],
]);

export function exceptionShortName(code: number): string | undefined {
  return NAMES.get(code >>> 0);
}
