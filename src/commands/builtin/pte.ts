// `!pte VA` and `!vtop`: the page walk of an address. Needs page tables: small dumps do not carry them.
import { DumpscopeError } from '../../io/errors.js';
import { type PteReport, pteReport } from '../../memory/pte-report.js';
import { X64AddressSpace } from '../../memory/x64-paging.js';
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
    if (!(t.memory instanceof X64AddressSpace)) {
      throw new DumpscopeError(`${name} needs page tables, and this ${t.dump.header.dumpType} dump does not contain them`, 'NO_PAGE_TABLES');
    }
    const va = await evalArg(session, args.split(/\s+/).pop() ?? '');
    const translation = await t.memory.translate(va);
    return { kind: 'pte', report: pteReport(translation, await t.pteBase()) };
  },
  renderText: (r) => renderPte(r.report),
};
