// Opening a PDB and answering the first address lookup (publics index built), then lookups per second;
// and the same work as a whole process (`dumpscope pdb FILE --publics --json`) against
// `llvm-pdbutil dump -publics` on the same file in the same run. Files: user32.pdb (real, from the corpus)
// and the largest PDB built here: generated C (thousands of functions and structures) compiled with clang-14.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PdbFile } from '../src/formats/pdb/pdb.js';
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

for (const path of files) {
  const opens: number[] = [];
  let pdb: PdbFile | undefined;
  for (let i = 0; i < 7; i++) {
    const t = process.hrtime.bigint();
    const src = await FileSource.open(path);
    pdb = await PdbFile.open(src);
    await pdb.symbolAt(0x1000);
    opens.push(Number(process.hrtime.bigint() - t) / 1e6);
    await src.close();
  }
  const syms = await pdb!.symbols();
  const max = syms[syms.length - 1]?.rva ?? 1;
  const N = 200_000;
  const t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await pdb!.symbolAt((i * 7919) % max);
  const perSec = N / (Number(process.hrtime.bigint() - t) / 1e9);
  const ours = timeCommand(process.execPath, [join(repoRoot, 'bin', 'dumpscope.js'), 'pdb', path, '--publics', '--json'], 7).medianMs;
  const nodeStart = timeCommand(process.execPath, ['-e', '0'], 7).medianMs;
  let ref = 'llvm-pdbutil not installed';
  try {
    execFileSync('llvm-pdbutil', ['--version'], { stdio: 'ignore' });
    ref = `${timeCommand('llvm-pdbutil', ['dump', '-publics', path], 7).medianMs.toFixed(1)} ms`;
  } catch {}
  report(`${path.split('/').pop()} (${(statSync(path).size / 2 ** 20).toFixed(1)} MiB, ${(await pdb!.publics()).length} publics, ${syms.length} symbols)`, [
    ['open + first lookup (in process, median of 7)', `${median(opens).toFixed(1)} ms`],
    ['lookups per second afterwards', `${Math.round(perSec).toLocaleString('en-US')}`],
    ['dumpscope pdb --publics --json (process)', `${ours.toFixed(1)} ms (node -e 0: ${nodeStart.toFixed(1)} ms)`],
    ['llvm-pdbutil dump -publics (process)', ref],
  ]);
}
