// Where module images come from when the dump lacks their pages: a provider looks them up by the
// symbol-store key (name, TimeDateStamp, SizeOfImage) and returns the file as a ByteSource (read lazily:
// PDBs can be gigabytes), or why it could not.
import type { IsfTable } from '../formats/isf/isf.js';
import type { PdbFile } from '../formats/pdb/pdb.js';
import type { ByteSource } from '../io/byte-source.js';

export interface ImageRequest {
  name: string;
  timestamp: number;
  sizeOfImage: number;
}

export type ImageLookup =
  | {
      found: true;
      source: ByteSource;
      path: string;
      /** The file already opened while its identity was checked (reuse it rather than parse it again). */
      pdb?: PdbFile;
      isf?: IsfTable;
    }
  | {
      found: false;
      reason: string;
      /** A file with the right name and key was found but is another build: what it is instead. */
      mismatch?: string;
      /** A server failed (HTTP error, timeout, body cut short): the file may exist, we could not get it. */
      failure?: string;
      /**
       * Files found under the right name that could not be used, each with why: `amdppm.pdb from URL: LZX-compressed
       * cabinet is not supported …`, a corrupt cabinet, a `file.ptr` with `MSG:`, an HTML page instead of a PDB.
       */
      refused?: string[];
      /** A server that was not asked because an earlier connection failure disabled it for the session. */
      disabled?: string;
      /** Servers not asked because the session is offline (`--offline`): `lmvm` says so. */
      skipped?: string;
    };

export interface PdbRequest {
  /** PDB file name from the image's CodeView record. */
  name: string;
  guid: string;
  age: number;
}

export interface ImageProvider {
  findImage(req: ImageRequest): Promise<ImageLookup>;
  /** The PDB with this GUID and age (store layout name.pdb/GUIDAGE/name.pdb, or flat). */
  findPdb?(req: PdbRequest): Promise<ImageLookup>;
  /** A Volatility ISF table for the PDB identity, when no PDB is found (offline kernel types). */
  findIsf?(req: PdbRequest): Promise<ImageLookup>;
  /**
   * ISF tables of a PDB name whatever their GUID (at most `limit`), for a kernel whose CodeView record is not
   * in the dump: the caller must prove the match another way (the debugger data block's addresses).
   */
  isfCandidates?(pdbName: string, limit: number): Promise<{ path: string; bytes: Uint8Array }[]>;
  /** The symbol path in use in WinDbg's syntax (each server entry with its cache), for `.sympath`'s `Expanded` line. */
  readonly path?: string;
  /** The symbol path as the user typed it (`-y`, `.sympath`, `.sympath+`), for `.sympath`'s first line. */
  readonly typedPath?: string;
  /**
   * `.reload /f` and `.reload MODULE`: forget what the session learnt about missing files (negative cache,
   * disabled servers) for files whose name stem is one of `stems` (lower case), or for all files.
   */
  refresh?(stems: readonly string[] | 'all'): void;
  /** Problems with the symbol path itself (unusable entries), each returned once. */
  takeWarnings?(): string[];
}

/** The symbol-store directory key of an image: TimeDateStamp as 8 upper-case hex digits + SizeOfImage in hex. */
export function imageKey(timestamp: number, sizeOfImage: number): string {
  return timestamp.toString(16).toUpperCase().padStart(8, '0') + sizeOfImage.toString(16);
}

/** File names from dumps are untrusted: only a plain file name may be used to build a store path. */
export function safeFileName(name: string): string | undefined {
  if (!name || name.length > 255 || /[\\/:\0]/.test(name) || name === '.' || name === '..' || name.startsWith('.')) return undefined;
  return name;
}

export const noImages: ImageProvider = { findImage: async () => ({ found: false, reason: 'no symbol path' }) };
