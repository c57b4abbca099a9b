// Cooperative cancellation for long work. A command's work is a chain of promises that never gives the
// event loop a turn, so a Ctrl-C handler could not run until the command ended. `await checkpoint(signal)`
// in every long loop (memory rows, instructions, list and stack walks, type recursion) throws once the
// signal is aborted and, every few milliseconds, yields a macrotask turn so the abort can arrive at all.
// It lives here, below every layer, because list walks (target) and the stack walker (unwind) need it too.
import { DumpscopeError } from '../io/errors.js';

/** Raised by `checkpoint` when the user aborted the command (Ctrl-C). The engine prints it as `^C`. */
export class CommandAbortedError extends DumpscopeError {
  constructor() {
    super('Command aborted', 'ABORTED');
  }
}

/** How long a command may run between two event-loop turns (milliseconds). */
const SLICE_MS = 15;
let lastYield = Date.now();

/** Lets the event loop run one turn now (other timers, signals, stdin). */
export function yieldToEventLoop(): Promise<void> {
  lastYield = Date.now();
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Throws CommandAbortedError when `signal` is aborted; otherwise returns at once, except every SLICE_MS
 * when it yields to the event loop first (then checks the signal again). Cheap enough to call per item.
 */
export async function checkpoint(signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) throw new CommandAbortedError();
  if (Date.now() - lastYield < SLICE_MS) return;
  await yieldToEventLoop();
  if (signal?.aborted) throw new CommandAbortedError();
}

/** True for the error `checkpoint` throws (also when a command wrapped it with its own message). */
export function isAbort(e: unknown): boolean {
  return e instanceof CommandAbortedError || (e instanceof DumpscopeError && e.code === 'ABORTED');
}
