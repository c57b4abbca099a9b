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

export function members(rec: PdbutilRecord): PdbutilMember[] {
  const re = /- LF_MEMBER \[name = `(.*)`, Type = 0x([0-9A-F]+)(?: \((.*)\))?, offset = (\d+), attrs = \w+\]/g;
  return [...rec.text.matchAll(re)].map((m) => ({ name: m[1], type: Number.parseInt(m[2], 16), typeText: m[3] ?? '', offset: Number(m[4]) }));
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
};

// llvm-pdbutil spells a few built-in types differently from WinDbg's C spelling, which we follow.
const llvmSpelling: Record<string, string> = { unsigned: 'unsigned int' };

/** Every complete structure, class and union in the PDB has llvm-pdbutil's size, members, offsets and bitfields. */
export async function compareTypes(path: string, typesText?: string): Promise<number> {
  const recs = parseTypes(typesText ?? pdbutil(['dump', '-types', path]));
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
        if (m.type < 0x1000 && m.type < 0x100) assert.equal(typeName(f.type), llvmSpelling[m.typeText] ?? m.typeText, `${r.name}.${f.name} type`);
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

