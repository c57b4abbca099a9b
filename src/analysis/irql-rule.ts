// 0xD1/0xA: memory touched at DISPATCH_LEVEL or above. The page tables of Arg1 tell the two stories apart:
// pageable memory that was simply not resident (paged out, in transition, demand-zero, prototype) — the
// driver must not touch pageable memory at that IRQL — or an address with nothing behind it at all (freed,
// never mapped), a bad or stale pointer whatever the IRQL.
import type { Translation } from '../memory/address-space.js';
import { addr64 } from '../util/hex.js';
import { notResidentText } from './region.js';
import type { Evidence, RootCauseClaim } from './report.js';

const IRQL_NAMES: Record<number, string> = { 0: 'PASSIVE_LEVEL', 1: 'APC_LEVEL', 2: 'DISPATCH_LEVEL' };

export function irqlText(irql: number): string {
  return `IRQL ${irql.toString(16)} (${IRQL_NAMES[irql] ?? (irql >= 3 && irql <= 12 ? 'a device IRQL' : irql === 15 ? 'HIGH_LEVEL' : 'above DISPATCH_LEVEL')})`;
}

export interface IrqlInput {
  code: number;
  address: bigint;
  /** Arg2: the IRQL the bugcheck reports. */
  irql: number;
  /** CURRENT_IRQL read from the crashing processor, when it was. */
  currentIrql?: number;
  /** The command that shows CURRENT_IRQL (`dt nt!_KPCR ADDRESS Irql`). */
  currentIrqlCommand?: string;
  translation?: Translation;
  /** The faulting code address (Arg4) and the module holding it, when known. */
  ip: bigint;
  driver?: string;
  ipSymbol?: string;
}

const PAGEABLE = new Set(['pagefile', 'transition', 'demand-zero', 'prototype']);

export function irqlRule(x: IrqlInput): RootCauseClaim[] {
  const tr = x.translation;
  if (!tr || tr.pa !== undefined || tr.state.kind === 'not-in-dump') return [];
  const state = notResidentText(tr.state, tr.reason);
  if (!state) return [];
  const who = x.driver ?? 'The driver';
  const at = x.ipSymbol ?? addr64(x.ip);
  const evidence: Evidence[] = [
    { fact: `the PTE of ${addr64(x.address)} says it is ${state}`, command: `!pte ${x.address.toString(16)}` },
    { fact: `Arg2: the access was made at ${irqlText(x.irql)}`, command: '.bugcheck' },
  ];
  if (x.currentIrql !== undefined) evidence.push({ fact: `the crashing processor's IRQL in its KPCR is ${x.currentIrql.toString(16)} (CURRENT_IRQL)`, command: x.currentIrqlCommand ?? '!running' });
  evidence.push({ fact: `Arg4: the instruction that made the access is ${at}`, command: `u ${x.ip.toString(16)} L1` });
  const pageable = PAGEABLE.has(tr.state.kind);
  const claim = pageable
    ? `${who} touched pageable memory that was not resident — ${addr64(x.address)} is ${state} — at ${irqlText(x.irql)}. A page fault cannot be served at DISPATCH_LEVEL or above, so the kernel stopped; the code at ${at} must not use pageable memory there (it holds a spin lock or runs in a DPC or ISR).`
    : `${who} used an address with nothing behind it — ${addr64(x.address)} is ${state} — at ${irqlText(x.irql)}: a bad or stale pointer, which would have failed at any IRQL.`;
  return [
    {
      rule: pageable ? 'pageable-at-high-irql' : 'invalid-address-at-high-irql',
      claim,
      confidence: x.driver ? 'high' : 'medium',
      evidence,
      command: `!pte ${x.address.toString(16)}`,
      confirm: pageable
        ? `The buffer at ${addr64(x.address)} was allocated from paged pool or lies in pageable code/data, and ${at} runs at raised IRQL (ub shows a spin-lock acquire or a DPC routine).`
        : `The pointer was loaded from freed or uninitialised memory (ub at ${at}).`,
      refute: pageable ? 'The memory is nonpaged and its PTE was corrupted, or the IRQL was raised by someone else (an interrupt the driver did not expect).' : 'The page was legitimately freed only after the access (a race with another thread).',
      ...(x.driver ? { modules: [x.driver] } : {}),
      role: 'cause',
      facts: { address: addr64(x.address), irql: irqlText(x.irql), state, ...(x.driver ? { driver: x.driver } : {}), pageable: pageable ? 'yes' : 'no', at },
    },
  ];
}
