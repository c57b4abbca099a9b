// Opens a dump file for the interactive and scripted front ends: file → dump reader → target → Session.
import type { CliIo } from '../cli/command.js';
import type { CommonOptions } from '../cli/options.js';
import { Session } from '../commands/session.js';
import { openKernelDump } from '../formats/kernel-dump/kernel-dump.js';
import { UnsupportedError } from '../io/errors.js';
import { PageCache } from '../io/page-cache.js';
import { KernelTarget } from '../target/kernel-target.js';
import { FileSource } from './file-source.js';
import { LocalImageStore, localDirectories } from './local-image-store.js';

export interface OpenedSession {
  session: Session;
  target: KernelTarget;
  close(): Promise<void>;
  /** Symbol names starting with a prefix, for tab completion. */
  symbolNames?(prefix: string): string[];
}

/** The symbol path: -y, then _NT_SYMBOL_PATH. Only its local directories are used (no network yet). */
export function symbolPath(opts: CommonOptions, env: Record<string, string | undefined>): string {
  return opts.sympath ?? env._NT_SYMBOL_PATH ?? '';
}

export async function openSession(path: string, opts: CommonOptions, io: CliIo): Promise<OpenedSession> {
  const source = new PageCache(await FileSource.open(path));
  try {
    const sig = new TextDecoder('latin1').decode(await source.read(0, Math.min(8, source.size)));
    if (sig.startsWith('MDMP')) throw new UnsupportedError(`${path} is a user-mode minidump; only kernel dumps can be opened in a session so far`);
    const dump = await openKernelDump(source);
    const target = new KernelTarget(dump, new LocalImageStore(localDirectories(symbolPath(opts, io.env))));
    const session = new Session(target);
    return {
      session,
      target,
      close: () => source.close(),
      symbolNames: (prefix) => target.modules.modules.map((m) => m.name).filter((n) => n.toLowerCase().startsWith(prefix.toLowerCase())),
    };
  } catch (e) {
    await source.close();
    throw e;
  }
}
