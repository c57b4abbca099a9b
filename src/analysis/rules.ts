// Root-cause rules: each looks at what the analysis found and, when its pattern is there, makes a claim
// with the evidence and the command that shows it, a confidence, and what would confirm or refute it.
import { ntstatusName } from '../knowledge/errors.js';
import type { ModuleTable } from '../target/modules.js';
import { X64_GPRS, type X64Registers } from '../target/x64-registers.js';
import { addr64, hex16 } from '../util/hex.js';
import type { RootCauseClaim } from './report.js';

export interface RuleInput {
  registers?: X64Registers;
  registersCommand?: string;
  /** `.exr ADDRESS` of the exception record, when there is one. */
  exceptionCommand?: string;
  faultAddress?: bigint;
  access?: 'read' | 'write' | 'execute';
  /** Page-table state of the faulting address and the 0x40 bytes before its page (full dumps only). */
  page?: { state: string; explanation?: string; previousValid: boolean; tail?: Uint8Array };
  pageCommand?: string;
  /** The faulting instruction's memory operand, computed from its registers ("mov dword ptr [r9+r8],edx"). */
  operand?: { text: string; address: bigint; readable: boolean };
  blamedModule?: string;
  blamedIsOs?: boolean;
  stackAddresses: bigint[];
  modules: ModuleTable;
}

