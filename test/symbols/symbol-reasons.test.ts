// Why a symbol file was not used, as a session shows it: the specific refusal in the stderr notices and in
// `lmvm`'s "Symbol status", per fault a local server injects (an LZX cabinet, a corrupt cabinet, file.ptr
// with MSG:, an HTML page served with 200); servers disabled only by connection failures, and said so for
// later modules; `.reload /f` and `.reload MODULE` asking again past the negative cache.
// Expected texts come from what each test serves (the CAB folder type 3 is LZX in the MS-CAB format).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ModulesResult } from '../../src/commands/builtin/modules.js';
import { createEngine } from '../../src/commands/registry.js';
import { openSession } from '../../src/node/open-session.js';
import { corpus, skipUnlessCorpus } from '../helpers/corpus.js';

const TRIAGE = 'kernel/win10-19041-x64-triage-1000007e.dmp';
const KEY = '1C19FDDB27BB3399D9B45973EFEAFCF31'; // amdppm.sys's CodeView identity (corpus README)
const PDB_URL = `/amdppm.pdb/${KEY}/amdppm.pdb`;
const skip = skipUnlessCorpus(TRIAGE) || skipUnlessCorpus('isf') || gcabMissing();
const work = mkdtempSync(join(tmpdir(), 'dumpscope-reasons-'));
after(() => rmSync(work, { recursive: true, force: true }));

function gcabMissing(): false | string {
  try {
    execFileSync('gcab', ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'gcab is not installed';
  }
}

/** gcab's MSZIP cabinet of the corpus amdppm.pdb, and two broken variants of it. */
const cabs: Record<'good' | 'lzx' | 'corrupt', Buffer> = { good: Buffer.alloc(0), lzx: Buffer.alloc(0), corrupt: Buffer.alloc(0) };
before(() => {
  if (skip) return;
  const d = mkdtempSync(join(work, 'cab-'));
  copyFileSync(corpus(`symbols${PDB_URL}`), join(d, 'amdppm.pdb'));
  execFileSync('gcab', ['-c', '-z', '-n', join(d, 'amdppm.pd_'), 'amdppm.pdb'], { cwd: d });
  cabs.good = readFileSync(join(d, 'amdppm.pd_'));
  // CFFOLDER starts at 36 in a cabinet without reserved fields; typeCompress is its last u16 (3 = LZX).
  cabs.lzx = Buffer.from(cabs.good);
  cabs.lzx.writeUInt16LE(3, 36 + 6);
  cabs.corrupt = Buffer.from(cabs.good);
  cabs.corrupt[cabs.corrupt.length >> 1] ^= 0xff; // inside a data block: its checksum no longer holds
});

type Answer = (url: string, res: http.ServerResponse) => boolean;

/** A symbol server: amdppm.sys from the corpus, `answer` for the rest, 404 otherwise. */
async function server(answer: Answer): Promise<{ url: string; hits: string[]; close: () => void }> {
  const hits: string[] = [];
  const s = http.createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? '');
    hits.push(url);
    if (answer(url, res)) return;
    if (url.startsWith('/amdppm.sys/C9C030003b000/amdppm.sys')) {
      const b = readFileSync(corpus('symbols/amdppm.sys/C9C030003b000/amdppm.sys'));
      res.writeHead(200, { 'content-length': b.length }).end(b);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(s.address() as net.AddressInfo).port}`, hits, close: () => s.close() };
}

let n = 0;
async function open(sympath: string) {
  const errors: string[] = [];
  const io = { out: () => {}, err: (t: string) => void errors.push(t), stderrIsTty: false, env: {} };
  const s = await openSession(corpus(TRIAGE), { sympath, offline: false, json: false, markdown: false, commands: [], rest: [] }, io);
  const engine = createEngine();
  const run = async (cmd: string) => {
    const [o] = await engine.run(s.session, cmd);
    assert.ok(o.ok, o.text);
    return o;
  };
  return { ...s, errors, run };
}

const cases: [string, Answer, RegExp][] = [
  ['an LZX cabinet', (u, res) => u.endsWith('amdppm.pd_') && !!res.writeHead(200).end(cabs.lzx), /amdppm\.pdb from http:\/\/\S+\/amdppm\.pd_: LZX-compressed cabinet is not supported/],
  ['a corrupt cabinet', (u, res) => u.endsWith('amdppm.pd_') && !!res.writeHead(200).end(cabs.corrupt), /amdppm\.pdb from http:\/\/\S+\/amdppm\.pd_: CAB: data block \d+ of folder 0 fails its checksum/],
  ['file.ptr with MSG:', (u, res) => u.endsWith(`${KEY}/file.ptr`) && !!res.writeHead(200).end('MSG: withdrawn by the publisher'), /amdppm\.pdb from http:\/\/\S+\/file\.ptr: withdrawn by the publisher/],
  ['an HTML page with status 200', (u, res) => u === PDB_URL && !!res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html>\n<html><body>Please sign in</body></html>'), /amdppm\.pdb from http:\/\/\S+\/amdppm\.pdb: not a PDB: it looks like an HTML page/],
];

for (const [what, answer, reason] of cases) {
  test(`a PDB refused for being ${what}: the reason is in the session's notice and in lmvm`, { skip }, async () => {
    const srv = await server(answer);
    const s = await open(`srv*${join(work, `c${n++}`)}*${srv.url};${corpus('isf')}`);
    try {
      await s.run('ln amdppm+0x334c');
      const notices = s.errors.filter((e) => e.includes('amdppm'));
      assert.ok(notices.some((e) => e.startsWith('*** ERROR: ') && reason.test(e)), notices.join('\n'));
      assert.ok(notices.some((e) => /symbols could not be loaded for amdppm\.sys/.test(e)), notices.join('\n'));
      const lmvm = await s.run('lmvm amdppm');
      const status = lmvm.text.split('\n').filter((l) => l.startsWith('    Symbol status:'));
      assert.equal(status.length, 1, lmvm.text);
      assert.match(status[0], reason);
      assert.deepEqual((lmvm.result as ModulesResult).rows[0].symbolNotes?.length, 1);
    } finally {
      await s.close();
      srv.close();
    }
  });
}

