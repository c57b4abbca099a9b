// The shipped 0x50 sample with the scenario binaries' symbols, as a command session for tests.
import { createEngine } from '../../src/commands/registry.js';
import type { CommandOutput } from '../../src/commands/command.js';
import { openSession } from '../../src/node/open-session.js';
import { scenarioBinDir } from '../../src/node/scenario-files.js';
import { repo } from '../helpers/corpus.js';

export const SAMPLE = repo('samples/walkthrough-0x50.dmp');
export const DRIVER_SYS = repo('fixtures/scenario/bin/Driver.sys');
export const DRIVER_PDB = repo('fixtures/scenario/bin/Driver.pdb');
const io = { out: () => {}, err: () => {}, stderrIsTty: false, env: {} };

export async function openSample(path = SAMPLE, sympath = scenarioBinDir()) {
  const opened = await openSession(path, { sympath, offline: true, json: false, markdown: false, commands: [], rest: [] }, io);
  const engine = createEngine();
  return {
    ...opened,
    engine,
    /** Runs one command line; every output. */
    run: (line: string): Promise<CommandOutput[]> => engine.run(opened.session, line),
    /** Runs one command and returns its output, failing loudly when it failed unexpectedly. */
    one: async (command: string): Promise<CommandOutput> => (await engine.run(opened.session, command))[0],
  };
}
