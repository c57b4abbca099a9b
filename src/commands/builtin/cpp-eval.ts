// C++ expressions outside dx: the `??` command and MASM's `@@c++(…)`. They use dx's evaluator over the
// dump's types, with `sizeof(TYPE)` (which dx does not parse) replaced first by the type's size from the
// PDB or ISF. `??` shows numbers and pointers as WinDbg's C++ evaluator does (`int 0n3`, `unsigned int64
// 0xa40`); structures belong to dt and dx.
import { DumpscopeError } from '../../io/errors.js';
import type { Type } from '../../symbols/types.js';
import { dxTypeName } from '../../symbols/windbg-type-name.js';
import type { Session } from '../session.js';
import { tryFindType } from './dt.js';
import { type DxObject, DxEvaluator } from './dx-expr.js';
import { dxEnv } from './dx.js';
import { kernelTarget } from './target-access.js';
import { TypedMemory } from './typed-memory.js';

const BASE_SIZES: Record<string, number> = { char: 1, 'unsigned char': 1, bool: 1, short: 2, 'unsigned short': 2, wchar_t: 2, int: 4, 'unsigned int': 4, long: 4, 'unsigned long': 4, float: 4, __int64: 8, 'unsigned __int64': 8, 'long long': 8, 'unsigned long long': 8, double: 8 };
const MAX_SIZEOFS = 64;

async function sizeOf(session: Session, spec: string): Promise<number> {
  const t = kernelTarget(session);
  const stars = /\*+\s*$/.exec(spec)?.[0].replace(/\s/g, '').length ?? 0;
  const name = spec.replace(/\*+\s*$/, '').trim();
  if (stars) return t.pointerSize;
  if (BASE_SIZES[name] !== undefined) return BASE_SIZES[name];
  const found = await tryFindType(t, name);
  if (!found) throw new DumpscopeError(`Couldn't resolve type ${name} for sizeof`, 'NO_TYPE');
  return found.type.size;
}

export interface CppValue {
  object: DxObject;
  /** The expression was one `sizeof(…)`: its type is the size's (unsigned int64). */
  sizeofOnly: boolean;
}

export async function evaluateCpp(session: Session, text: string): Promise<CppValue> {
  const t = kernelTarget(session);
  let src = text.trim();
  if (!src) throw new DumpscopeError('usage: ?? EXPRESSION', 'USAGE');
  const sizeofOnly = /^sizeof\s*\([^()]*\)$/.test(src);
  for (let n = 0, m = /\bsizeof\s*\(([^()]*)\)/.exec(src); m; m = /\bsizeof\s*\(([^()]*)\)/.exec(src)) {
    if (++n > MAX_SIZEOFS) throw new DumpscopeError('too many sizeof()s in one expression', 'BAD_EXPRESSION');
    src = `${src.slice(0, m.index)}0x${(await sizeOf(session, m[1])).toString(16)}${src.slice(m.index + m[0].length)}`;
  }
  const env = dxEnv(session, t, new TypedMemory(t.memory));
  await env.prepare();
  return { object: await new DxEvaluator(env).evaluate(src), sizeofOnly };
}

/** MASM's `@@c++(…)`: the C++ expression's value as a 64-bit number. */
export async function cppNumber(session: Session, text: string): Promise<bigint> {
  const { object } = await evaluateCpp(session, text);
  if (object.value !== undefined) return object.value;
  if (object.address !== undefined && (object.type?.kind === 'udt' || object.type?.kind === 'array')) return object.address;
  throw new DumpscopeError(`@@c++(${text}) has no value`, 'BAD_EXPRESSION');
}

/** WinDbg's C++ spelling of a scalar type: `int`, `unsigned int64`, `struct _EPROCESS *`. */
export function cppTypeName(type: Type | undefined, value: bigint, sizeofOnly: boolean): string {
  if (sizeofOnly) return 'unsigned int64';
  if (!type) return BigInt.asIntN(64, value) >= -(1n << 31n) && BigInt.asIntN(64, value) < 1n << 31n ? 'int' : 'int64';
  return dxTypeName(type).replace(/__int64/g, 'int64');
}
