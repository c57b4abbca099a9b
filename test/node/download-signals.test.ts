// A download streams into CACHE/name/KEY/name.tmp-PID-…: an interrupting signal (Ctrl-C, SIGTERM) removes it
// before the process exits with the shell's code, and temporary files of processes that are gone are removed
// the next time their cache directory is written. The server here trickles bytes, so the download is in
// flight when the signal arrives.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SymbolStore } from '../../src/node/symbol-store.js';
import { parseSymbolPath } from '../../src/symbols/symbol-path.js';

const work = mkdtempSync(join(tmpdir(), 'dumpscope-dlsig-'));
after(() => rmSync(work, { recursive: true, force: true }));
const child = join(dirname(fileURLToPath(import.meta.url)), 'slow-download-child.ts');
const KEY_DIR = ['amdppm.pdb', '1C19FDDB27BB3399D9B45973EFEAFCF31'];

let server: http.Server;
let base = '';
const timers = new Set<NodeJS.Timeout>();
before(async () => {
  server = http.createServer((req, res) => {
    if (!req.url?.endsWith('/amdppm.pdb')) {
      res.writeHead(404).end();
      return;
    }
    // 10 MB announced, 1 KiB every 20 ms: the download takes minutes, bytes keep the idle timeout away.
    res.writeHead(200, { 'content-length': 10_000_000 });
    const t = setInterval(() => res.write(Buffer.alloc(1024, 0x41)), 20);
    timers.add(t);
    res.on('close', () => {
      clearInterval(t);
      timers.delete(t);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
});
after(() => {
  for (const t of timers) clearInterval(t);
  server.closeAllConnections();
  server.close();
});

const temps = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.includes('.tmp-')) : []);

async function interrupted(signal: 'SIGINT' | 'SIGTERM'): Promise<{ code: number | null; seen: string[]; left: string[] }> {
  const cache = join(work, `cache-${signal}`);
  const keyDir = join(cache, ...KEY_DIR);
  const p = spawn(process.execPath, ['--import', 'tsx', child, cache, base], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => p.on('exit', (c) => resolve(c)));
  // Wait until the temporary file exists and holds bytes: the download is under way.
  let seen: string[] = [];
  for (let i = 0; i < 300 && !seen.length; i++) {
    await new Promise((r) => setTimeout(r, 50));
    seen = temps(keyDir);
  }
  p.kill(signal);
  const code = await exited;
  return { code, seen, left: temps(keyDir) };
}

test('SIGINT during a download removes its temporary file and exits with 130', async () => {
  const r = await interrupted('SIGINT');
  assert.equal(r.seen.length, 1, 'a temporary file was being written');
  assert.match(r.seen[0], /^amdppm\.pdb\.tmp-\d+-[0-9a-f]+$/);
  assert.equal(r.code, 130);
  assert.deepEqual(r.left, []);
});

test('SIGTERM during a download removes its temporary file and exits with 143', async () => {
  const r = await interrupted('SIGTERM');
  assert.equal(r.seen.length, 1);
  assert.equal(r.code, 143);
  assert.deepEqual(r.left, []);
});

test('temporary files of processes that are gone are removed when the cache directory is next written; a live one stays', async () => {
  const cache = join(work, 'cache-stale');
  const keyDir = join(cache, ...KEY_DIR);
  mkdirSync(keyDir, { recursive: true });
  const gone = spawnSync(process.execPath, ['-e', '0']).pid;
  const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  try {
    writeFileSync(join(keyDir, `amdppm.pdb.tmp-${gone}-0123456789ab`), 'half a PDB');
    writeFileSync(join(keyDir, `amdppm.pdb.tmp-${live.pid}-0123456789ac`), 'being downloaded');
    writeFileSync(join(keyDir, 'amdppm.pdb.tmp-notapid'), 'not ours');
    // Another server that does not have the file: the directory is written (a negative-cache marker).
    const missing = http.createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((r) => missing.listen(0, '127.0.0.1', r));
    try {
      const s = new SymbolStore(parseSymbolPath(`srv*${cache}*http://127.0.0.1:${(missing.address() as net.AddressInfo).port}`), { defaultCache: cache, retries: 0 });
      const r = await s.findPdb({ name: 'amdppm.pdb', guid: '1C19FDDB27BB3399D9B45973EFEAFCF3', age: 1 });
      assert.equal(r.found, false);
    } finally {
      missing.close();
    }
    assert.deepEqual(temps(keyDir).sort(), [`amdppm.pdb.tmp-${live.pid}-0123456789ac`, 'amdppm.pdb.tmp-notapid']);
  } finally {
    live.kill();
  }
});

test('no signal handler stays behind after downloads end', async () => {
  const before = process.listenerCount('SIGINT');
  const cache = join(work, 'cache-handlers');
  const s = new SymbolStore(parseSymbolPath(`srv*${cache}*${base}`), { defaultCache: cache, retries: 0, fileTimeoutMs: 300 });
  const r = await s.findPdb({ name: 'amdppm.pdb', guid: '1C19FDDB27BB3399D9B45973EFEAFCF3', age: 1 });
  assert.equal(r.found, false);
  assert.equal(process.listenerCount('SIGINT'), before);
  assert.deepEqual(temps(join(cache, ...KEY_DIR)), []);
});
