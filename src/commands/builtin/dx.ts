// `dx [-r[N]] [@$NAME =] EXPRESSION`: a C++ expression over the dump's types (dx-expr.ts), shown the way the
// debugger data model shows it — the value and `[Type: …]`, then the children of structures, pointers to
// structures and arrays, `-r` levels deep (1 by default). Output is bounded: at most 100 elements per array
// (then `[...]`) and 20 000 lines, with Ctrl-C checked on the way.
import { DumpscopeError } from '../../io/errors.js';
import { renderDx } from '../../render/dx.js';
import type { Type } from '../../symbols/types.js';
import { dxTypeName } from '../../symbols/windbg-type-name.js';
import type { KernelTarget } from '../../target/kernel-target.js';
import { checkpoint } from '../checkpoint.js';
import type { CommandSpec } from '../command.js';
import type { Session } from '../session.js';
import { findGlobal, tryFindType } from './dt.js';
import { unicodeString } from './dt-rows.js';
import { type DxEnv, DxEvaluator, type DxObject } from './dx-expr.js';
import { kernelTarget } from './target-access.js';
import { TypedMemory } from './typed-memory.js';

export type DxValue =
  | { k: 'uint'; v: bigint }
  | { k: 'int'; v: bigint }
  /** A plain number without a C type (`dx 1+2`). */
  | { k: 'number'; v: bigint }
  | { k: 'bool'; v: boolean }
  | { k: 'float'; v: number }
  | { k: 'enum'; v: bigint; name?: string }
  /** `text`: a `char *` / `wchar_t *`'s string, as dx shows it after the pointer. */
  | { k: 'pointer'; v: bigint; text?: string }
  | { k: 'string'; text: string }
  | { k: 'unreadable'; address: bigint };

export interface DxNode {
  /** The expression (first line), a field name, or `[i]` for an array element. */
  name: string;
  offset?: number;
  bits?: { position: number; length: number };
  value?: DxValue;
  /** dx's C spelling of the type; absent for plain numbers. */
  type?: string;
  /** Has children (a structure, a non-null pointer to one, an array), shown or not. */
  expandable: boolean;
  children?: DxNode[];
  /** Array elements left out after the first MAX_ELEMENTS. */
  omitted?: number;
}

export interface DxResult {
  kind: 'dx';
  expression: string;
  root: DxNode;
  /** Lines shown before the line limit stopped the display (0: complete). */
  truncated: number;
}

const MAX_ELEMENTS = 100;
const MAX_NODES = 20_000;
const MAX_DEPTH = 16;
const MAX_STRING = 512;
const USAGE = 'dx [-r[N]] [@$NAME =] EXPRESSION';

/** The session's typed pseudo-registers: @$proc, @$thread and @$prcb point at nt's structures. */
const TYPED_PSEUDO: Record<string, string> = { proc: '_EPROCESS', thread: '_ETHREAD', prcb: '_KPRCB' };

/** dx's view of the session (also used by `??` and `@@c++()`, cpp-eval.ts). */
export function dxEnv(session: Session, t: KernelTarget, mem: TypedMemory): DxEnv & { prepare(): Promise<void> } {
  const typed = new Map<string, DxObject>();
  let register: (name: string) => bigint | undefined = () => undefined;
  return {
    mem,
    pointerSize: t.pointerSize,
    async prepare() {
      const e = await session.expressionEnv();
      register = (name) => e.register(name);
      for (const [v, typeName] of Object.entries(TYPED_PSEUDO)) {
        const value = session.variables.get(`$${v}`);
        const found = value !== undefined ? await tryFindType(t, `nt!${typeName}`) : undefined;
        if (found && value !== undefined) typed.set(v, { type: { kind: 'pointer', size: t.pointerSize, target: found.type }, value });
      }
    },
    findType: async (spec) => (await tryFindType(t, spec))?.type,
    findGlobal: (spec) => findGlobal(t, spec),
    variable(name) {
      if (name === 'curprocess' || name === 'curthread') {
        throw new DumpscopeError(`@$${name} is the data model's ${name.slice(3)} object, which is not built in: dx @$${name === 'curprocess' ? 'proc' : 'thread'} shows the ${name === 'curprocess' ? '_EPROCESS' : '_ETHREAD'}`, 'USAGE');
      }
      const v = session.typedVariables.get(name);
      if (v) return v.type.kind === 'udt' || v.type.kind === 'array' ? { type: v.type, address: v.value } : { type: v.type, value: v.value };
      return typed.get(name.toLowerCase());
    },
    register: (name) => register(name),
  };
}

