// Tests read ../shared/corpus in place and skip, saying why, when it is absent (a user's fresh clone).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const corpusRoot = resolve(repoRoot, '..', 'shared', 'corpus');

/** Absolute path of a corpus file. */
export function corpus(rel: string): string {
  return join(corpusRoot, rel);
}

/** `false` when the corpus file exists, else a skip reason for node:test's `skip` option. */
export function skipUnlessCorpus(rel = ''): false | string {
  const p = corpus(rel);
  return existsSync(p) ? false : `../shared/corpus/${rel} is not present (tests that need the real corpus are skipped)`;
}

/** Absolute path of a repository file (fixtures, samples). */
export function repo(rel: string): string {
  return join(repoRoot, rel);
}
