// `!error`: what an NTSTATUS, Win32 error or HRESULT means. Names come from the generated tables; the
// descriptions of the codes people meet in crash analysis are written for this project, and every other
// code gets a description derived from its name (marked `derived`).
import { HRESULT_TABLE } from './generated/hresult.js';
import { NTSTATUS_TABLE } from './generated/ntstatus.js';
import { WIN32_TABLE } from './generated/win32.js';
import { tableLookup } from './code-table.js';

export const ntstatusName = tableLookup(NTSTATUS_TABLE);
export const win32Name = tableLookup(WIN32_TABLE);
export const hresultName = tableLookup(HRESULT_TABLE);

const OWN: Record<string, string> = {
  STATUS_SUCCESS: 'The operation completed successfully.',
  STATUS_ACCESS_VIOLATION: 'Access violation: an instruction read, wrote or executed memory at an address it may not use.',
  STATUS_INSUFFICIENT_RESOURCES: 'Not enough system resources (typically pool memory or PTEs) were available to finish the call.',
  STATUS_NO_MEMORY: 'Not enough virtual memory or paging file quota was available for the request.',
  STATUS_BREAKPOINT: 'A breakpoint instruction (int 3) was executed.',
  STATUS_SINGLE_STEP: 'A single-step trap fired after an instruction completed.',
  STATUS_STACK_OVERFLOW: 'The thread used up its stack: a new guard page could not be created.',
  STATUS_STACK_BUFFER_OVERRUN: 'A security check failed (fail-fast): typically a stack buffer overrun caught by /GS, or a deliberate __fastfail.',
  STATUS_INVALID_PARAMETER: 'A service or function was called with an invalid argument.',
  STATUS_IN_PAGE_ERROR: 'A page could not be read in from disk (or another backing store) when the memory was touched.',
  STATUS_ILLEGAL_INSTRUCTION: 'The processor met an instruction it does not recognise or may not execute.',
  STATUS_PRIVILEGED_INSTRUCTION: 'A privileged instruction was executed outside kernel mode.',
  STATUS_INTEGER_DIVIDE_BY_ZERO: 'An integer division by zero was attempted.',
  STATUS_INTEGER_OVERFLOW: 'An integer operation overflowed its result.',
  STATUS_DATATYPE_MISALIGNMENT: 'Data was accessed at an address not aligned for its type.',
  STATUS_HEAP_CORRUPTION: 'The heap manager found its own data structures damaged.',
  STATUS_INVALID_HANDLE: 'A handle that is not (or no longer) valid was used.',
  STATUS_ACCESS_DENIED: 'The caller does not have the access rights the operation requires.',
  STATUS_OBJECT_NAME_NOT_FOUND: 'No object exists with the given name.',
  STATUS_OBJECT_PATH_NOT_FOUND: 'A directory in the given path does not exist.',
  STATUS_DEVICE_DATA_ERROR: 'The device reported an error while transferring data.',
  STATUS_DEVICE_NOT_READY: 'The device is not ready for the request.',
  STATUS_IO_TIMEOUT: 'An I/O operation did not finish in the time allowed.',
  STATUS_PENDING: 'The operation was started and will complete later.',
  STATUS_BUFFER_TOO_SMALL: 'The buffer given is too small for the data.',
  STATUS_BUFFER_OVERFLOW: 'The data did not fit in the buffer; part of it was returned.',
  STATUS_NOT_IMPLEMENTED: 'The requested operation is not implemented.',
  STATUS_NOT_SUPPORTED: 'The request is not supported.',
  STATUS_UNSUCCESSFUL: 'The operation failed without a more specific reason.',
  STATUS_INVALID_DEVICE_REQUEST: 'The device does not support the requested operation.',
  STATUS_FLOAT_DIVIDE_BY_ZERO: 'A floating-point division by zero was attempted.',
  STATUS_GUARD_PAGE_VIOLATION: 'A guard page was touched (usually the stack growing).',
  STATUS_INVALID_USER_BUFFER: 'A user-mode buffer passed to the system is not valid.',
  STATUS_POSSIBLE_DEADLOCK: 'The operation could deadlock and was not performed.',
  STATUS_ASSERTION_FAILURE: 'An assertion in the code failed.',
  STATUS_NO_SUCH_DEVICE: 'The specified device does not exist.',
  STATUS_DISK_FULL: 'The disk has no free space left for the operation.',
  ERROR_SUCCESS: 'The operation completed successfully.',
  ERROR_FILE_NOT_FOUND: 'The file does not exist.',
  ERROR_PATH_NOT_FOUND: 'The path does not exist.',
  ERROR_ACCESS_DENIED: 'Access is denied to the caller.',
  ERROR_INVALID_HANDLE: 'The handle is not valid.',
  ERROR_NOT_ENOUGH_MEMORY: 'Not enough memory is available to process the command.',
  ERROR_OUTOFMEMORY: 'Not enough memory is available to complete the operation.',
  ERROR_INVALID_PARAMETER: 'A parameter is not valid.',
  ERROR_INSUFFICIENT_BUFFER: 'The buffer is too small for the data.',
  ERROR_NOT_SUPPORTED: 'The request is not supported.',
  E_FAIL: 'Unspecified failure.',
  E_OUTOFMEMORY: 'Memory could not be allocated.',
  E_INVALIDARG: 'One or more arguments are not valid.',
  E_NOTIMPL: 'Not implemented.',
  E_UNEXPECTED: 'A failure nobody anticipated.',
  E_ACCESSDENIED: 'Access was denied.',
  E_POINTER: 'A pointer argument is not valid.',
};

