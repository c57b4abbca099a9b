// `dumpscope pdb` as a process: its JSON against llvm-pdbutil's dumps, its refusals of files that are not
// symbol files, and a reader that stops early (`| head -1`).
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { corpus, repo, skipUnlessCorpus } from '../../helpers/corpus.js';
import { LlvmTypes, members, pdbutil, pdbutilMissing, udtInfo } from '../../helpers/pdbutil.js';

const MAIN = repo('src/cli/main.ts');

function dumpscope(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'pdb', ...args], { cwd: repo(''), encoding: 'utf8', maxBuffer: 1 << 28 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function pdbPath(name: string): string {
  const dir = corpus(`symbols/${name}`);
  return join(dir, readdirSync(dir)[0], name);
}

const skip = skipUnlessCorpus('symbols/CrashWithException.pdb') || pdbutilMissing();

test('pdb FILE --json: identity equals llvm-pdbutil\'s', { skip }, () => {
  const path = pdbPath('CrashWithException.pdb');
  const r = dumpscope([path, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const id = JSON.parse(r.stdout);
  const yaml = pdbutil(['pdb2yaml', '-pdb-stream', '-dbi-stream', path]);
  const guid = /Guid:\s+'\{([0-9A-F-]+)\}'/.exec(yaml)![1].replace(/-/g, '');
  assert.equal(id.guid, guid);
  assert.equal(id.age, Number(/DbiStream:[\s\S]*?Age:\s+(\d+)/.exec(yaml)![1]));
  assert.equal(/MachineType:\s+(\w+)/.exec(yaml)![1], 'Amd64');
  assert.equal(id.machine, '0x8664 (x64)');
});

test('pdb FILE --publics --json equals llvm-pdbutil dump -publics', { skip }, () => {
  const path = pdbPath('CrashWithException.pdb');
  const r = dumpscope([path, '--publics', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const ours = (JSON.parse(r.stdout) as { name: string; section: number; offset: number; isFunction: boolean }[]).map((p) => `${p.name}|${p.section}|${p.offset}|${p.isFunction}`);
  const text = pdbutil(['dump', '-publics', path]);
  const expected = [...text.matchAll(/S_PUB32 \[size = \d+\] `(.*)`\n\s+flags = ([^,]+), addr = (\d+):(\d+)/g)].map((m) => `${m[1]}|${Number(m[3])}|${Number(m[4])}|${/function/.test(m[2])}`);
  assert.ok(expected.length > 100);
  assert.deepEqual(ours.sort(), expected.sort());
});

test('pdb FILE --type std::exception --json: members, base classes and offsets equal llvm-pdbutil\'s', { skip }, () => {
  const path = pdbPath('CrashWithException.pdb');
  const llvm = LlvmTypes.from(pdbutil(['dump', '-types', path]));
  for (const name of ['std::exception', 'std::bad_alloc']) {
    const r = dumpscope([path, '--type', name, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const layout = JSON.parse(r.stdout) as { name: string; size: number; fields: { name: string; offset: number; type: string }[] };
    const rec = [...llvm.recs.values()].find((x) => x.name === name && x.leaf === 'LF_CLASS' && !/forward ref/.test(x.text))!;
    const info = udtInfo(rec);
    assert.equal(layout.size, info.size);
    const want = members(llvm.recs.get(info.fieldList!)!);
    assert.deepEqual(layout.fields.map((f) => [f.name, f.offset]), want.map((m) => [m.name, m.offset]));
    layout.fields.forEach((f, i) => {
      const n = llvm.name(want[i].type);
      if (n !== undefined) assert.equal(f.type, n);
    });
  }
});

test('pdb FILE --modules --json equals llvm-pdbutil dump -modules', { skip }, () => {
  const path = pdbPath('CrashWithException.pdb');
  const r = dumpscope([path, '--modules', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const text = pdbutil(['dump', '-modules', path]);
  const want = [...text.matchAll(/Mod (\d+) \| `(.*)`:/g)].map((m) => [Number(m[1]), m[2]]);
  assert.deepEqual((JSON.parse(r.stdout) as { index: number; name: string }[]).map((m) => [m.index, m.name]), want);
});

test('pdb --types lists every definition, anonymous ones included (llvm-pdbutil counts them)', { skip }, () => {
  const path = pdbPath('CrashWithException.pdb');
  const r = dumpscope([path, '--types', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const ours = (JSON.parse(r.stdout) as { name: string }[]).filter((t) => t.name === '<anonymous-tag>').length;
  const text = pdbutil(['dump', '-types', path]);
  const defs = [...LlvmTypes.from(text).recs.values()].filter((x) => x.name === '<anonymous-tag>' && /^LF_(STRUCTURE|CLASS|UNION|ENUM)$/.test(x.leaf) && !/forward ref/.test(x.text));
  assert.ok(defs.length >= 2);
  assert.equal(ours, defs.length);
});

test('files that are not symbol files are refused with what they look like, never a stack trace', () => {
  const cases: [string, RegExp][] = [
    [repo('test'), /is a directory/],
    [repo('samples/walkthrough-0x50.dmp'), /looks like a Windows kernel dump/],
    [repo('fixtures/scenario/bin/Driver.sys'), /looks like a PE image/],
    [repo('package.json'), /ISF .*(JSON|section)/],
  ];
  for (const [file, why] of cases) {
    const r = dumpscope([file]);
    assert.equal(r.status, 1, `${file}: ${r.stderr}`);
    assert.match(r.stderr, why);
    assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
  }
});

test('an ISF table has no modules: --modules says so and fails', { skip: skipUnlessCorpus('isf') }, () => {
  const r = dumpscope([corpus('isf/ntkrnlmp.pdb/5278AFF86C341677D7D7835C85B7B844-1.json.xz'), '--modules']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /ISF tables have no modules/);
});

test('a reader that closes the pipe early (| head -1) ends the process quietly', { skip: skipUnlessCorpus('symbols/user32.pdb') }, async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'pdb', pdbPath('user32.pdb'), '--publics'], { cwd: repo(''), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  await new Promise<void>((r) => child.stdout.once('data', () => r()));
  child.stdout.destroy();
  const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /EPIPE|\n\s+at /);
});

test('an ISF table: machine in hex like a PDB\'s, and isFunction unknown (null) where the table gives no type', { skip: skipUnlessCorpus('isf') }, () => {
  const file = corpus('isf/ntkrnlmp.pdb/5278AFF86C341677D7D7835C85B7B844-1.json.xz');
  // Independent reading: the xz command and JSON.parse.
  const isf = JSON.parse(execFileSync('xz', ['-dc', file], { maxBuffer: 1 << 28 }).toString());
  const id = JSON.parse(dumpscope([file, '--json']).stdout);
  assert.equal(id.machine, `0x${isf.metadata.windows.pdb.machine_type.toString(16)} (x64)`);
  const pubs = JSON.parse(dumpscope([file, '--publics', '--json']).stdout) as { name: string; isFunction: boolean | null }[];
  const typed = new Set(Object.entries(isf.symbols as Record<string, { type?: { kind?: string } }>).filter(([, v]) => v.type?.kind === 'function').map(([k]) => k));
  assert.equal(pubs.length, Object.keys(isf.symbols).length);
  for (const p of pubs) assert.equal(p.isFunction, typed.has(p.name) ? true : null, p.name);
});

test('huge files are judged by their first bytes, never read whole', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dumpscope-pdb-cli-'));
  try {
    // Sparse files: 3 GiB of zeros, and a 1.2 GiB "JSON" file (over the ISF limit).
    const zeros = join(dir, 'zeros.bin');
    writeFileSync(zeros, '');
    truncateSync(zeros, 3 * 2 ** 30);
    const json = join(dir, 'big.json');
    writeFileSync(json, '{"metadata":');
    truncateSync(json, 1200 * 2 ** 20);
    const t0 = Date.now();
    const a = dumpscope([zeros]);
    assert.equal(a.status, 1);
    assert.match(a.stderr, /not a PDB or an ISF table: it looks like unknown data \(first bytes 00 00/);
    const b = dumpscope([json]);
    assert.equal(b.status, 1);
    assert.match(b.stderr, /ISF table of \d+ bytes is larger than the \d+-byte limit/);
    assert.ok(Date.now() - t0 < 20_000, `${Date.now() - t0} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pdb FILE --lookup RVA names the procedure containing it (addresses from llvm-pdbutil), and refuses a bad RVA', { skip }, () => {
  const path = pdbPath('CrashWithException.pdb');
  const vas = [...pdbutil(['dump', '-section-headers', path]).matchAll(/([0-9A-F]+) virtual address/g)].map((m) => Number.parseInt(m[1], 16));
  const main = /S_GPROC32 \[size = \d+\] `main`\n.*addr = (\d+):(\d+), code size = (\d+)/.exec(pdbutil(['dump', '-symbols', path]));
  assert.ok(main);
  const start = vas[Number(main[1]) - 1] + Number(main[2]);
  const inside = start + Number(main[3]) - 1;
  const r = dumpscope([path, '--lookup', inside.toString(16), '--lookup', `0x${start.toString(16)}`, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as { rva: number; symbol: string; displacement: number; symbolRva: number; kind: string; size: number }[];
  assert.deepEqual(got.map((g) => [g.rva, g.symbol, g.displacement, g.symbolRva, g.kind, g.size]), [
    [inside, 'main', inside - start, start, 'function', Number(main[3])],
    [start, 'main', 0, start, 'function', Number(main[3])],
  ]);
  const text = dumpscope([path, '--lookup', inside.toString(16)]);
  assert.equal(text.stdout.trim(), `${inside.toString(16).padStart(8, '0')}  main+0x${(inside - start).toString(16)}  (function at ${start.toString(16).padStart(8, '0')}, size 0x${Number(main[3]).toString(16)})`);
  const bad = dumpscope([path, '--lookup', 'main']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--lookup: main is not an RVA/);
});
