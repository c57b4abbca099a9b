// Bugcheck names for `info`: a few newer codes here, then the generated bugcodes.h table.
import { tableLookup } from '../../knowledge/code-table.js';
import { BUGCODES_TABLE } from '../../knowledge/generated/bugcodes.js';

const fromHeader = tableLookup(BUGCODES_TABLE);
const NAMES = new Map<number, string>([
  [0x0a, 'IRQL_NOT_LESS_OR_EQUAL'], [0x19, 'BAD_POOL_HEADER'], [0x1a, 'MEMORY_MANAGEMENT'], [0x1e, 'KMODE_EXCEPTION_NOT_HANDLED'],
  [0x24, 'NTFS_FILE_SYSTEM'], [0x3b, 'SYSTEM_SERVICE_EXCEPTION'], [0x50, 'PAGE_FAULT_IN_NONPAGED_AREA'], [0x7a, 'KERNEL_DATA_INPAGE_ERROR'],
  [0x7e, 'SYSTEM_THREAD_EXCEPTION_NOT_HANDLED'], [0x7f, 'UNEXPECTED_KERNEL_MODE_TRAP'], [0x8e, 'KERNEL_MODE_EXCEPTION_NOT_HANDLED'],
  [0x9f, 'DRIVER_POWER_STATE_FAILURE'], [0xa0, 'INTERNAL_POWER_ERROR'], [0xbe, 'ATTEMPTED_WRITE_TO_READONLY_MEMORY'],
  [0xc2, 'BAD_POOL_CALLER'], [0xc4, 'DRIVER_VERIFIER_DETECTED_VIOLATION'], [0xc5, 'DRIVER_CORRUPTED_EXPOOL'],
  [0xd1, 'DRIVER_IRQL_NOT_LESS_OR_EQUAL'], [0xef, 'CRITICAL_PROCESS_DIED'], [0xf4, 'CRITICAL_OBJECT_TERMINATION'],
  [0x101, 'CLOCK_WATCHDOG_TIMEOUT'], [0x116, 'VIDEO_TDR_FAILURE'], [0x117, 'VIDEO_TDR_TIMEOUT_DETECTED'], [0x124, 'WHEA_UNCORRECTABLE_ERROR'],
  [0x133, 'DPC_WATCHDOG_VIOLATION'], [0x139, 'KERNEL_SECURITY_CHECK_FAILURE'], [0x13a, 'KERNEL_MODE_HEAP_CORRUPTION'],
  [0x154, 'UNEXPECTED_STORE_EXCEPTION'], [0x1c8, 'MANUALLY_INITIATED_POWER_BUTTON_HOLD'], [0xe2, 'MANUALLY_INITIATED_CRASH'],
  [0xdeaddead, 'MANUALLY_INITIATED_CRASH1'],
]);

/** Name of a bugcheck code; `_M` variants (0x1000007E …) get the base name with `_M`. */
export function bugcheckName(code: number): string | undefined {
  const base = code & 0x0fffffff;
  const name = NAMES.get(code) ?? NAMES.get(base) ?? fromHeader(base);
  if (!name) return undefined;
  return (code & 0x10000000) !== 0 && code !== base ? `${name}_M` : name;
}
