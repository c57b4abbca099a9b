import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PdbFile } from '../../../src/formats/pdb/pdb.js';
import { FileSource } from '../../../src/node/file-source.js';
import { typeName } from '../../../src/symbols/types.js';
import { corpus, skipUnlessCorpus } from '../../helpers/corpus.js';
import { bitfield, members, parseTypes, pdbutil, pdbutilMissing, udtInfo } from '../../helpers/pdbutil.js';
import { readdirSync } from 'node:fs';

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
const llvmSpelling: Record<string, string> = { unsigned: 'unsigned int', 'signed char': 'signed char' };

function pdbPath(name: string): string {
  const dir = corpus(`symbols/${name}`);
  return `${dir}/${readdirSync(dir)[0]}/${name}`;
}

/** Every complete structure, class and union in the PDB has llvm-pdbutil's size, members, offsets and bitfields. */
export async function compareTypes(path: string): Promise<number> {
  const recs = parseTypes(pdbutil(['dump', '-types', path]));
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

for (const name of ['CrashWithException.pdb', 'crash.pdb', 'dump_syms_regtest64.pdb']) {
  test(`${name}: structure layouts equal llvm-pdbutil's type dump`, { skip: skipUnlessCorpus(`symbols/${name}`) || pdbutilMissing() }, async () => {
    const n = await compareTypes(pdbPath(name));
    assert.ok(n > 10, `only ${n} structures compared`);
  });

  test(`${name}: modules, section contributions and procedures equal llvm-pdbutil's`, { skip: skipUnlessCorpus(`symbols/${name}`) || pdbutilMissing() }, async () => {
    const path = pdbPath(name);
    const src = await FileSource.open(path);
    const pdb = await PdbFile.open(src);
    const modText = pdbutil(['dump', '-modules', path]);
    const mods = [...modText.matchAll(/Mod (\d+) \| `(.*)`:\s*\n\s*Obj: `(.*)`:\s*\n\s*debug stream: (\d+), # files: (\d+)/g)];
    assert.deepEqual(
      pdb.modules().map((m) => [m.index, m.name, m.objectName, m.symbolStream ?? 65535, m.sourceFileCount]),
      mods.map((m) => [Number(m[1]), m[2], m[3], Number(m[4]), Number(m[5])]),
    );
    const scText = pdbutil(['dump', '-section-contribs', path]);
    const sc = [...scText.matchAll(/mod = (\d+), (\d+):(\d+), size = (\d+), data crc = (\d+), reloc crc = (\d+)/g)];
    assert.deepEqual(
      pdb.sectionContributions().map((c) => [c.module, c.section, c.offset, c.size, c.dataCrc, c.relocCrc]),
      sc.map((m) => m.slice(1).map(Number)),
    );
    const symText = pdbutil(['dump', '-symbols', path]);
    const procs = [...symText.matchAll(/S_[GL]PROC32(?:_ID)? \[size = \d+\] `(.*)`\n.*addr = (\d+):(\d+), code size = (\d+)/g)];
    const ours = (await pdb.privateSymbols()).filter((s) => s.kind === 'function');
    assert.ok(procs.length > 0);
    assert.deepEqual(ours.map((s) => `${s.name}|${s.section}:${s.offset}|${s.size}`).sort(), procs.map((m) => `${m[1]}|${Number(m[2])}:${Number(m[3])}|${m[4]}`).sort());
    await src.close();
  });
}
