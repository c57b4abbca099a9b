// Structured descriptions of types and symbol files, for `dumpscope pdb`, `dt` and JSON output.
import { type Type, typeName } from './types.js';

export interface FieldLayout {
  name: string;
  offset: number;
  type: string;
  size: number;
  bitPosition?: number;
  bitLength?: number;
  /** 'base' for a base class, 'vfptr' for the vtable pointer (C++ classes). */
  role?: 'base' | 'vfptr';
}

export interface TypeLayout {
  /** The name asked for when it is a typedef of the type described. */
  typedef?: string;
  name: string;
  kind: string;
  size: number;
  fields?: FieldLayout[];
  enumerators?: { name: string; value: string }[];
}

/**
 * The layout of one type: fields with offsets and types for structures, values for enums. `asked` is the
 * name it was looked up by: a typedef name is kept beside the type's own.
 */
export function typeLayout(t: Type, asked?: string): TypeLayout {
  const l = layoutOf(t);
  return asked !== undefined && asked !== l.name ? { typedef: asked, ...l } : l;
}

function layoutOf(t: Type): TypeLayout {
  switch (t.kind) {
    case 'udt':
      return {
        name: t.name,
        kind: t.udtKind,
        size: t.size,
        fields: t.fields.map((f) => ({
          name: f.name,
          offset: f.offset,
          type: typeName(f.type),
          size: f.type.size,
          ...(f.bitLength !== undefined ? { bitPosition: f.bitPosition, bitLength: f.bitLength } : {}),
          ...(f.role ? { role: f.role } : {}),
        })),
      };
    case 'enum':
      return { name: t.name, kind: 'enum', size: t.size, enumerators: t.enumerators.map((e) => ({ name: e.name, value: e.value.toString() })) };
    default:
      return { name: typeName(t), kind: t.kind, size: t.size };
  }
}

/**
 * C-like text of a layout: one line per field with its hex offset (padded to the widest, so the columns
 * stay aligned past 0x1000), name and C type. Base classes and the vtable pointer are fields like the
 * others, under the names `dt` gives them (`__BaseClass`, `__VFN_table`).
 */
export function renderTypeLayout(l: TypeLayout): string {
  const lines = [`${l.typedef !== undefined ? `typedef ${l.typedef}: ` : ''}${l.kind} ${l.name}, size 0x${l.size.toString(16)} (${l.size})`];
  const fields = l.fields ?? [];
  const width = Math.max(3, ...fields.map((f) => f.offset.toString(16).length));
  for (const f of fields) {
    const bits = f.bitLength !== undefined ? ` : bit ${f.bitPosition}, ${f.bitLength} bit${f.bitLength === 1 ? '' : 's'}` : '';
    lines.push(`   +0x${f.offset.toString(16).padStart(width, '0')} ${f.name.padEnd(24)} ${f.type}${bits}`);
  }
  for (const e of l.enumerators ?? []) lines.push(`   ${e.name} = ${e.value}`);
  return lines.join('\n');
}
