// `!pte VA` and `!vtop`: the page walk of an address. Needs page tables: small dumps do not carry them.
import { DumpscopeError } from '../../io/errors.js';
import { type PteReport, pteReport } from '../../memory/pte-report.js';
import { renderPte } from '../../render/pte.js';
import type { CommandSpec } from '../command.js';
import { evalArg, kernelTarget } from './target-access.js';

export interface PteResult {
  kind: 'pte';
  report: PteReport;
}

export const pteCommand: CommandSpec<PteResult> = {
  names: ['!pte', '!vtop'],
  summary: 'Page table entries of a virtual address (PXE/PPE/PDE/PTE, flags, why it is not valid)',
  usage: '!pte VIRTUAL_ADDRESS',
  async run(session, args, name) {
    const t = kernelTarget(session);
    const va = await evalArg(session, args.split(/\s+/).pop() ?? '');
    const translation = await t.translate(va);
    if (!translation) throw new DumpscopeError(`${name} needs page tables, and this ${t.dump.header.dumpType} dump does not contain them`, 'NO_PAGE_TABLES');
    return { kind: 'pte', report: pteReport(translation, await t.pteBase()) };
  },
  renderText: (r) => renderPte(r.report),
};
