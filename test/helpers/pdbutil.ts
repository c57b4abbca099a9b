// Runs llvm-pdbutil (Debian's LLVM: an independent PDB reader) and parses the parts of its text dumps
// that tests compare against.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { PdbFile } from '../../src/formats/pdb/pdb.js';
import { FileSource } from '../../src/node/file-source.js';
import { typeName } from '../../src/symbols/types.js';

export function pdbutilMissing(): false | string {
  try {
    execFileSync('llvm-pdbutil', ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'llvm-pdbutil is not installed (apt install llvm-14)';
  }
}

export function pdbutil(args: string[]): string {
  return execFileSync('llvm-pdbutil', args, { encoding: 'utf8', maxBuffer: 1 << 30 });
}

export interface PdbutilMember {
  name: string;
  type: number;
  typeText: string;
  offset: number;
}
export interface PdbutilRecord {
  ti: number;
  leaf: string;
  name?: string;
  text: string;
}

/** Splits `dump -types` output into records keyed by type index. */
export function parseTypes(text: string): Map<number, PdbutilRecord> {
  const out = new Map<number, PdbutilRecord>();
  const re = /^\s+0x([0-9A-F]+) \| (LF_\w+) \[size = \d+\](?: `(.*)`)?$/gm;
  const heads = [...text.matchAll(re)];
  heads.forEach((m, i) => {
    const end = i + 1 < heads.length ? heads[i + 1].index : text.length;
    out.set(Number.parseInt(m[1], 16), { ti: Number.parseInt(m[1], 16), leaf: m[2], name: m[3], text: text.slice(m.index, end) });
  });
  return out;
}

/** LF_MEMBER, LF_BCLASS and LF_VFUNCTAB entries of a field list, in record order. */
export function members(rec: PdbutilRecord): PdbutilMember[] {
  const re = /- LF_MEMBER \[name = `(.*)`, Type = 0x([0-9A-F]+)(?: \((.*)\))?, offset = (\d+), attrs = \w+\]|- LF_BCLASS\s+type = 0x([0-9A-F]+), offset = (\d+)|- LF_VFUNCTAB type = 0x([0-9A-F]+)/g;
  return [...rec.text.matchAll(re)].map((m) => {
    if (m[1] !== undefined) return { name: m[1], type: Number.parseInt(m[2], 16), typeText: m[3] ?? '', offset: Number(m[4]) };
    if (m[5] !== undefined) return { name: '__BaseClass', type: Number.parseInt(m[5], 16), typeText: '', offset: Number(m[6]) };
    return { name: '__VFN_table', type: Number.parseInt(m[7], 16), typeText: '', offset: 0 };
  });
}

export function udtInfo(rec: PdbutilRecord): { forward: boolean; size: number; fieldList?: number } {
  const fl = /field list: (?:0x([0-9A-F]+)|<no type>)/.exec(rec.text);
  const size = /sizeof (\d+)/.exec(rec.text);
  return { forward: /forward ref/.test(rec.text), size: Number(size?.[1] ?? -1), fieldList: fl?.[1] ? Number.parseInt(fl[1], 16) : undefined };
}

export function bitfield(rec: PdbutilRecord): { type: number; position: number; length: number } | undefined {
  const m = /type = 0x([0-9A-F]+).*, bit offset = (\d+), # bits = (\d+)/.exec(rec.text);
  return m ? { type: Number.parseInt(m[1], 16), position: Number(m[2]), length: Number(m[3]) } : undefined;
}

const kindOfLeaf: Record<string, string> = {
  LF_POINTER: 'pointer',
  LF_STRUCTURE: 'udt',
  LF_CLASS: 'udt',
  LF_UNION: 'udt',
  LF_ARRAY: 'array',
  LF_ENUM: 'enum',
  LF_PROCEDURE: 'function',
  LF_MFUNCTION: 'function',
};

// llvm-pdbutil spells a few built-in types differently from WinDbg's C spelling, which we follow.
const llvmSpelling: Record<string, string> = { unsigned: 'unsigned int' };
// Sizes of the simple (built-in) types by their kind byte, from the CodeView specification.
const simpleSize = new Map<number, number>([
  ...[0x10, 0x20, 0x70, 0x68, 0x69, 0x30, 0x7c].map((k) => [k, 1] as const),
  ...[0x11, 0x21, 0x71, 0x72, 0x73, 0x7a].map((k) => [k, 2] as const),
  ...[0x12, 0x22, 0x74, 0x75, 0x08, 0x40, 0x7b].map((k) => [k, 4] as const),
  ...[0x13, 0x23, 0x76, 0x77, 0x41].map((k) => [k, 8] as const),
]);

/**
 * Type names and sizes computed from llvm-pdbutil's records alone, in the C spelling the model's
 * typeName() uses: `int [3][4][2]`, `_LIST_ENTRY *`, `char **`, `long (*)(void *, unsigned int)`. undefined when a record
 * kind is not modelled (vtable shapes).
 */
export class LlvmTypes {
  private readonly byName = new Map<string, PdbutilRecord>();
  constructor(
    readonly recs: Map<number, PdbutilRecord>,
    private readonly simpleText: Map<number, string>,
  ) {
    for (const r of recs.values()) {
      if (!/^LF_(STRUCTURE|CLASS|UNION|ENUM)$/.test(r.leaf) || /forward ref/.test(r.text)) continue;
      const unique = /unique name: `(.*)`/.exec(r.text)?.[1];
      for (const k of [unique, r.name]) if (k && !this.byName.has(k)) this.byName.set(k, r);
    }
  }

  static from(text: string): LlvmTypes {
    const simple = new Map<number, string>();
    for (const m of text.matchAll(/0x([0-9A-F]{4}) \(([^)]*)\)/g)) if (Number.parseInt(m[1], 16) < 0x1000) simple.set(Number.parseInt(m[1], 16), m[2]);
    return new LlvmTypes(parseTypes(text), simple);
  }

  private ref(text: string, label: string): number {
    return Number.parseInt(new RegExp(`${label}:? =? ?0x([0-9A-F]+)`).exec(text)![1], 16);
  }

  /** The definition of a forward reference (same unique name, else name). */
  definition(r: PdbutilRecord): PdbutilRecord {
    if (!/forward ref/.test(r.text)) return r;
    const unique = /unique name: `(.*)`/.exec(r.text)?.[1];
    return (unique && this.byName.get(unique)) || (r.name && this.byName.get(r.name)) || r;
  }

  size(ti: number, depth = 0): number | undefined {
    if (depth > 32) return undefined;
    if (ti < 0x1000) return (ti >> 8) & 0xf ? ((ti >> 8) & 0xf) === 6 ? 8 : 4 : simpleSize.get(ti & 0xff);
    const r = this.recs.get(ti);
    if (!r) return undefined;
    switch (r.leaf) {
      case 'LF_POINTER':
        return /kind = ptr64/.test(r.text) ? 8 : 4;
      case 'LF_MODIFIER':
        return this.size(this.ref(r.text, 'referent'), depth + 1);
      case 'LF_ARRAY':
        return Number(/size: (\d+)/.exec(r.text)![1]);
      case 'LF_ENUM':
        return this.size(this.ref(r.text, 'underlying type'), depth + 1);
      case 'LF_STRUCTURE':
      case 'LF_CLASS':
      case 'LF_UNION':
        return udtInfo(this.definition(r)).size;
      default:
        return undefined;
    }
  }

  /** The C spelling of a type index, from llvm-pdbutil's records: `long (*[4])(void *, unsigned int)`. */
  name(ti: number): string | undefined {
    return this.declare(ti, '', 0);
  }

  /** The kind of record a type index is, through modifiers ('LF_ARRAY', 'LF_PROCEDURE', …; simple: 'simple'). */
  private leafOf(ti: number, depth = 0): string | undefined {
    if (ti < 0x1000) return 'simple';
    const r = this.recs.get(ti);
    if (!r || depth > 32) return undefined;
    return r.leaf === 'LF_MODIFIER' ? this.leafOf(this.ref(r.text, 'referent'), depth + 1) : r.leaf;
  }

  /** `ti` declaring `inner` (C's inside-out declarator rule, written out independently of the model's). */
  private declare(ti: number, inner: string, depth: number): string | undefined {
    if (depth > 32) return undefined;
    const named = (n: string) => (inner ? `${n} ${inner}` : n);
    if (ti < 0x1000) {
      if (ti === 0) return undefined;
      const text = this.simpleText.get(ti);
      if (!text) return undefined;
      const stars = /\**$/.exec(text)![0];
      const base = text.slice(0, text.length - stars.length);
      const b = llvmSpelling[base] ?? base;
      return stars ? `${b} ${stars}${inner}` : named(b);
    }
    const r = this.recs.get(ti);
    if (!r) return undefined;
    switch (r.leaf) {
      case 'LF_POINTER': {
        const referent = this.ref(r.text, 'referent');
        const k = this.leafOf(referent);
        return this.declare(referent, k === 'LF_ARRAY' || k === 'LF_PROCEDURE' || k === 'LF_MFUNCTION' ? `(*${inner})` : `*${inner}`, depth + 1);
      }
      case 'LF_MODIFIER':
      case 'LF_BITFIELD':
        return this.declare(this.ref(r.text, r.leaf === 'LF_MODIFIER' ? 'referent' : 'type'), inner, depth + 1);
      case 'LF_ARRAY': {
        const elem = this.ref(r.text, 'element type');
        const es = this.size(elem);
        if (!es) return undefined;
        return this.declare(elem, `${inner}[${Math.floor(Number(/size: (\d+)/.exec(r.text)![1]) / es)}]`, depth + 1);
      }
      case 'LF_STRUCTURE':
      case 'LF_CLASS':
      case 'LF_UNION':
      case 'LF_ENUM':
        return r.name === undefined ? undefined : named(r.name);
      case 'LF_PROCEDURE':
      case 'LF_MFUNCTION': {
        const list = this.recs.get(this.ref(r.text, 'param list'));
        // `<no type>` (index 0) last in an argument list is CodeView's `...` (ehdata's `int (*pForwardCompat)(...)`).
        const lines = list ? [...list.text.slice(list.text.indexOf('\n')).matchAll(/^\s+(?:0x([0-9A-F]+)[ :]|<no type>:)/gm)] : [];
        const args = lines.map((m, i) => (m[1] ? this.declare(Number.parseInt(m[1], 16), '', depth + 1) : i === lines.length - 1 ? '...' : undefined));
        if (args.some((a) => a === undefined)) return undefined;
        return this.declare(this.ref(r.text, 'return type'), `${inner}(${args.join(', ')})`, depth + 1);
      }
      default:
        return undefined;
    }
  }
}

