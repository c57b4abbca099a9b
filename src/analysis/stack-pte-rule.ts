// Kernel stack PTE failures: both walkthroughs follow STATUS_INSUFFICIENT_RESOURCES (0xc000009a) with `!vm 1`
// and find "******* N kernel stack PTE allocations have failed ******" — the system had run out of system
// PTEs for kernel stacks. The count is MiState's _MI_SYSTEM_INFORMATION.SystemPtes.KernelStackPteInfo.PteFailures,
// read by field name (the same field `!vm` prints).
import type { KernelTarget } from '../target/kernel-target.js';
import { resolveField } from '../target/struct-view.js';
import type { RootCauseClaim } from './report.js';

const PATH = 'SystemPtes.KernelStackPteInfo.PteFailures';

/** PteFailures when nt's types, MiState and its page are there; undefined otherwise. */
export async function stackPteFailures(t: KernelTarget): Promise<number | undefined> {
  const kt = await t.kernelTypes();
  const nt = t.modules.modules[0];
  if (!kt || !nt) return undefined;
  const at = await kt.global(nt.base, 'MiState').catch(() => undefined);
  const type = await kt.struct('_MI_SYSTEM_INFORMATION').catch(() => undefined);
  const f = type ? resolveField(type, PATH) : undefined;
  if (at === undefined || !f || f.type.size < 1 || f.type.size > 8) return undefined;
  const s = await t.memory.readSparse(at + BigInt(f.offset), f.type.size).catch(() => undefined);
  if (!s?.valid.every((v) => v === 1)) return undefined;
  let v = 0n;
  for (let i = f.type.size - 1; i >= 0; i--) v = (v << 8n) | BigInt(s.bytes[i]);
  // A count is small: anything past 2^32 is not a failure count but damage (or another layout).
  return v > 0n && v < 0x1_0000_0000n ? Number(v) : undefined;
}

/** The claim, when the count is there; stronger when the crashing path met STATUS_INSUFFICIENT_RESOURCES. */
export function stackPteClaim(failures: number | undefined, others: readonly RootCauseClaim[]): RootCauseClaim[] {
  if (!failures) return [];
  const status = others.some((c) => c.facts?.status === '0xc000009a');
  return [
    {
      rule: 'kernel-stack-pte-failures',
      claim: `${failures} kernel stack PTE allocations had failed before the crash: the system was short of system PTEs (address space for kernel stacks and mappings), so allocations were failing${status ? ', which fits the STATUS_INSUFFICIENT_RESOURCES (0xc000009a) on the crashing path' : ''}.`,
      confidence: status ? 'medium' : 'low',
      evidence: [{ fact: `******* ${failures} kernel stack PTE allocations have failed ******`, command: '!vm 1' }],
      command: '!vm 1',
      confirm: "!vm 1 shows Free System PTEs low or a pool near its maximum; !poolused or the process list shows who holds the memory (a leak).",
      refute: 'The counter is old (failures long before the crash, since recovered) and Free System PTEs is ample: the failure on the crashing path had another cause.',
      role: 'observation',
      facts: { failures: String(failures) },
    },
  ];
}
