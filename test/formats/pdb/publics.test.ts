import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PdbFile } from '../../../src/formats/pdb/pdb.js';
import { BufferSource } from '../../../src/io/buffer-source.js';
import { DumpscopeError } from '../../../src/io/errors.js';
import { FileSource } from '../../../src/node/file-source.js';
import { corpus, skipUnlessCorpus } from '../../helpers/corpus.js';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fuzzParams } from '../../helpers/fuzz-budget.js';

function hasPdbutil(): boolean {
  try {
    execFileSync('llvm-pdbutil', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const pdbs = skipUnlessCorpus('symbols') ? [] : readdirSync(corpus('symbols')).filter((d) => d.endsWith('.pdb')).map((d) => {
  const key = readdirSync(corpus(`symbols/${d}`))[0];
  return { key, path: corpus(join('symbols', d, key, d)) };
});

for (const { key, path } of pdbs) {
  test(`${path.split('/').pop()}: every public symbol and the GUID/age equal llvm-pdbutil's`, { skip: hasPdbutil() ? false : 'llvm-pdbutil is not installed' }, async () => {
    const src = await FileSource.open(path);
    const pdb = await PdbFile.open(src);
    // The store key is GUID + age (hex) as the image's CodeView record states it; the DBI age must match.
    assert.equal(`${pdb.guid}${pdb.dbiAge.toString(16).toUpperCase()}`, key);
    const text = execFileSync('llvm-pdbutil', ['dump', '-publics', path], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const expected: string[] = [];
    const re = /S_PUB32 \[size = \d+\] `(.*)`\n\s+flags = ([^,]+), addr = (\d+):(\d+)/g;
    for (let m = re.exec(text); m; m = re.exec(text)) expected.push(`${m[1]}|${Number(m[3])}|${Number(m[4])}|${/function/.test(m[2])}`);
    const ours = (await pdb.publics()).map((p) => `${p.name}|${p.section}|${p.offset}|${p.isFunction}`);
    assert.ok(expected.length > 0);
    assert.deepEqual([...ours].sort(), [...expected].sort());
    await src.close();
  });
}

test('damaged PDBs give typed errors', { skip: skipUnlessCorpus('symbols/amdppm.pdb') }, async () => {
  const good = new Uint8Array(readFileSync(pdbs.find((p) => p.path.includes('amdppm'))!.path));
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(fc.nat(good.length - 1), fc.nat(255)), { minLength: 1, maxLength: 6 }), fc.nat(good.length), async (flips, cut) => {
      const b = good.slice(0, Math.max(cut, 16));
      for (const [at, v] of flips) if (at < b.length) b[at] = v;
      try {
        const pdb = await PdbFile.open(new BufferSource(b));
        await pdb.symbolAt(0x334c);
      } catch (e) {
        assert.ok(e instanceof DumpscopeError, String(e));
      }
    }),
    fuzzParams(13, 150, 4),
  );
});
