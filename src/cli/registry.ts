import type { CliCommand } from './command.js';
import { analyzeCliCommand } from './commands/analyze.js';
import { convertCommand } from './commands/convert.js';
import { infoCommand } from './commands/info.js';
import { pdbCommand } from './commands/pdb.js';
import { runCommand } from './commands/run.js';
import { shellCommand } from './commands/shell.js';

/** Every subcommand, in the order `dumpscope --help` lists them. */
export const commands: CliCommand[] = [analyzeCliCommand, infoCommand, runCommand, shellCommand, convertCommand, pdbCommand];
