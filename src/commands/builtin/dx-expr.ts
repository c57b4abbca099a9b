// dx's expressions: C++ syntax over the dump's types. Numbers are decimal unless written 0x (0n, 0y and
// backticks work too); casts `(MODULE!TYPE*) EXPR`, `*P`, `&X`, `P->Field`, `S.Field`, `A[i]`, arithmetic
// (pointer arithmetic scales by the pointed-to size), `@$var` (dx variables, @$proc/@$thread/@$prcb typed
// as nt's _EPROCESS/_ETHREAD/_KPRCB pointers), `@reg`, and typed globals (`nt!PsLoadedModuleList`).
import { DumpscopeError } from '../../io/errors.js';
import type { BaseType, PointerType, Type } from '../../symbols/types.js';
import { findField } from '../../symbols/types.js';
import { windbgUdtName } from '../../symbols/windbg-type-name.js';
import { bitsOf, type TypedMemory } from './typed-memory.js';

/** A dx value: a typed object in memory (address), a typed scalar or pointer (value), or a plain number. */
export interface DxObject {
  /** Undefined for a plain number (`dx 1+2`), which has no C type. */
  type?: Type;
  /** Where the object is (structures, arrays, fields, dereferenced pointers). */
  address?: bigint;
  /** Scalars and pointers: the value (read from `address`, or computed). */
  value?: bigint;
  bits?: { position: number; length: number };
  /** The value could not be read (the dump lacks those bytes). */
  unreadable?: boolean;
}

/** What evaluation needs from the session and the target. */
export interface DxEnv {
  mem: TypedMemory;
  pointerSize: number;
  /** `[MODULE!]NAME` → type (structures, unions, enums). */
  findType(spec: string): Promise<Type | undefined>;
  /** A global variable with its recorded type. */
  findGlobal(spec: string): Promise<{ address: bigint; type?: Type } | undefined>;
  /** A dx variable (`@$name`): undefined when none. */
  variable(name: string): DxObject | undefined;
  /** Registers and MASM pseudo-registers ($t0, $ip …) as plain 64-bit values. */
  register(name: string): bigint | undefined;
}

type Tok = { t: 'num'; v: bigint } | { t: 'id'; v: string } | { t: 'var'; v: string } | { t: 'reg'; v: string } | { t: 'op'; v: string } | { t: 'end' };

const OPS = ['->', '<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '+', '-', '*', '/', '%', '&', '|', '^', '~', '!', '(', ')', '[', ']', '<', '>', '.', ','];
const MAX_TOKENS = 4096;
const MAX_NESTING = 64;

const err = (msg: string) => new DumpscopeError(msg, 'BAD_EXPRESSION');

function parseDxNumber(text: string): bigint {
  const s = text.replace(/`/g, '').toLowerCase();
  let v: bigint | undefined;
  if (/^0x[0-9a-f]+$/.test(s)) v = BigInt(s);
  else if (/^0n[0-9]+$/.test(s)) v = BigInt(s.slice(2));
  else if (/^0y[01]+$/.test(s)) v = BigInt(`0b${s.slice(2)}`);
  else if (/^[0-9]+$/.test(s)) v = BigInt(s);
  if (v === undefined) throw err(`'${text}' is not a number: dx reads numbers as decimal, hex needs 0x (0x${s})`);
  if (v >= 1n << 64n) throw err(`number ${text} does not fit in 64 bits`);
  return v;
}

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    if (out.length > MAX_TOKENS) throw err(`expression longer than ${MAX_TOKENS} tokens`);
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^[0-9][0-9a-zA-Z`]*/.exec(src.slice(i))![0];
      out.push({ t: 'num', v: parseDxNumber(m) });
      i += m.length;
      continue;
    }
    if (c === '@') {
      const m = /^@(\$?)([A-Za-z_][\w]*)/.exec(src.slice(i));
      if (!m) throw err(`'@' must be followed by a register or a variable name, at position ${i}`);
      out.push(m[1] ? { t: 'var', v: m[2] } : { t: 'reg', v: m[2].toLowerCase() });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      // Names may carry a module (`nt!_EPROCESS`) and scopes (`_KTHREAD::<unnamed-tag>` is not needed here).
      const m = /^[A-Za-z_$][\w$]*(?:![A-Za-z_$][\w$]*)?(?:::[A-Za-z_$][\w$]*)*/.exec(src.slice(i))![0];
      out.push({ t: 'id', v: m });
      i += m.length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw err(`unexpected '${c}' at position ${i}`);
    out.push({ t: 'op', v: op });
    i += op.length;
  }
  out.push({ t: 'end' });
  return out;
}

