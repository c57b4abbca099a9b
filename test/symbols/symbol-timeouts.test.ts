// Symbol-server time limits: a server that never answers (connection accepted, no response) is disabled
// after its first deadline whether the per-file deadline or the idle timeout comes first, so a session's
// total wait is bounded by one deadline, not one per module; `--symbol-timeout` is in every session
// command's help.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { analyzeCliCommand } from '../../src/cli/commands/analyze.js';
import { runCommand } from '../../src/cli/commands/run.js';
import { shellCommand } from '../../src/cli/commands/shell.js';
import { parseCommonOptions } from '../../src/cli/options.js';
import { symbolStore } from '../../src/node/open-session.js';
import { SymbolStore } from '../../src/node/symbol-store.js';
import { parseSymbolPath } from '../../src/symbols/symbol-path.js';

const work = mkdtempSync(join(tmpdir(), 'dumpscope-symtimeouts-'));
after(() => rmSync(work, { recursive: true, force: true }));
const AMDPPM_PDB = { name: 'amdppm.pdb', guid: '1C19FDDB27BB3399D9B45973EFEAFCF3', age: 1 };
const WDF_PDB = { name: 'Wdf01000.pdb', guid: '6D6E9C3200000000000000000000000A', age: 1 };
const AMDPPM_SYS = { name: 'amdppm.sys', timestamp: 0xc9c03000, sizeOfImage: 0x3b000 };

let silent: http.Server;
let url = '';
const held: http.ServerResponse[] = [];
let asked = 0;
before(async () => {
  silent = http.createServer((_req, res) => {
    asked++;
    held.push(res); // never answered
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
});
after(() => {
  for (const r of held) r.destroy();
  silent.closeAllConnections();
  silent.close();
});

async function threeFiles(s: SymbolStore): Promise<{ reasons: string[]; disabled: (string | undefined)[]; ms: number }> {
  const t0 = Date.now();
  const out = [await s.findPdb(AMDPPM_PDB), await s.findPdb(WDF_PDB), await s.findImage(AMDPPM_SYS)];
  return { reasons: out.map((r) => (r.found ? 'found' : r.reason)), disabled: out.map((r) => (r.found ? undefined : r.disabled)), ms: Date.now() - t0 };
}

test('a server that never answers is disabled after the first per-file deadline (deadline shorter than the idle timeout)', async () => {
  asked = 0;
  const s = new SymbolStore(parseSymbolPath(`srv*${join(work, 'c1')}*${url}`), { defaultCache: join(work, 'c1'), timeoutMs: 20_000, fileTimeoutMs: 400, retryDelayMs: 10 });
  const r = await threeFiles(s);
  assert.match(r.reasons[0], /no answer in 0\.4 s \(1 attempt\)/);
  assert.equal(r.disabled[0], undefined);
  for (const d of r.disabled.slice(1)) assert.match(d ?? '', /server disabled after an earlier failure \(.*no answer in 0\.4 s/);
  assert.equal(asked, 1, 'one request in all');
  assert.ok(r.ms < 400 + 1500, `${r.ms} ms for three files`);
});

test('--symbol-timeout (deadline equal to the idle timeout) also disables a silent server after one wait', async () => {
  asked = 0;
  const io = { out: () => {}, err: () => {}, stderrIsTty: false, env: { XDG_CACHE_HOME: join(work, 'xdg') } };
  const s = symbolStore(parseCommonOptions(['d.dmp', '-y', `srv*${join(work, 'c2')}*${url}`, '--symbol-timeout', '0.4']), io);
  const r = await threeFiles(s);
  assert.match(r.reasons[0], /(no answer in 0\.4 s|no data for 400 ms) \(1 attempt\)/);
  for (const d of r.disabled.slice(1)) assert.match(d ?? '', /server disabled after an earlier failure/);
  assert.equal(asked, 1);
  assert.ok(r.ms < 400 + 1500, `${r.ms} ms for three files`);
});

test('a server that answers but is too slow for one file is still asked for the next', async () => {
  const slow = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-length': 1_000_000 });
    const t = setInterval(() => res.write('x'), 50);
    res.on('close', () => clearInterval(t));
  });
  await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
  try {
    const u = `http://127.0.0.1:${(slow.address() as net.AddressInfo).port}`;
    const s = new SymbolStore(parseSymbolPath(`srv*${join(work, 'c3')}*${u}`), { defaultCache: join(work, 'c3'), timeoutMs: 20_000, fileTimeoutMs: 300, retryDelayMs: 10 });
    const r = await threeFiles(s);
    for (const reason of r.reasons) assert.match(reason, /gave up, the file took longer than 0\.3 s/);
    assert.deepEqual(r.disabled, [undefined, undefined, undefined]);
  } finally {
    slow.closeAllConnections();
    slow.close();
  }
});

test('--symbol-timeout is in the help of every command that opens a dump with symbols', () => {
  for (const c of [runCommand, analyzeCliCommand, shellCommand]) {
    assert.match(c.usage, /\[--symbol-timeout S\]/, c.name);
    assert.match(c.usage, /^ +--symbol-timeout S +the most one symbol file may take from a server, in seconds/m, c.name);
  }
});
