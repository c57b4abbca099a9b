// Opening a PDB and answering the first address lookup (publics index built), then lookups per second,
// against `llvm-pdbutil dump -publics` on the same file in the same run.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { PdbFile } from '../src/formats/pdb/pdb.js';
import { FileSource } from '../src/node/file-source.js';
import { corpus } from '../test/helpers/corpus.js';
import { median, report, timeCommand } from './lib.js';

const files = ['symbols/user32.pdb/15F778B3671D4EFDBDCDE79905308B792/user32.pdb', 'symbols/dump_syms_regtest64.pdb/72E103A85CB249078B76B2E7C06257B13/dump_syms_regtest64.pdb'];
for (const rel of files) {
  const path = corpus(rel);
  if (!existsSync(path)) continue;
  const opens: number[] = [];
  let pdb: PdbFile | undefined;
  for (let i = 0; i < 7; i++) {
    const t = process.hrtime.bigint();
    const src = await FileSource.open(path);
    pdb = await PdbFile.open(src);
    await pdb.symbolAt(0x1000);
    opens.push(Number(process.hrtime.bigint() - t) / 1e6);
    await src.close(); // streams already read stay cached in the PdbFile
  }
  const syms = await pdb!.symbols();
  const max = syms[syms.length - 1]?.rva ?? 1;
  const N = 200_000;
  const t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await pdb!.symbolAt((i * 7919) % max);
  const perSec = N / (Number(process.hrtime.bigint() - t) / 1e9);
  let ref = 'llvm-pdbutil not installed';
  try {
    execFileSync('llvm-pdbutil', ['--version'], { stdio: 'ignore' });
    ref = `${timeCommand('llvm-pdbutil', ['dump', '-publics', path], 7).medianMs.toFixed(1)} ms (process, median of 7)`;
  } catch {}
  report(`${rel.split('/').pop()} (${syms.length} publics)`, [
    ['open + first lookup (in process, median of 7)', `${median(opens).toFixed(1)} ms`],
    ['lookups per second afterwards', `${Math.round(perSec).toLocaleString('en-US')}`],
    ['llvm-pdbutil dump -publics', ref],
  ]);
}
