// `dumpscope pdb --type`: a name several different definitions share is not guessed (the choices are listed
// with their type indices), and a type index as --types prints it picks one. Indices, kinds, sizes and
// members come from llvm-pdbutil's own dump of the same file.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pdbCommand } from '../../../src/cli/commands/pdb.js';
import { corpus, skipUnlessCorpus } from '../../helpers/corpus.js';
import { members, parseTypes, pdbutil, pdbutilMissing, udtInfo } from '../../helpers/pdbutil.js';

const skip = skipUnlessCorpus('symbols/CrashWithException.pdb') || pdbutilMissing();

function pdbPath(name: string): string {
  const dir = corpus(`symbols/${name}`);
  return join(dir, readdirSync(dir)[0], name);
}

async function pdb(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = { out: (t: string) => void (out += t), err: (t: string) => void (err += t), stderrIsTty: false, env: {} };
  const code = await pdbCommand.run(args, io);
  return { code, out, err };
}

test('--type <anonymous-tag> lists the definitions; --type 0xINDEX picks one', { skip }, async () => {
  const path = pdbPath('CrashWithException.pdb');
  const recs = parseTypes(pdbutil(['dump', '-types', path]));
  const anon = [...recs.values()].filter((r) => /^LF_(STRUCTURE|CLASS|UNION)$/.test(r.leaf) && r.name === '<anonymous-tag>' && !udtInfo(r).forward);
  assert.ok(anon.length >= 2, 'the file has several anonymous definitions');
  const r = await pdb([path, '--type', '<anonymous-tag>']);
  assert.equal(r.code, 1);
  assert.equal(r.out, '');
  assert.match(r.err, new RegExp(`${anon.length} different types named <anonymous-tag>`));
  for (const a of anon) {
    const kind = a.leaf === 'LF_UNION' ? 'union' : 'struct';
    assert.ok(r.err.includes(`0x${a.ti.toString(16)} (${kind}, ${udtInfo(a).size} bytes)`), `${a.ti.toString(16)} in: ${r.err}`);
  }
  assert.match(r.err, /choose one by index, e\.g\. --type 0x[0-9a-f]+/);

  // Each index gives that definition's members, as llvm-pdbutil lists them.
  for (const a of anon) {
    const j = await pdb([path, '--type', `0x${a.ti.toString(16).toUpperCase()}`, '--json']);
    assert.equal(j.code, 0, j.err);
    const layout = JSON.parse(j.out);
    assert.equal(layout.size, udtInfo(a).size);
    const fl = recs.get(udtInfo(a).fieldList ?? -1);
    assert.ok(fl);
    assert.deepEqual(
      layout.fields.map((f: { name: string; offset: number }) => [f.name, f.offset]),
      members(fl).map((m) => [m.name, m.offset]),
    );
  }
  const none = await pdb([path, '--type', '0x999999']);
  assert.equal(none.code, 1);
  assert.match(none.err, /has no type at index 0x999999/);
});

test('--type 0xINDEX on an ISF table says indices are a PDB\'s', { skip: skipUnlessCorpus('isf/ntkrnlmp.pdb') }, async () => {
  const dir = corpus('isf/ntkrnlmp.pdb');
  const r = await pdb([join(dir, readdirSync(dir)[0]), '--type', '0x1d25']);
  assert.equal(r.code, 1);
  assert.match(r.err, /0x1d25 is a type index, which only a PDB has/);
});
