// The DBI header fields of every corpus PDB against llvm-pdbutil's pdb2yaml (an independent reader).
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PdbFile } from '../../../src/formats/pdb/pdb.js';
import { FileSource } from '../../../src/node/file-source.js';
import { corpus, skipUnlessCorpus } from '../../helpers/corpus.js';
import { pdbutil, pdbutilMissing } from '../../helpers/pdbutil.js';

// IMAGE_FILE_MACHINE_* values for the names llvm-pdbutil prints (winnt.h).
const MACHINE: Record<string, number> = { x86: 0x14c, Amd64: 0x8664, Arm64: 0xaa64, ArmNT: 0x1c4 };

const pdbs = skipUnlessCorpus('symbols')
  ? []
  : readdirSync(corpus('symbols'))
      .filter((d) => d.endsWith('.pdb'))
      .map((d) => {
        const key = readdirSync(corpus(`symbols/${d}`))[0];
        return corpus(join('symbols', d, key, d));
      });

test('the corpus has PDBs to check', { skip: skipUnlessCorpus('symbols') }, () => {
  assert.ok(pdbs.length >= 5, `${pdbs.length} PDBs`);
});

for (const path of pdbs) {
  test(`${path.split('/').pop()}: DBI age, machine and flags equal llvm-pdbutil's`, { skip: pdbutilMissing() }, async () => {
    const yaml = pdbutil(['pdb2yaml', '-dbi-stream', path]);
    const field = (name: string) => /^\s+(\S+)\s*$/.exec(yaml.split('\n').find((l) => l.trim().startsWith(`${name}:`))?.split(':')[1] ?? '')?.[1];
    const src = await FileSource.open(path);
    try {
      const pdb = await PdbFile.open(src);
      const machine = field('MachineType');
      assert.ok(machine && MACHINE[machine] !== undefined, `llvm-pdbutil machine ${machine}`);
      assert.equal(pdb.machine, MACHINE[machine]);
      assert.equal(pdb.dbi.header.flags, Number(field('Flags')));
      assert.equal(pdb.dbiAge, Number(field('Age')));
      assert.equal(pdb.dbi.header.buildNumber, Number(field('BuildNumber')));
    } finally {
      await src.close();
    }
  });
}