type Node =
  | { k: 'num'; v: bigint }
  | { k: 'var'; name: string }
  | { k: 'reg'; name: string }
  | { k: 'name'; name: string }
  | { k: 'cast'; type: string; stars: number; e: Node }
  | { k: 'un'; op: string; e: Node }
  | { k: 'bin'; op: string; l: Node; r: Node }
  | { k: 'member'; arrow: boolean; e: Node; field: string }
  | { k: 'index'; e: Node; i: Node }
  | { k: 'sizeof'; type: string; stars: number };

const BASE_WORDS = new Set(['unsigned', 'signed', 'char', 'short', 'int', 'long', '__int8', '__int16', '__int32', '__int64', 'void', 'bool', 'wchar_t', 'float', 'double']);

const LEVELS = [['||'], ['&&'], ['|'], ['^'], ['&'], ['==', '!='], ['<', '>', '<=', '>='], ['<<', '>>'], ['+', '-'], ['*', '/', '%']];

class Parser {
  private i = 0;
  private nesting = 0;
  constructor(private readonly toks: Tok[]) {}
  private peek(n = 0): Tok {
    return this.toks[Math.min(this.i + n, this.toks.length - 1)];
  }
  private isOp(v: string, n = 0): boolean {
    const t = this.peek(n);
    return t.t === 'op' && t.v === v;
  }
  private expect(v: string): void {
    if (!this.isOp(v)) throw err(`expected '${v}'`);
    this.i++;
  }
  parse(): Node {
    const e = this.binary(0);
    if (this.peek().t !== 'end') throw err(`unexpected ${describe(this.peek())}`);
    return e;
  }
  private binary(level: number): Node {
    if (level >= LEVELS.length) return this.unary();
    let l = this.binary(level + 1);
    for (;;) {
      const t = this.peek();
      if (t.t !== 'op' || !LEVELS[level].includes(t.v)) return l;
      this.i++;
      l = { k: 'bin', op: t.v, l, r: this.binary(level + 1) };
    }
  }
  /** `(TYPE *…)` at the cursor: the type's words and the number of stars, without moving. */
  private castAhead(): { type: string; stars: number; len: number } | undefined {
    if (!this.isOp('(')) return undefined;
    const words: string[] = [];
    let n = 1;
    while (this.peek(n).t === 'id') words.push((this.peek(n++) as { v: string }).v);
    if (!words.length) return undefined;
    let stars = 0;
    while (this.isOp('*', n)) {
      stars++;
      n++;
    }
    if (!this.isOp(')', n)) return undefined;
    const base = words.every((w) => BASE_WORDS.has(w));
    if (words.length > 1 && !base) return undefined;
    // `(name)` alone is a cast only when a type name (module-qualified or `_X`) or a base type is in it.
    if (!stars && !base && !words[0].includes('!') && !/^_/.test(words[0])) return undefined;
    const next = this.peek(n + 1);
    if (next.t === 'end' || (next.t === 'op' && !['(', '*', '&', '-', '~', '!'].includes(next.v))) return undefined;
    return { type: words.join(' '), stars, len: n + 1 };
  }
  private unary(): Node {
    if (++this.nesting > MAX_NESTING) throw err(`expression nested more than ${MAX_NESTING} levels deep`);
    try {
      const cast = this.castAhead();
      if (cast) {
        this.i += cast.len;
        return { k: 'cast', type: cast.type, stars: cast.stars, e: this.unary() };
      }
      const t = this.peek();
      if (t.t === 'op' && ['-', '~', '!', '*', '&', '+'].includes(t.v)) {
        this.i++;
        return { k: 'un', op: t.v, e: this.unary() };
      }
      return this.postfix(this.primary());
    } finally {
      this.nesting--;
    }
  }
  private postfix(e: Node): Node {
    for (let n = 0; n < MAX_TOKENS; n++) {
      if (this.isOp('->') || this.isOp('.')) {
        const arrow = this.isOp('->');
        this.i++;
        const f = this.peek();
        if (f.t !== 'id') throw err(`expected a field name after '${arrow ? '->' : '.'}'`);
        this.i++;
        e = { k: 'member', arrow, e, field: f.v };
      } else if (this.isOp('[')) {
        this.i++;
        const i = this.binary(0);
        this.expect(']');
        e = { k: 'index', e, i };
      } else return e;
    }
    return e;
  }
  /** `sizeof(TYPE [*…])` after the word sizeof: a type's size, as in C. */
  private sizeofType(): Node {
    this.expect('(');
    const words: string[] = [];
    while (this.peek().t === 'id') words.push((this.toks[this.i++] as { v: string }).v);
    let stars = 0;
    while (this.isOp('*')) {
      stars++;
      this.i++;
    }
    if (!words.length) throw err('sizeof needs a type: sizeof(nt!_EPROCESS)');
    this.expect(')');
    return { k: 'sizeof', type: words.join(' '), stars };
  }
  private primary(): Node {
    const t = this.peek();
    this.i++;
    switch (t.t) {
      case 'num':
        return { k: 'num', v: t.v };
      case 'var':
        return { k: 'var', name: t.v };
      case 'reg':
        return { k: 'reg', name: t.v };
      case 'id':
        if (t.v === 'sizeof' && this.isOp('(')) return this.sizeofType();
        return { k: 'name', name: t.v };
      case 'op':
        if (t.v === '(') {
          const e = this.binary(0);
          this.expect(')');
          return e;
        }
        throw err(`unexpected '${t.v}'`);
      default:
        throw err('the expression ends too early');
    }
  }
}

