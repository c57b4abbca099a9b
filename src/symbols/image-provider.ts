// Where module images come from when the dump lacks their pages: a provider looks them up by the
// symbol-store key (name, TimeDateStamp, SizeOfImage) and returns the file's bytes, or why it could not.
export interface ImageRequest {
  name: string;
  timestamp: number;
  sizeOfImage: number;
}

export type ImageLookup =
  | { found: true; bytes: Uint8Array; path: string }
  | { found: false; reason: string };

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
  /** The symbol path in WinDbg's syntax, for `.sympath`. */
  readonly path?: string;
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
