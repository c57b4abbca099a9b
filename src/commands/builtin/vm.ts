// `!vm [1]`: the memory counters the debugger data block points at (pages and KB), with warnings when the
// figures say the machine was short of memory or are inconsistent. Counters whose memory is not in the dump
// are listed as unavailable rather than guessed.
import type { CommandSpec } from '../command.js';
import { kernelTarget } from './target-access.js';

const COUNTERS: [label: string, name: string][] = [
  ['Physical Memory', 'MmNumberOfPhysicalPages'],
  ['Available Pages', 'MmAvailablePages'],
  ['ResAvail Pages', 'MmResidentAvailablePages'],
  ['Shared Commit', 'MmSharedCommit'],
  ['Driver Commit', 'MmDriverCommit'],
  ['Process Commit', 'MmProcessCommit'],
  ['PagedPool Commit', 'MmPagedPoolCommit'],
  ['Committed pages', 'MmTotalCommittedPages'],
  ['Commit limit', 'MmTotalCommitLimit'],
  ['Peak Commitment', 'MmPeakCommitment'],
];

export interface VmResult {
  kind: 'vm';
  counters: { label: string; name: string; pages?: bigint; reason?: string }[];
  warnings: string[];
}

export const vmCommand: CommandSpec<VmResult> = {
  names: ['!vm'],
  summary: 'Memory counters (physical, available, commit) with warnings when memory ran short',
  usage: '!vm [FLAGS]',
  async run(session) {
    const t = kernelTarget(session);
    const kd = t.debuggerData;
    const counters: VmResult['counters'] = [];
    for (const [label, name] of COUNTERS) {
      const at = kd?.pointer(name);
      if (!at) {
        counters.push({ label, name, reason: kd ? 'the debugger data block does not point at it in this build' : 'no debugger data block' });
        continue;
      }
      const b = await t.memory.read(at, 8).catch(() => undefined);
      counters.push(b ? { label, name, pages: new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true) } : { label, name, reason: 'not in this dump' });
    }
    const v = (n: string) => counters.find((c) => c.name === n)?.pages;
    const warnings: string[] = [];
    // The memory manager's failure counters live in MiState; read them by field name when the types have it.
    const kt = await t.kernelTypes();
    const nt = t.modules.modules[0];
    const miState = kt && nt ? await kt.global(nt.base, 'MiState') : undefined;
    if (kt && miState) {
      const off = await kt.offsetOf('_MI_SYSTEM_INFORMATION', 'SystemPtes.KernelStackPteInfo.PteFailures').catch(() => undefined);
      const b = off === undefined ? undefined : await t.memory.read(miState + BigInt(off), 4).catch(() => undefined);
      const failures = b ? new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true) : 0;
      if (failures) warnings.push(`******* ${failures} kernel stack PTE allocations have failed ******`);
    }
    const phys = v('MmNumberOfPhysicalPages');
    const avail = v('MmAvailablePages');
    const committed = v('MmTotalCommittedPages');
    const limit = v('MmTotalCommitLimit');
    if (phys && avail !== undefined && avail * 100n < phys) warnings.push(`******* Available pages are below 1% of physical memory (${avail} of ${phys}) ******`);
    if (committed !== undefined && limit && committed >= limit) warnings.push(`******* Commit limit reached: ${committed} of ${limit} pages committed ******`);
    for (const c of counters) if (phys && c.pages !== undefined && c.pages > phys * 64n && c.name !== 'MmTotalCommitLimit') warnings.push(`******* ${c.label} (${c.pages}) is implausible for ${phys} physical pages: the counter may not be valid in this build ******`);
    return { kind: 'vm', counters, warnings };
  },
  renderText(r) {
    const lines: string[] = [];
    for (const c of r.counters) {
      const label = `${c.label}:`;
      if (c.pages === undefined) {
        lines.push(`${label.padEnd(17)} unavailable (${c.reason})`);
        continue;
      }
      const num = c.pages.toString();
      lines.push(`${label}${' '.repeat(Math.max(1, 33 - label.length - num.length))}${num} (${(c.pages * 4n).toString().padStart(11)} Kb)`);
    }
    if (r.warnings.length) lines.push('', ...r.warnings);
    return lines.join('\n');
  },
};