/** A value whose bytes are all the same non-zero, non-0xff byte, or that repeats one 16/32-bit pattern. */
export function fillPattern(v: bigint): string | undefined {
  const bytes = [...Array(8)].map((_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
  const high = bytes.slice(1);
  // Allow the low byte to differ (a pointer advanced into the fill: 4141414141414139).
  if (high.every((b) => b === high[0]) && high[0] !== 0 && high[0] !== 0xff) {
    const c = high[0];
    return `0x${c.toString(16)}${c >= 0x20 && c < 0x7f ? ` ('${String.fromCharCode(c)}')` : ''} repeated`;
  }
  return undefined;
}

function canonical(v: bigint): boolean {
  return v < 0x0000800000000000n || v >= 0xffff800000000000n;
}

export function runRules(x: RuleInput): RootCauseClaim[] {
  const claims: RootCauseClaim[] = [];
  const regs = x.registers;
  if (regs) {
    const filled = X64_GPRS.filter((r) => r !== 'rip' && fillPattern(regs[r]));
    if (filled.length) {
      const pat = fillPattern(regs[filled[0]])!;
      claims.push({
        rule: 'fill-pattern',
        claim: `Registers hold a fill pattern (${pat}): data the code treated as pointers or sizes was overwritten by a memory fill, the signature of a buffer overflow.`,
        confidence: 'high',
        evidence: filled.map((r) => ({ fact: `${r}=${hex16(regs[r])}`, command: x.registersCommand })),
        command: x.registersCommand,
        confirm: 'Find the same bytes past the end of a pool allocation next to the corrupted structure (!pool, db).',
        refute: 'The value is a legitimate constant of the code at the faulting instruction (check ub at the faulting address).',
      });
    }
    const statuses = X64_GPRS.filter((r) => {
      const low = Number(regs[r] & 0xffffffffn) >>> 0;
      return (regs[r] >> 32n === 0n || regs[r] >> 32n === 0xffffffffn) && low >= 0xc0000001 && ntstatusName(low) !== undefined;
    });
    for (const r of statuses) {
      const low = Number(regs[r] & 0xffffffffn) >>> 0;
      claims.push({
        rule: 'ntstatus-in-register',
        claim: `${r} holds the NTSTATUS 0x${low.toString(16)} (${ntstatusName(low)}): an operation just before the crash failed, and the code may have carried on as if it had not.`,
        confidence: 'medium',
        evidence: [{ fact: `${r}=${hex16(regs[r])}`, command: x.registersCommand }, { fact: ntstatusName(low)!, command: `!error ${low.toString(16)}` }],
        command: `!error ${low.toString(16)}`,
        confirm: 'ub at the frames above shows the status being produced or tested.',
        refute: 'The register is only scratch reused after the failure was handled.',
      });
    }
  }
  if (x.faultAddress !== undefined) {
    const a = x.faultAddress;
    if (a === 0xffffffffffffffffn && x.operand) {
      claims.push({
        rule: 'general-protection',
        claim: `The exception record's address is ffffffff\`ffffffff: the processor raised a general-protection fault and reported no address. The faulting instruction \`${x.operand.text}\` targets ${addr64(x.operand.address)}${canonical(x.operand.address) ? ', a canonical address: the access itself was refused (protection, or a mapping that is not valid for this kind of access)' : ', which is not canonical: the pointer is corrupt'}.`,
        confidence: 'high',
        evidence: [
          { fact: 'exception parameter[1] = ffffffffffffffff', command: x.exceptionCommand },
          { fact: `operand address ${addr64(x.operand.address)} from the registers${x.operand.readable ? '' : ' (its memory is not in this dump)'}`, command: x.registersCommand },
        ],
        command: x.registersCommand,
        confirm: 'The operand is a device (MMIO) or read-only mapping in a full dump (!pte on the operand address).',
      });
    }
    const where = a === 0xffffffffffffffffn ? (x.operand ? undefined : 'is -1: the processor reported no address (general-protection fault)') : !canonical(a) ? 'is not canonical: no x64 pointer can have this value' : a < 0x10000n ? 'is in the NULL page: a NULL pointer plus a small offset' : undefined;
    if (where) {
      claims.push({
        rule: 'bad-address',
        claim: `The ${x.access ?? 'access'} address ${addr64(a)} ${where}. The pointer was computed from damaged data or never set.`,
        confidence: fillPattern(a) ? 'high' : 'medium',
        evidence: [{ fact: `faulting address ${addr64(a)}${fillPattern(a) ? ` holds a fill pattern (${fillPattern(a)})` : ''}` }],
        confirm: 'Trace the register used for the address back through ub to where it was loaded.',
      });
    }
  }
  if (x.page?.state === 'freed' && x.faultAddress !== undefined) {
    const tail = x.page.tail;
    const filled = tail && x.page.previousValid && tail.every((b) => b === tail[tail.length - 1]) && tail[tail.length - 1] !== 0 ? tail[tail.length - 1] : undefined;
    const atPageStart = (x.faultAddress & 0xfffn) === 0n;
    const ev = [{ fact: `PTE of ${addr64(x.faultAddress)}: not valid, ${x.page.explanation}`, command: x.pageCommand }];
    if (x.page.previousValid) ev.push({ fact: `the page before it is valid${filled !== undefined ? ` and ends in 0x${filled.toString(16)}${filled >= 0x20 && filled < 0x7f ? ` ('${String.fromCharCode(filled)}')` : ''} repeated` : ''}`, command: `db ${(x.faultAddress - 0x40n).toString(16)} L40` });
    claims.push({
      rule: atPageStart && x.page.previousValid ? 'overflow-into-freed-page' : 'freed-page',
      claim:
        atPageStart && x.page.previousValid
          ? `The ${x.access ?? ''} access hit the first byte of a freed page, right after a valid page${filled !== undefined ? ' filled with one repeated byte' : ''}: a copy or fill ran past the end of its buffer into memory that had been freed (a buffer overflow).`
          : `The ${x.access ?? ''} access hit a page whose PTE says it has been freed: use after free or a stale pointer.`,
      confidence: atPageStart && x.page.previousValid ? 'high' : 'medium',
      evidence: ev,
      command: x.pageCommand,
      confirm: 'The instruction at the fault is a copy/fill loop (ub at the faulting address) and the buffer was allocated smaller than the length copied.',
      refute: 'The pointer register was loaded from freed or stale data rather than advanced past a buffer end.',
    });
  }
  for (const addr of x.stackAddresses) {
    const u = x.modules.unloadedAt(addr);
    if (u) {
      claims.push({
        rule: 'unloaded-driver',
        claim: `The stack contains ${addr64(addr)} inside the range of the unloaded driver ${u.imageName}: code or a callback of a driver that is gone was still in use.`,
        confidence: 'high',
        evidence: [{ fact: `${addr64(addr)} in ${u.imageName} [${addr64(u.base)}, ${addr64(u.end)})`, command: 'lm' }],
        command: 'lm',
      });
      break;
    }
  }
  if (x.blamedModule && !x.blamedIsOs) {
    claims.push({
      rule: 'third-party-frame',
      claim: `${x.blamedModule} is the first module on the faulting stack that is not part of Windows: it is the most likely cause; update or remove it first.`,
      confidence: 'medium',
      evidence: [{ fact: `${x.blamedModule} is on the faulting thread's stack`, command: 'k' }],
      command: `lmvm ${x.blamedModule}`,
      refute: 'The driver only passed along a buffer another component had already corrupted.',
    });
  }
  return claims;
}
