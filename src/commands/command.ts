// A debugger command: parse its argument text, run against the session, return a structured result.
// Rendering is separate (renderText), so the same result can be printed, returned as JSON or shown in a page.
import type { Session } from './session.js';

export interface CommandSpec<R = unknown> {
  /** Every spelling that runs it: ['?'], ['.formats'], ['!error'], ['db', 'dw', 'dd', …]. Case-insensitive. */
  readonly names: readonly string[];
  /** One line for `.help`. */
  readonly summary: string;
  /** Syntax shown for `.help NAME` and on usage errors. */
  readonly usage?: string;
  /** `name` is the spelling used (so one spec can serve `db` and `dq`). */
  run(session: Session, args: string, name: string, signal: AbortSignal): Promise<R>;
  /** WinDbg-style text of a result. */
  renderText(result: R): string;
}

/** The outcome of one command of a command line. */
export interface CommandOutput {
  /** The command text as typed. */
  command: string;
  ok: boolean;
  /** The command's structured result (absent on error). */
  result?: unknown;
  /** What WinDbg would print. */
  text: string;
  error?: string;
}