class Builder {
  nodes = 0;
  truncated = 0;
  constructor(
    private readonly ev: DxEvaluator,
    private readonly mem: TypedMemory,
    private readonly signal?: AbortSignal,
  ) {}

  async value(o: DxObject): Promise<DxValue | undefined> {
    const t = o.type;
    if (!t) return o.value === undefined ? undefined : { k: 'number', v: o.value };
    if (o.unreadable) return { k: 'unreadable', address: o.address ?? 0n };
    if (o.value !== undefined) {
      if (o.bits) return { k: 'uint', v: o.value };
      if (t.kind === 'pointer') {
        const el = t.target;
        const chars = el.kind === 'base' && el.name !== 'bool' && (el.size === 1 || el.name === 'wchar_t');
        if (!chars || !o.value) return { k: 'pointer', v: o.value };
        const b = await this.mem.prefix(o.value, MAX_STRING * el.size);
        return b.length ? { k: 'pointer', v: o.value, text: decode(b, el.size) } : { k: 'pointer', v: o.value };
      }
      if (t.kind === 'enum') {
        const signed = t.base.kind === 'base' && t.base.signed;
        const v = signed ? BigInt.asIntN(t.size * 8, o.value) : o.value;
        return { k: 'enum', v, name: t.enumerators.find((e) => e.value === v)?.name };
      }
      if (t.kind === 'base') {
        if (t.float) {
          const dv = new DataView(new ArrayBuffer(8));
          dv.setBigUint64(0, o.value, true);
          return { k: 'float', v: t.size === 4 ? dv.getFloat32(0, true) : dv.getFloat64(0, true) };
        }
        if (t.name === 'bool') return { k: 'bool', v: o.value !== 0n };
        return t.signed ? { k: 'int', v: BigInt.asIntN(t.size * 8, o.value) } : { k: 'uint', v: o.value };
      }
      return { k: 'uint', v: o.value };
    }
    if (o.address === undefined) return undefined;
    if (t.kind === 'array' && t.element.kind === 'base' && (t.element.size === 1 || t.element.name === 'wchar_t') && t.element.name !== 'bool') {
      const b = await this.mem.prefix(o.address, Math.min(t.size, MAX_STRING * t.element.size));
      return { k: 'string', text: decode(b, t.element.size) };
    }
    if (t.kind === 'udt' && t.name === '_UNICODE_STRING') {
      const s = await unicodeString(this.mem, t, o.address);
      return s === undefined ? undefined : { k: 'string', text: s };
    }
    return undefined;
  }

  /** The structure whose fields are `o`'s children, if any (a pointer's only when its target is in the dump). */
  private async structOf(o: DxObject): Promise<{ type: Type & { kind: 'udt' }; address: bigint } | undefined> {
    const t = o.type;
    if (t?.kind === 'udt' && o.address !== undefined && t.fields.length) return { type: t, address: o.address };
    if (t?.kind === 'pointer' && t.target.kind === 'udt' && t.target.fields.length && o.value && (await this.mem.prefix(o.value, 1)).length) return { type: t.target, address: o.value };
    return undefined;
  }

  async node(o: DxObject, name: string, depthLeft: number, where?: { offset: number; bits?: { position: number; length: number } }): Promise<DxNode> {
    await checkpoint(this.signal);
    this.nodes++;
    const n: DxNode = { name, value: await this.value(o), expandable: false };
    if (o.type) n.type = dxTypeName(o.type);
    if (where) {
      n.offset = where.offset;
      if (where.bits) n.bits = where.bits;
    }
    // A structure none of whose bytes are in the dump is one error line, not a list of failed fields.
    if (o.type?.kind === 'udt' && o.address !== undefined && o.type.size > 0 && !(await this.mem.prefix(o.address, 1)).length) {
      n.value = { k: 'unreadable', address: o.address };
      return n;
    }
    const s = await this.structOf(o);
    const arr = o.type?.kind === 'array' && o.address !== undefined && o.type.count > 0 ? o.type : undefined;
    n.expandable = !!s || !!arr;
    if (depthLeft <= 0 || this.truncated) return n;
    if (s) {
      if (s.type.size > 0) await this.mem.preload(s.address, s.type.size);
      n.children = [];
      for (const f of s.type.fields) {
        if (this.nodes >= MAX_NODES) {
          this.truncated = this.nodes;
          break;
        }
        const bits = f.bitLength !== undefined ? { position: f.bitPosition ?? 0, length: f.bitLength } : undefined;
        const child = await this.ev.load(f.type, s.address + BigInt(f.offset), bits);
        n.children.push(await this.node(child, f.name, depthLeft - 1, { offset: f.offset, bits }));
      }
    } else if (arr && o.address !== undefined) {
      n.children = [];
      const shown = Math.min(arr.count, MAX_ELEMENTS);
      for (let i = 0; i < shown; i++) {
        if (this.nodes >= MAX_NODES) {
          this.truncated = this.nodes;
          break;
        }
        const child = await this.ev.load(arr.element, o.address + BigInt(i * arr.element.size));
        n.children.push(await this.node(child, `[${i}]`, depthLeft - 1));
      }
      if (arr.count > shown) n.omitted = arr.count - shown;
    }
    return n;
  }
}

