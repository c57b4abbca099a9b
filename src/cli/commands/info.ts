import { type CliCommand, UsageError } from '../command.js';

// Placeholder until the kernel dump reader lands (issue 2); replaced by the real command.
export const infoCommand: CliCommand = {
  name: 'info',
  summary: 'Show a dump\'s header facts (format, build, machine, bugcheck, memory layout)',
  usage: 'Usage: dumpscope info DUMP [--json]',
  async run(args) {
    if (args.length === 0) throw new UsageError('missing DUMP');
    throw new UsageError('not implemented yet');
  },
};
