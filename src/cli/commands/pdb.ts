import { type CliCommand, UsageError } from '../command.js';

// Placeholder until the PDB reader lands (issue 3); replaced by the real command.
export const pdbCommand: CliCommand = {
  name: 'pdb',
  summary: 'Inspect a PDB or ISF symbol file (publics, types, a type\'s layout)',
  usage: 'Usage: dumpscope pdb FILE [--publics] [--types] [--type NAME] [--json]',
  async run(args) {
    if (args.length === 0) throw new UsageError('missing FILE');
    throw new UsageError('not implemented yet');
  },
};