/**
 * Characters a terminal shows as themselves: no C0/C1 controls (escape sequences start there), no
 * unpaired surrogates and no bidirectional overrides; single bytes above 0x7f are '.' too.
 */
function safeChar(c: number, size: number): boolean {
  if (c < 0x20 || (c >= 0x7f && c < 0xa0)) return false;
  if (size === 1) return c < 0x80;
  return !(c >= 0xd800 && c < 0xe000) && !(c >= 0x202a && c <= 0x202e) && !(c >= 0x2066 && c <= 0x2069);
}

function decode(b: Uint8Array, size: number): string {
  let s = '';
  for (let i = 0; i + size <= b.length; i += size) {
    const c = size === 1 ? b[i] : b[i] | (b[i + 1] << 8);
    if (c === 0) break;
    s += safeChar(c, size) ? String.fromCharCode(c) : '.';
  }
  return s;
}

function parseOptions(args: string): { depth: number; rest: string } {
  let rest = args.trim();
  let depth = 1;
  for (let m = /^-(\w+)\s*/.exec(rest); m; m = /^-(\w+)\s*/.exec(rest)) {
    const r = /^r(\d*)$/i.exec(m[1]);
    if (!r) throw new DumpscopeError(`unsupported option -${m[1]} (usage: ${USAGE})`, 'USAGE');
    depth = r[1] ? Math.min(Number(r[1]), MAX_DEPTH) : 1;
    rest = rest.slice(m[0].length);
  }
  return { depth, rest };
}

export const dxCommand: CommandSpec<DxResult> = {
  names: ['dx'],
  summary: 'Display a C++ expression over the dump\'s types: dx (nt!_TYPE*) ADDR, dx @$v = …, dx -r2 @$v->Field, dx 1+2',
  usage: USAGE,
  async run(session, args, _name, signal) {
    const t = kernelTarget(session);
    if (!t.memory) throw new DumpscopeError('the dump has no memory to read', 'NO_MEMORY');
    const { depth, rest } = parseOptions(args);
    if (!rest) throw new DumpscopeError(`usage: ${USAGE}`, 'USAGE');
    const env = dxEnv(session, t, new TypedMemory(t.memory));
    await env.prepare();
    const { result, assigned } = await evaluateDx(env, rest, depth, signal);
    if (assigned) remember(session, assigned.name, assigned.value);
    return result;
  },
  renderText: renderDx,
};

/**
 * Evaluates a dx command's expression (after its options) and builds the display, `depth` levels of
 * children deep. An assignment `@$name = EXPR` returns the value for the caller to keep.
 */
export async function evaluateDx(env: DxEnv, text: string, depth: number, signal?: AbortSignal): Promise<{ result: DxResult; assigned?: { name: string; value: DxObject } }> {
  const ev = new DxEvaluator(env);
  const assign = /^@\$(\w+)\s*=(?!=)\s*(.+)$/s.exec(text);
  const obj = await ev.evaluate(assign ? assign[2] : text);
  const b = new Builder(ev, env.mem, signal);
  const root = await b.node(obj, text, depth);
  return { result: { kind: 'dx', expression: text, root, truncated: b.truncated }, assigned: assign ? { name: assign[1], value: obj } : undefined };
}

/** `@$name = …`: kept for later dx expressions, and its value (or address) for MASM's `@$name`. */
function remember(session: Session, name: string, o: DxObject): void {
  const scalar = o.value ?? o.address;
  if (scalar === undefined) throw new DumpscopeError(`@$${name}: the expression has no value to keep`, 'USAGE');
  if (o.type) session.typedVariables.set(name, { type: o.type, value: o.type.kind === 'udt' || o.type.kind === 'array' ? (o.address ?? 0n) : scalar, module: '' });
  else session.typedVariables.delete(name);
  session.variables.set(`$${name.toLowerCase()}`, scalar);
}
