// Splits a command line into commands, finds each command's spec, runs it, and renders its result.
// An unknown or failing command yields one error line and the rest of the line still runs.
import { DumpscopeError } from '../io/errors.js';
import { checkpoint, isAbort } from './checkpoint.js';
import type { CommandOutput, CommandSpec } from './command.js';
import type { Session } from './session.js';

/**
 * The name a command receives: lower case, except a spelling the spec registers with capitals and that was
 * typed exactly so — WinDbg's `dD`, `dW`, `dS` differ from `dd`, `dw`, `ds` only by case.
 */
function spelling(spec: CommandSpec, typed: string): string {
  return typed !== typed.toLowerCase() && spec.names.includes(typed) ? typed : typed.toLowerCase();
}

/** The text of a command stopped by Ctrl-C (WinDbg echoes the break as `^C`). */
export const ABORTED_TEXT = '^C\nCommand aborted.';

export class CommandEngine {
  private readonly byName = new Map<string, CommandSpec>();
  private readonly specs: CommandSpec[] = [];

  // biome-ignore lint/suspicious/noExplicitAny: specs of any result type share one registry
  register(...specs: CommandSpec<any>[]): this {
    for (const s of specs) {
      this.specs.push(s);
      for (const n of s.names) this.byName.set(n.toLowerCase(), s);
    }
    return this;
  }

  /** All registered specs (for `.help` and completion). */
  list(): readonly CommandSpec[] {
    return this.specs;
  }

  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  /** Finds the spec for the start of `text`: the longest registered name it begins with. */
  resolve(text: string): { spec: CommandSpec; name: string; args: string } | undefined {
    const t = text.trim();
    const firstWord = /^\S+/.exec(t)?.[0] ?? '';
    const exact = this.byName.get(firstWord.toLowerCase());
    if (exact) return { spec: exact, name: spelling(exact, firstWord), args: t.slice(firstWord.length).trim() };
    // Names glued to their arguments: `?1+1`, `dd@rsp`, `!pte ffff…` is already split, `kb5`.
    let best: string | undefined;
    for (const n of this.byName.keys()) {
      if (t.toLowerCase().startsWith(n) && (!best || n.length > best.length)) best = n;
    }
    if (!best) return undefined;
    const rest = t.slice(best.length);
    // Only accept a glued split where the name cannot be part of a longer word (`dq` in `dqx` is not `dq`);
    // extension and dot commands are whole words (`!pfn 1` is not `!p` with "fn 1").
    const word = best.startsWith('!') || best.startsWith('.');
    if (word ? /^[A-Za-z0-9_]/.test(rest) : /^[A-Za-z]/.test(best) && /^[A-Za-z]/.test(rest)) return undefined;
    const spec = this.byName.get(best)!;
    return { spec, name: spelling(spec, t.slice(0, best.length)), args: rest.trim() };
  }

  /** Runs one command (no `;` splitting). */
  async runOne(session: Session, command: string, signal: AbortSignal = new AbortController().signal): Promise<CommandOutput> {
    const found = this.resolve(command);
    if (!found) {
      const word = /^\S+/.exec(command.trim())?.[0] ?? command;
      return { command, ok: false, text: `Unknown command '${word}' (.help lists the commands)`, error: 'unknown command' };
    }
    try {
      const result = await found.spec.run(session, found.args, found.name, signal);
      // Rendering a large result is synchronous work too: one more chance to honour Ctrl-C before it.
      await checkpoint(signal);
      return { command, ok: true, result, text: found.spec.renderText(result) };
    } catch (e) {
      if (isAbort(e)) return { command, ok: false, text: ABORTED_TEXT, error: 'aborted' };
      const msg = e instanceof DumpscopeError ? e.message : `internal error: ${(e as Error)?.message ?? String(e)}`;
      const text = e instanceof DumpscopeError && e.code === 'SYNTAX' ? msg : `${found.name}: ${msg}`;
      return { command, ok: false, text, error: msg };
    }
  }

  /**
   * Runs every command of a `;`-separated line in order; `onOutput` sees each output as soon as it is ready.
   * An abort (Ctrl-C) stops the running command and skips the rest of the line.
   */
  async run(session: Session, line: string, signal?: AbortSignal, onOutput?: (o: CommandOutput) => void | Promise<void>): Promise<CommandOutput[]> {
    const out: CommandOutput[] = [];
    for (const cmd of splitCommands(line)) {
      if (signal?.aborted) break;
      const o = await this.runOne(session, cmd, signal);
      out.push(o);
      await onOutput?.(o);
      if (o.error === 'aborted') break;
    }
    return out;
  }
}

/**
 * Commands that take the whole rest of the line as their argument, `;` included (WinDbg's rule): the path
 * commands given a path (`.sympath A;B`; a bare `.sympath;` still ends at the `;`), `as`/`aS`, the `$<`
 * script family and `*` comment lines. `.echo` and `$$` end at a `;` and are not here.
 */
const REST_OF_LINE = /^(?:\.(?:sympath|srcpath|lsrcpath|exepath)(?:\+\s*|\s+)(?=[^;\s])|as\s|\$\$?>?a?<|\*)/i;

/** Splits on `;` outside double quotes; drops empty pieces. A rest-of-line command ends the splitting. */
export function splitCommands(line: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (!quoted && !cur.trim() && REST_OF_LINE.test(line.slice(i).trimStart())) {
      cur += line.slice(i);
      break;
    }
    if (c === '"') quoted = !quoted;
    if (c === ';' && !quoted) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}