function describe(t: Tok): string {
  return t.t === 'end' ? 'end' : `'${'v' in t ? t.v : ''}'`;
}

export function parseDx(src: string): Node {
  return new Parser(tokenize(src)).parse();
}

const M64 = (1n << 64n) - 1n;
const U64: BaseType = { kind: 'base', name: 'unsigned __int64', size: 8, signed: false };
/** What comparisons and logical operators give (dx prints `true [Type: bool]`). */
const BOOL: BaseType = { kind: 'base', name: 'bool', size: 1, signed: false };
/** The type dx gives sizeof's result. */
const SIZEOF: BaseType = { kind: 'base', name: 'unsigned int', size: 4, signed: false };
const LOGICAL = new Set(['==', '!=', '<', '>', '<=', '>=', '&&', '||']);

const BASE_TYPES: Record<string, BaseType | { kind: 'void'; name: 'void'; size: 0 }> = {
  void: { kind: 'void', name: 'void', size: 0 },
  char: { kind: 'base', name: 'char', size: 1, signed: true },
  'signed char': { kind: 'base', name: 'signed char', size: 1, signed: true },
  'unsigned char': { kind: 'base', name: 'unsigned char', size: 1, signed: false },
  short: { kind: 'base', name: 'short', size: 2, signed: true },
  'unsigned short': { kind: 'base', name: 'unsigned short', size: 2, signed: false },
  int: { kind: 'base', name: 'int', size: 4, signed: true },
  'unsigned int': { kind: 'base', name: 'unsigned int', size: 4, signed: false },
  long: { kind: 'base', name: 'long', size: 4, signed: true },
  'unsigned long': { kind: 'base', name: 'unsigned long', size: 4, signed: false },
  __int64: { kind: 'base', name: '__int64', size: 8, signed: true },
  'unsigned __int64': U64,
  'long long': { kind: 'base', name: '__int64', size: 8, signed: true },
  'unsigned long long': U64,
  wchar_t: { kind: 'base', name: 'wchar_t', size: 2, signed: false },
  bool: { kind: 'base', name: 'bool', size: 1, signed: false },
};

