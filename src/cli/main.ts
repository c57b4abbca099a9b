// The Node front end: `dumpscope <command> …`. Thin: parses arguments, opens files, calls the core,
// prints what the core's renderers produce.
import { DumpscopeError } from '../io/errors.js';
import { type CliIo, UsageError } from './command.js';
import { commands } from './registry.js';

const VERSION = '0.1.0';

function help(): string {
  const w = Math.max(...commands.map((c) => c.name.length));
  return [
    'dumpscope — Windows crash dump analyzer',
    '',
    'Usage: dumpscope <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    '',
    'Run `dumpscope <command> --help` for a command\'s options.',
  ].join('\n');
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(help());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V') {
    io.out(VERSION);
    return 0;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    io.err(`dumpscope: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(cmd.usage);
    return 0;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`dumpscope ${cmd.name}: ${e.message}\n\n${cmd.usage}`);
      return 2;
    }
    if (e instanceof DumpscopeError) {
      io.err(`dumpscope ${cmd.name}: ${e.message}`);
      return 1;
    }
    const err = e as NodeJS.ErrnoException;
    if (err && typeof err.code === 'string' && typeof err.message === 'string' && err.syscall) {
      io.err(`dumpscope ${cmd.name}: ${err.message}`); // ENOENT and friends: no stack trace
      return 1;
    }
    io.err(`dumpscope ${cmd.name}: internal error: ${(e as Error)?.stack ?? String(e)}`);
    return 70;
  }
}

const nodeIo: CliIo = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  stderrIsTty: Boolean(process.stderr.isTTY),
  errRaw: (t) => process.stderr.write(t),
  env: process.env,
};

// Run when bundled as the CLI entry (dist/dumpscope.js) or executed directly with tsx.
const entry = process.argv[1] ?? '';
if (/dumpscope(\.js)?$|cli[\\/]main\.ts$/.test(entry)) {
  // A reader that stops early (`| head -1`) closes the pipe: stop quietly, as other command-line tools do.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  main(process.argv.slice(2), nodeIo).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`dumpscope: internal error: ${(e as Error)?.stack ?? e}\n`);
      process.exitCode = 70;
    },
  );
}
