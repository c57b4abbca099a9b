// Opens a dump file for the interactive and scripted front ends: file → dump reader → target → Session.
import type { CliIo } from '../cli/command.js';
import type { CommonOptions } from '../cli/options.js';
import { Session } from '../commands/session.js';
import { openKernelDump } from '../formats/kernel-dump/kernel-dump.js';
import { UnsupportedError } from '../io/errors.js';
import { PageCache } from '../io/page-cache.js';
import { KernelTarget } from '../target/kernel-target.js';
import { FileSource } from './file-source.js';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { defaultSymbolPath, parseSymbolPath } from '../symbols/symbol-path.js';
import { renderProgress } from './progress-bar.js';
import { SymbolStore } from './symbol-store.js';

export interface OpenedSession {
  session: Session;
  target: KernelTarget;
  close(): Promise<void>;
  /** Symbol names starting with a prefix, for tab completion. */
  symbolNames?(prefix: string): string[];
}

/** The per-user symbol cache: %LOCALAPPDATA%\\dumpscope\\symbols, $XDG_CACHE_HOME/dumpscope/symbols or ~/.cache/dumpscope/symbols. */
export function defaultCacheDir(env: Record<string, string | undefined>): string {
  if (process.platform === 'win32' && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, 'dumpscope', 'symbols');
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'dumpscope', 'symbols');
}

/** The symbol path: -y, then _NT_SYMBOL_PATH (when not empty), else Microsoft's public server behind the per-user cache. */
export function symbolPath(opts: CommonOptions, env: Record<string, string | undefined>): string {
  return opts.sympath ?? (env._NT_SYMBOL_PATH || defaultSymbolPath(defaultCacheDir(env)));
}

/** Per-file server deadline in ms: --symbol-timeout, else DUMPSCOPE_SYMBOL_TIMEOUT (seconds), else the store's default. */
export function symbolTimeoutMs(opts: CommonOptions, env: Record<string, string | undefined>): number | undefined {
  const env_ = Number(env.DUMPSCOPE_SYMBOL_TIMEOUT);
  const seconds = opts.symbolTimeout ?? (env_ > 0 ? env_ : undefined);
  return seconds === undefined ? undefined : Math.round(seconds * 1000);
}

/** The symbol store for a session; --offline or DUMPSCOPE_OFFLINE=1 keeps it off the network. */
export function symbolStore(opts: CommonOptions, io: CliIo): SymbolStore {
  const deadline = symbolTimeoutMs(opts, io.env);
  const typed = symbolPath(opts, io.env);
  return new SymbolStore(parseSymbolPath(typed), {
    typed,
    defaultCache: defaultCacheDir(io.env),
    offline: opts.offline || io.env.DUMPSCOPE_OFFLINE === '1',
    env: io.env,
    // A short deadline also shortens the idle timeout (20 s by default) it would otherwise outlast.
    ...(deadline ? { fileTimeoutMs: deadline, timeoutMs: Math.min(20_000, deadline) } : {}),
    progress: io.stderrIsTty && io.errRaw ? (p) => io.errRaw?.(renderProgress(p)) : undefined,
  });
}

export async function openSession(path: string, opts: CommonOptions, io: CliIo): Promise<OpenedSession> {
  const source = new PageCache(await FileSource.open(path));
  try {
    const sig = new TextDecoder('latin1').decode(await source.read(0, Math.min(8, source.size)));
    if (sig.startsWith('MDMP')) throw new UnsupportedError(`${path} is a user-mode minidump; only kernel dumps can be opened in a session so far`);
    const dump = await openKernelDump(source);
    // As WinDbg does at load: what the file itself lacks (a truncated dump) is said before anything else.
    for (const l of dump.limitations) io.err(`WARNING: ${l}`);
    const stores = [symbolStore(opts, io)];
    const target = new KernelTarget(dump, stores[0]);
    target.symbolPathFactory = (path) => {
      const s = symbolStore({ ...opts, sympath: path }, io);
      stores.push(s);
      return s;
    };
    // WinDbg prints symbol load problems as they happen; so do we, beside (not inside) command output.
    target.symbolNotice = (line) => io.err(line);
    await target.init();
    // Resolve the crashing thread and process up front: a small dump's copies of them become memory.
    const crash = await target.crashState().catch(() => undefined);
    const session = new Session(target);
    // WinDbg's pseudo-registers for the current thread, process and processor block.
    if (crash?.thread?.address) session.variables.set('$thread', crash.thread.address);
    if (crash?.process?.address) session.variables.set('$proc', crash.process.address);
    if (crash?.prcb?.address) {
      session.variables.set('$prcb', crash.prcb.address);
      // The KPCR embeds the PRCB (at _KPCR.Prcb, by field name).
      const off = await (await target.kernelTypes())?.offsetOf('_KPCR', 'Prcb').catch(() => undefined);
      if (off !== undefined) session.variables.set('$pcr', crash.prcb.address - BigInt(off));
    }
    // The prompt shows the crashing processor, as WinDbg's does ('3: kd>'), small dumps included (their PRCB copy's Number).
    if (crash?.prcb) session.processor = crash.prcb.number;
    const loadedNames = new Map<bigint, string[]>();
    return {
      session,
      target,
      close: async () => {
        await Promise.all(stores.map((s) => s.close()));
        await source.close();
      },
      symbolNames: (prefix) => {
        // 'mod!Pre' completes from that module's symbols once they are loaded; otherwise module names.
        const bang = prefix.indexOf('!');
        if (bang > 0) {
          const m = target.modules.byModuleName(prefix.slice(0, bang));
          const names = m ? loadedNames.get(m.base) : undefined;
          if (m && !names) {
            void target.moduleSymbols(m).then(async (s) => {
              if (s.source) loadedNames.set(m.base, (await s.source.symbols()).map((x) => x.name).sort());
            });
            return [];
          }
          const want = prefix.slice(bang + 1).toLowerCase();
          return (names ?? []).filter((n) => n.toLowerCase().startsWith(want)).slice(0, 200).map((n) => `${prefix.slice(0, bang)}!${n}`);
        }
        return target.modules.modules.map((m) => m.name).filter((n) => n.toLowerCase().startsWith(prefix.toLowerCase()));
      },
    };
  } catch (e) {
    await source.close();
    throw e;
  }
}