export class DxEvaluator {
  private steps = 0;
  constructor(private readonly env: DxEnv) {}

  async evaluate(src: string): Promise<DxObject> {
    return this.eval(parseDx(src));
  }

  private pointerTo(target: Type): PointerType {
    return { kind: 'pointer', size: this.env.pointerSize, target };
  }

  /** The object's scalar value (reading it from memory when needed). */
  async scalar(o: DxObject): Promise<bigint> {
    if (o.value !== undefined) return o.value;
    if (o.unreadable) throw err(`Unable to read memory at Address 0x${(o.address ?? 0n).toString(16)}`);
    // Arrays decay to their address, as in C.
    if (o.type?.kind === 'array' && o.address !== undefined) return o.address;
    if (o.type?.kind === 'udt') throw err(`a ${windbgUdtName(o.type.name)} is not a number`);
    throw err('the expression has no value');
  }

  /** Reads a typed lvalue's value (scalars and pointers); structures and arrays keep their address. */
  async load(type: Type, address: bigint, bits?: { position: number; length: number }): Promise<DxObject> {
    if (type.kind === 'udt' || type.kind === 'array' || type.kind === 'function' || type.kind === 'void') return { type, address };
    const raw = await this.env.mem.uint(address, type.size);
    if (raw === undefined) return { type, address, bits, unreadable: true };
    return { type, address, bits, value: bits ? bitsOf(raw, bits.position, bits.length) : raw };
  }

  private async resolveType(name: string, stars: number): Promise<Type> {
    let t: Type | undefined = BASE_TYPES[name] as Type | undefined;
    if (!t) t = await this.env.findType(name);
    if (!t) throw err(`Unable to find type '${name}' for cast`);
    for (let i = 0; i < stars; i++) t = this.pointerTo(t);
    return t;
  }

  private async eval(n: Node): Promise<DxObject> {
    if (++this.steps > 100_000) throw err('expression too complex');
    switch (n.k) {
      case 'num':
        return { value: n.v };
      case 'var': {
        const v = this.env.variable(n.name);
        if (v) return v;
        const r = this.env.register(`$${n.name}`);
        if (r !== undefined) return { type: U64, value: r };
        throw err(`Unable to bind name '@$${n.name}'`);
      }
      case 'reg': {
        const r = this.env.register(n.name);
        if (r === undefined) throw err(`Unable to bind name '@${n.name}'`);
        return { type: U64, value: r };
      }
      case 'name': {
        const g = await this.env.findGlobal(n.name);
        if (!g) throw err(`Unable to bind name '${n.name}'`);
        if (!g.type) throw err(`${n.name} (at 0x${g.address.toString(16)}) has no type in these symbols: cast its address, e.g. (nt!_LIST_ENTRY*)0x${g.address.toString(16)}`);
        return this.load(g.type, g.address);
      }
      case 'cast': {
        const type = await this.resolveType(n.type, n.stars);
        const inner = await this.eval(n.e);
        if (type.kind === 'udt' || type.kind === 'array') {
          if (inner.address === undefined || (inner.type && inner.type.kind !== type.kind)) throw err(`cannot cast a value to ${windbgUdtName(n.type)}: cast a pointer and dereference it`);
          return { type, address: inner.address };
        }
        const v = await this.scalar(inner);
        return { type, value: type.kind === 'pointer' ? v & M64 : BigInt.asUintN(Math.max(1, type.size) * 8, v) };
      }
      case 'sizeof': {
        const type = await this.resolveType(n.type, n.stars);
        return { type: SIZEOF, value: BigInt(type.size) };
      }
      case 'un':
        return this.unaryOp(n.op, await this.eval(n.e));
      case 'bin':
        return this.binaryOp(n.op, await this.eval(n.l), await this.eval(n.r));
      case 'member': {
        let obj = await this.eval(n.e);
        if (obj.type?.kind === 'pointer') {
          if (!n.arrow && obj.type.target.kind !== 'udt') throw err(`'.${n.field}' needs a structure`);
          obj = { type: obj.type.target, address: await this.scalar(obj) };
        } else if (n.arrow) throw err(`'->${n.field}' needs a pointer`);
        if (obj.type?.kind !== 'udt' || obj.address === undefined) throw err(`'${n.field}': not a structure`);
        const f = findField(obj.type, n.field);
        if (!f) throw err(`${windbgUdtName(obj.type.name)} has no field ${n.field}`);
        const bits = f.bitLength !== undefined ? { position: f.bitPosition ?? 0, length: f.bitLength } : undefined;
        return this.load(f.type, obj.address + BigInt(f.offset), bits);
      }
      case 'index': {
        const base = await this.eval(n.e);
        const i = await this.scalar(await this.eval(n.i));
        const t = base.type;
        if (t?.kind !== 'array' && t?.kind !== 'pointer') throw err('[] needs an array or a pointer');
        const element = t.kind === 'array' ? t.element : t.target;
        if (t.kind === 'array' && BigInt.asIntN(64, i) >= BigInt(t.count)) throw err(`index ${BigInt.asIntN(64, i)} is past the array's ${t.count} elements`);
        const start = t.kind === 'array' ? base.address : await this.scalar(base);
        if (start === undefined) throw err('the array has no address');
        return this.load(element, (start + i * BigInt(Math.max(element.size, 1))) & M64);
      }
    }
  }

