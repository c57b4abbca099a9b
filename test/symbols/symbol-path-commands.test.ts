// The symbol path as sessions handle it: `.sympath A;B` takes the rest of the line (WinDbg's rule for the
// path commands, `as`, `$<` and `*` comments; `.echo` and `$$` end at `;`), `.sympath+` never repeats an
// entry, paths keep their case, Windows-only paths are refused on other systems, a failed download ends its
// progress line, and a wrong nt ISF table is reported as a mismatch naming the variables that disagree.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { ModulesResult } from '../../src/commands/builtin/modules.js';
import { splitCommands } from '../../src/commands/engine.js';
import { createEngine } from '../../src/commands/registry.js';
import { openSession } from '../../src/node/open-session.js';
import { renderProgress } from '../../src/node/progress-bar.js';
import { type DownloadProgress, SymbolStore } from '../../src/node/symbol-store.js';
import { parseSymbolPath } from '../../src/symbols/symbol-path.js';
import { corpus, skipUnlessCorpus } from '../helpers/corpus.js';

const TRIAGE = 'kernel/win10-19041-x64-triage-1000007e.dmp';
const work = mkdtempSync(join(tmpdir(), 'dumpscope-sympath-'));
after(() => rmSync(work, { recursive: true, force: true }));

async function open(sympath: string) {
  const errors: string[] = [];
  const io = { out: () => {}, err: (t: string) => void errors.push(t), stderrIsTty: false, env: {} };
  const s = await openSession(corpus(TRIAGE), { sympath, offline: true, json: false, markdown: false, commands: [], rest: [] }, io);
  const engine = createEngine();
  const run = async (line: string) => engine.run(s.session, line);
  return { ...s, errors, run };
}

test('commands that take the rest of the line are not split at ";" (WinDbg\'s command-separator rule)', () => {
  assert.deepEqual(splitCommands('.sympath /a;/b'), ['.sympath /a;/b']);
  assert.deepEqual(splitCommands('k; .sympath+ /a ; /b'), ['k', '.sympath+ /a ; /b']);
  assert.deepEqual(splitCommands('.SymPath srv*/c*https://x.test;/d'), ['.SymPath srv*/c*https://x.test;/d']);
  assert.deepEqual(splitCommands('.srcpath a;b'), ['.srcpath a;b']);
  assert.deepEqual(splitCommands('.exepath+ a;b'), ['.exepath+ a;b']);
  assert.deepEqual(splitCommands('as Name text; with ; semicolons'), ['as Name text; with ; semicolons']);
  assert.deepEqual(splitCommands('aS Name x;y'), ['aS Name x;y']);
  assert.deepEqual(splitCommands('$$>a< script.txt arg;more'), ['$$>a< script.txt arg;more']);
  assert.deepEqual(splitCommands('r; * a comment; k'), ['r', '* a comment; k']);
  // These end at the semicolon.
  assert.deepEqual(splitCommands('.echo hello; k'), ['.echo hello', 'k']);
  assert.deepEqual(splitCommands('$$ note; k'), ['$$ note', 'k']);
  assert.deepEqual(splitCommands('.sympathy; k'), ['.sympathy', 'k']);
  // A bare `.sympath` (show the path) has no argument to take.
  assert.deepEqual(splitCommands('.sympath; k'), ['.sympath', 'k']);
  assert.deepEqual(splitCommands('.sympath ; k'), ['.sympath', 'k']);
  assert.deepEqual(splitCommands('asm; k'), ['asm', 'k']);
  assert.deepEqual(splitCommands('dx "a;b"; k'), ['dx "a;b"', 'k']);
});

