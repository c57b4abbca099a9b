// `!pfn PFN`: one entry of the PFN database in WinDbg's layout (read by field name, families/pfn.ts).
import { type PfnEntry, readPfn } from '../../analysis/families/pfn.js';
import { DumpscopeError } from '../../io/errors.js';
import type { CommandSpec } from '../command.js';
import { evalArg, kernelTarget } from './target-access.js';

export interface PfnResult {
  kind: 'pfn';
  entry: PfnEntry;
}

export const pfnCommand: CommandSpec<PfnResult> = {
  names: ['!pfn'],
  summary: 'One entry of the page frame database: its PTE address, share and reference counts, list and flags',
  usage: '!pfn PAGE_FRAME_NUMBER',
  async run(session, args) {
    if (!args.trim()) throw new DumpscopeError('!pfn needs a page frame number', 'BAD_ARGUMENT');
    const t = kernelTarget(session);
    return { kind: 'pfn', entry: await readPfn(t, await evalArg(session, args.trim().split(/\s+/)[0])) };
  },
  renderText: renderPfn,
};

const h = (v: bigint | undefined, w: number) => (v === undefined ? '?'.repeat(w) : v.toString(16).toUpperCase().padStart(w, '0'));

export function renderPfn(r: PfnResult): string {
  const e = r.entry;
  return [
    `    PFN ${h(e.pfn, 8)} at address ${h(e.entry, 16)}`,
    `    flink       ${h(e.flink, 8)}  blink / share count ${h(e.shareCount, 16)}  pteaddress ${h(e.pteAddress, 16)}`,
    `    reference count ${h(e.referenceCount, 4)}`,
    `    restore pte ${h(e.originalPte, 16)}  containing page ${h(e.pteFrame, 6)}  ${e.location ?? ''}${e.modified ? '     M' : ''}`.trimEnd(),
    ...(e.modified ? ['    Modified'] : []),
  ].join('\n');
}