  private async unaryOp(op: string, o: DxObject): Promise<DxObject> {
    switch (op) {
      case '*': {
        if (o.type?.kind !== 'pointer') throw err('* needs a pointer');
        return this.load(o.type.target, await this.scalar(o));
      }
      case '&':
        if (o.address === undefined || o.bits) throw err('& needs an object in memory');
        return { type: o.type ? this.pointerTo(o.type) : U64, value: o.address };
      case '+':
        return { type: o.type, value: await this.scalar(o) };
      case '-':
        return { value: -(await this.scalar(o)) & M64 };
      case '~':
        return { value: ~(await this.scalar(o)) & M64 };
      default:
        return { type: BOOL, value: (await this.scalar(o)) === 0n ? 1n : 0n };
    }
  }

  private async binaryOp(op: string, l: DxObject, r: DxObject): Promise<DxObject> {
    const a = await this.scalar(l);
    const b = await this.scalar(r);
    // Pointer ± integer moves by whole elements, as in C.
    const ptr = l.type?.kind === 'pointer' ? l.type : undefined;
    if (ptr && (op === '+' || op === '-') && r.type?.kind !== 'pointer') {
      const step = BigInt(Math.max(ptr.target.size, 1)) * b;
      return { type: ptr, value: (op === '+' ? a + step : a - step) & M64 };
    }
    const sa = BigInt.asIntN(64, a);
    const sb = BigInt.asIntN(64, b);
    let v: bigint;
    switch (op) {
      case '+': v = a + b; break;
      case '-': v = a - b; break;
      case '*': v = a * b; break;
      case '/': case '%':
        if (b === 0n) throw err('Divide by zero');
        v = op === '/' ? sa / sb : sa % sb;
        break;
      case '<<': v = a << (b & 63n); break;
      case '>>': v = a >> (b & 63n); break;
      case '&': v = a & b; break;
      case '|': v = a | b; break;
      case '^': v = a ^ b; break;
      case '&&': v = a && b ? 1n : 0n; break;
      case '||': v = a || b ? 1n : 0n; break;
      case '==': v = a === b ? 1n : 0n; break;
      case '!=': v = a !== b ? 1n : 0n; break;
      case '<': v = sa < sb ? 1n : 0n; break;
      case '>': v = sa > sb ? 1n : 0n; break;
      case '<=': v = sa <= sb ? 1n : 0n; break;
      default: v = sa >= sb ? 1n : 0n;
    }
    return LOGICAL.has(op) ? { type: BOOL, value: v } : { value: v & M64 };
  }
}
