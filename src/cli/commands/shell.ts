// `dumpscope shell DUMP`: an interactive WinDbg-like session (prompt `0: kd> `, history, completion,
// Ctrl-C aborts the running command, `q` quits). node:readline, because node:repl rejects dot-commands.
import { createInterface } from 'node:readline';
import { createEngine } from '../../commands/registry.js';
import { openSession } from '../../node/open-session.js';
import { type CliCommand, UsageError } from '../command.js';
import { parseCommonOptions } from '../options.js';

export const shellCommand: CliCommand = {
  name: 'shell',
  summary: 'Interactive WinDbg-style session on a dump',
  usage: 'Usage: dumpscope shell DUMP [-y SYMPATH] [--offline]\n\nType .help for the commands, q to quit. Ctrl-C stops a running command.',
  async run(args, io) {
    const opts = parseCommonOptions(args);
    if (!opts.dump) throw new UsageError('missing DUMP');
    const { session, close, symbolNames } = await openSession(opts.dump, opts, io);
    const engine = createEngine();
    const names = engine.names();
    const rl = createInterface({
      input: process.stdin,
      output: process.stdout,
      historySize: 1000,
      completer: (line: string) => {
        const word = /\S*$/.exec(line)?.[0] ?? '';
        const pool = line.trim().includes(' ') ? (symbolNames?.(word) ?? []) : names;
        const hits = pool.filter((n) => n.toLowerCase().startsWith(word.toLowerCase())).slice(0, 200);
        return [hits, word];
      },
    });
    let running: AbortController | undefined;
    rl.on('SIGINT', () => {
      if (running) {
        running.abort();
        io.out('^C (command aborted)');
      } else {
        io.out('\n(type q to quit)');
        rl.prompt();
      }
    });
    const prompt = () => {
      rl.setPrompt(`${session.processor}: kd> `);
      rl.prompt();
    };
    try {
      prompt();
      for await (const line of rl) {
        const t = line.trim();
        if (t === 'q' || t === 'qq' || t === '.quit') break;
        if (t) {
          running = new AbortController();
          try {
            for (const o of await engine.run(session, t, running.signal)) io.out(o.text);
          } finally {
            running = undefined;
          }
        }
        prompt();
      }
    } finally {
      rl.close();
      await close();
    }
    return 0;
  },
};
