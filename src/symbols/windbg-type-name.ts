// Type names as WinDbg's `dt` prints them: Uint4B, Ptr64 _LIST_ENTRY, [15] UChar, Ptr64     long (code).
import type { Type } from './types.js';

export function dtTypeName(t: Type): string {
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
      return `${p} ${dtTypeName(target)}`;
    }
    case 'array':
      return `[${t.count}] ${dtTypeName(t.element)}`;
    case 'udt':
    case 'enum':
      return t.name;
    case 'function':
      return `${cName(t.returnType)} `;
  }
}

function cName(t: Type): string {
  if (t.kind === 'void') return 'void';
  if (t.kind === 'pointer') return `${cName(t.target)}*`;
  return t.kind === 'base' || t.kind === 'udt' || t.kind === 'enum' ? t.name : 'void';
}

export function dtBaseName(name: string, size: number, signed: boolean, float?: boolean): string {
  if (float) return size === 4 ? 'Float' : size === 8 ? 'Float' : 'Float';
  if (name === 'wchar_t' || name === 'wchar') return 'Wchar';
  if (name === 'bool') return 'UChar';
  if (size === 1) return signed ? 'Char' : 'UChar';
  return `${signed ? 'Int' : 'Uint'}${size}B`;
}
