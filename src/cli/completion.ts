// Tab completion for the shell: command names for the first word; after `dt`/`!ddt`, type names
// (`dt nt!_KTH` → `nt!_KTHREAD`); elsewhere module names and, after a complete `module!`, that module's
// symbols. Symbols load on first use, which may take a moment (a PDB from the symbol path): the completer
// waits a bounded time and offers nothing rather than hanging the prompt.
import type { CommandEngine } from '../commands/engine.js';
import type { Session } from '../commands/session.js';
import { isAnonymousTypeName } from '../symbols/windbg-type-name.js';
import { KernelTarget } from '../target/kernel-target.js';

const MAX_HITS = 200;
/** How long a Tab waits for a module's symbols to load. */
const LOAD_WAIT_MS = 3000;

const TYPE_COMMANDS = new Set(['dt', '!ddt']);

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([p, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref?.())]);
}

function startsWith(name: string, prefix: string): boolean {
  return name.toLowerCase().startsWith(prefix.toLowerCase());
}

async function moduleNames(t: KernelTarget, kind: 'symbols' | 'types', module: string): Promise<string[] | undefined> {
  const m = t.modules.byModuleName(module);
  if (!m) return undefined;
  const load = async () => {
    const s = await t.moduleSymbols(m);
    if (!s.source) return [];
    return kind === 'types' ? (await s.source.typeNames()).filter((n) => !n.includes('<') && !isAnonymousTypeName(n)) : (await s.source.symbols()).map((x) => x.name);
  };
  return withTimeout(load().catch(() => []), LOAD_WAIT_MS);
}

/** Candidates for the last word of `line` and that word (readline's completer result). */
export async function complete(engine: CommandEngine, session: Session, line: string): Promise<[string[], string]> {
  const word = /\S*$/.exec(line)?.[0] ?? '';
  if (!line.trim().includes(' ')) return [engine.names().filter((n) => startsWith(n, word)).slice(0, MAX_HITS), word];
  const t = session.target;
  if (!(t instanceof KernelTarget)) return [[], word];
  const command = line.trim().split(/\s+/)[0].toLowerCase();
  const types = TYPE_COMMANDS.has(command);
  const bang = word.indexOf('!');
  if (bang > 0) {
    const module = word.slice(0, bang);
    const names = (await moduleNames(t, types ? 'types' : 'symbols', module)) ?? [];
    const want = word.slice(bang + 1);
    return [names.filter((n) => startsWith(n, want)).sort().slice(0, MAX_HITS).map((n) => `${module}!${n}`), word];
  }
  const modules = t.modules.modules.map((m) => m.name).filter((n) => startsWith(n, word));
  // dt without a module looks in nt first, as the command does.
  const ntTypes = types && t.modules.modules[0] ? ((await moduleNames(t, 'types', t.modules.modules[0].name)) ?? []).filter((n) => startsWith(n, word)) : [];
  return [[...ntTypes.sort(), ...modules.map((m) => `${m}!`)].slice(0, MAX_HITS), word];
}
