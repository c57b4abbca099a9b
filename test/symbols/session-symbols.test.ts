// How a session chooses its symbol path and cache (-y, _NT_SYMBOL_PATH, the per-user default), the
// server deadline option, and the download progress bar.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseCommonOptions } from '../../src/cli/options.js';
import { createEngine } from '../../src/commands/registry.js';
import { defaultCacheDir, openSession, symbolPath, symbolTimeoutMs } from '../../src/node/open-session.js';
import { renderProgress } from '../../src/node/progress-bar.js';
import { type DownloadProgress, SymbolStore } from '../../src/node/symbol-store.js';
import { parseSymbolPath } from '../../src/symbols/symbol-path.js';
import { corpus, skipUnlessCorpus } from '../helpers/corpus.js';

const work = mkdtempSync(join(tmpdir(), 'dumpscope-session-symbols-'));
after(() => rmSync(work, { recursive: true, force: true }));
const base = { offline: true, json: false, markdown: false, commands: [], rest: [] };
const TRIAGE = 'kernel/win10-19041-x64-triage-1000007e.dmp';
const AMDPPM_PDB = 'amdppm.pdb/1C19FDDB27BB3399D9B45973EFEAFCF31/amdppm.pdb';

test('symbol path precedence: -y, then _NT_SYMBOL_PATH (unless empty), then Microsoft\'s server behind the per-user cache', () => {
  const env = { _NT_SYMBOL_PATH: 'D:\\sym', XDG_CACHE_HOME: '/xdg', HOME: '/home/u' };
  assert.equal(symbolPath({ ...base, sympath: '/y' }, env), '/y');
  assert.equal(symbolPath(base, env), 'D:\\sym');
  assert.equal(symbolPath(base, { ...env, _NT_SYMBOL_PATH: '' }), 'srv*/xdg/dumpscope/symbols*https://msdl.microsoft.com/download/symbols');
  assert.equal(defaultCacheDir({ HOME: '/home/u' }), '/home/u/.cache/dumpscope/symbols');
  assert.equal(defaultCacheDir({ XDG_CACHE_HOME: '/xdg', HOME: '/home/u' }), '/xdg/dumpscope/symbols');
});

test('--symbol-timeout and DUMPSCOPE_SYMBOL_TIMEOUT set the per-file server deadline', () => {
  assert.equal(symbolTimeoutMs(parseCommonOptions(['d.dmp', '--symbol-timeout', '7.5']), {}), 7500);
  assert.equal(symbolTimeoutMs(parseCommonOptions(['d.dmp', '--symbol-timeout=3']), { DUMPSCOPE_SYMBOL_TIMEOUT: '9' }), 3000);
  assert.equal(symbolTimeoutMs(parseCommonOptions(['d.dmp']), { DUMPSCOPE_SYMBOL_TIMEOUT: '9' }), 9000);
  assert.equal(symbolTimeoutMs(parseCommonOptions(['d.dmp']), { DUMPSCOPE_SYMBOL_TIMEOUT: 'soon' }), undefined);
  assert.throws(() => parseCommonOptions(['d.dmp', '--symbol-timeout', '-1']), /number of seconds/);
});

test('_NT_SYMBOL_PATH=srv* finds files in the default per-user cache ($XDG_CACHE_HOME/dumpscope/symbols)', { skip: skipUnlessCorpus(TRIAGE) }, async () => {
  const xdg = join(work, 'xdg');
  const cached = join(xdg, 'dumpscope', 'symbols', ...AMDPPM_PDB.split('/'));
  mkdirSync(join(cached, '..'), { recursive: true });
  copyFileSync(corpus(`symbols/${AMDPPM_PDB}`), cached);
  const sys = join(xdg, 'dumpscope', 'symbols', 'amdppm.sys', 'C9C030003b000');
  mkdirSync(sys, { recursive: true });
  copyFileSync(corpus('symbols/amdppm.sys/C9C030003b000/amdppm.sys'), join(sys, 'amdppm.sys'));
  const io = { out: () => {}, err: () => {}, stderrIsTty: false, env: { _NT_SYMBOL_PATH: 'srv*', XDG_CACHE_HOME: xdg } };
  const s = await openSession(corpus(TRIAGE), base, io);
  try {
    const [ln] = await createEngine().run(s.session, 'ln amdppm+0x334c');
    // Corpus README: amdppm.pdb's publics name the faulting code WriteIoMemRawEx.
    assert.match(ln.text, /amdppm!WriteIoMemRawEx\+0x70/);
  } finally {
    await s.close();
  }
});

test('the progress bar: a bar when the size is known, a count when not, a newline when done', () => {
  // 512 KiB of 1 MiB is half of the 24 cells.
  assert.equal(renderProgress({ file: 'a.pdb', received: 512 * 1024, total: 1 << 20 }), `\r\x1b[2K[${'#'.repeat(12)}${'.'.repeat(12)}] a.pdb 512 KiB of 1.0 MiB`);
  assert.equal(renderProgress({ file: 'a.pdb', received: 3000 }), '\r\x1b[2Ka.pdb 3 KiB');
  assert.equal(renderProgress({ file: 'a.pdb', received: 1 << 20, total: 1 << 20, done: true }), `\r\x1b[2K[${'#'.repeat(24)}] a.pdb 1.0 MiB of 1.0 MiB done\n`);
});

test('downloads report progress up to the file\'s size, then done', { skip: skipUnlessCorpus('symbols/amdppm.pdb') }, async () => {
  const body = readFileSync(corpus(`symbols/${AMDPPM_PDB}`));
  const server = http.createServer((req, res) => {
    if (req.url !== `/${AMDPPM_PDB}`) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': body.length });
    // In pieces, so there is progress to see.
    for (let o = 0; o < body.length; o += 64 * 1024) res.write(body.subarray(o, o + 64 * 1024));
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const seen: DownloadProgress[] = [];
    const cache = join(work, 'progress-cache');
    const s = new SymbolStore(parseSymbolPath(`srv*${cache}*http://127.0.0.1:${(server.address() as net.AddressInfo).port}`), { defaultCache: cache, progress: (p) => seen.push(p) });
    const r = await s.findPdb({ name: 'amdppm.pdb', guid: '1C19FDDB27BB3399D9B45973EFEAFCF3', age: 1 });
    assert.ok(r.found);
    const size = statSync(corpus(`symbols/${AMDPPM_PDB}`)).size;
    assert.ok(seen.length >= 2);
    assert.ok(seen.every((p) => p.file === 'amdppm.pdb' && (p.total === undefined || p.total === size)));
    assert.ok(seen.every((p, i) => i === 0 || p.received >= seen[i - 1].received), 'monotonic');
    assert.deepEqual(seen.at(-1), { file: 'amdppm.pdb', received: size, total: size, done: true });
    await s.close();
  } finally {
    server.close();
  }
});
