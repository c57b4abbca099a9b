import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FileSink } from '../../src/node/file-sink.js';

const dir = mkdtempSync(join(tmpdir(), 'dumpscope-sink-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const child = join(dirname(fileURLToPath(import.meta.url)), 'slow-sink-child.ts');

/** Starts a writer, waits until its temporary file holds data, sends `signal`; returns exit code and paths. */
async function interrupt(signal: NodeJS.Signals): Promise<{ code: number | null; tmp: string; target: string }> {
  const target = join(dir, `out-${signal}.dmp`);
  const p = spawn(process.execPath, ['--import', 'tsx', child, target], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const tmp = await new Promise<string>((resolve, reject) => {
    p.stdout.on('data', (b) => {
      out += String(b);
      if (out.includes('\n')) resolve(out.trim());
    });
    p.on('exit', (c) => reject(new Error(`child exited early with ${c}`)));
  });
  assert.ok(existsSync(tmp), 'the temporary file exists while writing');
  const exited = new Promise<number | null>((resolve) => p.on('exit', (c) => resolve(c)));
  p.kill(signal);
  return { code: await exited, tmp, target };
}

test('SIGINT mid-write removes the temporary file and exits with 130', async () => {
  const r = await interrupt('SIGINT');
  assert.equal(r.code, 130);
  assert.equal(existsSync(r.tmp), false);
  assert.equal(existsSync(r.target), false);
});

test('SIGTERM mid-write removes the temporary file and exits with 143', async () => {
  const r = await interrupt('SIGTERM');
  assert.equal(r.code, 143);
  assert.equal(existsSync(r.tmp), false);
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('SIGTERM')), []);
});

for (const [signal, code, why] of [['SIGHUP', 129, 'its terminal closed'], ['SIGQUIT', 131, 'Ctrl-\\']] as const) {
  test(`${signal} mid-write (${why}) removes the temporary file and exits with ${code}`, async () => {
    const r = await interrupt(signal);
    assert.equal(r.code, code);
    assert.equal(existsSync(r.tmp), false);
    assert.equal(existsSync(r.target), false);
  });
}

test('commit renames the finished file into place; abort leaves nothing; no signal handler stays behind', async () => {
  const before = process.listenerCount('SIGINT');
  const a = await FileSink.create(join(dir, 'a.dmp'));
  const b = await FileSink.create(join(dir, 'b.dmp'));
  assert.equal(process.listenerCount('SIGINT'), before + 1, 'one handler for all open sinks');
  await a.write(4, new Uint8Array([1, 2, 3]));
  await a.truncate(16);
  await a.commit();
  await b.abort();
  assert.deepEqual([...readFileSync(join(dir, 'a.dmp'))], [0, 0, 0, 0, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(existsSync(join(dir, 'b.dmp')), false);
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp-')), []);
  assert.equal(process.listenerCount('SIGINT'), before);
});
