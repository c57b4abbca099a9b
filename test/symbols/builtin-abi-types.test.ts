// The built-in x64 layouts (used only when nt's types are missing) against three independent sources: the
// 19041 kernel's ISF table (from its PDB), the scenario kernel's PDB (clang-built), and the public headers
// (mingw-w64's winternl.h/ntdef.h, laid out by clang for x64 Windows).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openIsf } from '../../src/formats/isf/open-isf.js';
import { PdbFile } from '../../src/formats/pdb/pdb.js';
import { FileSource } from '../../src/node/file-source.js';
import { BuiltinAbiTypes, NOT_IN_ISF } from '../../src/symbols/builtin-abi-types.js';
import type { SymbolSource } from '../../src/symbols/symbol-source.js';
import type { Field, UdtType } from '../../src/symbols/types.js';
import { corpus, repo, skipUnlessCorpus } from '../helpers/corpus.js';

const ISF = 'isf/ntkrnlmp.pdb/5278AFF86C341677D7D7835C85B7B844-1.json.xz';
const builtin = new BuiltinAbiTypes();

async function builtinTypes(only?: (name: string) => boolean): Promise<UdtType[]> {
  const out: UdtType[] = [];
  for (const n of await builtin.typeNames()) {
    if (only && !only(n)) continue;
    const t = await builtin.findType(n);
    assert.ok(t?.kind === 'udt');
    out.push(t);
  }
  return out;
}

/** Every built-in field exists in `other` under the same name, offset and size (all of them, if `all`). */
async function compare(other: SymbolSource, all: boolean, what: string, only?: (name: string) => boolean): Promise<number> {
  let compared = 0;
  for (const t of await builtinTypes(only)) {
    const o = await other.findType(t.name);
    if (!o && !all) continue;
    assert.ok(o?.kind === 'udt', `${what} has ${t.name}`);
    // The loader entries are described only as far as their stable head: the real ones are longer.
    if (!t.name.includes('LDR_DATA_TABLE_ENTRY')) assert.equal(t.size, o.size, `${what} ${t.name} size`);
    else assert.ok(o.size >= t.size, `${what} ${t.name} size`);
    for (const f of t.fields) {
      const g: Field | undefined = o.fields.find((x) => x.name === f.name);
      if (!g && !all) continue;
      assert.ok(g, `${what} ${t.name}.${f.name}`);
      assert.equal(g.offset, f.offset, `${what} ${t.name}.${f.name} offset`);
      assert.equal(g.type.size, f.type.size, `${what} ${t.name}.${f.name} size`);
      assert.equal(g.type.kind, f.type.kind, `${what} ${t.name}.${f.name} kind`);
      compared++;
    }
  }
  return compared;
}

test('every built-in field has the 19041 ISF table\'s name, offset and size', { skip: skipUnlessCorpus(ISF) }, async () => {
  const isf = openIsf(new Uint8Array(readFileSync(corpus(ISF))), 'ntkrnlmp');
  // _UNLOADED_DRIVERS is built in because this ISF lacks it: it is checked against the scenario PDB below.
  const inIsf = (name: string) => !NOT_IN_ISF.has(name);
  const n = await compare(isf, true, 'ISF', inIsf);
  assert.equal(n, (await builtinTypes(inIsf)).reduce((a, t) => a + t.fields.length, 0));
  for (const name of NOT_IN_ISF) assert.equal(await isf.findType(name), undefined, `the ISF still lacks ${name}`);
});

test('_UNLOADED_DRIVERS (not in the ISF) has the scenario kernel PDB\'s size and every field\'s offset', async () => {
  const src = await FileSource.open(repo('fixtures/scenario/bin/ntkrnlmp.pdb'));
  try {
    const pdb = await PdbFile.open(src);
    const n = await compare(pdb, true, 'scenario PDB', (name) => NOT_IN_ISF.has(name));
    assert.equal(n, 4); // Name, StartAddress, EndAddress, CurrentTime
    // And the public x64 layout, stated independently: 0x28 bytes, Name at 0, StartAddress 0x10, EndAddress 0x18, CurrentTime 0x20.
    const t = await pdb.findType('_UNLOADED_DRIVERS');
    assert.ok(t?.kind === 'udt');
    assert.deepEqual([t.size, ...t.fields.map((f) => [f.name, f.offset])], [0x28, ['Name', 0], ['StartAddress', 0x10], ['EndAddress', 0x18], ['CurrentTime', 0x20]]);
  } finally {
    await src.close();
  }
});

