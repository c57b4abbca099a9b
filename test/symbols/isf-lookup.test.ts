// ISF tables are looked for only in Volatility's layouts, and a file there is sniffed before it is read
// whole: a mismatched PDB under the module's PDB name is reported once, as a mismatch, never again as an
// unreadable ISF table. Identities come from the corpus README (amdppm's PDB, user32's PDB).
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createEngine } from '../../src/commands/registry.js';
import { FileSource } from '../../src/node/file-source.js';
import { openSession } from '../../src/node/open-session.js';
import { SymbolStore } from '../../src/node/symbol-store.js';
import { parseSymbolPath } from '../../src/symbols/symbol-path.js';
import { corpus, skipUnlessCorpus } from '../helpers/corpus.js';

const USER32 = 'symbols/user32.pdb/15F778B3671D4EFDBDCDE79905308B792/user32.pdb';
const AMDPPM_SYS = 'symbols/amdppm.sys/C9C030003b000/amdppm.sys';
const AMDPPM_PDB = { name: 'amdppm.pdb', guid: '1C19FDDB27BB3399D9B45973EFEAFCF3', age: 1 };
const skip = skipUnlessCorpus(USER32) || skipUnlessCorpus(AMDPPM_SYS) || skipUnlessCorpus('isf/ntkrnlmp.pdb');
const work = mkdtempSync(join(tmpdir(), 'dumpscope-isf-lookup-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** `fn`'s result and the bytes read from files while it ran. */
async function bytesRead<T>(fn: () => Promise<T>): Promise<{ n: number; r: T }> {
  const orig = FileSource.prototype.read;
  let n = 0;
  FileSource.prototype.read = function (offset: number, length: number) {
    n += length;
    return orig.call(this, offset, length);
  };
  try {
    return { r: await fn(), n };
  } finally {
    FileSource.prototype.read = orig;
  }
}

test('findIsf tries only ISF layouts and sniffs before reading whole', { skip }, async () => {
  const flat = join(work, 'flat');
  mkdirSync(join(flat, 'amdppm.pdb', '1C19FDDB27BB3399D9B45973EFEAFCF31'), { recursive: true });
  // A wrong PDB under the right flat name and under the right store key: both are PDB places, not ISF ones.
  copyFileSync(corpus(USER32), join(flat, 'amdppm.pdb', '1C19FDDB27BB3399D9B45973EFEAFCF31', 'amdppm.pdb'));
  const s = new SymbolStore(parseSymbolPath(`${flat};${corpus('isf')}`), { defaultCache: join(work, 'unused'), offline: true });
  const { r, n } = await bytesRead(() => s.findIsf(AMDPPM_PDB));
  assert.ok(!r.found);
  assert.equal(r.refused, undefined, JSON.stringify(r));
  assert.equal(r.mismatch, undefined);
  assert.equal(n, 0, 'no file in a PDB place is opened for an ISF table');

  // A PDB put where an ISF table belongs is refused after its first bytes, saying what it is.
  const isfDir = join(work, 'isf');
  mkdirSync(join(isfDir, 'amdppm.pdb'), { recursive: true });
  copyFileSync(corpus(USER32), join(isfDir, 'amdppm.pdb', '1C19FDDB27BB3399D9B45973EFEAFCF3-1.json.xz'));
  const s2 = new SymbolStore(parseSymbolPath(isfDir), { defaultCache: join(work, 'unused'), offline: true });
  const { r: r2, n: m } = await bytesRead(() => s2.findIsf(AMDPPM_PDB));
  assert.ok(!r2.found);
  assert.equal(r2.refused?.length, 1);
  assert.match(r2.refused?.[0] ?? '', /not an ISF table: it looks like a PDB/);
  assert.ok(m <= 128 * 1024, `read ${m} bytes of a 1.2 MB PDB (a page of the cache at most)`);

  // The real nt table is still found (Volatility layout).
  const nt = await s.findIsf({ name: 'ntkrnlmp.pdb', guid: '5278AFF86C341677D7D7835C85B7B844', age: 1 });
  assert.ok(nt.found && nt.path.endsWith('5278AFF86C341677D7D7835C85B7B844-1.json.xz'));
  await s.close();
  await s2.close();
});

test('a mismatched PDB under a flat name gives one mismatch warning and one Symbol status line', { skip: skip || skipUnlessCorpus('kernel/win10-19041-x64-triage-1000007e.dmp') }, async () => {
  const flat = join(work, 'flat2');
  mkdirSync(flat, { recursive: true });
  copyFileSync(corpus(USER32), join(flat, 'amdppm.pdb'));
  copyFileSync(corpus(AMDPPM_SYS), join(flat, 'amdppm.sys'));
  const errors: string[] = [];
  const io = { out: () => {}, err: (t: string) => void errors.push(t), stderrIsTty: false, env: {} };
  const opened = await openSession(corpus('kernel/win10-19041-x64-triage-1000007e.dmp'), { sympath: `${flat};${corpus('isf')}`, offline: true, json: false, markdown: false, commands: [], rest: [] }, io);
  try {
    const engine = createEngine();
    const [o] = await engine.run(opened.session, 'lmvm amdppm');
    assert.ok(o.ok, o.text);
    assert.deepEqual(
      errors.filter((e) => /amdppm/i.test(e)),
      [
        '*** WARNING: Symbol file for amdppm.sys is mismatched, not used (' + `${join(flat, 'amdppm.pdb')}: PDB is 15F778B3671D4EFDBDCDE79905308B79/2, wanted 1C19FDDB27BB3399D9B45973EFEAFCF3/1)`,
        '*** ERROR: Module load completed but symbols could not be loaded for amdppm.sys',
      ],
    );
    assert.doesNotMatch(o.text, /ISF/);
    assert.match(o.text, /Symbol status: +mismatched symbol file, not used/);
  } finally {
    await opened.close();
  }
});
