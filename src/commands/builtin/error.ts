// `!error VALUE [FLAGS]`: what an NTSTATUS, Win32 error or HRESULT means, one line as WinDbg prints it.
// WinDbg reads one kind: FLAGS 1 reads the value as an NTSTATUS; otherwise a value below 0x10000 is a Win32
// error, anything else its most plausible reading (NTSTATUS, then HRESULT). Other readings are kept in the
// result (`alternatives`, only codes the tables name), not printed.
import { DumpscopeError } from '../../io/errors.js';
import { type ErrorInfo, type ErrorKind, lookupError, renderErrorLine } from '../../knowledge/errors.js';
import type { CommandSpec } from '../command.js';
import { evalArg } from './target-access.js';

export interface ErrorResult {
  kind: 'error';
  /** The one reading printed. */
  interpretations: [ErrorInfo];
  /** Other readings of the same value that name a known code. */
  alternatives: ErrorInfo[];
  flags: number;
}

const USAGE = '!error VALUE [FLAGS]  (FLAGS 1: read VALUE as an NTSTATUS)';

function reading(all: ErrorInfo[], code: number, kind: ErrorKind): ErrorInfo {
  return all.find((e) => e.kind === kind && !e.wrapped) ?? { code, kind, description: 'Unknown error code.', derived: true };
}

export const errorCommand: CommandSpec<ErrorResult> = {
  names: ['!error'],
  summary: 'Explain an NTSTATUS, Win32 error or HRESULT value',
  usage: USAGE,
  async run(session, args) {
    // Extension arguments are separated by spaces, as WinDbg's `!error` parses them.
    const words = args.trim().split(/\s+/).filter(Boolean);
    if (words.length < 1 || words.length > 2) throw new DumpscopeError(`usage: ${USAGE}`, 'USAGE');
    const value = await evalArg(session, words[0]);
    const flags = words.length > 1 ? Number(BigInt.asUintN(32, await evalArg(session, words[1]))) : 0;
    const { best, others } = lookupError(value);
    const all = [best, ...others];
    const code = best.code;
    const chosen = flags & 1 ? reading(all, code, 'NTSTATUS') : code < 0x10000 ? reading(all, code, 'Win32') : best;
    const alternatives = all.filter((e) => e !== chosen && e.name !== undefined);
    return { kind: 'error', interpretations: [chosen], alternatives, flags };
  },
  renderText: (r) => renderErrorLine(r.interpretations[0]),
};
