// types.pdb and types.dll (built by scripts/make-pdb-fixtures.sh) against the llvm-pdbutil dumps committed
// beside them (fixtures/pdb/expected/publics.txt and symbols.txt), so these checks run without LLVM too:
// every public, every procedure and data symbol, lookups at and inside each procedure, typedefs, and the
// image's exports. Section addresses come from the DLL's section table, read here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { PdbFile } from '../../../src/formats/pdb/pdb.js';
import { readExports } from '../../../src/formats/pe/pe-directories.js';
import { PeImage } from '../../../src/formats/pe/pe-image.js';
import { BufferSource } from '../../../src/io/buffer-source.js';
import { repo } from '../../helpers/corpus.js';

const pdbBytes = new Uint8Array(readFileSync(repo('fixtures/pdb/bin/types.pdb')));
const dllBytes = new Uint8Array(readFileSync(repo('fixtures/pdb/bin/types.dll')));
const publicsText = readFileSync(repo('fixtures/pdb/expected/publics.txt'), 'utf8');
const symbolsText = readFileSync(repo('fixtures/pdb/expected/symbols.txt'), 'utf8');

/** Virtual addresses of the DLL's sections, numbered from 1 as PDB addresses (SECTION:OFFSET) number them. */
function sectionVas(b: Uint8Array): number[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const nt = dv.getUint32(0x3c, true);
  const table = nt + 24 + dv.getUint16(nt + 20, true);
  return Array.from({ length: dv.getUint16(nt + 6, true) }, (_, i) => dv.getUint32(table + i * 40 + 12, true));
}
const vas = sectionVas(dllBytes);
const rvaOf = (section: number, offset: number) => vas[section - 1] + offset;

const publics = [...publicsText.matchAll(/S_PUB32 \[size = \d+\] `(.*)`\n\s+flags = ([^,]+), addr = (\d+):(\d+)/g)].map((m) => ({ name: m[1], isFunction: /function/.test(m[2]), section: Number(m[3]), offset: Number(m[4]) }));
const procs = [...symbolsText.matchAll(/S_([GL])PROC32 \[size = \d+\] `(.*)`\n.*addr = (\d+):(\d+), code size = (\d+)/g)].map((m) => ({ name: m[2], global: m[1] === 'G', section: Number(m[3]), offset: Number(m[4]), size: Number(m[5]) }));
const data = [...symbolsText.matchAll(/S_([GL])DATA32 \[size = \d+\] `(.*)`\n\s+type = .*, addr = (\d+):(\d+)/g)].map((m) => ({ name: m[2], section: Number(m[3]), offset: Number(m[4]) }));

test('types.pdb: publics equal the committed llvm-pdbutil dump', async () => {
  assert.ok(publics.length >= 5, 'the dump lists the publics');
  const pdb = await PdbFile.open(new BufferSource(pdbBytes, 'types.pdb'));
  const ours = (await pdb.publics()).map((p) => `${p.name}|${p.section}:${p.offset}|${p.isFunction}|${p.rva}`);
  assert.deepEqual(ours.sort(), publics.map((p) => `${p.name}|${p.section}:${p.offset}|${p.isFunction}|${rvaOf(p.section, p.offset)}`).sort());
});

test('types.pdb: procedures and data equal the committed dump, and lookups land in them', async () => {
  assert.ok(procs.length >= 3 && data.length >= 1);
  const pdb = await PdbFile.open(new BufferSource(pdbBytes, 'types.pdb'));
  const ours = await pdb.privateSymbols();
  assert.deepEqual(
    ours.filter((s) => s.kind === 'function').map((s) => `${s.name}|${s.section}:${s.offset}|${s.size}|${s.global}`).sort(),
    procs.map((p) => `${p.name}|${p.section}:${p.offset}|${p.size}|${p.global}`).sort(),
  );
  for (const d of data) assert.ok(ours.some((s) => s.kind === 'data' && s.name === d.name && s.rva === rvaOf(d.section, d.offset)), d.name);
  // Start, inside and last byte of every procedure (a static one, `helper`, has no public).
  for (const p of procs) {
    const start = rvaOf(p.section, p.offset);
    for (const at of [start, start + (p.size >> 1), start + p.size - 1]) {
      const m = await pdb.symbolAt(at);
      assert.deepEqual([m?.symbol.name, m?.displacement, m?.symbol.kind], [p.name, at - start, 'function'], `0x${at.toString(16)}`);
    }
  }
  // Data: the nearest symbol at or below an address inside it (g_everything is a large structure).
  const e = publics.find((p) => p.name === 'g_everything');
  assert.ok(e);
  const m = await pdb.symbolAt(rvaOf(e.section, e.offset) + 0x40);
  assert.deepEqual([m?.symbol.name, m?.displacement], ['g_everything', 0x40]);
});

test('types.pdb: typedef names resolve to their types (S_UDT)', async () => {
  const pdb = await PdbFile.open(new BufferSource(pdbBytes, 'types.pdb'));
  // fixtures/pdb/src/types.c: typedef unsigned long long u64; typedef long (*callback_t)(void *, unsigned int);
  const u64 = await pdb.findType('u64');
  assert.deepEqual([u64?.kind, u64?.size], ['base', 8]);
  const cb = await pdb.findType('callback_t');
  assert.ok(cb?.kind === 'pointer' && cb.size === 8 && cb.target.kind === 'function');
  assert.equal(await pdb.findType('no_such_typedef'), undefined);
});

test('types.dll: the exported data and functions are the PDB\'s publics at the same RVAs', async () => {
  const pe = await PeImage.open(async (o, n) => (o >= 0 && o + n <= dllBytes.length ? dllBytes.subarray(o, o + n) : undefined), false, 'types.dll');
  const exp = await readExports(pe);
  assert.ok(exp && exp.entries.length > 0);
  for (const e of exp.entries) {
    const p = publics.find((x) => x.name === e.name);
    assert.ok(p, `${e.name} is a public in the dump`);
    assert.equal(e.rva, rvaOf(p.section, p.offset), e.name);
  }
});
