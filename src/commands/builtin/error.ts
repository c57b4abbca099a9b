// `!error CODE`: NTSTATUS, Win32 and HRESULT meanings.
import { describeError, type ErrorInfo, renderErrorLine } from '../../knowledge/errors.js';
import type { CommandSpec } from '../command.js';
import { evalArg } from './target-access.js';

export interface ErrorResult {
  kind: 'error';
  interpretations: ErrorInfo[];
}

export const errorCommand: CommandSpec<ErrorResult> = {
  names: ['!error'],
  summary: 'Explain an NTSTATUS, Win32 error or HRESULT value',
  usage: '!error VALUE',
  async run(session, args) {
    return { kind: 'error', interpretations: describeError(await evalArg(session, args)) };
  },
  renderText: (r) => r.interpretations.map(renderErrorLine).join('\n'),
};