test('.sympath A;B sets both entries; .sympath+ twice adds once; paths keep their case', { skip: skipUnlessCorpus(TRIAGE) }, async () => {
  const s = await open(join(work, 'empty'));
  try {
    const [set] = await s.run(`.sympath /nonexistent;${corpus('symbols')}`);
    assert.ok(set.ok, set.text);
    assert.equal(set.text, `Symbol search path is: /nonexistent;${corpus('symbols')}\nExpanded Symbol search path is: /nonexistent;${corpus('symbols')}`);
    // The second entry is used: the corpus store holds amdppm's PDB (README: WriteIoMemRawEx).
    const [ln] = await s.run('ln amdppm+0x334c');
    assert.match(ln.text, /amdppm!WriteIoMemRawEx\+0x70/);
    await s.run('.sympath+ /Tmp/MixedCase');
    const [again] = await s.run('.sympath+ /Tmp/MixedCase');
    assert.equal(again.text.split('\n')[1], `Expanded Symbol search path is: /nonexistent;${corpus('symbols')};/Tmp/MixedCase`);
    const [other] = await s.run('.sympath+ /tmp/mixedcase');
    assert.match(other.text, /;\/Tmp\/MixedCase;\/tmp\/mixedcase$/, 'a directory differing only in case is another directory');
    // `srv*` alone expands to the default cache and Microsoft's server.
    const [srv] = await s.run('.sympath srv*');
    assert.match(srv.text, /^Symbol search path is: srv\*\nExpanded Symbol search path is: srv\*.+\*https:\/\/msdl\.microsoft\.com\/download\/symbols$/);
    // WinDbg's `.sympath` alone shows both lines too; `.sympath+` appends to the path as typed, not to its expansion.
    const [shown] = await s.run('.sympath');
    assert.equal(shown.text, srv.text);
    const [plus] = await s.run('.sympath+ /tmp/x');
    assert.match(plus.text, /^Symbol search path is: srv\*;\/tmp\/x\nExpanded Symbol search path is: srv\*.+\*https:\/\/msdl\.microsoft\.com\/download\/symbols;\/tmp\/x$/);
  } finally {
    await s.close();
  }
});

