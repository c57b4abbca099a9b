// `dumpscope convert` as a command: output paths (existing OUT, directories, missing files), interrupting
// signals and stale temporary files, sparse output, truncated inputs, user-mode minidumps, and the scenario
// builder script that makes its test dumps.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { main } from '../../../src/cli/main.js';
import { analyzeWithDisplay } from '../../../src/commands/builtin/analyze.js';
import { createEngine } from '../../../src/commands/registry.js';
import { openKernelDump } from '../../../src/formats/kernel-dump/kernel-dump.js';
import { type DumpFacts, writeKernelDump } from '../../../src/formats/kernel-dump/writer.js';
import { BufferSource } from '../../../src/io/buffer-source.js';
import { PageCache } from '../../../src/io/page-cache.js';
import { FileSink } from '../../../src/node/file-sink.js';
import { FileSource } from '../../../src/node/file-source.js';
import { openSession } from '../../../src/node/open-session.js';
import { scenarioBinDir, writeScenarioDump } from '../../../src/node/scenario-files.js';
import { repo } from '../../helpers/corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'dumpscope-convert-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const facts: DumpFacts = { ntBuild: 19041, processors: 1, bugcheckCode: 0xe2, bugcheckArgs: [], directoryTableBase: 0x1ad000n };
const page = (pfn: number) => new Uint8Array(4096).fill((pfn % 250) + 1);
const opts = { sympath: scenarioBinDir(), offline: true, json: false, markdown: false, commands: [], rest: [] };
const quiet = { out: () => {}, err: () => {}, stderrIsTty: false, env: {} };

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (t) => out.push(t), err: (t) => err.push(t), stderrIsTty: false, env: {} });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function writeFile(path: string, pages: Map<number, Uint8Array>, layout: 'full' | 'kernel-bitmap', physicalPages?: number): Promise<void> {
  const sink = await FileSink.create(path);
  await writeKernelDump(sink, facts, pages, { layout, physicalPages });
  await sink.commit();
}

test('OUT: an existing file is refused without --force; a directory, a missing directory and a missing IN are clear errors', async () => {
  const src = join(dir, 'paths-in.dmp');
  await writeFile(src, new Map([[1, page(1)]]), 'full');
  const out = join(dir, 'paths-out.dmp');
  writeFileSync(out, 'keep me');
  let r = await cli(['convert', src, out, '--to', 'kernel-bitmap']);
  assert.deepEqual([r.code, r.err], [1, `dumpscope convert: ${out} exists: refusing to replace it (add --force to overwrite, like .dump /o)`]);
  assert.equal(readFileSync(out, 'utf8'), 'keep me');
  r = await cli(['convert', src, out, '--to', 'kernel-bitmap', '--force']);
  assert.equal(r.code, 0, r.err);
  assert.equal((await openKernelDump(new BufferSource(new Uint8Array(readFileSync(out))))).bitmap?.signature, 'SDMP');
  mkdirSync(join(dir, 'a-directory'));
  r = await cli(['convert', src, join(dir, 'a-directory'), '--to', 'full', '--force']);
  assert.deepEqual([r.code, r.err], [1, `dumpscope convert: cannot write ${join(dir, 'a-directory')}: it is a directory (give a file name for OUT)`]);
  r = await cli(['convert', src, join(dir, 'no-such-dir', 'x.dmp'), '--to', 'full']);
  assert.deepEqual([r.code, r.err], [1, `dumpscope convert: cannot write ${join(dir, 'no-such-dir', 'x.dmp')}: no such file or directory`]);
  r = await cli(['convert', join(dir, 'missing.dmp'), join(dir, 'x.dmp'), '--to', 'full']);
  assert.deepEqual([r.code, r.err], [1, `dumpscope convert: cannot open ${join(dir, 'missing.dmp')}: no such file or directory`]);
  r = await cli(['convert', join(dir, 'a-directory'), join(dir, 'x.dmp'), '--to', 'full']);
  assert.match(r.err, /cannot open .*a-directory: it is a directory, not a dump file$/);
  // A user-mode minidump (its signature is all it takes to tell).
  const mdmp = join(dir, 'user.dmp');
  writeFileSync(mdmp, Buffer.concat([Buffer.from('MDMP\x93\xa7\x00\x00'), Buffer.alloc(120)]));
  r = await cli(['convert', mdmp, join(dir, 'x.dmp'), '--to', 'full']);
  assert.deepEqual([r.code, r.err], [1, `dumpscope convert: ${mdmp}: user-mode minidumps cannot be converted (not a kernel dump)`]);
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('x.dmp')), [], 'nothing written for refused requests');
});

