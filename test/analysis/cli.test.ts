// `dumpscope analyze` on hostile or wrong input: one clear line on stderr, a non-zero exit, no stack trace.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { main } from '../../src/cli/main.js';

const dir = mkdtempSync(join(tmpdir(), 'dumpscope-analyze-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['analyze', ...args], { out: (t) => out.push(t), err: (t) => err.push(t), stderrIsTty: false, env: {} });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const noStack = (s: string) => assert.doesNotMatch(s, /^\s+at |internal error/m, s);

test('a PAGEDU64 header followed by zeros is refused: bugcheck 0, no memory, no context', async () => {
  const p = join(dir, 'zeros.dmp');
  const b = Buffer.alloc(0x2000);
  b.write('PAGEDU64', 0, 'latin1');
  writeFileSync(p, b);
  const r = await run(p, '--offline');
  assert.equal(r.code, 1);
  assert.equal(r.out, '');
  assert.match(r.err, /zeros\.dmp: the dump header is empty — bugcheck code 0, no physical memory and no processor context/);
  noStack(r.err);
});

test('a directory, a missing file and --json with --markdown: clear errors, no stack trace', async () => {
  const d = join(dir, 'a-directory.dmp');
  mkdirSync(d);
  const a = await run(d);
  assert.equal(a.code, 1);
  assert.match(a.err, /a-directory\.dmp: is a directory, not a dump file/);
  noStack(a.err);
  const b = await run(join(dir, 'missing.dmp'));
  assert.equal(b.code, 2);
  assert.match(b.err, /no such dump: .*missing\.dmp/);
  noStack(b.err);
  const c = await run('--json', '--markdown');
  assert.equal(c.code, 2);
  assert.match(c.err, /--json and --markdown are alternatives/);
  assert.equal(c.out, '');
});

test('a truncated dump (header claims more than the file holds) ends with one error line', async () => {
  const p = join(dir, 'cut.dmp');
  const b = Buffer.alloc(0x2000);
  b.write('PAGEDU64', 0, 'latin1');
  b.writeUInt32LE(0x50, 0x38); // BugCheckCode
  b.writeUInt32LE(1, 0xf98); // DumpType 1: full dump, whose run list says nothing is there
  writeFileSync(p, b);
  const r = await run(p, '--offline');
  noStack(r.err);
  assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}`);
});