test('a file simply missing adds no Symbol status line (lmvm stays as WinDbg prints it)', { skip }, async () => {
  const srv = await server(() => false);
  const s = await open(`srv*${join(work, `c${n++}`)}*${srv.url};${corpus('isf')}`);
  try {
    const lmvm = await s.run('lmvm amdppm');
    assert.doesNotMatch(lmvm.text, /Symbol status/);
    assert.match(lmvm.text, /amdppm +\(no symbols\) {11}\n/);
  } finally {
    await s.close();
    srv.close();
  }
});

test('a server that cannot be reached is disabled, and later modules say so; .reload /f asks it again', { skip }, async () => {
  // Accepts connections and closes them at once: no HTTP answer at all, a connection-level failure.
  const connections: number[] = [];
  const dead = net.createServer((sock) => {
    connections.push(Date.now());
    sock.destroy();
  });
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(dead.address() as net.AddressInfo).port}`;
  const s = await open(`srv*${join(work, `c${n++}`)}*${url};${corpus('isf')}`);
  try {
    await s.run('ln amdppm+0x334c');
    const first = connections.length;
    assert.ok(first >= 1, 'asked once');
    await s.run('ln Wdf01000+0x1000');
    assert.equal(connections.length, first, 'not asked again in the session');
    const skipped = s.errors.filter((e) => e.startsWith('*** WARNING: Symbol server skipped for Wdf01000.sys: '));
    assert.equal(skipped.length, 1, s.errors.join('\n'));
    assert.match(skipped[0], new RegExp(`${url.replace(/[.]/g, '\\.')}: server disabled after an earlier failure \\(.*(socket hang up|ECONNRESET)`));
    const lmvm = await s.run('lmvm Wdf01000');
    assert.match(lmvm.text, /Symbol status: {4}.*server disabled after an earlier failure/);
    await s.run('.reload /f');
    await s.run('ln Wdf01000+0x1000');
    assert.ok(connections.length > first, '.reload /f asks the disabled server again');
  } finally {
    await s.close();
    dead.close();
  }
});

test('.reload /f and .reload MODULE ask again past the negative cache; plain .reload does not', { skip }, async () => {
  let have = false;
  const srv = await server((u, res) => {
    if (u !== PDB_URL || !have) return false;
    const b = readFileSync(corpus(`symbols${PDB_URL}`));
    res.writeHead(200, { 'content-length': b.length }).end(b);
    return true;
  });
  const s = await open(`srv*${join(work, `c${n++}`)}*${srv.url};${corpus('isf')}`);
  const status = async () => ((await s.run('lm m amdppm')).result as ModulesResult).rows[0].symbols;
  try {
    await s.run('ln amdppm+0x334c');
    assert.equal(await status(), '(no symbols)');
    have = true; // the server has it now, but the 404 is remembered for 24 hours
    await s.run('.reload');
    await s.run('ln amdppm+0x334c');
    assert.equal(await status(), '(no symbols)', 'the negative cache still answers');
    const asked = srv.hits.filter((h) => h === PDB_URL).length;
    await s.run('.reload amdppm');
    const ln = await s.run('ln amdppm+0x334c');
    assert.equal(srv.hits.filter((h) => h === PDB_URL).length, asked + 1);
    // Corpus README: the faulting code is amdppm!WriteIoMemRawEx.
    assert.match(ln.text, /amdppm!WriteIoMemRawEx\+0x70/);
    assert.equal(await status(), '(pdb symbols)');
    // lm shows the PDB's path after the status, as WinDbg's lm does.
    assert.match((await s.run('lm m amdppm')).text, /amdppm +\(pdb symbols\) {10}\S+amdppm\.pdb\/1C19FDDB27BB3399D9B45973EFEAFCF31\/amdppm\.pdb/);
  } finally {
    await s.close();
    srv.close();
  }
});

test('.reload rejects an unknown module and unknown options', { skip: skipUnlessCorpus(TRIAGE) }, async () => {
  const s = await open(corpus('isf'));
  try {
    const engine = createEngine();
    const [a] = await engine.run(s.session, '.reload nosuchdriver.sys');
    assert.ok(!a.ok && /no loaded module named nosuchdriver\.sys/.test(a.text), a.text);
    const [b] = await engine.run(s.session, '.reload /x');
    assert.ok(!b.ok && /unknown option \/x/.test(b.text), b.text);
  } finally {
    await s.close();
  }
});

test('a local store copied from Windows (upper-case names, a lower-case key) is matched ignoring case', { skip: skipUnlessCorpus(TRIAGE) }, async () => {
  // Upper-case names and a lower-case key, as stores copied from Windows often are.
  const store = join(work, 'winstore');
  mkdirSync(join(store, 'AMDPPM.PDB', KEY.toLowerCase()), { recursive: true });
  copyFileSync(corpus(`symbols${PDB_URL}`), join(store, 'AMDPPM.PDB', KEY.toLowerCase(), 'AMDPPM.PDB'));
  mkdirSync(join(store, 'AMDPPM.SYS', 'c9c030003b000'), { recursive: true });
  copyFileSync(corpus('symbols/amdppm.sys/C9C030003b000/amdppm.sys'), join(store, 'AMDPPM.SYS', 'c9c030003b000', 'AMDPPM.SYS'));
  const s = await open(`${store};${corpus('isf')}`);
  try {
    assert.match((await s.run('ln amdppm+0x334c')).text, /amdppm!WriteIoMemRawEx\+0x70/);
    assert.match((await s.run('lm m amdppm')).text, /\(pdb symbols\) +\S+AMDPPM\.PDB\/1c19fddb27bb3399d9b45973efeafcf31\/AMDPPM\.PDB/);
  } finally {
    await s.close();
  }
});
