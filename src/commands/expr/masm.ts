// WinDbg MASM expressions: parse to a tree, then evaluate asynchronously (symbols and poi() may read the dump).
// Arithmetic is unsigned 64-bit with wrap-around, comparisons give 1 or 0, as in the debugger.
import { ExpressionError } from './errors.js';
import { parseNumber, type Token, tokenize } from './lexer.js';

export type Expr =
  | { k: 'num'; v: bigint }
  | { k: 'name'; v: string; pos: number } // symbol, module, or register written without '@'
  | { k: 'reg'; v: string; pos: number }
  | { k: 'un'; op: string; e: Expr }
  | { k: 'mem'; size: 1 | 2 | 4 | 8; e: Expr }
  | { k: 'bin'; op: string; l: Expr; r: Expr };

/** What evaluation needs from the session. Every method may be missing data: it returns undefined then. */
export interface ExpressionEnv {
  /** Register or pseudo-register value ('rax', 'eax', 'rip', '$ip', '$t0', or a dx variable name). */
  register(name: string): bigint | undefined;
  /** Address of 'module!symbol', 'symbol', or a module's base ('Driver', 'nt'). */
  symbol(name: string): Promise<bigint | undefined>;
  /** Reads an unsigned little-endian value of `size` bytes; throws when the memory is not in the dump. */
  readMemory(address: bigint, size: 1 | 2 | 4 | 8): Promise<bigint>;
  /** Pointer size of the target (8 on x64). */
  pointerSize: 4 | 8;
}

const M64 = (1n << 64n) - 1n;
const UNARY_WORDS = new Set(['not', 'hi', 'low', 'poi', 'by', 'wo', 'dwo', 'qwo']);
const MEM_SIZES: Record<string, 1 | 2 | 4 | 8> = { by: 1, wo: 2, dwo: 4, qwo: 8 };

// Binary precedence levels, lowest first (MASM: or < xor < and < comparisons < shifts < additive < multiplicative).
const LEVELS: string[][] = [
  ['or', '|'],
  ['xor', '^'],
  ['and', '&'],
  ['=', '==', '!=', '<', '>', '<=', '>='],
  ['<<', '>>', '>>>'],
  ['+', '-'],
  ['*', '/', 'mod', '%'],
];

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}
  private peek(): Token {
    return this.toks[this.i];
  }
  private opAt(): string | undefined {
    const t = this.peek();
    if (t.t === 'op') return t.v;
    if (t.t === 'id' && ['or', 'xor', 'and', 'mod'].includes(t.v.toLowerCase())) return t.v.toLowerCase();
    return undefined;
  }
  parse(): Expr {
    const { expr, next } = this.parsePrefix();
    if (next.t !== 'end') throw new ExpressionError(`unexpected '${'v' in next ? next.v : ''}'`, next.pos);
    return expr;
  }
  /** The longest expression at the start; `next` is the first token that cannot continue it. */
  parsePrefix(): { expr: Expr; next: Token } {
    const expr = this.binary(0);
    return { expr, next: this.peek() };
  }
  private binary(level: number): Expr {
    if (level === LEVELS.length) return this.unary(0);
    let l = this.binary(level + 1);
    for (;;) {
      const op = this.opAt();
      if (!op || !LEVELS[level].includes(op)) return l;
      this.i++;
      const r = this.binary(level + 1);
      l = { k: 'bin', op, l, r };
    }
  }
  private unary(depth: number): Expr {
    if (depth > 256) throw new ExpressionError('expression nests too deeply');
    const t = this.peek();
    if (t.t === 'op' && (t.v === '-' || t.v === '+' || t.v === '~')) {
      this.i++;
      return { k: 'un', op: t.v, e: this.unary(depth + 1) };
    }
    if (t.t === 'id' && UNARY_WORDS.has(t.v.toLowerCase())) {
      const w = t.v.toLowerCase();
      this.i++;
      const e = this.unary(depth + 1);
      if (w === 'poi') return { k: 'mem', size: 0 as unknown as 8, e }; // size fixed at evaluation (pointer size)
      if (w in MEM_SIZES) return { k: 'mem', size: MEM_SIZES[w], e };
      return { k: 'un', op: w, e };
    }
    return this.primary(depth);
  }
  private primary(depth: number): Expr {
    const t = this.peek();
    this.i++;
    switch (t.t) {
      case 'num':
        return { k: 'num', v: t.v };
      case 'reg':
        return { k: 'reg', v: t.v, pos: t.pos };
      case 'id': {
        const n = parseNumber(t.v);
        if (n !== undefined) return { k: 'num', v: n };
        return { k: 'name', v: t.v, pos: t.pos };
      }
      case 'op':
        if (t.v === '(' || t.v === '[') {
          const close = t.v === '(' ? ')' : ']';
          const e = this.binaryNested(depth);
          const c = this.peek();
          if (c.t !== 'op' || c.v !== close) throw new ExpressionError(`missing '${close}'`, c.pos);
          this.i++;
          return e;
        }
        throw new ExpressionError(`unexpected '${t.v}'`, t.pos);
      case 'end':
        throw new ExpressionError('expression ends too early', t.pos);
    }
  }
  private binaryNested(depth: number): Expr {
    if (depth > 256) throw new ExpressionError('expression nests too deeply');
    return this.binary(0);
  }
}

