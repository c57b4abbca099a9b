// WinDbg's string wildcards (the debugger documentation's "String Wildcard Syntax"), matched in time
// linear in the text: `*` any run of characters, `?` one character, `[a-z7]` one character of a list or
// range, `#` zero or more of the element before it, `+` one or more of it, `\` makes the next character
// literal. For symbol names a leading `_` also stands for any number of underscores, zero included.
// Patterns are compiled to a list of elements and run as a set of positions (no backtracking), so
// `*e*e*e*e*e*e*e*e*e*Q` costs the same per character as `*Q` times the pattern length — a RegExp built
// from the same text backtracks exponentially.
import { DumpscopeError } from '../io/errors.js';

interface Element {
  /** Matches one character (already lower-cased when the pattern is case-insensitive). */
  test: (c: string) => boolean;
  /** 'one': exactly once; 'star': zero or more; 'plus': one or more. */
  repeat: 'one' | 'star' | 'plus';
}

export interface WildcardOptions {
  /** Upper and lower case are the same (WinDbg's default for symbol and module names). */
  caseInsensitive?: boolean;
  /** A leading `_` matches any number of underscores, zero included (symbol matching only). */
  symbol?: boolean;
}

/** Longest pattern accepted: patterns are typed by people; the bound keeps every match cheap. */
const MAX_PATTERN = 1024;

export interface Wildcard {
  readonly pattern: string;
  matches(text: string): boolean;
}

/** True when the text uses any wildcard character (so a plain name can be looked up directly). */
export function hasWildcard(text: string): boolean {
  return /[*?[#+]/.test(text);
}

export function compileWildcard(pattern: string, opts: WildcardOptions = {}): Wildcard {
  if (pattern.length > MAX_PATTERN) throw new DumpscopeError(`the pattern is longer than ${MAX_PATTERN} characters`, 'BAD_PATTERN');
  const fold = opts.caseInsensitive ? (s: string) => s.toLowerCase() : (s: string) => s;
  const els: Element[] = [];
  let i = 0;
  if (opts.symbol && pattern[0] === '_') {
    els.push({ test: (c) => c === '_', repeat: 'star' });
    i = 1;
  }
  for (; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '#' || c === '+') {
      const prev = els[els.length - 1];
      // A leading `#`/`+` has nothing to repeat: WinDbg then treats it as an ordinary character.
      if (!prev) els.push({ test: (x) => x === c, repeat: 'one' });
      else if (prev.repeat === 'one') prev.repeat = c === '#' ? 'star' : 'plus';
      continue;
    }
    if (c === '*') {
      els.push({ test: () => true, repeat: 'star' });
      continue;
    }
    if (c === '?') {
      els.push({ test: () => true, repeat: 'one' });
      continue;
    }
    if (c === '[') {
      const close = pattern.indexOf(']', i + 1);
      if (close < 0) throw new DumpscopeError(`'[' at position ${i} of the pattern '${pattern}' has no ']'`, 'BAD_PATTERN');
      const body = fold(pattern.slice(i + 1, close));
      const singles = new Set<string>();
      const ranges: [string, string][] = [];
      for (let k = 0; k < body.length; k++) {
        if (body[k + 1] === '-' && k + 2 < body.length) {
          ranges.push([body[k], body[k + 2]]);
          k += 2;
        } else singles.add(body[k]);
      }
      els.push({ test: (x) => singles.has(x) || ranges.some(([a, b]) => x >= a && x <= b), repeat: 'one' });
      i = close;
      continue;
    }
    const lit = c === '\\' && i + 1 < pattern.length ? pattern[++i] : c;
    const want = fold(lit);
    els.push({ test: (x) => x === want, repeat: 'one' });
  }
  const n = els.length;
  // Where a position can be passed without a character: itself, then past every 'star' after it.
  const reach: number[][] = [];
  for (let k = n; k >= 0; k--) reach[k] = k < n && els[k].repeat === 'star' ? [k, ...reach[k + 1]] : [k];
  return {
    pattern,
    matches(text: string): boolean {
      // The element positions reachable so far (position n: the whole pattern matched), as a list and a
      // mark per position, so each character costs at most one step per element.
      const mark = new Int32Array(n + 1).fill(-1);
      let cur: number[] = [];
      const add = (list: number[], k: number, gen: number) => {
        // reach lists are suffixes of one another: once a position is marked, the rest of its list is too.
        for (const r of reach[k]) {
          if (mark[r] === gen) break;
          mark[r] = gen;
          list.push(r);
        }
      };
      add(cur, 0, 0);
      for (let p = 0; p < text.length; p++) {
        const ch = fold(text[p]);
        const next: number[] = [];
        const gen = p + 1;
        for (const k of cur) {
          if (k === n || !els[k].test(ch)) continue;
          // 'star' and 'plus' may take another character; every element may then move on.
          if (els[k].repeat !== 'one') add(next, k, gen);
          add(next, k + 1, gen);
        }
        if (!next.length) return false;
        cur = next;
      }
      return mark[n] === text.length;
    },
  };
}

/** One-shot match. */
export function wildcardMatch(pattern: string, text: string, opts?: WildcardOptions): boolean {
  return compileWildcard(pattern, opts).matches(text);
}
