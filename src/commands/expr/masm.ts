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
  | { k: 'bin'; op: string; l: Expr; r: Expr }
  | { k: 'cpp'; text: string; pos: number }; // @@c++(…): evaluated by the C++ evaluator, when the session has one

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
  /** A C++ expression's value (`@@c++(sizeof(nt!_EPROCESS))`), when the session can evaluate C++. */
  cpp?(text: string): Promise<bigint>;
  /** Pseudo-registers that need the dump read (`$ra`, `$teb`, `$tid`…), asked when register() has none. */
  pseudoRegister?(name: string): Promise<bigint | undefined>;
}

const M64 = (1n << 64n) - 1n;
const UNARY_WORDS = new Set(['not', 'hi', 'low', 'poi', 'by', 'wo', 'dwo', 'qwo']);
const MEM_SIZES: Record<string, 1 | 2 | 4 | 8> = { by: 1, wo: 2, dwo: 4, qwo: 8 };

/**
 * Levels of nesting (parentheses, brackets, unary operators, `@@masm(…)`) an expression may have. Binary
 * chains are not nesting: `1+1+…+1` of any length parses and evaluates in loops.
 */
export const MAX_NESTING = 256;

// Binary precedence, lowest first (MASM: or < xor < and < comparisons < shifts < additive < multiplicative).
const LEVELS: string[][] = [
  ['or', '|'],
  ['xor', '^'],
  ['and', '&'],
  ['=', '==', '!=', '<', '>', '<=', '>='],
  ['<<', '>>', '>>>'],
  ['+', '-'],
  ['*', '/', 'mod', '%'],
];
const PRECEDENCE = new Map(LEVELS.flatMap((ops, level) => ops.map((op) => [op, level] as const)));

const tooDeep = () => new ExpressionError(`expression nested too deeply (more than ${MAX_NESTING} levels)`);

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}
  private peek(): Token {
    return this.toks[this.i];
  }
  private binaryOp(): string | undefined {
    const t = this.peek();
    const op = t.t === 'op' ? t.v : t.t === 'id' ? t.v.toLowerCase() : undefined;
    return op !== undefined && PRECEDENCE.has(op) ? op : undefined;
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
  /**
   * A chain of binary operators by precedence climbing with explicit stacks (no recursion per operator):
   * operators of equal precedence associate to the left, as in MASM.
   */
  private binary(depth: number): Expr {
    const operands: Expr[] = [this.unary(depth)];
    const ops: { op: string; level: number }[] = [];
    const reduce = () => {
      const { op } = ops.pop()!;
      const r = operands.pop()!;
      const l = operands.pop()!;
      operands.push({ k: 'bin', op, l, r });
    };
    for (let op = this.binaryOp(); op !== undefined; op = this.binaryOp()) {
      this.i++;
      const level = PRECEDENCE.get(op)!;
      while (ops.length && ops[ops.length - 1].level >= level) reduce();
      ops.push({ op, level });
      operands.push(this.unary(depth));
    }
    while (ops.length) reduce();
    return operands[0];
  }
  /** Prefix operators are collected in a loop; each counts as one level of nesting. */
  private unary(depth: number): Expr {
    const prefixes: ({ k: 'un'; op: string } | { k: 'mem'; size: 0 | 1 | 2 | 4 | 8 })[] = [];
    for (;;) {
      const t = this.peek();
      if (t.t === 'op' && (t.v === '-' || t.v === '+' || t.v === '~')) prefixes.push({ k: 'un', op: t.v });
      else if (t.t === 'id' && UNARY_WORDS.has(t.v.toLowerCase())) {
        const w = t.v.toLowerCase();
        // poi's size is the pointer size, fixed at evaluation.
        prefixes.push(w === 'poi' ? { k: 'mem', size: 0 } : w in MEM_SIZES ? { k: 'mem', size: MEM_SIZES[w] } : { k: 'un', op: w });
      } else break;
      this.i++;
      if (depth + prefixes.length > MAX_NESTING) throw tooDeep();
    }
    let e = this.primary(depth + prefixes.length);
    for (let k = prefixes.length - 1; k >= 0; k--) {
      const p = prefixes[k];
      e = p.k === 'mem' ? { k: 'mem', size: p.size as 8, e } : { k: 'un', op: p.op, e };
    }
    return e;
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
      case 'sub': {
        if (t.lang === 'c++') return { k: 'cpp', text: t.text, pos: t.pos };
        if (depth + 1 > MAX_NESTING) throw tooDeep();
        return new Parser(tokenize(t.text)).parseNested(depth + 1);
      }
      case 'op':
        if (t.v === '(' || t.v === '[') {
          if (depth + 1 > MAX_NESTING) throw tooDeep();
          const close = t.v === '(' ? ')' : ']';
          const e = this.binary(depth + 1);
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
  /** A whole sub-expression (`@@masm(…)`), its nesting counted from `depth`. */
  parseNested(depth: number): Expr {
    const expr = this.binary(depth);
    const next = this.peek();
    if (next.t !== 'end') throw new ExpressionError(`unexpected '${'v' in next ? next.v : ''}' in @@masm(…)`, next.pos);
    return expr;
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

function unaryOp(op: string, v: bigint): bigint {
  switch (op) {
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
  throw new ExpressionError(`unknown operator ${op}`);
}

function binaryOp(op: string, l: bigint, r: bigint): bigint {
  switch (op) {
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
      return op === '/' ? l / r : l % r;
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
  throw new ExpressionError(`unknown operator ${op}`);
}

async function leaf(e: Extract<Expr, { k: 'num' | 'reg' | 'name' | 'cpp' }>, env: ExpressionEnv): Promise<bigint> {
  switch (e.k) {
    case 'num':
      return e.v;
    case 'reg': {
      const v = env.register(e.v) ?? (e.v.startsWith('$') ? await env.pseudoRegister?.(e.v.toLowerCase()) : undefined);
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
    case 'cpp':
      if (!env.cpp) throw new ExpressionError('C++ expressions (@@c++(…)) are not supported here; use dx or ??', e.pos);
      return (await env.cpp(e.text)) & M64;
  }
}

/**
 * Evaluates with an explicit stack instead of recursion, so a left-deep chain of thousands of operators
 * costs no call depth.
 */
export async function evaluate(root: Expr, env: ExpressionEnv): Promise<bigint> {
  const todo: { e: Expr; stage: number }[] = [{ e: root, stage: 0 }];
  const values: bigint[] = [];
  while (todo.length) {
    const f = todo[todo.length - 1];
    const e = f.e;
    if (e.k === 'un' || e.k === 'mem') {
      if (f.stage++ === 0) {
        todo.push({ e: e.e, stage: 0 });
        continue;
      }
      const v = values.pop()!;
      values.push(e.k === 'un' ? unaryOp(e.op, v) : await env.readMemory(v, e.size || env.pointerSize));
    } else if (e.k === 'bin') {
      if (f.stage < 2) {
        todo.push({ e: f.stage++ === 0 ? e.l : e.r, stage: 0 });
        continue;
      }
      const r = values.pop()!;
      const l = values.pop()!;
      values.push(binaryOp(e.op, l, r));
    } else values.push(await leaf(e, env));
    todo.pop();
  }
  return values[0];
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