export interface ErrorInfo {
  code: number;
  kind: 'NTSTATUS' | 'Win32' | 'HRESULT';
  name?: string;
  description: string;
  /** True when the description was made from the symbolic name rather than written for the code. */
  derived: boolean;
}

/** "STATUS_OBJECT_NAME_NOT_FOUND" → "Object name not found." */
function fromName(name: string): string {
  const words = name.replace(/^(STATUS_|ERROR_|E_|RPC_S_|WSA)/, '').toLowerCase().replace(/_/g, ' ');
  return `${words.charAt(0).toUpperCase()}${words.slice(1)}.`;
}

function info(code: number, kind: ErrorInfo['kind'], name: string | undefined): ErrorInfo {
  if (name && OWN[name]) return { code, kind, name, description: OWN[name], derived: false };
  if (name) return { code, kind, name, description: fromName(name), derived: true };
  return { code, kind, description: 'Unknown error code.', derived: true };
}

/**
 * Interprets a code, taking a sign-extended 64-bit value (ffffffff`c0000005) as its 32-bit self. NTSTATUS
 * first, then HRESULT (with HRESULT_FROM_WIN32 / HRESULT_FROM_NT unwrapping), then Win32.
 */
export function describeError(value: number | bigint): ErrorInfo[] {
  const v = Number(BigInt(value) & 0xffffffffn) >>> 0;
  const out: ErrorInfo[] = [];
  const nt = ntstatusName(v);
  if (nt) out.push(info(v, 'NTSTATUS', nt));
  const hr = hresultName(v);
  if (hr) out.push(info(v, 'HRESULT', hr));
  if ((v & 0xffff0000) >>> 0 === 0x80070000) {
    const w = win32Name(v & 0xffff);
    if (w) out.push({ ...info(v, 'HRESULT', `HRESULT_FROM_WIN32(${w})`), description: info(v & 0xffff, 'Win32', w).description });
  }
  if (v & 0x10000000 && ntstatusName((v & ~0x10000000) >>> 0)) {
    const n = ntstatusName((v & ~0x10000000) >>> 0)!;
    out.push({ ...info(v, 'HRESULT', `HRESULT_FROM_NT(${n})`), description: info(v, 'NTSTATUS', n).description });
  }
  const w = v < 0x10000 ? win32Name(v) : undefined;
  if (w) out.push(info(v, 'Win32', w));
  if (out.length === 0) out.push(info(v, v & 0x80000000 ? (v & 0x40000000 ? 'NTSTATUS' : 'HRESULT') : 'Win32', undefined));
  return out;
}

/** WinDbg's one-line form: `Error code: (NTSTATUS) 0xc000009a (3221225626) - <description>`. */
export function renderErrorLine(e: ErrorInfo): string {
  return `Error code: (${e.kind}) 0x${e.code.toString(16)} (${e.code}) - ${e.description}`;
}
