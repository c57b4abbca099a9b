// Type names as WinDbg prints them: dt's short spelling (Uint4B, Ptr64 _LIST_ENTRY, [15] UChar, Ptr64     long)
// and dx's C spelling (unsigned long, _LIST_ENTRY *, unsigned __int64 [4][2]). Anonymous structures and
// unions are `<unnamed-tag>` in both, whatever the symbol file calls them.
import type { Type } from './types.js';

/** Names symbol files give anonymous types: ISF `__anonymous_18ab`, PDB `<unnamed-tag>`, `<anonymous-tag>`, `__unnamed`. */
const ANONYMOUS = /^(__anonymous_[0-9a-f]*|<unnamed-[\w-]*>|<anonymous-[\w-]*>|__unnamed(_\w*)?)$/i;

export function isAnonymousTypeName(name: string): boolean {
  return name === '' || ANONYMOUS.test(name);
}

/** A structure, union or enum name as WinDbg shows it. */
export function windbgUdtName(name: string): string {
  return isAnonymousTypeName(name) ? '<unnamed-tag>' : name;
}

/** A damaged symbol file can make a pointer its own target: names stop at this depth (as dxTypeName's). */
const MAX_DEPTH = 32;

export function dtTypeName(t: Type, depth = 0): string {
  if (depth > MAX_DEPTH) return '…';
  switch (t.kind) {
    case 'void':
      return 'Void';
    case 'base':
      return dtBaseName(t.name, t.size, t.signed, t.float);
    case 'pointer': {
      const p = t.size === 4 ? 'Ptr32' : 'Ptr64';
      const target = t.target;
      // Code pointers show the return type in C spelling after a wide gap, as WinDbg does.
      if (target.kind === 'function') return `${p}     ${cName(target.returnType)} `;
      return `${p} ${dtTypeName(target, depth + 1)}`;
    }
    case 'array':
      // Outermost dimension first: `[4] [2] Uint8B` for `ULONG64 Cycles[4][2]`.
      return `[${t.count}] ${dtTypeName(t.element, depth + 1)}`;
    case 'udt':
    case 'enum':
      return windbgUdtName(t.name);
    case 'function':
      return `${cName(t.returnType)} `;
  }
}

function cName(t: Type, depth = 0): string {
  if (t.kind === 'void' || depth > MAX_DEPTH) return 'void';
  if (t.kind === 'pointer') return `${cName(t.target, depth + 1)}*`;
  return t.kind === 'base' ? t.name : t.kind === 'udt' || t.kind === 'enum' ? windbgUdtName(t.name) : 'void';
}

export function dtBaseName(name: string, size: number, signed: boolean, float?: boolean): string {
  if (float) return 'Float';
  if (name === 'wchar_t' || name === 'wchar') return 'Wchar';
  if (name === 'bool') return 'UChar';
  if (size === 1) return signed ? 'Char' : 'UChar';
  return `${signed ? 'Int' : 'Uint'}${size}B`;
}

/**
 * dx's `[Type: …]` spelling: C names, `*` after a space, array dimensions outermost first after the element
 * (`unsigned __int64 [4][2]`), function pointers as `void (__cdecl*)(…)` without parameter names.
 */
export function dxTypeName(t: Type, depth = 0): string {
  if (depth > 32) return '…';
  switch (t.kind) {
    case 'void':
    case 'base':
      return t.name;
    case 'udt':
    case 'enum':
      return windbgUdtName(t.name);
    case 'pointer': {
      const target = t.target;
      if (target.kind === 'function') return `${dxTypeName(target.returnType, depth + 1)} (__cdecl*)(${target.params.map((p) => dxTypeName(p, depth + 1)).join(',')})`;
      return `${dxTypeName(target, depth + 1)} *`;
    }
    case 'array': {
      let dims = '';
      let e: Type = t;
      for (let n = 0; e.kind === 'array' && n < 32; n++, e = e.element) dims += `[${e.count}]`;
      return `${dxTypeName(e, depth + 1)} ${dims}`;
    }
    case 'function':
      return `${dxTypeName(t.returnType, depth + 1)} __cdecl(${t.params.map((p) => dxTypeName(p, depth + 1)).join(',')})`;
  }
}
