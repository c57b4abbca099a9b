// Root-cause rules: each looks at what the analysis found and, when its pattern is there, makes a claim
// with the evidence and the command that shows it, a confidence, and what would confirm or refute it.
import { ntstatusName } from '../knowledge/errors.js';
import type { ModuleTable, UnloadedModuleInfo } from '../target/modules.js';
import { X64_GPRS, type X64Gpr, type X64Registers } from '../target/x64-registers.js';
import { addr64, hex16 } from '../util/hex.js';
import { fillPattern } from './fill-pattern.js';
import { unloadedText } from './region.js';
import type { Evidence, RootCauseClaim } from './report.js';

export { fillPattern } from './fill-pattern.js';

export interface RuleInput {
  /** Registers of the faulting context (trap frame or context record) — never the KeBugCheckEx call's. */
  registers?: X64Registers;
  /** Registers of `registers` that are not evidence (a trap frame's non-volatiles, which it does not save). */
  unsavedRegisters?: readonly X64Gpr[];
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
  /** `u ADDRESS L1` of the faulting instruction. */
  instructionCommand?: string;
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
  const saved = X64_GPRS.filter((r) => !x.unsavedRegisters?.includes(r));
  const filled = saved.filter((r) => r !== 'rip' && fillPattern(regs[r]));
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
      role: 'observation',
      facts: { fill: pat },
    });
  }
  for (const r of saved) {
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
      role: 'observation',
      facts: { status: `0x${low.toString(16)}`, statusName: ntstatusName(low)! },
    });
  }
  return claims;
}

/** The general-protection claim about the faulting instruction's operand (with or without an exception record). */
function operandClaim(x: RuleInput, fromRecord: boolean): RootCauseClaim | undefined {
  const op = x.operand;
  if (!op) return undefined;
  const ok = canonical(op.address);
  if (!fromRecord && ok) return undefined;
  const where = ok ? ', a canonical address: the processor refused the access itself (a device or protection rule; a missing or read-only page would have raised a page fault instead)' : ', which is not canonical: the pointer is corrupt';
  const memory = ok ? (op.readable ? '' : ' (its page is not in this dump)') : ' (no memory can exist there: the address is not canonical)';
  const evidence: Evidence[] = [];
  if (fromRecord) evidence.push({ fact: 'exception parameter[1] = ffffffffffffffff', command: x.exceptionCommand ?? '.bugcheck' });
  evidence.push({ fact: `operand address ${addr64(op.address)} from the registers${memory}`, command: x.registersCommand }, { fact: `the faulting instruction is \`${op.text}\``, command: x.instructionCommand ?? x.registersCommand });
  return {
    rule: 'general-protection',
    claim: fromRecord
      ? `The exception record's address is ffffffff\`ffffffff: the processor raised a general-protection fault and reported no address. The faulting instruction \`${op.text}\` targets ${addr64(op.address)}${where}.`
      : `The faulting instruction \`${op.text}\` targets ${addr64(op.address)}${where}. The processor refuses such an address with a general-protection fault, which reports no address of its own.`,
    confidence: 'high',
    evidence,
    command: x.registersCommand,
    // A canonical address that is not mapped, or mapped read-only, raises a page fault (0x50/0xBE), not #GP.
    confirm: ok
      ? `In a full or kernel dump, !pte ${op.address.toString(16)} shows the page mapped, typically a device (MMIO) range, so no page fault was due; or ub shows an instruction with alignment or privilege rules of its own (an aligned SSE move, a privileged instruction).`
      : 'ub at the faulting address shows the pointer register loaded from memory that holds the same bytes (overwritten data, often a fill pattern).',
    refute: ok
      ? 'The operand page is ordinary memory mapped for this access and the instruction has no special rules: the fault had another cause (a stale or wrong context, a segment problem).'
      : 'ub shows the register was computed on purpose (a constant, or an encoded pointer the code decodes first): the code path, not overwritten data, produced the address.',
    role: 'observation',
    facts: { operand: addr64(op.address), instruction: op.text, canonical: ok ? 'yes' : 'no' },
  };
}

