// Errors WinDbg reports in its own words ("Bad register error in 'r zz'", "Range error in …"): the engine
// prints their message as is, without the `name:` prefix it puts before other failures.
import { DumpscopeError } from '../io/errors.js';

export class CommandSyntaxError extends DumpscopeError {
  constructor(message: string) {
    super(message, 'SYNTAX');
  }
}
