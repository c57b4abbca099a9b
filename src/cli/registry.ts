import type { CliCommand } from './command.js';
import { infoCommand } from './commands/info.js';
import { pdbCommand } from './commands/pdb.js';

/** Every subcommand, in the order `dumpscope --help` lists them. */
export const commands: CliCommand[] = [infoCommand, pdbCommand];
