// Script commands of WinDbg logs and `run -c` scripts: `* comment` (the rest of the line, `;` included: the
// engine's REST_OF_LINE), `$$ comment` (up to the next `;`) and `.echo TEXT`.
import { DumpscopeError } from '../../io/errors.js';
import type { CommandSpec } from '../command.js';

export interface CommentResult {
  kind: 'comment';
  text: string;
}

export const commentCommand: CommandSpec<CommentResult> = {
  names: ['*', '$$'],
  summary: 'Comment: `* TEXT` to the end of the line, `$$ TEXT` to the next ";" (nothing is printed)',
  usage: '* COMMENT | $$ COMMENT',
  async run(_session, args, name) {
    // `$$<FILE`, `$$><FILE`, `$$>a<FILE` run script files: not comments, and not available here.
    if (name === '$$' && /^[<>]/.test(args)) throw new DumpscopeError(`script files ($$<, $$><, $$>a<) are not supported; pass the commands with -c`, 'UNSUPPORTED');
    return { kind: 'comment', text: args };
  },
  renderText: () => '',
};

export interface EchoResult {
  kind: 'echo';
  text: string;
}

/** `.echo "A; B"` prints the text between the quotes (a `;` inside them does not end the command). */
function echoText(args: string): string {
  const t = args.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

export const echoCommand: CommandSpec<EchoResult> = {
  names: ['.echo'],
  summary: 'Print the text (in double quotes it may contain ";")',
  usage: '.echo [TEXT | "TEXT"]',
  async run(_session, args) {
    return { kind: 'echo', text: echoText(args) };
  },
  renderText: (r) => r.text,
};
