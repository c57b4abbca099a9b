// `dumpscope run DUMP -c "cmd1; cmd2"`: runs debugger commands and prints a WinDbg-style log.
import { createEngine } from '../../commands/registry.js';
import { openSession } from '../../node/open-session.js';
import { type CliCommand, UsageError } from '../command.js';
import { openError } from '../fs-errors.js';
import { parseCommonOptions } from '../options.js';

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'Run debugger commands on a dump and print them like a WinDbg log',
  usage: [
    'Usage: dumpscope run DUMP -c "CMD1; CMD2; …" [-y SYMPATH] [--offline] [--symbol-timeout S] [--json]',
    '',
    'Each command is printed as `N: kd> CMD` followed by its output. The exit status is 1 when a command failed.',
    '  -c, --commands TEXT  commands separated by ";" (may be given more than once)',
    '  -y, --sympath PATH   symbol path (WinDbg syntax); default: _NT_SYMBOL_PATH, then the Microsoft server',
    '  --offline            never use the network for symbols',
    '  --symbol-timeout S   the most one symbol file may take from a server, in seconds (default 120; DUMPSCOPE_SYMBOL_TIMEOUT)',
    '  --json               print [{command, ok, text, result}] instead of text',
  ].join('\n'),
  async run(args, io) {
    const opts = parseCommonOptions(args, { commands: true });
    if (!opts.dump) throw new UsageError('missing DUMP');
    if (opts.commands.length === 0) throw new UsageError('missing -c "COMMANDS"');
    const { session, close } = await openSession(opts.dump, opts, io).catch((e) => {
      throw openError(e, opts.dump!);
    });
    const engine = createEngine();
    let failed = false;
    const outputs = [];
    try {
      for (const line of opts.commands) {
        for (const o of await engine.run(session, line)) {
          failed ||= !o.ok;
          if (opts.json) outputs.push({ command: o.command, ok: o.ok, text: o.text, result: o.result, error: o.error });
          else io.out(`${session.processor}: kd> ${o.command}\n${o.text}`);
        }
      }
    } finally {
      await close();
    }
    if (opts.json) io.out(JSON.stringify(outputs, jsonReplacer, 2));
    return failed ? 1 : 0;
  },
};

/**
 * bigint → "0x…" so structured results survive JSON (xmm values keep 128 bits). A negative value is one a
 * command made signed on purpose (`?`'s `signed`), so it keeps its sign: "-0x1", not its 64-bit pattern.
 */
export function jsonReplacer(_key: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
  if (v instanceof Uint8Array) return [...v].map((b) => b.toString(16).padStart(2, '0')).join('');
  return v;
}

