// `.help` / `.help NAME`: the command list, from the registered specs.
import type { CommandSpec } from '../command.js';
import type { CommandEngine } from '../engine.js';

export interface HelpResult {
  kind: 'help';
  entries: { names: string[]; summary: string; usage?: string }[];
}

export function helpCommand(engine: CommandEngine): CommandSpec<HelpResult> {
  return {
    names: ['.help'],
    summary: 'List the commands, or show one command\'s syntax',
    usage: '.help [COMMAND]',
    async run(_session, args) {
      const want = args.trim().toLowerCase();
      const specs = engine.list().filter((s) => !want || s.names.some((n) => n.toLowerCase() === want));
      return { kind: 'help', entries: specs.map((s) => ({ names: [...s.names], summary: s.summary, usage: s.usage })) };
    },
    renderText(r) {
      if (r.entries.length === 1) {
        const e = r.entries[0];
        return `${e.names.join(', ')} — ${e.summary}${e.usage ? `\n  ${e.usage}` : ''}`;
      }
      const w = Math.min(28, Math.max(...r.entries.map((e) => e.names.join(', ').length)));
      return r.entries.map((e) => `${e.names.join(', ').padEnd(w)}  ${e.summary}`).join('\n');
    },
  };
}
