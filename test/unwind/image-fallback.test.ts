// A module whose .pdata page is in the dump but whose .xdata and debug directory page is not: the missing
// bytes come from the image file on the symbol path (matched by the loader entry's timestamp and size), so
// the unwind stays exact and the PDB is found through the file's CodeView record. The expected chain is the
// 0x7E walkthrough's STACK_TEXT (EvilDriver's frames, then PnpCallDriverEntry … KiStartSystemThread); where
// the page is comes from llvm-readobj.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createEngine } from '../../src/commands/registry.js';
import { openSession } from '../../src/node/open-session.js';
import { scenarioBinDir } from '../../src/node/scenario-files.js';
import { writePatchedScenario } from './scenario-patch.js';

const dir = mkdtempSync(join(tmpdir(), 'dumpscope-image-fallback-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const io = { out: () => {}, err: () => {}, stderrIsTty: false, env: {} };
const opts = { sympath: scenarioBinDir(), offline: true, json: false, markdown: false, commands: [], rest: [] };

function readobj(): string | undefined {
  try {
    return execFileSync('llvm-readobj-14', ['--file-headers', '--sections', '--coff-debug-directory', join(scenarioBinDir(), 'EvilDriver.sys')], { encoding: 'utf8' });
  } catch {
    return undefined;
  }
}
const headers = readobj();

test('EvilDriver without its .rdata page (.xdata, CodeView): k stays exact and lmvm finds the PDB through the image file', { skip: headers ? false : 'llvm-readobj-14 is not installed' }, async () => {
  const base = BigInt(/ImageBase: (0x[0-9A-F]+)/.exec(headers!)![1]);
  const rdata = BigInt(/Name: \.rdata[\s\S]*?VirtualAddress: (0x[0-9A-F]+)/.exec(headers!)![1]);
  const cv = BigInt(/AddressOfRawData: (0x[0-9A-F]+)/.exec(headers!)![1]);
  assert.equal(rdata, 0x2000n);
  assert.equal(cv & ~0xfffn, rdata, 'the CodeView record is on that page too');
  const path = join(dir, 'no-rdata.dmp');
  await writePatchedScenario('0x7e', path, async (_w, p) => p.dropPage(base + rdata), 'kernel-bitmap');
  const { session, close } = await openSession(path, opts, io);
  try {
    const [db, k, lm] = await createEngine().run(session, `db ${(base + rdata).toString(16)} L8; k; lmvm EvilDriver`);
    assert.match(db.text, /\?\? \?\? \?\?/, 'the page is not in the dump');
    assert.ok(k.ok, k.text);
    assert.doesNotMatch(k.text, /guessed|WARNING: Stack unwind/);
    const sites = k.text.split('\n').filter((l) => /^[0-9a-f]{2} /.test(l)).map((l) => l.split(/\s+/)[3].replace(/\+0x[0-9a-f]+$/, ''));
    const first = sites.indexOf('EvilDriver!FillAndFree');
    assert.ok(first > 0, sites.join(' '));
    assert.deepEqual(sites.slice(first + 4), ['nt!PnpCallDriverEntry', 'nt!IopLoadDriver', 'nt!IopLoadUnloadDriver', 'nt!ExpWorkerThread', 'nt!PspSystemThreadStartup', 'nt!KiStartSystemThread']);
    assert.ok(sites.slice(first, first + 4).every((s) => s.startsWith('EvilDriver!')), sites.join(' '));
    assert.match(lm.text, /EvilDriver +\(private pdb symbols\) +.*EvilDriver\.pdb/);
  } finally {
    await close();
  }
});
