// Root-cause rules: each looks at what the analysis found and, when its pattern is there, makes a claim
// with the evidence and the command that shows it, a confidence, and what would confirm or refute it.
import { ntstatusName } from '../knowledge/errors.js';
import type { ModuleTable, UnloadedModuleInfo } from '../target/modules.js';
import { X64_GPRS, type X64Registers } from '../target/x64-registers.js';
import { addr64, hex16 } from '../util/hex.js';
import { fillPattern } from './fill-pattern.js';
import { unloadedText } from './region.js';
import type { Evidence, RootCauseClaim } from './report.js';

export { fillPattern } from './fill-pattern.js';

export interface RuleInput {
  /** Registers of the faulting context (trap frame or context record) — never the KeBugCheckEx call's. */
  registers?: X64Registers;
  registersCommand?: string;
  /** The bugcheck arguments: a register holding one of them is the bugcheck call's data, not evidence. */
  bugcheckArgs?: readonly bigint[];
  /** `.exr ADDRESS` of the exception record, when there is one. */
  exceptionCommand?: string;
  faultAddress?: bigint;
  /** The command that shows where the faulting address came from (`.exr …`, `.bugcheck`). */
  faultAddressCommand?: string;
  access?: 'read' | 'write' | 'execute';
  /** Page-table state of the faulting address and the 0x40 bytes before its page (full dumps only). */
  page?: { state: string; explanation?: string; previousValid: boolean; tail?: Uint8Array };
  pageCommand?: string;
  /** The faulting instruction's memory operand, computed from its registers ("mov dword ptr [r9+r8],edx"). */
  operand?: { text: string; address: bigint; readable: boolean };
  blamedModule?: string;
  blamedIsOs?: boolean;
  /** Addresses to check against the unloaded drivers' old ranges, each with where it came from. */
  addresses: { label: string; value: bigint; command?: string }[];
  modules: ModuleTable;
}

function canonical(v: bigint): boolean {
  return v < 0x0000800000000000n || v >= 0xffff800000000000n;
}

/** True when `v` is one of the bugcheck arguments (an NTSTATUS argument also in its 32-bit form). */
function isArgument(v: bigint, args: readonly bigint[]): boolean {
  return args.some((a) => a === v || ((a >> 32n === 0n || a >> 32n === 0xffffffffn) && (v >> 32n === 0n || v >> 32n === 0xffffffffn) && (a & 0xffffffffn) === (v & 0xffffffffn)));
}

function registerRules(x: RuleInput, regs: X64Registers): RootCauseClaim[] {
  const claims: RootCauseClaim[] = [];
  const args = x.bugcheckArgs ?? [];
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
  for (const r of X64_GPRS) {
    if (r === 'rip' || r === 'rsp') continue;
    const v = regs[r];
    const low = Number(v & 0xffffffffn) >>> 0;
    if (!(v >> 32n === 0n || v >> 32n === 0xffffffffn) || low < 0xc0000001 || ntstatusName(low) === undefined || isArgument(v, args)) continue;
    claims.push({
      rule: 'ntstatus-in-register',
      claim: `${r} holds the NTSTATUS 0x${low.toString(16)} (${ntstatusName(low)}): an operation just before the crash failed, and the code may have carried on as if it had not.`,
      confidence: 'medium',
      evidence: [{ fact: `${r}=${hex16(v)} in the faulting context`, command: x.registersCommand }, { fact: ntstatusName(low)!, command: `!error ${low.toString(16)}` }],
      command: `!error ${low.toString(16)}`,
      confirm: 'ub at the frames above shows the status being produced or tested.',
      refute: 'The register is only scratch reused after the failure was handled.',
    });
  }
  return claims;
}

function addressRules(x: RuleInput, a: bigint): RootCauseClaim[] {
  const claims: RootCauseClaim[] = [];
  if (a === 0xffffffffffffffffn && x.operand) {
    const ok = canonical(x.operand.address);
    claims.push({
      rule: 'general-protection',
      claim: `The exception record's address is ffffffff\`ffffffff: the processor raised a general-protection fault and reported no address. The faulting instruction \`${x.operand.text}\` targets ${addr64(x.operand.address)}${ok ? ', a canonical address: the access itself was refused (protection, or a mapping that is not valid for this kind of access)' : ', which is not canonical: the pointer is corrupt'}.`,
      confidence: 'high',
      evidence: [
        { fact: 'exception parameter[1] = ffffffffffffffff', command: x.exceptionCommand },
        { fact: `operand address ${addr64(x.operand.address)} from the registers${x.operand.readable ? '' : ' (its memory is not in this dump)'}`, command: x.registersCommand },
      ],
      command: x.registersCommand,
      confirm: ok
        ? `The operand is a device (MMIO) or read-only mapping in a full dump (!pte ${x.operand.address.toString(16)}).`
        : 'ub at the faulting address shows the pointer register loaded from memory that holds the same bytes (overwritten data, often a fill pattern).',
      refute: ok ? 'The operand address is ordinary writable memory: the fault had another cause (a privileged instruction, a segment problem).' : undefined,
    });
  }
  const where = a === 0xffffffffffffffffn ? (x.operand ? undefined : 'is -1: the processor reported no address (general-protection fault)') : !canonical(a) ? 'is not canonical: no x64 pointer can have this value' : a < 0x10000n ? 'is in the NULL page: a NULL pointer plus a small offset' : undefined;
  if (where) {
    claims.push({
      rule: 'bad-address',
      claim: `The ${x.access ?? 'access'} address ${addr64(a)} ${where}. The pointer was computed from damaged data or never set.`,
      confidence: fillPattern(a) ? 'high' : 'medium',
      evidence: [{ fact: `faulting address ${addr64(a)}${fillPattern(a) ? ` holds a fill pattern (${fillPattern(a)})` : ''}`, command: x.faultAddressCommand }],
      command: x.registersCommand ?? x.faultAddressCommand,
      confirm: 'Trace the register used for the address back through ub to where it was loaded.',
    });
  }
  return claims;
}

