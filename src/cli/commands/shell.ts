// `dumpscope shell DUMP`: an interactive WinDbg-like session (prompt `0: kd> `, history, completion,
// Ctrl-C aborts the running command, `q` quits). node:readline, because node:repl rejects dot-commands.
import { createInterface } from 'node:readline';
import { yieldToEventLoop } from '../../commands/checkpoint.js';
import { ABORTED_TEXT } from '../../commands/engine.js';
import { createEngine } from '../../commands/registry.js';
import { openSession } from '../../node/open-session.js';
import { type CliCommand, type CliIo, UsageError } from '../command.js';
import { parseCommonOptions } from '../options.js';
import { complete } from '../completion.js';
import { openError } from '../fs-errors.js';

/** Lines written between two event-loop turns: stdout is synchronous on Linux, so a long result is printed
 * in slices and Ctrl-C can stop the printing too. */
const PRINT_SLICE = 200;

/** Prints `text` in slices; false when the command was aborted before all of it was out. */
async function printInSlices(io: CliIo, text: string, signal: AbortSignal): Promise<boolean> {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += PRINT_SLICE) {
    if (signal.aborted) return false;
    io.out(lines.slice(i, i + PRINT_SLICE).join('\n'));
    if (i + PRINT_SLICE < lines.length) await yieldToEventLoop();
  }
  return true;
}

export const shellCommand: CliCommand = {
  name: 'shell',
  summary: 'Interactive WinDbg-style session on a dump',
  usage: 'Usage: dumpscope shell DUMP [-y SYMPATH] [--offline] [--symbol-timeout S]\n\n  --symbol-timeout S  the most one symbol file may take from a server, in seconds (default 120; DUMPSCOPE_SYMBOL_TIMEOUT)\n\nType .help for the commands, q to quit. Ctrl-C stops a running command and the rest of its line.',
  async run(args, io) {
    const opts = parseCommonOptions(args);
    if (!opts.dump) throw new UsageError('missing DUMP');
    const { session, close } = await openSession(opts.dump, opts, io).catch((e) => {
      throw openError(e, opts.dump!);
    });
    const engine = createEngine();
    const rl = createInterface({
      input: process.stdin,
      output: process.stdout,
      historySize: 1000,
      // Asynchronous: a module's symbols (or dt's type names) may have to load first (completion.ts).
      completer: (line: string, done: (err: Error | null, result: [string[], string]) => void) => {
        complete(engine, session, line).then(
          (r) => done(null, r),
          () => done(null, [[], line]),
        );
      },
    });
    let running: AbortController | undefined;
    // Ctrl-C on a terminal reaches readline as a key ('SIGINT' on rl); a real SIGINT (kill -INT, or input
    // from a pipe) reaches the process. Either aborts the running command, never the session.
    const interrupt = () => {
      if (running) running.abort();
      else {
        io.out('\n(type q to quit)');
        rl.prompt();
      }
    };
    rl.on('SIGINT', interrupt);
    process.on('SIGINT', interrupt);
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
          const controller = new AbortController();
          running = controller;
          let noted = false;
          try {
            await engine.run(session, t, controller.signal, async (o) => {
              if (noted) return;
              if (o.error === 'aborted' || !(await printInSlices(io, o.text, controller.signal))) {
                io.out(ABORTED_TEXT);
                noted = true;
              }
            });
            // Aborted between two commands of the line: the rest was skipped, say so once.
            if (controller.signal.aborted && !noted) io.out(ABORTED_TEXT);
          } finally {
            running = undefined;
          }
        }
        prompt();
      }
    } finally {
      process.off('SIGINT', interrupt);
      rl.close();
      await close();
    }
    return 0;
  },
};
