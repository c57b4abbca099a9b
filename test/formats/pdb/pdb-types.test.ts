import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PdbFile } from '../../../src/formats/pdb/pdb.js';
import { FileSource } from '../../../src/node/file-source.js';
import { corpus, repo, skipUnlessCorpus } from '../../helpers/corpus.js';
import { compareTypes, LlvmTypes, members, pdbutil, pdbutilMissing, udtInfo } from '../../helpers/pdbutil.js';
import { renderTypeLayout, typeLayout } from '../../../src/symbols/layout.js';
import { readdirSync, readFileSync } from 'node:fs';
import { type Field, findField, typeName } from '../../../src/symbols/types.js';
import { dtTypeName } from '../../../src/symbols/windbg-type-name.js';

function pdbPath(name: string): string {
  const dir = corpus(`symbols/${name}`);
  return `${dir}/${readdirSync(dir)[0]}/${name}`;
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

test('types.pdb (built from fixtures/pdb/src/types.c): layouts equal llvm-pdbutil\'s, and every kind maps to the model', async () => {
  const path = repo('fixtures/pdb/bin/types.pdb');
  // With LLVM installed the comparison is live; without, against the dump committed by the fixture script.
  const text = pdbutilMissing() ? readFileSync(repo('fixtures/pdb/expected/types.txt'), 'utf8') : undefined;
  assert.ok((await compareTypes(path, text)) >= 8);
  const src = await FileSource.open(path);
  try {
    const types = await (await PdbFile.open(src)).types();
    const e = types.findType('everything');
    assert.ok(e?.kind === 'udt');
    const f = (n: string) => e.fields.find((x) => x.name === n)!;
    const matrix = f('matrix').type;
    assert.ok(matrix.kind === 'array' && matrix.count === 3 && matrix.element.kind === 'array' && matrix.element.count === 4);
    assert.ok(matrix.element.element.kind === 'array' && matrix.element.element.count === 2 && matrix.size === 96);
    const v = f('v').type;
    assert.ok(v.kind === 'udt' && v.udtKind === 'union' && v.fields.every((x) => x.offset === 0));
    const c = f('c').type;
    assert.ok(c.kind === 'enum');
    assert.deepEqual(c.enumerators.map((x) => [x.name, x.value]), [['RED', -2n], ['GREEN', 0n], ['BLUE', 7n], ['BIG', 0x7fffffffn]]);
    const w = f('w').type;
    assert.ok(w.kind === 'enum' && w.size === 8 && w.enumerators.some((x) => x.value === 0xfffffffffffffff0n));
    const cb = f('cb').type;
    assert.ok(cb.kind === 'pointer' && cb.target.kind === 'function' && cb.target.params.length === 2);
    const handlers = f('handlers').type;
    assert.ok(handlers.kind === 'array' && handlers.count === 4 && handlers.element.kind === 'pointer');
    const fwd = f('fwd').type;
    assert.ok(fwd.kind === 'pointer' && fwd.target.kind === 'udt' && fwd.target.size === 16, 'the forward reference resolves to the definition');
    const flags = f('f').type;
    assert.ok(flags.kind === 'udt');
    assert.deepEqual(flags.fields.map((x) => [x.name, x.offset, x.bitPosition, x.bitLength]), [
      ['a', 0, 0, 1], ['b', 0, 1, 3], ['c', 0, 6, 2], ['s1', 2, 0, 5], ['s2', 2, 5, 11], ['l1', 4, 0, 17], ['l2', 4, 17, 15], ['q1', 8, 0, 40], ['q2', 8, 40, 24],
    ]);
    assert.ok(f('after_big').offset > 0x1200);
    const list = f('links').type;
    assert.ok(list.kind === 'udt' && list.fields[0].type.kind === 'pointer' && list.fields[0].type.target === list, 'self-reference');
  } finally {
    await src.close();
  }
});

test('types.pdb: array types are named outermost dimension first, as types.c declares them', async () => {
  // Expected names come from the C source: `int matrix[3][4][2];` is `int [3][4][2]` (dx, C spelling) and
  // `[3] [4] [2] Int4B` (dt).
  const source = readFileSync(repo('fixtures/pdb/src/types.c'), 'utf8');
  const body = /struct everything \{([\s\S]*?)\n\};/.exec(source)![1];
  const decls = [...body.matchAll(/^\s+(int|unsigned char)\s+(\w+)((?:\[\w+\])+);/gm)].map((m) => ({ c: m[1], name: m[2], dims: [...m[3].matchAll(/\[(\w+)\]/g)].map((d) => Number(d[1])) }));
  assert.deepEqual(decls.map((d) => d.name), ['matrix', 'big']);
  const src = await FileSource.open(repo('fixtures/pdb/bin/types.pdb'));
  try {
    const e = (await (await PdbFile.open(src)).types()).findType('everything');
    assert.ok(e?.kind === 'udt');
    for (const d of decls) {
      const field: Field | undefined = e.fields.find((x) => x.name === d.name);
      assert.ok(field, d.name);
      assert.equal(typeName(field.type), `${d.c} ${d.dims.map((n) => `[${n}]`).join('')}`);
      const dtBase = d.c === 'int' ? 'Int4B' : 'UChar';
      assert.equal(dtTypeName(field.type), `${d.dims.map((n) => `[${n}]`).join(' ')} ${dtBase}`);
    }
  } finally {
    await src.close();
  }
});

test('CrashWithException.pdb: C++ base classes and the vtable pointer are fields, shown as WinDbg\'s dt shows them', { skip: skipUnlessCorpus('symbols/CrashWithException.pdb') || pdbutilMissing() }, async () => {
  const path = pdbPath('CrashWithException.pdb');
  // Expected from llvm-pdbutil: std::bad_alloc's field list starts with LF_BCLASS std::exception at offset 0,
  // and std::exception's with LF_VFUNCTAB; its _Data member is at offset 8.
  const text = pdbutil(['dump', '-types', path]);
  const llvm = LlvmTypes.from(text);
  const def = (name: string) => [...llvm.recs.values()].find((r) => r.name === name && r.leaf === 'LF_CLASS' && !/forward ref/.test(r.text))!;
  const badAlloc = members(llvm.recs.get(udtInfo(def('std::bad_alloc')).fieldList!)!);
  assert.equal(badAlloc[0].name, '__BaseClass');
  assert.equal(llvm.name(badAlloc[0].type), 'std::exception');
  const src = await FileSource.open(path);
  try {
    const types = await (await PdbFile.open(src)).types();
    const t = types.findType('std::bad_alloc');
    assert.ok(t?.kind === 'udt');
    assert.deepEqual(t.fields.map((f) => [f.name, f.offset, f.role, typeName(f.type)]), [['__BaseClass', badAlloc[0].offset, 'base', 'std::exception']]);
    // A derived class has its base's fields (dt FIELD, struct views).
    assert.equal(findField(t, '_Data')?.offset, 8);
    const text2 = renderTypeLayout(typeLayout(types.findType('std::exception')!));
    // Base classes and the vtable pointer sit in the name and type columns like every other field.
    assert.match(text2, /^ {3}\+0x000 __VFN_table {14}void \*$/m);
    assert.match(renderTypeLayout(typeLayout(t)), /^ {3}\+0x000 __BaseClass {14}std::exception$/m);
  } finally {
    await src.close();
  }
});