test('a convert to OUT removes OUT.tmp-PID-* files of writers that are gone, never a live one', async () => {
  const src = join(dir, 'stale-in.dmp');
  await writeFile(src, new Map([[1, page(1)]]), 'full');
  const out = join(dir, 'stale-out.dmp');
  const gone = spawnSync(process.execPath, ['-e', '0']).pid as number; // exited: its PID names no process
  const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    writeFileSync(`${out}.tmp-${gone}-1700000000000`, 'half a dump');
    writeFileSync(`${out}.tmp-${live.pid}-1700000000001`, 'being written');
    writeFileSync(`${out}.tmp-notapid`, 'not ours');
    const r = await cli(['convert', src, out, '--to', 'full']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, new RegExp(`^note: removed stale-out\\.dmp\\.tmp-${gone}-1700000000000, left by an interrupted convert that is no longer running$`, 'm'));
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('stale-out.dmp.tmp')).sort(), [`stale-out.dmp.tmp-${live.pid}-1700000000001`, 'stale-out.dmp.tmp-notapid']);
  } finally {
    live.kill();
  }
});

test('a sparse 16 GiB bitmap dump converts to full without writing its holes or its zero pages', async () => {
  const total = (16 * 2 ** 30) / 4096;
  // 50 pages spread over the 16 GiB (51 runs with the block below: more than a full header's 42), and a
  // present run of 8192 pages (32 MiB) of zeros.
  const pages = new Map<number, Uint8Array>();
  for (let i = 0; i < 50; i++) pages.set(Math.floor((i * (total - 1)) / 49), page(i));
  const zero = new Uint8Array(4096);
  for (let p = 0x100000; p < 0x100000 + 8192; p++) pages.set(p, zero);
  const src = join(dir, 'sparse16g.dmp');
  await writeFile(src, pages, 'kernel-bitmap', total);
  const out = join(dir, 'sparse16g-full.dmp');
  const r = await cli(['convert', src, out, '--to', 'full']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /the 51 runs of present pages were merged into 42/);
  const st = statSync(out);
  assert.ok(st.size > 2 ** 31, `apparent size ${st.size}: merged gaps span gigabytes`);
  assert.ok(st.blocks * 512 < 8 * 2 ** 20, `${st.blocks * 512} bytes on disk: only the 50 data pages, header and trailer are written`);
  const d = await openKernelDump(new PageCache(await FileSource.open(out)));
  try {
    for (const [p, bytes] of pages) assert.deepEqual(await d.physical!.readPage(p), bytes, `page 0x${p.toString(16)}`);
    assert.equal(await d.physical!.readPage(0x100000 + 8192), undefined, 'a merged gap is not in the dump');
  } finally {
    await d.source.close();
  }
});

test('a bitmap dump cut inside its bitmap opens with a warning, and converting it says OUT carries the loss', async () => {
  const src = join(dir, 'cut-bitmap-whole.dmp');
  await writeFile(src, new Map([[3, page(3)], [0x7ffff, page(4)]]), 'kernel-bitmap', 0x80000); // a 64 KiB bitmap
  const whole = new Uint8Array(readFileSync(src));
  const cutAt = 0x2000 + 0x38 + 0x4000; // 16 KiB of the bitmap left
  const cut = join(dir, 'cut-bitmap.dmp');
  writeFileSync(cut, whole.subarray(0, cutAt));
  const d = await openKernelDump(new BufferSource(whole.subarray(0, cutAt)));
  assert.equal(d.limitations.length, 2);
  assert.match(d.limitations[0], new RegExp(`^truncated dump: the file is ${whole.length - cutAt} bytes shorter than its header says`));
  assert.equal(d.limitations[1], 'the file ends inside the page bitmap: 16384 of its 65536 bytes are present, so which pages the dump held is known only for the first 0x20000 page frames, and no page is in the file');
  assert.equal(await d.physical!.readPage(3), undefined);
  const info = await cli(['info', cut]);
  assert.equal(info.code, 0, info.err);
  assert.match(info.out, /truncated/);
  const out = join(dir, 'cut-bitmap-full.dmp');
  const r = await cli(['convert', cut, out, '--to', 'full']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /: full, 0 pages, \d+ bytes\nnote: IN is truncated/);
  const e = await openKernelDump(new BufferSource(new Uint8Array(readFileSync(out))));
  assert.match(e.limitations[0], /^converted from a truncated dump \(\d+ of \d+ bytes, \d+ missing\)/);
});

