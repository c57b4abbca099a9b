// PDB reading, compared like with like, in the same run (the two tools' runs interleaved, medians of N):
// - cold start as whole processes: `dumpscope pdb FILE --lookup RVA` (open the PDB, build the address index,
//   answer one lookup) against `llvm-pdbutil dump -publics FILE` (read and print every public);
// - each tool's start-up alone (`node -e 0`, `dumpscope --version`, `llvm-pdbutil --version`), with many
//   repetitions and their spread, so the process figures can be read against it;
// - in process: open + first lookup on a fresh PdbFile (the index is built per file), and lookups per
//   second afterwards.
// Files: user32.pdb (real, from the corpus) and two PDBs built here from generated C with clang-14 and
// lld-link-14: 20,000 functions (about 6.6 MiB) and 64,000 functions (about 21 MiB, 64,000 publics).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { PdbFile } from '../src/formats/pdb/pdb.js';
import { PageCache } from '../src/io/page-cache.js';
import { FileSource } from '../src/node/file-source.js';
import { corpus, repoRoot } from '../test/helpers/corpus.js';
import { median, report } from './lib.js';

const BENCH_DIR = '/tmp/dumpscope-bench';

function run(cmd: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd, stdio: 'ignore' });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}`))));
  });
}

/**
 * Builds BENCH_DIR/NAME/NAME.pdb from generated C (`files` objects of `functions` exported functions and
 * `structs` structures each), compiling in parallel, if clang-14 and lld-link-14 are installed.
 */
async function buildPdb(name: string, files: number, functions: number, structs: number): Promise<string | undefined> {
  const dir = join(BENCH_DIR, name);
  const pdb = join(dir, `${name}.pdb`);
  if (existsSync(pdb)) return pdb;
  if (spawnSync('clang-14', ['--version']).status !== 0 || spawnSync('lld-link-14', ['--version']).status !== 0) return undefined;
  mkdirSync(dir, { recursive: true });
  const objs: string[] = [];
  const jobs: (() => Promise<void>)[] = [];
  for (let file = 0; file < files; file++) {
    const lines: string[] = [];
    for (let i = 0; i < structs; i++) lines.push(`struct s${file}_${i} { int a; long long b[${(i % 7) + 1}]; struct s${file}_${i} *next; unsigned f1 : 3, f2 : 5; };`);
    for (let i = 0; i < functions; i++) {
      lines.push(`__declspec(dllexport) __declspec(noinline) long long fn${file}_${i}(struct s${file}_${i % structs} *p, int x) { volatile long long v[4]; v[0] = x; return v[0] + (p ? p->a : ${i}); }`);
    }
    writeFileSync(join(dir, `g${file}.c`), lines.join('\n'));
    objs.push(`g${file}.obj`);
    jobs.push(() => run('clang-14', ['--target=x86_64-pc-windows-msvc', '-g', '-gcodeview', '-O1', '-c', `g${file}.c`, '-o', `g${file}.obj`], dir));
  }
  const workers = Math.max(1, cpus().length);
  await Promise.all(Array.from({ length: workers }, async () => {
    for (let job = jobs.shift(); job; job = jobs.shift()) await job();
  }));
  await run('lld-link-14', ['/dll', '/noentry', '/nodefaultlib', '/debug:full', `/pdb:${name}.tmp.pdb`, `/out:${name}.dll`, ...objs], dir);
  renameSync(join(dir, `${name}.tmp.pdb`), pdb); // only a complete build is reused by the next run
  return pdb;
}

/** Wall times of several commands, their runs interleaved (the machine's load drifts), after a warm-up each. */
function timeInterleaved(cmds: [string, string[]][], runs: number): number[][] {
  for (const [c, a] of cmds) spawnSync(c, a, { stdio: 'ignore' });
  const all: number[][] = cmds.map(() => []);
  for (let i = 0; i < runs; i++) {
    cmds.forEach(([c, a], k) => {
      const t = process.hrtime.bigint();
      const r = spawnSync(c, a, { stdio: 'ignore' });
      if (r.status !== 0) throw new Error(`${c} ${a.join(' ')} exited with ${r.status}`);
      all[k].push(Number(process.hrtime.bigint() - t) / 1e6);
    });
  }
  return all;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))];
}

const ms = (v: number) => `${v.toFixed(1)} ms`;
const spread = (xs: number[]) => `median ${ms(median(xs))}, p10-p90 ${quantile(xs, 0.1).toFixed(1)}-${quantile(xs, 0.9).toFixed(1)} ms`;

function llvmPdbutil(): boolean {
  try {
    execFileSync('llvm-pdbutil', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const files: string[] = [];
const user32 = corpus('symbols/user32.pdb/15F778B3671D4EFDBDCDE79905308B792/user32.pdb');
if (existsSync(user32)) files.push(user32);
for (const p of [await buildPdb('medium', 8, 2500, 400), await buildPdb('large', 16, 4000, 500)]) if (p) files.push(p);

const RUNS = 15;
const STARTUP_RUNS = 41;
const cli = join(repoRoot, 'bin', 'dumpscope.js');
const llvm = llvmPdbutil();

const startup = timeInterleaved([[process.execPath, ['-e', '0']], [process.execPath, [cli, '--version']], ...(llvm ? [['llvm-pdbutil', ['--version']] as [string, string[]]] : [])], STARTUP_RUNS);
report(`start-up alone, ${STARTUP_RUNS} runs each`, [
  ['node -e 0', spread(startup[0])],
  ['dumpscope --version (Node + the bundle)', spread(startup[1])],
  ['llvm-pdbutil --version', llvm ? spread(startup[2]) : 'not installed'],
]);

for (const path of files) {
  // In process: a fresh PdbFile each time (open, then the first lookup builds its index).
  const first: number[] = [];
  let pdb: PdbFile | undefined;
  let src: FileSource | undefined;
  const probe = 0x1000;
  for (let i = 0; i < 9; i++) {
    await src?.close();
    const t = process.hrtime.bigint();
    src = await FileSource.open(path);
    pdb = await PdbFile.open(new PageCache(src, { maxBytes: 32 << 20 })); // as `dumpscope pdb` and the symbol store open it
    await pdb.symbolAt(probe);
    first.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const p = pdb as PdbFile;
  const pubs = await p.publics();
  const rvas = pubs.map((x) => x.rva ?? 0).sort((a, b) => a - b);
  const middle = rvas[rvas.length >> 1] + 1; // inside the address range, one byte into a symbol
  const max = rvas.at(-1) ?? 1;
  const N = 200_000;
  const t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await p.symbolAt((i * 7919) % max);
  const perSec = N / (Number(process.hrtime.bigint() - t) / 1e9);
  const procs = (await p.privateSymbols()).filter((s) => s.kind === 'function').length;
  await src?.close();

  const lookupArgs = [cli, 'pdb', path, '--lookup', `0x${middle.toString(16)}`];
  const [ours, theirs] = timeInterleaved([[process.execPath, lookupArgs], ...(llvm ? [['llvm-pdbutil', ['dump', '-publics', path]] as [string, string[]]] : [])], RUNS);
  const rows: [string, string][] = [
    [`dumpscope pdb --lookup (process, ${RUNS} runs)`, spread(ours)],
    [`llvm-pdbutil dump -publics (process, ${RUNS} runs)`, llvm ? spread(theirs) : 'not installed'],
    ['open + first lookup, in process (fresh PdbFile, median of 9)', ms(median(first))],
    ['lookups per second afterwards', Math.round(perSec).toLocaleString('en-US')],
  ];
  report(`${path.split('/').pop()} (${(statSync(path).size / 2 ** 20).toFixed(1)} MiB: ${pubs.length} publics, ${procs} procedures)`, rows);
}
