// 0xEF CRITICAL_PROCESS_DIED: Arg1 is the process object that ended (Arg2 = 1: one of its critical threads
// ended). Its name (ImageFileName), id and exit status (ExitStatus, when nt's types have it) come from its
// _EPROCESS by field name; the exit status says how it ended.
import { ntstatusName } from '../../knowledge/errors.js';
import { addr64 } from '../../util/hex.js';
import { optUint, readView, typesFor } from './common.js';
import { emptyResult, type Family } from './types.js';

// Statuses of a failed paging read: the process could not bring its own code or data back from disk.
const STORAGE = new Set([0xc0000006, 0xc000009c, 0xc000009d, 0xc0000185, 0xc000016a, 0xc000000e]);

/** How a process exit status reads, in a few words. */
function howItEnded(status: number): string {
  if (STORAGE.has(status)) return `it could not read its own pages from disk (${ntstatusName(status) ?? `0x${status.toString(16)}`}): suspect the disk, its controller or the storage driver`;
  if (status === 0x103) return 'it had not finished exiting (STATUS_PENDING: the process was still being torn down)';
  if (status === 0) return 'it exited normally (status 0): something asked it to stop';
  if (status === 1) return 'it was terminated with exit code 1: usually killed by another process or by itself on a fatal condition';
  if (status >>> 30 === 3) return `it ended on an error (${ntstatusName(status) ?? 'an NTSTATUS error'}): an unhandled exception or a failure inside it`;
  return `it ended with status 0x${status.toString(16)}${ntstatusName(status) ? ` (${ntstatusName(status)})` : ''}`;
}

export const criticalProcessDied: Family = async (x) => {
  const res = emptyResult();
  const { t, args } = x;
  const [proc, kind] = args;
  res.fields.push({ key: 'PROCESS_OBJECT', value: addr64(proc) });
  const kt = await typesFor(t, res, 'naming the process that died');
  if (!kt) return res;
  const v = await readView(t, kt, '_EPROCESS', proc, res, `process object ${addr64(proc)} (Arg1)`);
  if (!v) return res;
  const name = v.has('ImageFileName') ? v.cstring('ImageFileName') : undefined;
  const pid = optUint(v, 'UniqueProcessId');
  const status = v.has('ExitStatus') ? v.int('ExitStatus') >>> 0 : undefined;
  if (name) res.fields.push({ key: 'CRITICAL_PROCESS', value: name });
  if (status !== undefined) res.fields.push({ key: 'EXIT_STATUS', value: `0x${status.toString(16)}` });
  else res.notes.push("the process's exit status is unknown: nt's types have no _EPROCESS.ExitStatus");
  const who = `${name ?? 'the process'}${pid !== undefined ? ` (PID ${pid.toString(16)})` : ''}`;
  const fields = ['ImageFileName', 'UniqueProcessId', ...(status !== undefined ? ['ExitStatus'] : [])].join(' ');
  const evidence = [{ fact: `Arg1 ${addr64(proc)} is the _EPROCESS of ${who}`, command: `dt nt!_EPROCESS ${proc.toString(16)} ${fields}` }];
  if (status !== undefined) evidence.push({ fact: `ExitStatus = 0x${status.toString(16)}${ntstatusName(status) ? ` (${ntstatusName(status)})` : ''}`, command: `!error ${status.toString(16)}` });
  res.claims.push({
    rule: 'critical-process-died',
    claim: `The critical process ${who} ${kind === 1n ? 'lost one of its critical threads' : 'ended'}, and Windows cannot run without it${status !== undefined && status !== 0x103 ? `: ${howItEnded(status)}` : ''}. The cause is inside that process or whatever stopped it, not the kernel stack at the bugcheck.`,
    confidence: status !== undefined && status >>> 30 === 3 ? 'high' : 'medium',
    evidence,
    command: `!process ${proc.toString(16)} 7`,
    confirm: `The event log or a user-mode dump of ${name ?? 'the process'} shows the exception or the process that terminated it.`,
    refute: 'The exit status is a disk or paging error (0xC000009C, 0xC000009D, 0xC0000185): the process could not read its own code, so storage is the cause.',
    facts: { summary: `The critical process ${who} ${kind === 1n ? 'lost a critical thread' : 'ended'}${status !== undefined && status !== 0x103 ? ` (${howItEnded(status)})` : ''}; Windows cannot run without it and stopped the system (CRITICAL_PROCESS_DIED).` },
  });
  return res;
};
