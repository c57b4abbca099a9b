import type { CliCommand } from './command.js';
import { infoCommand } from './commands/info.js';
import { pdbCommand } from './commands/pdb.js';
import { runCommand } from './commands/run.js';
import { shellCommand } from './commands/shell.js';

/** Every subcommand, in the order `dumpscope --help` lists them. */
export const commands: CliCommand[] = [infoCommand, runCommand, shellCommand, pdbCommand];
