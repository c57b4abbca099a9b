// Opens a symbol file given on the command line: an MSF PDB, or an ISF table (.json or .json.xz).
import { readFile } from 'node:fs/promises';
import { openIsf } from '../formats/isf/open-isf.js';
import { PdbFile } from '../formats/pdb/pdb.js';
import { UnsupportedError } from '../io/errors.js';
import type { SymbolSource } from '../symbols/symbol-source.js';
import { FileSource } from './file-source.js';

export interface OpenedSymbolFile {
  source: SymbolSource;
  close(): Promise<void>;
}

const MSF = 'Microsoft C/C++ MSF 7.00';

export async function openSymbolFile(path: string): Promise<OpenedSymbolFile> {
  const file = await FileSource.open(path);
  const head = new TextDecoder('latin1').decode(await file.read(0, Math.min(32, file.size)));
  if (head.startsWith(MSF)) return { source: await PdbFile.open(file), close: () => file.close() };
  await file.close();
  if (head.startsWith('Microsoft C/C++ program database 2.00')) throw new UnsupportedError('PDB 2.00 (pre-MSF 7.00) files');
  const bytes = new Uint8Array(await readFile(path));
  return { source: openIsf(bytes, path.split(/[\\/]/).pop() ?? path), close: async () => {} };
}