test('built-in fields the scenario kernel PDB describes have its offsets', async () => {
  const src = await FileSource.open(repo('fixtures/scenario/bin/ntkrnlmp.pdb'));
  try {
    const pdb = await PdbFile.open(src);
    assert.ok((await compare(pdb, false, 'scenario PDB')) >= 40);
    // The fields the module list and trap frame readers depend on are all there.
    const kldr = await pdb.findType('_KLDR_DATA_TABLE_ENTRY');
    assert.ok(kldr?.kind === 'udt');
    for (const f of ['InLoadOrderLinks', 'DllBase', 'SizeOfImage', 'FullDllName', 'BaseDllName', 'CheckSum']) assert.ok(kldr.fields.some((x) => x.name === f), f);
  } finally {
    await src.close();
  }
});

const INCLUDE = '/usr/share/mingw-w64/include';
function clangMissing(): false | string {
  if (!existsSync(join(INCLUDE, 'winternl.h'))) return 'mingw-w64 headers are not installed';
  try {
    execFileSync('clang-14', ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'clang-14 is not installed';
  }
}

test('built-in offsets equal the public headers\' layouts (winternl.h, ntdef.h) as clang lays them out for x64', { skip: clangMissing() }, async () => {
  // [built-in type, field, header expression]: only what the headers name (the rest is Reserved there).
  const checks: [string, string, string][] = [
    ['_LIST_ENTRY', 'Flink', 'offsetof(LIST_ENTRY, Flink)'],
    ['_LIST_ENTRY', 'Blink', 'offsetof(LIST_ENTRY, Blink)'],
    ['_UNICODE_STRING', 'Length', 'offsetof(UNICODE_STRING, Length)'],
    ['_UNICODE_STRING', 'MaximumLength', 'offsetof(UNICODE_STRING, MaximumLength)'],
    ['_UNICODE_STRING', 'Buffer', 'offsetof(UNICODE_STRING, Buffer)'],
    ['_LDR_DATA_TABLE_ENTRY', 'InMemoryOrderLinks', 'offsetof(LDR_DATA_TABLE_ENTRY, InMemoryOrderLinks)'],
    ['_LDR_DATA_TABLE_ENTRY', 'DllBase', 'offsetof(LDR_DATA_TABLE_ENTRY, DllBase)'],
    ['_LDR_DATA_TABLE_ENTRY', 'FullDllName', 'offsetof(LDR_DATA_TABLE_ENTRY, FullDllName)'],
  ];
  const dir = mkdtempSync(join(tmpdir(), 'dumpscope-abi-'));
  try {
    const c = ['#include <windows.h>', '#include <winternl.h>', '#include <stddef.h>', ...checks.map(([, , e], i) => `const unsigned long long check${i} = ${e};`)].join('\n');
    writeFileSync(join(dir, 'abi.c'), c);
    execFileSync('clang-14', ['--target=x86_64-w64-windows-gnu', '-S', '-emit-llvm', '-isystem', INCLUDE, '-o', join(dir, 'abi.ll'), join(dir, 'abi.c')]);
    const ir = readFileSync(join(dir, 'abi.ll'), 'utf8');
    for (const [i, [type, field]] of checks.entries()) {
      const m = new RegExp(`@check${i} = .*constant i64 (\\d+)`).exec(ir);
      assert.ok(m, `clang output for ${type}.${field}`);
      const t = await builtin.findType(type);
      assert.ok(t?.kind === 'udt');
      assert.equal(t.fields.find((f) => f.name === field)?.offset, Number(m[1]), `${type}.${field}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
