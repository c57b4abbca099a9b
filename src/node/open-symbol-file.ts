// Opens a symbol file given on the command line: an MSF PDB (read lazily, stream by stream, through a
// bounded page cache), an ISF table (.json or .json.xz, which has to be read whole), or either of them
// CAB-compressed as symbol servers send them (`amdppm.pd_`: unpacked in memory). Anything else is refused
// after reading only its first bytes, with a message saying what the file looks like.
import { stat } from 'node:fs/promises';
import { extractCab } from '../formats/cab/cab.js';
import { openIsf } from '../formats/isf/open-isf.js';
import { PdbFile } from '../formats/pdb/pdb.js';
import { BufferSource } from '../io/buffer-source.js';
import type { ByteSource } from '../io/byte-source.js';
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
/** A cabinet is read and unpacked whole, so both it and what it holds are bounded. */
const MAX_CAB_FILE = 1 << 30;
const MAX_UNPACKED = 2 ** 31;

const isCabHead = (h: Uint8Array) => h.length >= 4 && h[0] === 0x4d && h[1] === 0x53 && h[2] === 0x43 && h[3] === 0x46;

export async function openSymbolFile(path: string): Promise<OpenedSymbolFile> {
  const st = await stat(path);
  if (!st.isFile()) throw new DumpscopeError(`${path} is ${st.isDirectory() ? 'a directory' : 'not a regular file'}, not a symbol file`, 'NOT_A_FILE');
  const file = await FileSource.open(path, 'symbol file');
  try {
    const head = await file.read(0, Math.min(SNIFF_BYTES, file.size));
    if (!isCabHead(head)) return await openSniffed(file, head, path, () => file.close());
    if (file.size > MAX_CAB_FILE) throw new FormatError(path, `cabinet of ${file.size} bytes is larger than the ${MAX_CAB_FILE}-byte limit`);
    const files = await extractCab(await file.read(0, file.size), { maxOutput: MAX_UNPACKED });
    await file.close();
    if (files.length !== 1) throw new FormatError(path, `the cabinet holds ${files.length} files; a compressed symbol file holds one`);
    const inner = new BufferSource(files[0].data, `${path} (${files[0].name})`);
    return await openSniffed(inner, await inner.read(0, Math.min(SNIFF_BYTES, inner.size)), `${path} (unpacked ${files[0].name})`, async () => {});
  } catch (e) {
    await file.close().catch(() => {});
    throw e;
  }
}

/** A PDB or an ISF table by its first bytes; `close` releases what backs `source`. */
async function openSniffed(source: ByteSource, head: Uint8Array, path: string, close: () => Promise<void>): Promise<OpenedSymbolFile> {
  const kind = sniffSymbolFile(head);
  if (kind === 'pdb') {
    const pdb = await PdbFile.open(source instanceof BufferSource ? source : new PageCache(source, { maxBytes: 32 << 20 }));
    return { source: pdb, close };
  }
  if (kind === 'pdb2') throw new UnsupportedError(`${path}: PDB 2.00 (pre-MSF 7.00) files are not supported`);
  if (kind === 'other') throw new FormatError(path, `not a PDB or an ISF table: it looks like ${describeOtherFile(head)}`);
  if (source.size > MAX_ISF_FILE) throw new FormatError(path, `ISF table of ${source.size} bytes is larger than the ${MAX_ISF_FILE}-byte limit`);
  const bytes = await source.read(0, source.size);
  await close();
  return { source: openIsf(bytes, path.split(/[\\/]/).pop() ?? path), close: async () => {} };
}
