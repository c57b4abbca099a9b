// NTSTATUS error codes written into the code just before a third-party frame's return address: both
// walkthroughs found `mov ebx,0C000009Ah` there with `ub` — the driver's own failure path (an allocation
// that failed) was on the crashing stack. Bounded: at most MAX_FRAMES frames, three `ub` listings (24
// instructions) before each return address.
import { instructionsBefore } from '../disasm/backward.js';
import { ntstatusName } from '../knowledge/errors.js';
import type { KernelTarget } from '../target/kernel-target.js';
import { addr64 } from '../util/hex.js';
import { isOsModule } from './os-modules.js';
import type { RootCauseClaim, StackEntry } from './report.js';

const MAX_FRAMES = 16;
const UB = 8;
const LISTINGS = 3;
const MAX_CLAIMS = 4;

/** Error-severity NTSTATUS immediates in an operand string (MASM hex: `0C000009Ah`). */
function statusImmediates(operands: string): number[] {
  const out: number[] = [];
  for (const m of operands.matchAll(/\b0?([0-9A-F]{8})h\b/gi)) {
    const v = Number.parseInt(m[1], 16) >>> 0;
    if (v >>> 30 === 3 && ntstatusName(v)) out.push(v);
  }
  return out;
}

async function where(t: KernelTarget, a: bigint): Promise<string> {
  return (await t.symbolize(a)) ?? a.toString(16);
}

export async function codeStatusRule(t: KernelTarget, stack: StackEntry[], from: number): Promise<RootCauseClaim[]> {
  const claims: RootCauseClaim[] = [];
  const seen = new Set<string>();
  let frames = 0;
  for (let i = Math.max(1, from + 1); i < stack.length && frames < MAX_FRAMES && claims.length < MAX_CLAIMS; i++) {
    const ret = stack[i - 1].retAddr;
    const m = t.modules.at(ret);
    if (!m || isOsModule(m.name) || stack[i].guessed) continue;
    frames++;
    const span = BigInt(UB * LISTINGS * 15 + 16);
    const start = ret - span > m.base ? ret - span : m.base;
    const bytes = await t.readCode(start, Number(ret - start)).catch(() => undefined);
    if (!bytes || bytes.length < Number(ret - start)) continue;
    const ins = await instructionsBefore(bytes, start, ret, UB * LISTINGS).catch(() => []);
    // Nearest the return address first: the status the crashing path most likely just set.
    for (let k = ins.length - 1; k >= 0; k--) {
      const d = ins[k];
      for (const status of statusImmediates(d.operands)) {
        const key = `${m.name}:${status}`;
        if (seen.has(key)) continue;
        seen.add(key);
        // `ub RET` shows the last 8 instructions; further back, list up to just after this one.
        const inLast = k >= ins.length - UB;
        const listAt = inLast ? ret : d.address + BigInt(d.bytes.length);
        const cmd = `ub ${await where(t, listAt)}`;
        const name = ntstatusName(status)!;
        const text = `${d.mnemonic} ${d.operands}`.replace(/\s+/g, ' ');
        claims.push({
          rule: 'ntstatus-in-code',
          claim: `${m.name}'s code just before its call at ${await where(t, ret)} sets the error status 0x${status.toString(16)} (${name}): the crashing path runs through the driver's handling of a failed operation, and the crash may follow from carrying on after that failure.`,
          confidence: 'medium',
          evidence: [
            { fact: `${addr64(d.address)} ${text} (${await where(t, d.address)}), ${ins.length - k} instruction(s) before the return address ${addr64(ret)}`, command: cmd },
            { fact: `0x${status.toString(16)} is ${name}`, command: `!error ${status.toString(16)}` },
          ],
          command: cmd,
          confirm: `The same status is in a register of the faulting context or returned by the call before it (the allocation or request that failed), and the code goes on to use what it did not get.`,
          refute: 'The status is only returned to the caller on a path the crash did not take (the branch around it was taken).',
          modules: [m.name],
          role: 'observation',
          facts: { module: m.name, status: `0x${status.toString(16)}`, statusName: name },
        });
      }
    }
  }
  return claims;
}
