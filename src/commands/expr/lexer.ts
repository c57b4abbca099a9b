// Tokens of WinDbg's MASM expression syntax. Numbers default to hex; `0n` decimal, `0x` hex, `0t` octal,
// `0y` binary, a trailing `h` is allowed, and backticks separate the halves of 64-bit values. A character
// constant of up to eight characters in single quotes ('A', 'WrB1') is a number, first character highest.
import { ExpressionError } from './errors.js';

export type Token =
  | { t: 'num'; v: bigint; pos: number; text: string }
  | { t: 'id'; v: string; pos: number } // symbols, module!name, registers, keywords (poi, and, mod, …)
  | { t: 'reg'; v: string; pos: number } // @rax, @$ip, @$t0
  | { t: 'op'; v: string; pos: number }
  // @@c++(…), @@masm(…) and @@(…) (the other evaluator: C++): the text between the parentheses
  | { t: 'sub'; lang: 'c++' | 'masm'; text: string; pos: number }
  | { t: 'end'; pos: number };

const OPS = ['>>>', '<<', '>>', '<=', '>=', '==', '!=', '+', '-', '*', '/', '%', '&', '|', '^', '~', '(', ')', '[', ']', '<', '>', '='];
// Characters that may appear in a symbol: module!name, names with $, ::, @, ?, <…> templates are not needed here.
const ID_START = /[A-Za-z_$?]/;
const ID_CHAR = /[A-Za-z0-9_$?!:.`]/;

/** Parses a MASM number token's text; undefined when it is not a number. */
export function parseNumber(text: string, defaultRadix = 16): bigint | undefined {
  let s = text.replace(/`/g, '');
  if (s === '') return undefined;
  let radix = defaultRadix;
  const prefix = s.slice(0, 2).toLowerCase();
  if (prefix === '0x') { radix = 16; s = s.slice(2); }
  else if (prefix === '0n') { radix = 10; s = s.slice(2); }
  else if (prefix === '0t') { radix = 8; s = s.slice(2); }
  else if (prefix === '0y') { radix = 2; s = s.slice(2); }
  else if (/^[0-9a-f]+h$/i.test(s)) { radix = 16; s = s.slice(0, -1); }
  const digits = { 16: /^[0-9a-f]+$/i, 10: /^[0-9]+$/, 8: /^[0-7]+$/, 2: /^[01]+$/ }[radix as 16 | 10 | 8 | 2];
  if (!digits?.test(s)) return undefined;
  let v = 0n;
  const r = BigInt(radix);
  for (const c of s.toLowerCase()) v = v * r + BigInt(Number.parseInt(c, radix));
  if (v >= 1n << 64n) throw new ExpressionError(`number ${text} does not fit in 64 bits`);
  return v;
}

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    const start = i;
    if (src.startsWith('@@', i)) {
      const m = /^@@(c\+\+|masm)?\s*\(/i.exec(src.slice(i));
      if (!m) throw new ExpressionError("'@@' must be followed by c++(…), masm(…) or (…)", start);
      let depth = 1;
      let j = i + m[0].length;
      for (; j < src.length && depth > 0; j++) {
        if (src[j] === '(') depth++;
        else if (src[j] === ')') depth--;
      }
      if (depth > 0) throw new ExpressionError(`missing ')' after ${m[0]}`, start);
      const lang = m[1]?.toLowerCase() === 'masm' ? 'masm' : 'c++';
      out.push({ t: 'sub', lang, text: src.slice(i + m[0].length, j - 1), pos: start });
      i = j;
      continue;
    }
    if (c === '@') {
      // @rax, @$ip, @$t0, @$myvar
      i++;
      while (i < src.length && /[A-Za-z0-9_$]/.test(src[i])) i++;
      const name = src.slice(start + 1, i);
      if (!name) throw new ExpressionError(`'@' must be followed by a register name`, start);
      out.push({ t: 'reg', v: name.toLowerCase(), pos: start });
      continue;
    }
    if (c === "'") {
      i++;
      let v = 0n;
      let n = 0;
      while (i < src.length && src[i] !== "'") {
        // \' and \\ stand for the quote and the backslash.
        if (src[i] === '\\' && (src[i + 1] === "'" || src[i + 1] === '\\')) i++;
        const code = src.charCodeAt(i);
        if (code > 0xff) throw new ExpressionError(`character constant holds a non-ASCII character`, i);
        v = (v << 8n) | BigInt(code);
        n++;
        i++;
      }
      if (i >= src.length) throw new ExpressionError('character constant is not closed', start);
      if (n === 0 || n > 8) throw new ExpressionError(`character constant must hold 1 to 8 characters`, start);
      i++;
      out.push({ t: 'num', v, pos: start, text: src.slice(start, i) });
      continue;
    }
    if (/[0-9]/.test(c)) {
      // A number, possibly with backtick separator and trailing h; may run into identifier chars (0x…, 0n…).
      while (i < src.length && /[0-9A-Za-z`]/.test(src[i])) i++;
      const text = src.slice(start, i);
      const v = parseNumber(text);
      if (v === undefined) throw new ExpressionError(`bad number '${text}'`, start);
      out.push({ t: 'num', v, pos: start, text });
      continue;
    }
    if (ID_START.test(c)) {
      i++;
      while (i < src.length && ID_CHAR.test(src[i])) {
        // A trailing '!' starts "!=" rather than belonging to the name.
        if (src[i] === '!' && src[i + 1] === '=') break;
        i++;
      }
      out.push({ t: 'id', v: src.slice(start, i), pos: start });
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (op) {
      out.push({ t: 'op', v: op, pos: start });
      i += op.length;
      continue;
    }
    throw new ExpressionError(`unexpected character '${c}'`, start);
  }
  out.push({ t: 'end', pos: src.length });
  return out;
}
