// `!error`: what an NTSTATUS, Win32 error or HRESULT means. Names come from the tables generated from the
// mingw-w64 headers; descriptions of the codes people meet in crash analysis are written for this project
// (./descriptions), and every other code gets one derived from its symbolic name, marked `derived`.
import { tableLookup } from './code-table.js';
import { HRESULT_TEXT } from './descriptions/hresult.js';
import { NTSTATUS_TEXT } from './descriptions/ntstatus.js';
import { WIN32_TEXT } from './descriptions/win32.js';
import { HRESULT_FACILITIES, HRESULT_TABLE } from './generated/hresult.js';
import { NTSTATUS_FACILITIES, NTSTATUS_TABLE } from './generated/ntstatus.js';
import { WIN32_TABLE } from './generated/win32.js';

export { renderErrorLine } from './error-render.js';

export const ntstatusName = tableLookup(NTSTATUS_TABLE);
export const win32Name = tableLookup(WIN32_TABLE);
export const hresultName = tableLookup(HRESULT_TABLE);
const ntFacilityName = tableLookup(NTSTATUS_FACILITIES);
const hrFacilityName = tableLookup(HRESULT_FACILITIES);

export type ErrorKind = 'NTSTATUS' | 'Win32' | 'HRESULT';
export type ErrorSeverity = 'Success' | 'Informational' | 'Warning' | 'Error';

export interface ErrorInfo {
  /** The 32-bit value interpreted (a sign-extended 64-bit input is reduced to it). */
  code: number;
  kind: ErrorKind;
  /** Symbolic name; `HRESULT_FROM_WIN32(ERROR_…)` / `HRESULT_FROM_NT(STATUS_…)` for wrapped codes. */
  name?: string;
  description: string;
  /** True when the description was made from the symbolic name (or the code is unknown), not written for it. */
  derived: boolean;
  /** NTSTATUS: bits 16–27; HRESULT: bits 16–26. Absent for Win32 codes. */
  facility?: { value: number; name?: string };
  severity?: ErrorSeverity;
  /** NTSTATUS customer bit (29): the code was defined by a third party, not Microsoft. */
  customer?: boolean;
  /** For HRESULT_FROM_WIN32 / HRESULT_FROM_NT: the code inside. */
  wrapped?: { kind: ErrorKind; code: number; name?: string };
}

export interface ErrorLookup {
  /** The most plausible reading (NTSTATUS, then HRESULT, then Win32). */
  best: ErrorInfo;
  /** Every other reading that names a known code. */
  others: ErrorInfo[];
}

const PREFIX = /^(STATUS_|ERROR_|DBG_|RPC_NT_|RPC_S_|RPC_E_|RPC_X_|EPT_NT_|EPT_S_|CO_E_|E_|S_|WSA_?|DNS_ERROR_|DNS_)/;

/** "STATUS_OBJECT_NAME_NOT_FOUND" → "Object name not found." */
export function descriptionFromName(name: string): string {
  const words = name.replace(PREFIX, '').toLowerCase().replace(/_/g, ' ').trim();
  return words ? `${words.charAt(0).toUpperCase()}${words.slice(1)}.` : `${name}.`;
}

const TEXT: Record<ErrorKind, Readonly<Record<string, string>>> = { NTSTATUS: NTSTATUS_TEXT, Win32: WIN32_TEXT, HRESULT: HRESULT_TEXT };

function ntFields(v: number): Pick<ErrorInfo, 'facility' | 'severity' | 'customer'> {
  const value = (v >>> 16) & 0xfff;
  return {
    severity: (['Success', 'Informational', 'Warning', 'Error'] as const)[v >>> 30],
    facility: { value, name: ntFacilityName(value) },
    customer: (v & 0x20000000) !== 0,
  };
}

function hrFields(v: number): Pick<ErrorInfo, 'facility' | 'severity'> {
  const value = (v >>> 16) & 0x7ff;
  return { severity: v & 0x80000000 ? 'Error' : 'Success', facility: { value, name: hrFacilityName(value) } };
}

function described(kind: ErrorKind, name: string): { description: string; derived: boolean } {
  const own = TEXT[kind][name];
  return own ? { description: own, derived: false } : { description: descriptionFromName(name), derived: true };
}

function make(code: number, kind: ErrorKind, name: string): ErrorInfo {
  const fields = kind === 'NTSTATUS' ? ntFields(code) : kind === 'HRESULT' ? hrFields(code) : {};
  return { code, kind, name, ...described(kind, name), ...fields };
}

/** Every reading of a code, most plausible first. Accepts sign-extended 64-bit values (ffffffff`c0000005). */
export function lookupError(value: number | bigint): ErrorLookup {
  const v = Number(BigInt.asUintN(32, BigInt(value)));
  const out: ErrorInfo[] = [];
  const nt = ntstatusName(v);
  if (nt) out.push(make(v, 'NTSTATUS', nt));
  const hr = hresultName(v);
  if (hr) out.push(make(v, 'HRESULT', hr));
  // HRESULT_FROM_WIN32: severity error, facility WIN32 (7), the Win32 code in the low 16 bits.
  if (v >>> 16 === 0x8007) {
    const inner = v & 0xffff;
    const w = win32Name(inner);
    if (w) out.push({ code: v, kind: 'HRESULT', name: `HRESULT_FROM_WIN32(${w})`, ...described('Win32', w), ...hrFields(v), wrapped: { kind: 'Win32', code: inner, name: w } });
  }
  // HRESULT_FROM_NT: the NTSTATUS with the N bit (28) set.
  if (v & 0x10000000) {
    const inner = (v & ~0x10000000) >>> 0;
    const n = ntstatusName(inner);
    if (n) out.push({ code: v, kind: 'HRESULT', name: `HRESULT_FROM_NT(${n})`, ...described('NTSTATUS', n), ...hrFields(v), wrapped: { kind: 'NTSTATUS', code: inner, name: n } });
  }
  const w = v < 0x10000 ? win32Name(v) : undefined;
  if (w) out.push(make(v, 'Win32', w));
  if (out.length === 0) {
    // Unknown: say what its shape suggests. Error-severity codes with both top bits set are NTSTATUS-like;
    // other high-bit codes read as HRESULTs; small values as Win32.
    const kind: ErrorKind = v >>> 30 === 3 ? 'NTSTATUS' : v & 0x80000000 ? 'HRESULT' : v < 0x10000 ? 'Win32' : 'NTSTATUS';
    const fields = kind === 'NTSTATUS' ? ntFields(v) : kind === 'HRESULT' ? hrFields(v) : {};
    out.push({ code: v, kind, description: 'Unknown error code.', derived: true, ...fields });
  }
  const [best, ...others] = out as [ErrorInfo, ...ErrorInfo[]];
  return { best, others };
}

/** All readings as one list, most plausible first (what `!error` prints). */
export function describeError(value: number | bigint): ErrorInfo[] {
  const { best, others } = lookupError(value);
  return [best, ...others];
}
