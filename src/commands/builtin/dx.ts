// `dx` for the common cases of crash analysis: a typed cast `(MODULE!TYPE*) ADDR`, assignment to a
// variable `@$name = …`, and member access `@$name->Field.Sub` — shown as the data model displays them,
// `[+0x030] Name : value [Type: C type]`.
import { DumpscopeError } from '../../io/errors.js';
import type { PointerType, Type } from '../../symbols/types.js';
import { typeName } from '../../symbols/types.js';
import type { KernelTarget } from '../../target/kernel-target.js';
import type { CommandSpec } from '../command.js';
import { findTypeByName } from './dt.js';
import { evalArg, kernelTarget } from './target-access.js';

export interface DxField {
  offset: number;
  name: string;
  value?: string;
  type: string;
}

export interface DxResult {
  kind: 'dx';
  expression: string;
  value?: string;
  type: string;
  fields: DxField[];
}

interface Typed {
  type: Type;
  /** Address of the object (for pointers: where the pointer itself is not needed; value holds it). */
  address?: bigint;
  value?: bigint;
}

async function readUint(t: KernelTarget, address: bigint, size: number): Promise<bigint | undefined> {
  const s = await t.memory.readSparse(address, size);
  if (s.valid.some((v) => v === 0)) return undefined;
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(s.bytes[i]);
  return v;
}

/** The displayed value of a scalar at an address ('0x46a0', 'HeapLockPaged (0)', '"System"'). */
async function scalarText(t: KernelTarget, type: Type, address: bigint, bits?: { position: number; length: number }): Promise<string | undefined> {
  if (type.kind === 'udt' || type.kind === 'function' || type.kind === 'void') return undefined;
  if (type.kind === 'array') {
    if (type.element.kind === 'base' && type.element.size === 1) {
      const s = await t.memory.readSparse(address, type.count);
      const n = s.bytes.indexOf(0);
      return `"${new TextDecoder('latin1').decode(s.bytes.subarray(0, n < 0 ? type.count : n))}"`;
    }
    return undefined;
  }
  let v = await readUint(t, address, type.size);
  if (v === undefined) return 'Unable to read memory';
  if (bits) v = (v >> BigInt(bits.position)) & ((1n << BigInt(bits.length)) - 1n);
  if (type.kind === 'enum') {
    const sv = type.base.kind === 'base' && type.base.signed ? BigInt.asIntN(type.size * 8, v) : v;
    const e = type.enumerators.find((x) => x.value === sv);
    return e ? `${e.name} (${sv})` : `${sv}`;
  }
  if (type.kind === 'base' && type.signed && !bits) return String(BigInt.asIntN(type.size * 8, v));
  return `0x${v.toString(16)}`;
}

async function fieldsOf(t: KernelTarget, type: Type, address: bigint): Promise<DxField[]> {
  if (type.kind !== 'udt') return [];
  const out: DxField[] = [];
  for (const f of type.fields.slice(0, 4096)) {
    const bits = f.bitLength !== undefined ? { position: f.bitPosition ?? 0, length: f.bitLength } : undefined;
    out.push({ offset: f.offset, name: f.name, value: await scalarText(t, f.type, address + BigInt(f.offset), bits), type: typeName(f.type) });
  }
  return out;
}

/** Evaluates `(TYPE*) ADDR`, `@$var`, and `->Field` / `.Field` chains. */
async function evaluate(session: Parameters<CommandSpec['run']>[0], t: KernelTarget, text: string): Promise<Typed> {
  const s = text.trim();
  const cast = /^\(\s*([\w!:<>~$@.-]+?)\s*(\*?)\s*\)\s*(.+)$/.exec(s);
  let base: Typed;
  let rest = '';
  if (cast) {
    const { type } = await findTypeByName(t, cast[1]);
    // Member access may follow a parenthesised cast; otherwise the rest is the address expression.
    const m = /^(.*?)((?:->|\.)[A-Za-z_].*)?$/.exec(cast[3]) as RegExpExecArray;
    const addr = await evalArg(session, m[1]);
    rest = m[2] ?? '';
    base = cast[2] ? { type: { kind: 'pointer', size: 8, target: type } satisfies PointerType, value: addr } : { type, address: addr };
  } else {
    const v = /^@\$(\w+)(.*)$/.exec(s);
    if (!v) throw new DumpscopeError(`dx: unsupported expression '${s}' (supported: (MODULE!TYPE*) ADDR, @$var, ->Field)`, 'USAGE');
    const tv = session.typedVariables.get(v[1]);
    if (!tv) throw new DumpscopeError(`dx: no variable @$${v[1]}`, 'USAGE');
    base = tv.type.kind === 'pointer' ? { type: tv.type, value: tv.value } : { type: tv.type, address: tv.value };
    rest = v[2];
  }
  let cur = base;
  for (const m of rest.matchAll(/(->|\.)\s*([A-Za-z_]\w*)/g)) {
    let obj = cur;
    if (obj.type.kind === 'pointer') obj = { type: obj.type.target, address: obj.value };
    if (obj.type.kind !== 'udt' || obj.address === undefined) throw new DumpscopeError(`dx: ${m[2]}: not a structure`, 'USAGE');
    const f = obj.type.fields.find((x) => x.name === m[2]);
    if (!f) throw new DumpscopeError(`dx: ${obj.type.name} has no field ${m[2]}`, 'USAGE');
    const at = obj.address + BigInt(f.offset);
    cur = f.type.kind === 'pointer' ? { type: f.type, value: await readUint(t, at, f.type.size), address: at } : { type: f.type, address: at };
  }
  return cur;
}

export const dxCommand: CommandSpec<DxResult> = {
  names: ['dx'],
  summary: 'Display a typed expression: dx (nt!_TYPE*) ADDR, dx @$v = …, dx @$v->Field',
  usage: 'dx [@$NAME =] EXPRESSION',
  async run(session, args) {
    const t = kernelTarget(session);
    const assign = /^\s*@\$(\w+)\s*=\s*(.+)$/.exec(args);
    const expr = assign ? assign[2] : args;
    const v = await evaluate(session, t, expr);
    if (assign) session.typedVariables.set(assign[1], { type: v.type, value: v.type.kind === 'pointer' ? (v.value ?? 0n) : (v.address ?? 0n), module: '' });
    const type = typeName(v.type);
    if (v.type.kind === 'pointer') {
      const target = v.type.target;
      return { kind: 'dx', expression: args.trim(), value: v.value === undefined ? 'Unable to read memory' : `0x${v.value.toString(16)}`, type, fields: v.value ? await fieldsOf(t, target, v.value) : [] };
    }
    if (v.address === undefined) throw new DumpscopeError('dx: expression has no address', 'USAGE');
    return { kind: 'dx', expression: args.trim(), value: await scalarText(t, v.type, v.address), type, fields: await fieldsOf(t, v.type, v.address) };
  },
  renderText(r) {
    const head = `${r.expression}${r.value !== undefined ? ` : ${r.value}` : ''} [Type: ${r.type}]`;
    const lines = r.fields.map((f) => `    [+0x${f.offset.toString(16).padStart(3, '0')}] ${f.name.padEnd(16)} ${f.value !== undefined ? `: ${f.value} ` : ''}[Type: ${f.type}]`);
    return [head, ...lines].join('\n');
  },
};
