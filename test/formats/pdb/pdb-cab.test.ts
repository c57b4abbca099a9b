// `dumpscope pdb NAME.pd_`: a CAB-compressed PDB, as symbol servers send it, is read directly. The cabinet
// is made by gcab (an independent tool); the identity is the corpus README's key for amdppm.pdb, and
// +0x334c is WriteIoMemRawEx+0x70 (the README's faulting offset in the triage dump, amdppm's public PDB).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pdbCommand } from '../../../src/cli/commands/pdb.js';
import { corpus, skipUnlessCorpus } from '../../helpers/corpus.js';

const PDB = 'symbols/amdppm.pdb/1C19FDDB27BB3399D9B45973EFEAFCF31/amdppm.pdb';
const work = mkdtempSync(join(tmpdir(), 'dumpscope-pdb-cab-'));
after(() => rmSync(work, { recursive: true, force: true }));

function gcabMissing(): false | string {
  try {
    execFileSync('gcab', ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'gcab is not installed';
  }
}

async function pdb(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = { out: (t: string) => void (out += t), err: (t: string) => void (err += t), stderrIsTty: false, env: {} };
  const code = await pdbCommand.run(args, io).catch((e: Error) => {
    err += e.message;
    return -1;
  });
  return { code, out, err };
}

test('a CAB-compressed PDB is read without expanding it first', { skip: skipUnlessCorpus(PDB) || gcabMissing() }, async () => {
  copyFileSync(corpus(PDB), join(work, 'amdppm.pdb'));
  execFileSync('gcab', ['-c', '-z', '-n', join(work, 'amdppm.pd_'), 'amdppm.pdb'], { cwd: work });
  const id = await pdb([join(work, 'amdppm.pd_'), '--json']);
  assert.equal(id.code, 0, id.err);
  const j = JSON.parse(id.out);
  assert.equal(j.format, 'pdb');
  assert.equal(j.guid, '1C19FDDB27BB3399D9B45973EFEAFCF3');
  assert.equal(j.age, 1);
  const ln = await pdb([join(work, 'amdppm.pd_'), '--lookup', '0x334c']);
  assert.equal(ln.code, 0, ln.err);
  assert.match(ln.out, /^0000334c {2}WriteIoMemRawEx\+0x70 /);

  // A cabinet of two files is not one compressed symbol file.
  writeFileSync(join(work, 'other.txt'), 'x');
  execFileSync('gcab', ['-c', '-z', '-n', join(work, 'two.pd_'), 'amdppm.pdb', 'other.txt'], { cwd: work });
  const two = await pdb([join(work, 'two.pd_')]);
  assert.notEqual(two.code, 0);
  assert.match(two.err, /the cabinet holds 2 files; a compressed symbol file holds one/);
});
