// Symbols through the whole target: the module list without nt's types, export and module+0xoffset
// fallbacks, the `lm` symbol column, mismatched files and failing servers reported as WinDbg-style warnings.
// Expected values come from llvm-readobj / llvm-pdbutil, the corpus README and the dump header.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { ModulesResult } from '../../src/commands/builtin/modules.js';
import { createEngine } from '../../src/commands/registry.js';
import { openSession } from '../../src/node/open-session.js';
import { BUILTIN_TYPES_NOTE } from '../../src/symbols/builtin-abi-types.js';
import { corpus, repo, skipUnlessCorpus } from '../helpers/corpus.js';
import { pdbutil, pdbutilMissing } from '../helpers/pdbutil.js';

const SAMPLE = repo('samples/walkthrough-0x50.dmp');
const BIN = repo('fixtures/scenario/bin');
const TRIAGE = 'kernel/win10-19041-x64-triage-1000007e.dmp';
const work = mkdtempSync(join(tmpdir(), 'dumpscope-fallbacks-'));
after(() => rmSync(work, { recursive: true, force: true }));

function readobjMissing(): false | string {
  try {
    execFileSync('llvm-readobj-14', ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'llvm-readobj-14 is not installed';
  }
}

async function open(dump: string, sympath: string, env: Record<string, string | undefined> = {}) {
  const errors: string[] = [];
  const io = { out: () => {}, err: (t: string) => void errors.push(t), stderrIsTty: false, env };
  const s = await openSession(dump, { sympath, offline: !sympath.includes('http'), json: false, markdown: false, commands: [], rest: [] }, io);
  const engine = createEngine();
  const run = async (cmd: string) => {
    const [o] = await engine.run(s.session, cmd);
    assert.ok(o.ok, o.text);
    return o;
  };
  return { ...s, errors, run };
}

const lmRow = (r: ModulesResult, name: string) => r.rows.find((x) => x.name === name);

test('without nt\'s types the module list is read through the fixed x64 loader entry, and frames fall back to Driver+0xoffset and nt exports', { skip: readobjMissing() }, async () => {
  const s = await open(SAMPLE, join(work, 'nothing-here'));
  try {
    // Driver.sys facts from llvm-readobj: SizeOfImage and TimeDateStamp (the latter read from the headers
    // mapped in the dump, since the built-in loader entry stops before TimeDateStamp).
    const hdr = execFileSync('llvm-readobj-14', ['--file-headers', join(BIN, 'Driver.sys')], { encoding: 'utf8' });
    const size = Number(/SizeOfImage: (\d+)/.exec(hdr)![1]);
    const stamp = Number.parseInt(/TimeDateStamp: .*\(0x([0-9A-F]+)\)/.exec(hdr)![1], 16);
    const lm = (await s.run('lm')).result as ModulesResult;
    const driver = lmRow(lm, 'Driver');
    assert.ok(driver, lm.rows.map((r) => r.name).join(','));
    assert.equal(driver.imageName, 'Driver.sys');
    assert.equal(driver.size, size);
    assert.equal(driver.timestamp, stamp);
    assert.ok(s.target.limitations.includes(BUILTIN_TYPES_NOTE));
    // The bugcheck's third argument is the faulting instruction (0x50): inside Driver, no symbols for it.
    const rip = s.target.dump.header.bugcheckArgs[2];
    assert.ok(rip >= driver.base && rip < driver.end);
    assert.equal(await s.target.symbolize(rip), `Driver+0x${(rip - driver.base).toString(16)}`);
    // nt's export table (from its pages in the dump) names KeBugCheckEx at the RVA llvm-readobj reads.
    const exports = execFileSync('llvm-readobj-14', ['--coff-exports', join(BIN, 'ntoskrnl.exe')], { encoding: 'utf8' });
    const rva = BigInt(/Name: KeBugCheckEx\n\s+RVA: (0x[0-9A-F]+)/i.exec(exports)![1]);
    const nt = lmRow(lm, 'nt')!;
    assert.equal(await s.target.symbolize(nt.base + rva + 5n), 'nt!KeBugCheckEx+0x5');
    const after = (await s.run('lm')).result as ModulesResult;
    assert.equal(lmRow(after, 'nt')?.symbols, '(export symbols)');
    assert.equal(lmRow(after, 'Driver')?.symbols, '(no symbols)');
    assert.ok(s.errors.some((e) => /^\*\*\* ERROR: Symbol file could not be found\. {2}Defaulted to export symbols for ntoskrnl\.exe/.test(e)), s.errors.join('\n'));
    assert.ok(s.errors.some((e) => /symbols could not be loaded for Driver\.sys/.test(e)), s.errors.join('\n'));
  } finally {
    await s.close();
  }
});

test('lm tells private PDBs from public (stripped) ones, by the DBI flags llvm-pdbutil reads', { skip: pdbutilMissing() || skipUnlessCorpus(TRIAGE) }, async () => {
  const flags = (pdb: string) => Number(/Flags:\s+(\d+)/.exec(pdbutil(['pdb2yaml', '-dbi-stream', pdb]))![1]);
  const amdppmPdb = join(corpus('symbols/amdppm.pdb'), readdirSync(corpus('symbols/amdppm.pdb'))[0], 'amdppm.pdb');
  assert.equal(flags(join(BIN, 'Driver.pdb')) & 2, 0, 'Driver.pdb keeps its private symbols');
  assert.equal(flags(amdppmPdb) & 2, 2, 'amdppm.pdb is stripped');
  const a = await open(SAMPLE, BIN);
  try {
    await a.run('ln Driver+0x1015');
    assert.equal(lmRow((await a.run('lm m Driver')).result as ModulesResult, 'Driver')?.symbols, '(private pdb symbols)');
  } finally {
    await a.close();
  }
  const b = await open(corpus(TRIAGE), `${corpus('symbols')};${corpus('isf')}`);
  try {
    assert.equal(lmRow((await b.run('lm m amdppm')).result as ModulesResult, 'amdppm')?.symbols, '(deferred)');
    await b.run('ln amdppm+0x334c');
    assert.equal(lmRow((await b.run('lm m amdppm')).result as ModulesResult, 'amdppm')?.symbols, '(pdb symbols)');
    assert.deepEqual(b.errors.filter((e) => /amdppm/.test(e)), []);
  } finally {
    await b.close();
  }
});

test('a mismatched PDB under the right store key is refused, flagged # in lm and warned about', { skip: skipUnlessCorpus(TRIAGE) }, async () => {
  const store = join(work, 'wrong');
  const key = '1C19FDDB27BB3399D9B45973EFEAFCF31'; // amdppm.sys's CodeView identity (corpus README)
  mkdirSync(join(store, 'amdppm.pdb', key), { recursive: true });
  const user32 = corpus('symbols/user32.pdb');
  copyFileSync(join(user32, readdirSync(user32)[0], 'user32.pdb'), join(store, 'amdppm.pdb', key, 'amdppm.pdb'));
  mkdirSync(join(store, 'amdppm.sys', 'C9C030003b000'), { recursive: true });
  copyFileSync(corpus('symbols/amdppm.sys/C9C030003b000/amdppm.sys'), join(store, 'amdppm.sys', 'C9C030003b000', 'amdppm.sys'));
  const s = await open(corpus(TRIAGE), `${store};${corpus('isf')}`);
  try {
    assert.equal((await s.run('ln amdppm+0x334c')).text.includes('amdppm+0x334c'), true);
    const row = lmRow((await s.run('lm m amdppm')).result as ModulesResult, 'amdppm');
    assert.match(row?.symbols ?? '', /^# \((no|export) symbols\)$/);
    assert.ok(s.errors.some((e) => /^\*\*\* WARNING: Symbol file for amdppm\.sys is mismatched.*PDB is 15F778B3/.test(e)), s.errors.join('\n'));
  } finally {
    await s.close();
  }
});

/** A local symbol server whose every answer is `answer`; returns its URL. */
async function faultyServer(answer: (res: http.ServerResponse) => void): Promise<{ url: string; close: () => void; hits: string[] }> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    answer(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, close: () => server.close(), hits };
}

// [what the server does, the warning expected, whether the server is asked again for the next module]
for (const [what, answer, expect, askedAgain] of [
  ['an HTTP 500', (res: http.ServerResponse) => res.writeHead(500).end(), /HTTP 500 \(3 attempts\)/, true],
  ['a body cut short', (res: http.ServerResponse) => {
    res.writeHead(200, { 'content-length': 5000 });
    res.write(Buffer.alloc(100), () => res.socket?.destroy());
  }, /cut off.*\(3 attempts\)/, true],
  // A broken redirect concerns the file asked for: one try, but the server is still asked for other files.
  ['an invalid Location header', (res: http.ServerResponse) => res.writeHead(302, { location: 'http://[::1' }).end(), /redirect to an invalid URL.*\(1 attempt\)/, true],
  ['a redirect loop', (res: http.ServerResponse) => res.writeHead(302, { location: '/again' }).end(), /more than 5 redirects.*\(1 attempt\)/, true],
] as const) {
  test(`a symbol server answering with ${what} is reported once, never crashes the session`, { skip: skipUnlessCorpus(TRIAGE) }, async () => {
    const srv = await faultyServer(answer);
    const s = await open(corpus(TRIAGE), `srv*${join(work, `cache-${what.length}`)}*${srv.url};${corpus('isf')}`);
    try {
      const ln = await s.run('ln amdppm+0x334c');
      assert.match(ln.text, /amdppm\+0x334c/);
      await s.run('ln amdppm+0x3350');
      const warned = s.errors.filter((e) => /^\*\*\* WARNING: Symbol server failed for /.test(e));
      assert.ok(warned.length >= 1, s.errors.join('\n'));
      for (const w of warned) assert.match(w, expect);
      const forAmdppm = warned.filter((e) => e.includes('for amdppm.sys:'));
      assert.equal(forAmdppm.length, askedAgain ? 1 : 0, s.errors.join('\n'));
      assert.equal(srv.hits.some((h) => h.startsWith('/amdppm.sys/C9C030003b000/')), askedAgain, srv.hits.join(','));
      // Every module still ends with WinDbg's one-line verdict.
      assert.ok(s.errors.some((e) => /symbols could not be loaded for amdppm\.sys|Defaulted to export symbols for amdppm\.sys/.test(e)), s.errors.join('\n'));
    } finally {
      await s.close();
      srv.close();
    }
  });
}