function pageRules(x: RuleInput, a: bigint): RootCauseClaim[] {
  if (x.page?.state !== 'freed') return [];
  const tail = x.page.tail;
  const filled = tail && x.page.previousValid && tail.every((b) => b === tail[tail.length - 1]) && tail[tail.length - 1] !== 0 ? tail[tail.length - 1] : undefined;
  const atPageStart = (a & 0xfffn) === 0n;
  const ev: Evidence[] = [{ fact: `PTE of ${addr64(a)}: not valid, ${x.page.explanation}`, command: x.pageCommand }];
  if (x.page.previousValid) ev.push({ fact: `the page before it is valid${filled !== undefined ? ` and ends in 0x${filled.toString(16)}${filled >= 0x20 && filled < 0x7f ? ` ('${String.fromCharCode(filled)}')` : ''} repeated` : ''}`, command: `db ${(a - 0x40n).toString(16)} L40` });
  const overflow = atPageStart && x.page.previousValid;
  return [
    {
      rule: overflow ? 'overflow-into-freed-page' : 'freed-page',
      claim: overflow
        ? `The ${x.access ?? ''} access hit the first byte of a freed page, right after a valid page${filled !== undefined ? ' filled with one repeated byte' : ''}: a copy or fill ran past the end of its buffer into memory that had been freed (a buffer overflow).`
        : `The ${x.access ?? ''} access hit a page whose PTE says it has been freed: use after free or a stale pointer.`,
      confidence: overflow ? 'high' : 'medium',
      evidence: ev,
      command: x.pageCommand,
      confirm: 'The instruction at the fault is a copy/fill loop (ub at the faulting address) and the buffer was allocated smaller than the length copied.',
      refute: 'The pointer register was loaded from freed or stale data rather than advanced past a buffer end.',
    },
  ];
}

/** One claim per unloaded driver that the faulting IP, the faulting address, an argument or the stack points into. */
function unloadedRules(x: RuleInput): RootCauseClaim[] {
  const hits = new Map<string, { u: UnloadedModuleInfo; evidence: Evidence[] }>();
  for (const { label, value, command } of x.addresses) {
    const u = x.modules.unloadedAt(value);
    if (!u) continue;
    const key = `${u.imageName}@${u.base}`;
    const h = hits.get(key) ?? { u, evidence: [] };
    if (h.evidence.length < 8) h.evidence.push({ fact: `${label} ${addr64(value)} lies in [${addr64(u.base)}, ${addr64(u.end)}), the range of the ${unloadedText(u)}`, command: command ?? 'lm' });
    hits.set(key, h);
  }
  return [...hits.values()].map(({ u, evidence }) => ({
    rule: 'unloaded-driver',
    claim: `${u.imageName} had been unloaded, yet ${evidence.length === 1 ? 'an address' : 'addresses'} of the crash point${evidence.length === 1 ? 's' : ''} into its old range: code or a callback of a driver that is gone (a timer, DPC, work item or pending I/O it did not cancel) was still in use.`,
    confidence: 'high',
    evidence,
    command: 'lm',
    confirm: `lm lists ${u.imageName} under "Unloaded modules"; the driver's unload routine does not cancel everything it queued.`,
    refute: 'Another module has since been loaded at that range (lm shows a loaded module there).',
  }));
}

/** Claims with the same rule and text are one claim with their evidence joined. */
export function dedupeClaims(claims: RootCauseClaim[]): RootCauseClaim[] {
  const out: RootCauseClaim[] = [];
  const byKey = new Map<string, RootCauseClaim>();
  for (const c of claims) {
    const key = `${c.rule}\u0000${c.claim}`;
    const prev = byKey.get(key);
    if (!prev) {
      const copy = { ...c, evidence: [...c.evidence] };
      byKey.set(key, copy);
      out.push(copy);
      continue;
    }
    for (const e of c.evidence) if (!prev.evidence.some((p) => p.fact === e.fact && p.command === e.command)) prev.evidence.push(e);
  }
  return out;
}

export function runRules(x: RuleInput): RootCauseClaim[] {
  const claims: RootCauseClaim[] = [];
  if (x.registers) claims.push(...registerRules(x, x.registers));
  if (x.faultAddress !== undefined) claims.push(...addressRules(x, x.faultAddress), ...pageRules(x, x.faultAddress));
  claims.push(...unloadedRules(x));
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
  return dedupeClaims(claims);
}
