// Cooperative cancellation for commands (Ctrl-C): the implementation is in src/util/checkpoint.ts, below
// every layer, so list walks and the stack walker can honour the same signal.
export { CommandAbortedError, checkpoint, isAbort, yieldToEventLoop } from '../util/checkpoint.js';
