// Opens a symbol file given on the command line: an MSF PDB (read lazily, stream by stream, through a
// bounded page cache), or an ISF table (.json or .json.xz, which has to be read whole). Anything else is
// refused after reading only its first bytes, with a message saying what the file looks like.
import { stat } from 'node:fs/promises';
import { openIsf } from '../formats/isf/open-isf.js';
import { PdbFile } from '../formats/pdb/pdb.js';
import { DumpscopeError, FormatError, UnsupportedError } from '../io/errors.js';
import { PageCache } from '../io/page-cache.js';
import { describeOtherFile, SNIFF_BYTES, sniffSymbolFile } from '../symbols/symbol-file-kind.js';
import type { SymbolSource } from '../symbols/symbol-source.js';
import { FileSource } from './file-source.js';

export interface OpenedSymbolFile {
  source: SymbolSource;
  close(): Promise<void>;
}

/** ISF tables are read whole (JSON): the corpus's nt table is 6 MB compressed, 60 MB as text. */
export const MAX_ISF_FILE = 1 << 30;

export async function openSymbolFile(path: string): Promise<OpenedSymbolFile> {
  const st = await stat(path);
  if (!st.isFile()) throw new DumpscopeError(`${path} is ${st.isDirectory() ? 'a directory' : 'not a regular file'}, not a symbol file`, 'NOT_A_FILE');
  const file = await FileSource.open(path, 'symbol file');
  try {
    const head = await file.read(0, Math.min(SNIFF_BYTES, file.size));
    const kind = sniffSymbolFile(head);
    if (kind === 'pdb') {
      const pdb = await PdbFile.open(new PageCache(file, { maxBytes: 32 << 20 }));
      return { source: pdb, close: () => file.close() };
    }
    if (kind === 'pdb2') throw new UnsupportedError(`${path}: PDB 2.00 (pre-MSF 7.00) files are not supported`);
    if (kind === 'other') throw new FormatError(path, `not a PDB or an ISF table: it looks like ${describeOtherFile(head)}`);
    if (file.size > MAX_ISF_FILE) throw new FormatError(path, `ISF table of ${file.size} bytes is larger than the ${MAX_ISF_FILE}-byte limit`);
    const bytes = await file.read(0, file.size);
    await file.close();
    return { source: openIsf(bytes, path.split(/[\\/]/).pop() ?? path), close: async () => {} };
  } catch (e) {
    await file.close().catch(() => {});
    throw e;
  }
}
