// `!dpcs [PROCESSOR]`: the DPC queue of each processor (KPRCB.DpcData[0], walked by field name and bounded
// by the reader 0x133's analysis uses), one line per queued KDPC with its DeferredRoutine.
import { dpcQueue, type QueuedDpc } from '../../analysis/families/dpc-watchdog-0x133.js';
import { emptyResult } from '../../analysis/families/types.js';
import { DumpscopeError } from '../../io/errors.js';
import { addr64 } from '../../util/hex.js';
import type { CommandSpec } from '../command.js';
import { evalArg, kernelTarget } from './target-access.js';

export interface DpcsResult {
  kind: 'dpcs';
  processors: { number: number; queued: QueuedDpc[]; depth?: number }[];
  notes: string[];
}

export const dpcsCommand: CommandSpec<DpcsResult> = {
  names: ['!dpcs'],
  summary: "The DPC queue of each processor (or of one): each queued KDPC and its routine",
  usage: '!dpcs [PROCESSOR]',
  async run(session, args) {
    const t = kernelTarget(session);
    const kt = await t.kernelTypes();
    if (!kt) throw new DumpscopeError("!dpcs reads KPRCB.DpcData and _KDPC by field name and needs nt's types (its PDB or an ISF table on the symbol path)", 'NO_TYPES');
    const only = args.trim() ? Number(await evalArg(session, args.trim())) : undefined;
    const res = emptyResult();
    const processors: DpcsResult['processors'] = [];
    for (const p of await t.processors()) {
      if (p.address === undefined || (only !== undefined && p.number !== only)) continue;
      const q = await dpcQueue(t, kt, p.address, res);
      if (q) processors.push({ number: p.number, queued: q.queued, depth: q.depth });
    }
    if (!processors.length) throw new DumpscopeError(only !== undefined ? `processor ${only} is not in this dump` : 'no processor\'s PRCB is readable in this dump', 'UNREADABLE');
    return { kind: 'dpcs', processors, notes: res.notes };
  },
  renderText: (r) => {
    const L = ['CPU Type      KDPC               Function'];
    for (const p of r.processors) {
      if (!p.queued.length) L.push(`${String(p.number).padStart(2)}: Normal  : (queue empty)`);
      for (const d of p.queued) L.push(`${String(p.number).padStart(2)}: Normal  : ${addr64(d.dpc)} ${d.text}`);
    }
    for (const n of r.notes) L.push(`(${n})`);
    return L.join('\n');
  },
};
