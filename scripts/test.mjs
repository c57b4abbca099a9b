// Runs every *.test.ts under the given folders (default: test/) with node:test through tsx.
// Node 20's --test does not expand globs, so we list the files here.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const roots = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const passThrough = process.argv.slice(2).filter((a) => a.startsWith('-'));
function walk(p, out) {
  if (statSync(p).isFile()) { if (p.endsWith('.test.ts')) out.push(p); return out; }
  for (const e of readdirSync(p).sort()) walk(join(p, e), out);
  return out;
}
const files = (roots.length ? roots : ['test']).flatMap((r) => walk(r, []));
if (files.length === 0) { console.error('no test files found'); process.exit(1); }
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...passThrough, ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