test('a truncated full dump converted to triage says IN was truncated', async () => {
  const whole = join(dir, 'trunc-src.dmp');
  await writeScenarioDump('0x50', 'full', whole);
  const bytes = readFileSync(whole);
  const cut = join(dir, 'trunc-cut.dmp');
  writeFileSync(cut, bytes.subarray(0, bytes.length - 3 * 4096)); // the last pages lost
  const r = await cli(['convert', cut, join(dir, 'trunc-tri.dmp'), '--to', 'triage', '-y', scenarioBinDir(), '--offline']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^wrote .*: triage, \d+ data blocks, \d+ bytes\nnote: IN is truncated, so OUT holds only what came before the cut \(truncated dump: the file is 12288 bytes shorter/);
});

test('scripts/make-scenario.ts writes each layout; its dumps analyze as the scenario; up from its triage dump, uncaptured bytes stay unknown', async () => {
  const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'scripts/make-scenario.ts', ...args], { cwd: repo('.'), encoding: 'utf8' });
  const tri = join(dir, 'made-7e-triage.dmp');
  let r = run(['--bugcheck', '0x7E', '--layout', 'triage', tri]);
  assert.equal(r.status, 0, r.stderr);
  const big = join(dir, 'made-7e-16g.dmp');
  r = run(['--bugcheck', '7e', '--layout', 'kernel-bitmap', '--threads', '5', '--physical-size', '16G', big]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^wrote .*made-7e-16g\.dmp: .*, kernel-bitmap, \d+ pages$/m);
  for (const path of [tri, big]) {
    const { session, target, close } = await openSession(path, opts, quiet);
    try {
      const a = await analyzeWithDisplay(session);
      assert.equal(a.bugcheck.code, 0x7e, path); // the 0x7E walkthrough's SYSTEM_THREAD_EXCEPTION_NOT_HANDLED (7e)
      assert.equal(a.moduleName, 'EvilDriver', path);
      if (path === big) assert.equal(target.dump.bitmap?.pages, (16 * 2 ** 30) / 4096);
      else assert.equal(target.dump.header.dumpType, 'triage');
    } finally {
      await close();
    }
  }
  r = run(['--bugcheck', '0x99', '--layout', 'full', join(dir, 'nope.dmp')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^make-scenario: no scenario for bugcheck 0x99 \(there are 0x50, 0x7e, 0xd1, 0x3b\)\nusage: /);
  r = run(['--bugcheck', '0x50', '--layout', 'full', '--physical-size', '16G', join(dir, 'nope.dmp')]);
  assert.match(r.stderr, /--physical-size applies to the bitmap layouts/);
  // OUT like convert's: a missing directory is said in words (before: an uncaught ENOENT with a stack trace),
  // an existing file is kept without --force, and the summary names the scenario (triage too).
  r = run(['--bugcheck', '0x7e', '--layout', 'full', join(dir, 'no-such-dir', 'x.dmp')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^make-scenario: cannot write .*x\.dmp: the directory .*no-such-dir does not exist\n/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  const before = readFileSync(tri);
  r = run(['--bugcheck', '0x7e', '--layout', 'triage', tri]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /exists: refusing to replace it \(add --force to overwrite\)/);
  assert.ok(readFileSync(tri).equals(before));
  r = run(['--bugcheck', '0x7e', '--layout', 'triage', '--force', tri]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^wrote .*made-7e-triage\.dmp: EvilDriver\.sys overflows .*, triage, \d+ bytes$/m);
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('made-7e-triage.dmp.tmp-')), [], 'no temporary file is left');
  // The 0x50 small dump has no handle table; rebuilt as a full dump it still says so, not "HandleCount: 0".
  const t50 = join(dir, 'made-50-triage.dmp');
  assert.equal(run(['--bugcheck', '0x50', '--layout', 'triage', t50]).status, 0);
  const up = join(dir, 'made-50-up.dmp');
  assert.equal((await cli(['convert', t50, up, '--to', 'full', '-y', scenarioBinDir(), '--offline'])).code, 0);
  const handles = async (path: string) => {
    const { session, close } = await openSession(path, opts, quiet);
    try {
      const [p] = await createEngine().run(session, '!process 0 0');
      return /HandleCount: ([^\n]*)/.exec(p.text)?.[1];
    } finally {
      await close();
    }
  };
  assert.equal(await handles(t50), '<Data Not Accessible>');
  assert.equal(await handles(up), '<Data Not Accessible>');
});