function addressRules(x: RuleInput, a: bigint): RootCauseClaim[] {
  const claims: RootCauseClaim[] = [];
  const gp = a === 0xffffffffffffffffn ? operandClaim(x, true) : undefined;
  if (gp) claims.push(gp);
  const where = a === 0xffffffffffffffffn ? (x.operand ? undefined : 'is -1: the processor reported no address (general-protection fault)') : !canonical(a) ? 'is not canonical: no x64 pointer can have this value' : a < 0x10000n ? 'is in the NULL page: a NULL pointer plus a small offset' : undefined;
  if (where) {
    claims.push({
      rule: 'bad-address',
      claim: `The ${x.access ?? 'access'} address ${addr64(a)} ${where}. The pointer was computed from damaged data or never set.`,
      confidence: fillPattern(a) ? 'high' : 'medium',
      evidence: [{ fact: `faulting address ${addr64(a)}${fillPattern(a) ? ` holds a fill pattern (${fillPattern(a)})` : ''}`, command: x.faultAddressCommand ?? '.bugcheck' }],
      command: x.registersCommand ?? x.faultAddressCommand,
      confirm: 'Trace the register used for the address back through ub to where it was loaded.',
      refute: 'ub shows the value was set on purpose (a constant or a sentinel the code checks for): the code path is wrong, not the data.',
      role: 'observation',
      facts: { address: addr64(a) },
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
      role: 'cause',
      facts: { address: addr64(a), access: x.access ?? 'access', ...(filled !== undefined ? { fill: fillText(filled) } : {}) },
    },
  ];
}

/** 0x41 → "'A' bytes", 0xcc → "0xcc bytes". */
function fillText(b: number): string {
  return b >= 0x21 && b < 0x7f ? `'${String.fromCharCode(b)}' bytes` : `0x${b.toString(16)} bytes`;
}

/** One claim per unloaded driver that the faulting IP, the faulting address, an argument or the stack points into. */
function unloadedRules(x: RuleInput): RootCauseClaim[] {
  const hits = new Map<string, { u: UnloadedModuleInfo; evidence: Evidence[] }>();
  for (const { label, value } of x.addresses) {
    const u = x.modules.unloadedAt(value);
    if (!u) continue;
    const key = `${u.imageName}@${u.base}`;
    const h = hits.get(key) ?? { u, evidence: [] };
    // The range is what `lm` lists under "Unloaded modules"; the address itself is in the cited field.
    if (h.evidence.length < 8) h.evidence.push({ fact: `${label} ${addr64(value)} lies in [${addr64(u.base)}, ${addr64(u.end)}), the range of the ${unloadedText(u)}`, command: 'lm' });
    hits.set(key, h);
  }
  return [...hits.values()].map(({ u, evidence }) => ({
    // Only return addresses on the stack: an older frame, not the code that faulted.
    direct: evidence.some((e) => !e.fact.startsWith('the stack return address')),
    u,
    evidence: [...evidence, { fact: `lm lists ${u.imageName} under its unloaded modules${u.unloadTime ? '' : ' (no unload time recorded)'}`, command: 'lm' }],
  })).map(({ direct, u, evidence }) => ({
    rule: 'unloaded-driver',
    claim: `${u.imageName} had been unloaded, yet ${evidence.length === 1 ? 'an address' : 'addresses'} of the crash point${evidence.length === 1 ? 's' : ''} into its old range: code or a callback of a driver that is gone (a timer, DPC, work item or pending I/O it did not cancel) was still in use.`,
    confidence: direct ? ('high' as const) : ('medium' as const),
    evidence,
    command: 'lm',
    confirm: `lm lists ${u.imageName} under "Unloaded modules"; the driver's unload routine does not cancel everything it queued.`,
    refute: 'Another module has since been loaded at that range (lm shows a loaded module there).',
    modules: [u.imageName.replace(/\.[^.]+$/, '')],
    role: 'cause' as const,
    facts: { image: u.imageName, ...(direct ? { direct: 'yes' } : {}) },
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
  else {
    // No exception record (0x3B's context): a non-canonical operand still explains the fault.
    const gp = operandClaim(x, false);
    if (gp) claims.push(gp);
  }
  claims.push(...unloadedRules(x));
  if (x.blamedModule && !x.blamedIsOs) {
    claims.push({
      rule: 'third-party-frame',
      claim: `${x.blamedModule} is the first module on the faulting stack that is not part of Windows: it is the most likely cause; update or remove it first.`,
      confidence: 'medium',
      evidence: [{ fact: `${x.blamedModule} is on the faulting thread's stack`, command: 'kb' }],
      command: `lmvm ${x.blamedModule}`,
      confirm: `ub at ${x.blamedModule}'s return address shows it producing the bad pointer, length or request; or the crashes stop with ${x.blamedModule} updated or removed.`,
      refute: 'The driver only passed along a buffer another component had already corrupted.',
      modules: [x.blamedModule],
      role: 'context',
      facts: { module: x.blamedModule },
    });
  }
  return dedupeClaims(claims);
}