/**
 * Every complete structure, class and union in the PDB has llvm-pdbutil's size, members (base classes and
 * the vtable pointer included), offsets, bitfields and field type names.
 */
export async function compareTypes(path: string, typesText?: string): Promise<number> {
  const llvm = LlvmTypes.from(typesText ?? pdbutil(['dump', '-types', path]));
  const recs = llvm.recs;
  const src = await FileSource.open(path);
  try {
    const types = await (await PdbFile.open(src)).types();
    let checked = 0;
    for (const r of recs.values()) {
      if (!['LF_STRUCTURE', 'LF_CLASS', 'LF_UNION'].includes(r.leaf)) continue;
      const info = udtInfo(r);
      if (info.forward) continue;
      const t = types.type(r.ti);
      assert.equal(t.kind, 'udt', `0x${r.ti.toString(16)}`);
      if (t.kind !== 'udt') continue;
      assert.equal(t.name, r.name);
      assert.equal(t.size, info.size, `${r.name} size`);
      const expected = info.fieldList ? members(recs.get(info.fieldList)!) : [];
      assert.deepEqual(
        t.fields.map((f) => `${f.name}@${f.offset}`),
        expected.map((m) => `${m.name}@${m.offset}`),
        `${r.name} members`,
      );
      t.fields.forEach((f, i) => {
        const m = expected[i];
        const target = recs.get(m.type);
        const name = llvm.name(m.type);
        if (name !== undefined) assert.equal(typeName(f.type), name, `${r.name}.${f.name} type`);
        else if (m.name !== '__VFN_table') assert.fail(`${r.name}.${f.name}: llvm-pdbutil's records give no name for 0x${m.type.toString(16)}`);
        assert.equal(f.role, m.name === '__BaseClass' ? 'base' : m.name === '__VFN_table' ? 'vfptr' : undefined, `${r.name}.${f.name} role`);
        if (target?.leaf === 'LF_BITFIELD') {
          const b = bitfield(target)!;
          assert.deepEqual([f.bitPosition, f.bitLength], [b.position, b.length], `${r.name}.${f.name} bits`);
        } else if (target) {
          let leaf = target;
          for (let n = 0; leaf.leaf === 'LF_MODIFIER' && n < 8; n++) leaf = recs.get(Number.parseInt(/referent = 0x([0-9A-F]+)/.exec(leaf.text)![1], 16)) ?? leaf;
          if (kindOfLeaf[leaf.leaf]) assert.equal(f.type.kind, kindOfLeaf[leaf.leaf], `${r.name}.${f.name} kind`);
          if (leaf.leaf === 'LF_POINTER') assert.equal(f.type.size, /kind = ptr64/.test(leaf.text) ? 8 : 4);
        }
        assert.equal(f.bitPosition === undefined, target?.leaf !== 'LF_BITFIELD');
      });
      checked++;
    }
    return checked;
  } finally {
    await src.close();
  }
}
