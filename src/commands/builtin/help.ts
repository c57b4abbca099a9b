// `.help` / `.help NAME`: the command list, from the registered specs. `?` alone is the same list (WinDbg's
// `?` without an expression prints its command summary); `? EXPR` evaluates.
import { DumpscopeError } from '../../io/errors.js';
import type { CommandSpec } from '../command.js';
import type { CommandEngine } from '../engine.js';
import { type EvaluateResult, evaluateCommand } from './evaluate.js';

export interface HelpResult {
  kind: 'help';
  entries: { names: string[]; summary: string; usage?: string }[];
  /** True for `.help NAME`: show that command's syntax. */
  single: boolean;
}

function helpFor(engine: CommandEngine, args: string): HelpResult {
  const want = args.trim().toLowerCase();
  const specs = engine.list().filter((s) => !want || s.names.some((n) => n.toLowerCase() === want));
  if (want && !specs.length) throw new DumpscopeError(`No help for ${args.trim()} (.help lists the commands)`, 'NO_HELP');
  return { kind: 'help', entries: specs.map((s) => ({ names: [...s.names], summary: s.summary, usage: s.usage })), single: !!want };
}

function renderHelp(r: HelpResult): string {
  if (r.single) return r.entries.map((e) => `${e.names.join(', ')} — ${e.summary}${e.usage ? `\n  ${e.usage}` : ''}`).join('\n');
  const w = Math.min(28, Math.max(...r.entries.map((e) => e.names.join(', ').length)));
  return r.entries.map((e) => `${e.names.join(', ').padEnd(w)}  ${e.summary}`).join('\n');
}

export function helpCommand(engine: CommandEngine): CommandSpec<HelpResult> {
  return {
    names: ['.help'],
    summary: "List the commands, or show one command's syntax",
    usage: '.help [COMMAND]',
    async run(_session, args) {
      return helpFor(engine, args);
    },
    renderText: renderHelp,
  };
}

/** `?`: the command list without an argument, else the expression's value. */
export function questionCommand(engine: CommandEngine): CommandSpec<HelpResult | EvaluateResult> {
  return {
    names: evaluateCommand.names,
    summary: `${evaluateCommand.summary} (alone: list the commands)`,
    usage: '? [EXPRESSION]',
    async run(session, args, name, signal) {
      if (!args.trim()) return helpFor(engine, '');
      return evaluateCommand.run(session, args, name, signal);
    },
    renderText: (r) => (r.kind === 'help' ? renderHelp(r) : evaluateCommand.renderText(r)),
  };
}