test('.sympath alone shows the -y path as typed, then its expansion', { skip: skipUnlessCorpus(TRIAGE) }, async () => {
  const s = await open(`srv*;${join(work, 'typed')}`);
  try {
    const [shown] = await s.run('.sympath');
    const lines = shown.text.split('\n');
    assert.equal(lines[0], `Symbol search path is: srv*;${join(work, 'typed')}`);
    assert.match(lines[1], new RegExp(`^Expanded Symbol search path is: srv\\*[^;]+\\*https://msdl\\.microsoft\\.com/download/symbols;${join(work, 'typed').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    assert.equal(lines.length, 2);
  } finally {
    await s.close();
  }
});

test('Windows drive and UNC paths are refused on other systems, and nothing named C:\\sym is created', async () => {
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  const cwd = process.cwd();
  const here = mkdtempSync(join(work, 'cwd-'));
  process.chdir(here);
  try {
    const cache = join(work, 'default-cache');
    const s = new SymbolStore(parseSymbolPath(`srv*C:\\sym*${url};D:\\local;\\\\server\\share\\sym;cache*E:/c`), { defaultCache: cache, platform: 'linux' });
    assert.deepEqual(s.entries, [{ kind: 'server', caches: [], url }]);
    const warnings = s.takeWarnings();
    assert.equal(warnings.length, 4, warnings.join('\n'));
    assert.match(warnings[0], /^C:\\sym is a Windows drive path, which does not exist on linux: cache C:\\sym of http:\S+ ignored \(downloads go to .*default-cache\)$/);
    assert.match(warnings[1], /^D:\\local is a Windows drive path.*: D:\\local ignored$/);
    assert.match(warnings[2], /^\\\\server\\share\\sym is a Windows network \(UNC\) path/);
    assert.match(warnings[3], /^E:\/c is a Windows drive path.*: cache\*E:\/c ignored$/);
    assert.deepEqual(s.takeWarnings(), [], 'said once');
    const r = await s.findPdb({ name: 'a.pdb', guid: '1C19FDDB27BB3399D9B45973EFEAFCF3', age: 1 });
    assert.equal(r.found, false);
    assert.deepEqual(readdirSync(here), [], 'no directory named after a Windows path in the current directory');
    assert.ok(existsSync(join(cache, 'a.pdb')), 'the download went through the default cache');
    // On Windows the same path is a path like any other.
    const win = new SymbolStore(parseSymbolPath('srv*C:\\sym*https://x.test;D:\\local'), { defaultCache: cache, platform: 'win32' });
    assert.equal(win.entries.length, 2);
    assert.deepEqual(win.takeWarnings(), []);
  } finally {
    process.chdir(cwd);
    server.close();
  }
});

test('a session says once that a symbol-path entry was refused', { skip: skipUnlessCorpus(TRIAGE) || (process.platform === 'win32' && 'Windows paths are valid here') }, async () => {
  const s = await open(`C:\\symbols;${corpus('symbols')};${corpus('isf')}`);
  try {
    await s.run('ln amdppm+0x334c');
    const said = s.errors.filter((e) => /^\*\*\* WARNING: Symbol path: C:\\symbols is a Windows drive path/.test(e));
    assert.equal(said.length, 1, s.errors.join('\n'));
  } finally {
    await s.close();
  }
});

test('a failed download ends its progress line', async () => {
  assert.equal(renderProgress({ file: 'a.pdb', received: 1024, total: 4096, failed: true }), `\r\x1b[2K[${'#'.repeat(6)}${'.'.repeat(18)}] a.pdb 1 KiB of 4 KiB failed\n`);
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-length': 50_000 });
    res.write(Buffer.alloc(2000), () => res.socket?.destroy()); // the connection drops mid-body
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const seen: DownloadProgress[] = [];
    const cache = join(work, 'progress-fail');
    const s = new SymbolStore(parseSymbolPath(`srv*${cache}*http://127.0.0.1:${(server.address() as net.AddressInfo).port}`), { defaultCache: cache, retryDelayMs: 5, progress: (p) => seen.push(p) });
    const r = await s.findPdb({ name: 'a.pdb', guid: '1C19FDDB27BB3399D9B45973EFEAFCF3', age: 1 });
    assert.equal(r.found, false);
    assert.ok(seen.length >= 2);
    assert.equal(seen.at(-1)?.failed, true);
    assert.ok(renderProgress(seen.at(-1) as DownloadProgress).endsWith('failed\n'));
    // No temporary file is left behind by the streamed attempts.
    const left = (d: string): string[] => (existsSync(d) ? readdirSync(d, { withFileTypes: true, recursive: true }).filter((e) => /\.tmp-/.test(e.name)).map((e) => e.name) : []);
    assert.deepEqual(left(cache), []);
  } finally {
    server.close();
  }
});

function xzMissing(): false | string {
  try {
    execFileSync('xz', ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'xz is not installed';
  }
}

test('an nt ISF table for another build is refused as a mismatch naming the variables that disagree', { skip: skipUnlessCorpus(TRIAGE) || skipUnlessCorpus('isf') || xzMissing() }, async () => {
  // The real table, decoded by the xz command, with PsLoadedModuleList moved by 0x40.
  const dir = readdirSync(corpus('isf/ntkrnlmp.pdb'))[0];
  const real = JSON.parse(execFileSync('xz', ['-dc', corpus(`isf/ntkrnlmp.pdb/${dir}`)], { maxBuffer: 1 << 30 }).toString('utf8'));
  const rva = (n: string) => real.symbols[n].address as number;
  const table = {
    metadata: { format: '6.1.0', windows: { pdb: { GUID: '0123456789ABCDEF0123456789ABCDEF', age: 1, database: 'ntkrnlmp.pdb', machine_type: 34404 } } },
    base_types: { pointer: { kind: 'int', size: 8, signed: false, endian: 'little' } },
    user_types: {},
    enums: {},
    symbols: { PsLoadedModuleList: { address: rva('PsLoadedModuleList') + 0x40 }, PsActiveProcessHead: { address: rva('PsActiveProcessHead') }, PspCidTable: { address: rva('PspCidTable') } },
  };
  const store = join(work, 'wrong-isf');
  mkdirSync(join(store, 'ntkrnlmp.pdb'), { recursive: true });
  writeFileSync(join(store, 'ntkrnlmp.pdb', '0123456789ABCDEF0123456789ABCDEF-1.json'), JSON.stringify(table));
  const s = await open(store);
  try {
    const ntBase = 0xfffff8047ba00000n; // corpus README
    const moved = (ntBase + BigInt(rva('PsLoadedModuleList') + 0x40)).toString(16);
    const right = (ntBase + BigInt(rva('PsLoadedModuleList'))).toString(16);
    const warned = s.errors.filter((e) => e.startsWith('*** WARNING: Symbol file for ntoskrnl.exe is mismatched'));
    assert.equal(warned.length, 1, s.errors.join('\n'));
    assert.ok(warned[0].includes(`PsLoadedModuleList at ${moved}, the debugger data block says ${right}`), warned[0]);
    assert.doesNotMatch(warned[0], /PsActiveProcessHead/, 'variables that agree are not named');
    const [lm] = await s.run('lm m nt');
    assert.match((lm.result as ModulesResult).rows[0].symbols, /^# \((export|no) symbols\)$/);
  } finally {
    await s.close();
  }
});
