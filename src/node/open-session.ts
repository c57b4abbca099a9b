// Opens a dump file for the interactive and scripted front ends: file → dump reader → target → Session.
import type { CliIo } from '../cli/command.js';
import type { CommonOptions } from '../cli/options.js';
import { Session } from '../commands/session.js';
import { UnsupportedError } from '../io/errors.js';

export interface OpenedSession {
  session: Session;
  close(): Promise<void>;
  /** Symbol names starting with a prefix, for tab completion. */
  symbolNames?(prefix: string): string[];
}

export async function openSession(path: string, _opts: CommonOptions, _io: CliIo): Promise<OpenedSession> {
  // Wired to the kernel dump reader and target model as they land.
  throw new UnsupportedError(`cannot open ${path} yet: the target model is not wired`);
  // biome-ignore lint/correctness/noUnreachable: placeholder keeps the type in use
  return { session: new Session(), close: async () => {} };
}
