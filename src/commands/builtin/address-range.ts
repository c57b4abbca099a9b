// WinDbg's address-range arguments for d*, u and friends: `[ADDRESS] [L COUNT | L? COUNT | END_ADDRESS]`.
// `A B` is the range from A to B inclusive; `L` counts elements and is held to a size limit that `L?`
// lifts (up to a ceiling of our own, so a typo cannot ask for terabytes of output).
import { evaluate, evaluateExpression, parseExpressionPrefix } from '../expr/masm.js';
import { CommandSyntaxError } from '../errors.js';
import type { Session } from '../session.js';

export interface RangeArgs {
  /** The start address; undefined when the arguments give none (continue where the last command ended). */
  start?: bigint;
  /** Element count (`L n`, `L? n`). */
  count?: number;
  /** Inclusive end address (`A B`). */
  end?: bigint;
  /** `L?`: the size limit was lifted. */
  unlimited: boolean;
}

const M64 = (1n << 64n) - 1n;

/** Splits and evaluates the arguments; `command` is the whole command text, for WinDbg-style errors. */
export async function parseRange(session: Session, args: string, command: string): Promise<RangeArgs> {
  const text = args.trim();
  if (!text) return { unlimited: false };
  const env = await session.expressionEnv();
  let rest = text;
  let start: bigint | undefined;
  // `db L10` has no address; otherwise the address is the longest expression at the start.
  if (!/^[lL](\?|\s|\d|\()/.test(text)) {
    const p = parseExpressionPrefix(text);
    start = (await evaluate(p.expr, env)) & M64;
    rest = p.rest;
  }
  if (!rest) return { start, unlimited: false };
  const l = /^[lL](\?)?\s*(.*)$/s.exec(rest);
  if (l) {
    if (!l[2].trim()) throw new CommandSyntaxError(`Range error in '${command}': L needs a count`);
    const n = await evaluateExpression(l[2], env);
    if (n === 0n || n > BigInt(Number.MAX_SAFE_INTEGER)) throw new CommandSyntaxError(`Range error in '${command}'`);
    return { start, count: Number(n), unlimited: l[1] === '?' };
  }
  if (start === undefined) throw new CommandSyntaxError(`Range error in '${command}'`);
  const end = (await evaluateExpression(rest, env)) & M64;
  if (end < start) throw new CommandSyntaxError(`Range error in '${command}': the end ${end.toString(16)} is below the start ${start.toString(16)}`);
  return { start, end, unlimited: false };
}
