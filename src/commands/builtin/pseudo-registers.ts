// WinDbg's pseudo-registers that need the dump read: `$ra` (the return address of the scope's frame, from
// one step of the stack walk), `$teb`, `$tid`, `$tpid` (the current thread's KTHREAD.Teb and Cid, by field
// name) and `$peb` (the current process's EPROCESS.Peb). "Current" is the `.thread`/`.process` choice.
import type { X64Registers } from '../../target/x64-registers.js';
import { KernelTarget } from '../../target/kernel-target.js';
import type { Session } from '../session.js';

export const DUMP_PSEUDO_REGISTERS = ['$ra', '$teb', '$tid', '$tpid', '$peb'] as const;

export async function dumpPseudoRegister(session: Session, name: string, regs: X64Registers | undefined): Promise<bigint | undefined> {
  const t = session.target;
  if (!(t instanceof KernelTarget)) return undefined;
  switch (name) {
    case '$ra': {
      if (!regs) return undefined;
      const frames = await t.walk(regs, { maxFrames: 2 }).catch(() => []);
      const ret = frames[0]?.returnAddress;
      return ret ? ret : undefined;
    }
    case '$teb':
    case '$tid':
    case '$tpid': {
      const a = session.variables.get('$thread');
      const th = a ? await t.thread(a).catch(() => undefined) : undefined;
      if (!th) return undefined;
      return name === '$teb' ? (th.teb ?? 0n) : name === '$tid' ? th.threadId : th.processId;
    }
    case '$peb': {
      const a = session.variables.get('$proc');
      const p = a ? await t.process(a).catch(() => undefined) : undefined;
      return p ? (p.peb ?? 0n) : undefined;
    }
  }
  return undefined;
}
