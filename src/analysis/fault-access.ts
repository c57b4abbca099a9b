// The faulting address and how it was accessed, from the exception record or the bugcheck arguments, and
// the field WinDbg prints it under: READ_ADDRESS or WRITE_ADDRESS (it has no EXECUTE_ADDRESS; an
// instruction fetch is shown as READ_ADDRESS). 0x50 prints READ_ADDRESS whatever the access — the 0x50
// walkthrough's write fault does — while 0xD1/0xA and exception records print WRITE_ADDRESS for writes.
import type { ExceptionRecordInfo } from './report.js';

export type Access = 'read' | 'write' | 'execute';

export interface FaultAccess {
  address: bigint;
  access: Access;
  field: 'READ_ADDRESS' | 'WRITE_ADDRESS';
  /** The command that shows where the address came from. */
  command: string;
}

/** Arg2 is 0 = read, 1 = write (and Arg1 the address) for these page-fault-path bugchecks. */
const RW_IN_ARG2 = new Set([0xce, 0xd5, 0xd6]);
/** Arg3 is the kind of access for these. */
const RW_IN_ARG3 = new Set([0x0a, 0xd1, 0xd3, 0xc5]);

export function faultAccess(base: number, args: readonly bigint[], exr: ExceptionRecordInfo | undefined): FaultAccess | undefined {
  const bugcheck = '.bugcheck';
  if (exr?.code === 0xc0000005 && exr.parameters.length >= 2) {
    const access: Access = exr.parameters[0] === 0n ? 'read' : exr.parameters[0] === 8n ? 'execute' : 'write';
    const command = exr.address !== undefined ? `.exr 0x${exr.address.toString(16)}` : bugcheck;
    return { address: exr.parameters[1], access, field: access === 'write' ? 'WRITE_ADDRESS' : 'READ_ADDRESS', command };
  }
  if (args[0] === undefined) return undefined;
  if (base === 0x50) {
    const access: Access = args[1] & 0x10n ? 'execute' : args[1] & 2n ? 'write' : 'read';
    return { address: args[0], access, field: 'READ_ADDRESS', command: bugcheck };
  }
  const kind = RW_IN_ARG3.has(base) ? args[2] : RW_IN_ARG2.has(base) ? args[1] : undefined;
  if (kind !== undefined) {
    const access: Access = base === 0x0a ? (kind & 8n ? 'execute' : kind & 1n ? 'write' : 'read') : kind === 1n ? 'write' : kind === 2n || kind === 8n ? 'execute' : 'read';
    return { address: args[0], access, field: access === 'write' ? 'WRITE_ADDRESS' : 'READ_ADDRESS', command: bugcheck };
  }
  if (base === 0xbe) return { address: args[0], access: 'write', field: 'WRITE_ADDRESS', command: bugcheck };
  if (base === 0xfc) return { address: args[0], access: 'execute', field: 'READ_ADDRESS', command: bugcheck };
  return undefined;
}
