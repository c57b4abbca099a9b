// One type model fed by PDB (TPI), ISF (Volatility JSON) or anything else. Layouts only: names, sizes,
// offsets, bit positions, array bounds, pointer targets. Referenced types are resolved lazily through
// getters so cyclic types (a list entry pointing at its own struct) need no special handling.

export type Type = BaseType | VoidType | PointerType | ArrayType | UdtType | EnumType | FunctionType;

export interface BaseType {
  readonly kind: 'base';
  /** C spelling as WinDbg shows it: 'unsigned char', 'long', 'unsigned __int64', 'wchar_t', 'float', 'bool', … */
  readonly name: string;
  readonly size: number;
  readonly signed: boolean;
  readonly float?: boolean;
}
export interface VoidType {
  readonly kind: 'void';
  readonly name: 'void';
  readonly size: 0;
}
export interface PointerType {
  readonly kind: 'pointer';
  readonly size: number;
  readonly target: Type;
}
export interface ArrayType {
  readonly kind: 'array';
  readonly size: number;
  readonly count: number;
  readonly element: Type;
}
export interface UdtType {
  readonly kind: 'udt';
  readonly udtKind: 'struct' | 'union' | 'class';
  /** '_KTRAP_FRAME', or '<unnamed-tag>' / '<anonymous-…>' for anonymous ones. */
  readonly name: string;
  readonly size: number;
  /**
   * Fields in declaration order (unions: all at offset 0). C++ base classes and the vtable pointer are
   * fields too, named as WinDbg's dt names them (`__BaseClass`, `__VFN_table`) and marked by `role`.
   */
  readonly fields: readonly Field[];
}
export interface EnumType {
  readonly kind: 'enum';
  readonly name: string;
  readonly size: number;
  readonly base: Type;
  readonly enumerators: readonly { name: string; value: bigint }[];
}
export interface FunctionType {
  readonly kind: 'function';
  readonly size: 0;
  readonly returnType: Type;
  readonly params: readonly Type[];
  /** The parameter list ends in `...` (CodeView: a trailing T_NOTYPE in the argument list). */
  readonly variadic?: boolean;
}

export interface Field {
  readonly name: string;
  /** Byte offset from the start of the enclosing type. */
  readonly offset: number;
  readonly type: Type;
  /** For bitfields: first bit (0 = least significant) within the storage unit at `offset`, and width. */
  readonly bitPosition?: number;
  readonly bitLength?: number;
  /** 'base': an embedded (non-virtual) base class; 'vfptr': the pointer to the virtual function table. */
  readonly role?: 'base' | 'vfptr';
}

/**
 * A type in C's declarator spelling, as `dx` and llvm-pdbutil write it: `_LIST_ENTRY *`, `char **`,
 * `int [3][4][2]` (outermost dimension first), `int *[4]`, `int (*)[4]`, `long (*)(void *, unsigned int)`,
 * `long (*[4])(void *, unsigned int)`. (`dt`'s `Ptr64 _LIST_ENTRY` is windbg-type-name.ts.)
 */
export function typeName(t: Type): string {
  return spell(t, '', 0, { left: MAX_NAME_PARTS });
}

/**
 * Type graphs from damaged symbol files can cycle (a pointer to itself): names are bounded in depth, and in
 * the types visited in all, since a function naming itself as return and parameter type doubles per level.
 */
const MAX_NAME_DEPTH = 64;
const MAX_NAME_PARTS = 4096;
const TOO_DEEP = '<type nested too deep>';

/** `t` declaring `inner` (the declarator built so far, from the name outwards): C's inside-out rule. */
function spell(t: Type, inner: string, depth: number, budget: { left: number }): string {
  if (depth > MAX_NAME_DEPTH || --budget.left < 0) return TOO_DEEP;
  switch (t.kind) {
    case 'base':
    case 'void':
    case 'udt':
    case 'enum':
      return inner ? `${t.name} ${inner}` : t.name;
    case 'pointer': {
      // A pointer to an array or a function binds tighter than what follows it: `(*)`.
      const k = t.target.kind;
      return spell(t.target, k === 'array' || k === 'function' ? `(*${inner})` : `*${inner}`, depth + 1, budget);
    }
    case 'array': {
      let dims = '';
      let e: Type = t;
      for (let n = 0; e.kind === 'array' && n < 64; n++, e = e.element) dims += `[${e.count}]`;
      return spell(e, `${inner}${dims}`, depth + 1, budget);
    }
    case 'function':
      return spell(t.returnType, `${inner}(${paramSpellings(t, depth + 1, budget).join(', ')})`, depth + 1, budget);
  }
}

function paramSpellings(f: FunctionType, depth: number, budget: { left: number }): string[] {
  const out: string[] = [];
  for (const p of f.params) {
    // Once the budget is spent every further name would be the same marker: one says it.
    if (budget.left <= 0) {
      out.push(TOO_DEEP);
      break;
    }
    out.push(spell(p, '', depth, budget));
  }
  if (f.variadic) out.push('...');
  return out;
}

/**
 * A function's parameter types in the same C spelling, `...` last for a variadic one: what `x` and `ln`
 * print as `(int, char **)` (an empty list is `(void)` there).
 */
export function parameterSpellings(f: FunctionType): string[] {
  return paramSpellings(f, 1, { left: MAX_NAME_PARTS });
}

/**
 * Finds a field by name, descending into anonymous nested structs/unions (as Windows types use them) and
 * into base classes (a derived class has its bases' fields).
 */
export function findField(t: UdtType, name: string, depth = 0): Field | undefined {
  if (depth > 16) return undefined;
  for (const f of t.fields) if (f.name === name) return f;
  for (const f of t.fields) {
    if (f.type.kind === 'udt' && (f.role === 'base' || f.name === '' || f.name.startsWith('<') || f.type.name.startsWith('<'))) {
      const inner = findField(f.type, name, depth + 1);
      if (inner) return { ...inner, offset: f.offset + inner.offset };
    }
  }
  return undefined;
}
