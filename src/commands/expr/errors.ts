import { DumpscopeError } from '../../io/errors.js';

/** A malformed or unevaluable expression; `pos` is the character index in the expression. */
export class ExpressionError extends DumpscopeError {
  constructor(message: string, readonly pos?: number) {
    super(pos === undefined ? message : `${message} at position ${pos}`, 'BAD_EXPRESSION');
  }
}
