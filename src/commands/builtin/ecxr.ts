// `.ecxr` (also `.excr`): WinDbg's "exception context record". In a kernel dump the exception context is
// the CONTEXT record a bugcheck names in its arguments (0x7E/0x1000007E Arg4, 0x3B Arg3: found by the
// analysis's faulting-context reader); `.ecxr` makes it the register context and shows it as `.cxr` does.
// Bugchecks raised from a trap (the page-fault family) name no CONTEXT: WinDbg's STACK_COMMAND for them,
// `.cxr; .ecxr ; kb`, reproduces a STACK_TEXT that starts at nt!KeBugCheckEx (the 0x50 walkthrough), so
// there `.ecxr` finds no exception context, says so as WinDbg does and leaves the register context alone.
import { faultingContext } from '../../analysis/faulting-context.js';
import type { CommandSpec } from '../command.js';
import { renderRegistersResult, type RegistersResult } from './context.js';
import { registerState } from './register-state.js';
import { setRegisterOrigin } from './register-xmm.js';
import { kernelTarget } from './target-access.js';

export interface EcxrResult {
  kind: 'ecxr';
  /** Where the exception context came from (absent: there is none). */
  source?: { kind: 'context-record'; address: bigint };
  /** The register display, as `.cxr` shows it. */
  display?: RegistersResult;
  /** WinDbg's words when there is no exception context. */
  message?: string;
}

/** What WinDbg prints when the target has no exception context (E_UNEXPECTED). */
export const NO_EXCEPTION_CONTEXT = 'Unable to get exception context, HRESULT 0x8000FFFF';

export const ecxrCommand: CommandSpec<EcxrResult> = {
  names: ['.ecxr', '.excr'],
  summary: "Set the register context to the exception's CONTEXT record (a 0x7E or 0x3B bugcheck's argument) and show it",
  usage: '.ecxr',
  async run(session) {
    const t = kernelTarget(session);
    const fc = await faultingContext(t, []);
    const ctx = fc.context;
    if (ctx?.kind !== 'context' || ctx.address === undefined) return { kind: 'ecxr', message: NO_EXCEPTION_CONTEXT };
    setRegisterOrigin(ctx.registers, { kind: 'context', address: ctx.address });
    session.registers = ctx.registers;
    return { kind: 'ecxr', source: { kind: 'context-record', address: ctx.address }, display: { kind: 'registers', notes: [], state: await registerState(t, ctx.registers, true) } };
  },
  renderText: (r) => (r.display ? renderRegistersResult(r.display) : (r.message ?? NO_EXCEPTION_CONTEXT)),
};