export function parseExpression(src: string): Expr {
  if (src.trim() === '') throw new ExpressionError('empty expression');
  return new Parser(tokenize(src)).parse();
}

/**
 * Parses the expression at the start of `src` and returns the text after it, the way WinDbg separates
 * `ADDRESS ENDADDRESS` and `ADDRESS L COUNT`: the first expression ends at a token that cannot continue it.
 */
export function parseExpressionPrefix(src: string): { expr: Expr; rest: string } {
  if (src.trim() === '') throw new ExpressionError('empty expression');
  const { expr, next } = new Parser(tokenize(src)).parsePrefix();
  return { expr, rest: next.t === 'end' ? '' : src.slice(next.pos).trim() };
}

export async function evaluate(e: Expr, env: ExpressionEnv): Promise<bigint> {
  switch (e.k) {
    case 'num':
      return e.v;
    case 'reg': {
      const v = env.register(e.v);
      if (v === undefined) throw new ExpressionError(`bad register or variable '@${e.v}'`, e.pos);
      return v & M64;
    }
    case 'name': {
      const sym = await env.symbol(e.v);
      if (sym !== undefined) return sym & M64;
      const reg = env.register(e.v.toLowerCase());
      if (reg !== undefined) return reg & M64;
      throw new ExpressionError(`couldn't resolve '${e.v}'`, e.pos);
    }
    case 'un': {
      const v = await evaluate(e.e, env);
      switch (e.op) {
        case '-':
          return -v & M64;
        case '+':
          return v;
        case '~':
          return ~v & M64;
        case 'not':
          return v === 0n ? 1n : 0n;
        case 'hi':
          return (v >> 16n) & 0xffffn;
        case 'low':
          return v & 0xffffn;
      }
      throw new ExpressionError(`unknown operator ${e.op}`);
    }
    case 'mem': {
      const addr = await evaluate(e.e, env);
      const size = e.size || env.pointerSize;
      return env.readMemory(addr, size);
    }
    case 'bin': {
      const l = await evaluate(e.l, env);
      const r = await evaluate(e.r, env);
      switch (e.op) {
        case '+':
          return (l + r) & M64;
        case '-':
          return (l - r) & M64;
        case '*':
          return (l * r) & M64;
        case '/':
        case '%':
        case 'mod':
          if (r === 0n) throw new ExpressionError('division by zero');
          return e.op === '/' ? l / r : l % r;
        case '<<':
          return r >= 64n ? 0n : (l << r) & M64;
        case '>>':
          return r >= 64n ? 0n : l >> r;
        case '>>>': {
          // Arithmetic shift: sign-extend from bit 63.
          const s = l & (1n << 63n) ? l - (1n << 64n) : l;
          return (s >> (r >= 64n ? 63n : r)) & M64;
        }
        case '&':
        case 'and':
          return l & r;
        case '|':
        case 'or':
          return l | r;
        case '^':
        case 'xor':
          return l ^ r;
        case '=':
        case '==':
          return l === r ? 1n : 0n;
        case '!=':
          return l !== r ? 1n : 0n;
        case '<':
          return l < r ? 1n : 0n;
        case '>':
          return l > r ? 1n : 0n;
        case '<=':
          return l <= r ? 1n : 0n;
        case '>=':
          return l >= r ? 1n : 0n;
      }
      throw new ExpressionError(`unknown operator ${e.op}`);
    }
  }
}

/** Parses and evaluates in one step. */
export async function evaluateExpression(src: string, env: ExpressionEnv): Promise<bigint> {
  return evaluate(parseExpression(src), env);
}

/** Signed view of a 64-bit value, as `?` prints it in decimal. */
export function toSigned64(v: bigint): bigint {
  v &= M64;
  return v & (1n << 63n) ? v - (1n << 64n) : v;
}
