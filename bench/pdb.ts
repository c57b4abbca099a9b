// PDB reading, compared like with like, in the same run:
// - as whole processes: `dumpscope pdb FILE --publics --json` against `llvm-pdbutil dump -publics FILE`, and
//   each tool's start-up alone (`node -e 0`, `llvm-pdbutil --version`);
// - the work itself: dumpscope's in-process open + index build (publics and private symbols, sorted for
//   address lookups) against llvm-pdbutil's `dump -publics` and `dump -publics -symbols` minus its start-up.
// Then lookups per second. Files: user32.pdb (real, from the corpus) and a larger PDB built here from
// generated C (thousands of functions and structures) with clang-14 and lld-link-14.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PdbFile } from '../src/formats/pdb/pdb.js';
import { PageCache } from '../src/io/page-cache.js';
import { FileSource } from '../src/node/file-source.js';
import { corpus, repoRoot } from '../test/helpers/corpus.js';
import { median, report, timeCommand } from './lib.js';

/** Builds /tmp/dumpscope-bench/big.pdb from generated C, if clang-14 and lld-link-14 are installed. */
function buildLargePdb(): string | undefined {
  const dir = '/tmp/dumpscope-bench';
  const pdb = join(dir, 'big.pdb');
  if (existsSync(pdb)) return pdb;
  if (spawnSync('clang-14', ['--version']).status !== 0 || spawnSync('lld-link-14', ['--version']).status !== 0) return undefined;
  mkdirSync(dir, { recursive: true });
  const objs: string[] = [];
  for (let file = 0; file < 8; file++) {
    const lines: string[] = [];
    for (let i = 0; i < 400; i++) lines.push(`struct s${file}_${i} { int a; long long b[${(i % 7) + 1}]; struct s${file}_${i} *next; unsigned f1 : 3, f2 : 5; };`);
    for (let i = 0; i < 2500; i++) {
      lines.push(`__declspec(dllexport) __declspec(noinline) long long fn${file}_${i}(struct s${file}_${i % 400} *p, int x) { volatile long long v[4]; v[0] = x; return v[0] + (p ? p->a : ${i}); }`);
    }
    const c = join(dir, `g${file}.c`);
    writeFileSync(c, lines.join('\n'));
    const o = join(dir, `g${file}.obj`);
    execFileSync('clang-14', ['--target=x86_64-pc-windows-msvc', '-g', '-gcodeview', '-O1', '-c', c, '-o', o]);
    objs.push(o);
  }
  execFileSync('lld-link-14', ['/dll', '/noentry', '/nodefaultlib', '/debug:full', `/pdb:${pdb}`, `/out:${join(dir, 'big.dll')}`, ...objs]);
  return pdb;
}

const files: string[] = [];
const user32 = corpus('symbols/user32.pdb/15F778B3671D4EFDBDCDE79905308B792/user32.pdb');
if (existsSync(user32)) files.push(user32);
const big = buildLargePdb();
if (big) files.push(big);

function llvmPdbutil(): boolean {
  try {
    execFileSync('llvm-pdbutil', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const RUNS = 9;
const nodeStart = timeCommand(process.execPath, ['-e', '0'], RUNS).medianMs;
const llvm = llvmPdbutil();
const llvmStart = llvm ? timeCommand('llvm-pdbutil', ['--version'], RUNS).medianMs : undefined;

for (const path of files) {
  const opens: number[] = [];
  let pdb: PdbFile | undefined;
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint();
    const src = await FileSource.open(path);
    pdb = await PdbFile.open(new PageCache(src, { maxBytes: 32 << 20 })); // as `dumpscope pdb` and the symbol store open it
    await pdb.symbolAt(0x1000); // builds the index of publics and private symbols
    opens.push(Number(process.hrtime.bigint() - t) / 1e6);
    await src.close();
  }
  const syms = await pdb!.symbols();
  const procs = (await pdb!.privateSymbols()).filter((s) => s.kind === 'function').length;
  const max = syms[syms.length - 1]?.rva ?? 1;
  const N = 200_000;
  const t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await pdb!.symbolAt((i * 7919) % max);
  const perSec = N / (Number(process.hrtime.bigint() - t) / 1e9);
  const ours = timeCommand(process.execPath, [join(repoRoot, 'bin', 'dumpscope.js'), 'pdb', path, '--publics', '--json'], RUNS).medianMs;
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  const rows: [string, string][] = [
    ['dumpscope pdb --publics --json (process)', `${ms(ours)} (start-up, node -e 0: ${ms(nodeStart)})`],
  ];
  if (llvm && llvmStart !== undefined) {
    const pub = timeCommand('llvm-pdbutil', ['dump', '-publics', path], RUNS).medianMs;
    const all = timeCommand('llvm-pdbutil', ['dump', '-publics', '-symbols', path], RUNS).medianMs;
    rows.push(
      ['llvm-pdbutil dump -publics (process)', `${ms(pub)} (start-up, --version: ${ms(llvmStart)})`],
      ['open + index build, in process (median)', ms(median(opens))],
      ['llvm-pdbutil dump -publics, minus start-up', ms(pub - llvmStart)],
      ['llvm-pdbutil dump -publics -symbols, minus start-up', ms(all - llvmStart)],
    );
  } else rows.push(['open + index build, in process (median)', ms(median(opens))], ['llvm-pdbutil', 'not installed']);
  rows.push(['lookups per second afterwards', Math.round(perSec).toLocaleString('en-US')]);
  report(`${path.split('/').pop()} (${(statSync(path).size / 2 ** 20).toFixed(1)} MiB: ${(await pdb!.publics()).length} publics, ${procs} procedures, ${syms.length} distinct symbols)`, rows);
}
