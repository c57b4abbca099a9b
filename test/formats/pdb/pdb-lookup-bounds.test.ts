// `pdb --lookup` past the image's end finds no symbol (not the last one plus a huge displacement). A PDB's
// extent comes from its section headers and must equal the image's SizeOfImage (the corpus README's store
// key for amdppm.sys, C9C03000 + 3b000); an ISF table has no section headers, so the page of its last
// symbol (found here by reading the JSON with the xz command) is the bound.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pdbCommand } from '../../../src/cli/commands/pdb.js';
import { corpus, skipUnlessCorpus } from '../../helpers/corpus.js';

async function lookup(file: string, rvas: string[]): Promise<{ rva: number; symbol: string | null; displacement: number | null; beyond?: { end: number } }[]> {
  let out = '';
  const io = { out: (t: string) => void (out += t), err: () => {}, stderrIsTty: false, env: {} };
  assert.equal(await pdbCommand.run([file, ...rvas.flatMap((r) => ['--lookup', r]), '--json'], io), 0);
  return JSON.parse(out);
}

test('a PDB: lookups stop at the end of the last section, which is the image\'s SizeOfImage', { skip: skipUnlessCorpus('symbols/amdppm.pdb') }, async () => {
  const dir = corpus('symbols/amdppm.pdb');
  const file = join(dir, readdirSync(dir)[0], 'amdppm.pdb');
  const [far, last, end] = await lookup(file, ['0xffffffff', '0x3afff', '0x3b000']);
  assert.equal(far.symbol, null);
  assert.equal(far.beyond?.end, 0x3b000);
  assert.notEqual(last.symbol, null, 'the last byte of the image still has a symbol below it');
  assert.equal(end.symbol, null);
});

function xzMissing(): false | string {
  try {
    execFileSync('xz', ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'xz is not installed';
  }
}

test('an ISF table: lookups stop at the page of its last symbol', { skip: skipUnlessCorpus('isf/ntkrnlmp.pdb') || xzMissing() }, async () => {
  const dir = corpus('isf/ntkrnlmp.pdb');
  const file = join(dir, readdirSync(dir)[0]);
  const json = JSON.parse(execFileSync('xz', ['-dc', file], { maxBuffer: 1 << 30 }).toString('utf8')) as { symbols: Record<string, { address: number }> };
  const lastRva = Math.max(...Object.values(json.symbols).map((s) => s.address));
  const pageEnd = (Math.floor(lastRva / 0x1000) + 1) * 0x1000;
  const [far, inPage, past] = await lookup(file, ['0xffffffff', `0x${(pageEnd - 1).toString(16)}`, `0x${pageEnd.toString(16)}`]);
  assert.equal(far.symbol, null);
  assert.equal(far.beyond?.end, pageEnd);
  assert.equal(inPage.displacement, pageEnd - 1 - lastRva);
  assert.equal(past.symbol, null);
});
