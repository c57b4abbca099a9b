// Which symbols a module gets, and how that is reported: its PDB (matched by the CodeView GUID and age; a
// mismatch is never used), else an ISF table for the same identity, else the export table, else nothing
// (`module+0xoffset`). The result says what was found, what was wrong (another build under the right name,
// a server that failed) and the WinDbg-style warning lines a session prints the first time it resolves it.
import type { IsfTable } from '../formats/isf/isf.js';
import { openIsf } from '../formats/isf/open-isf.js';
import { PdbFile } from '../formats/pdb/pdb.js';
import type { PeImage } from '../formats/pe/pe-image.js';
import type { ExportSymbolSource } from '../symbols/export-symbols.js';
import type { ImageProvider } from '../symbols/image-provider.js';
import type { SymbolSource } from '../symbols/symbol-source.js';
import type { ModuleInfo } from './modules.js';

export interface ModuleSymbols {
  status: 'pdb' | 'isf' | 'exports' | 'none' | 'not-found' | 'mismatch' | 'error';
  detail: string;
  /** The symbol source in use (a PDB, or an ISF table standing in for it). */
  source?: SymbolSource;
  pdb?: PdbFile;
  /** The PDB keeps private symbols and types (WinDbg's "private pdb symbols"), not only publics. */
  privateSymbols?: boolean;
  /** A symbol file or image under the right name and key was another build, so it was not used. */
  mismatch?: string;
  /** WinDbg-style warning lines, printed once when the module's symbols are first resolved. */
  notices?: string[];
}

export interface ModuleImage {
  image?: PeImage;
  /** Where it came from: 'dump' (mapped pages), a file path, or why there is none. */
  origin: string;
  /** The image file under the symbol path was another build (TimeDateStamp/SizeOfImage differ). */
  mismatch?: string;
  /** A symbol server failed while the image was fetched. */
  failure?: string;
}

/** What the resolver needs from the target. */
export interface SymbolHost {
  provider: ImageProvider;
  image(m: ModuleInfo): Promise<ModuleImage>;
  mappedHeaders(m: ModuleInfo): Promise<PeImage | undefined>;
  exportSymbols(m: ModuleInfo): Promise<ExportSymbolSource | undefined>;
  /** For the kernel without a CodeView record: an ISF table proven by the debugger data block. */
  kernelIsf?(): Promise<ModuleSymbols | undefined>;
}

// DBI flags bit 1: private symbols were stripped (a public PDB from a symbol server).
const DBI_STRIPPED = 0x2;

/** What went wrong on the way, for the warning lines. */
interface Trouble {
  /** Server failures (HTTP errors, timeouts, bodies cut short). */
  failures: string[];
  imageMismatch?: string;
  pdbMismatch?: string;
}

function warnings(m: ModuleInfo, s: Omit<ModuleSymbols, 'notices'>, t: Trouble): string[] {
  const file = m.imageName;
  const out: string[] = [];
  if (t.imageMismatch) out.push(`*** WARNING: Unable to verify timestamp for ${file}: the image found is another build, not used (${t.imageMismatch})`);
  if (t.pdbMismatch) out.push(`*** WARNING: Symbol file for ${file} is mismatched, not used (${t.pdbMismatch})`);
  for (const f of t.failures) out.push(`*** WARNING: Symbol server failed for ${file}: ${f}`);
  if (s.status === 'exports') out.push(`*** ERROR: Symbol file could not be found.  Defaulted to export symbols for ${file} - `);
  else if (s.status !== 'pdb' && s.status !== 'isf') out.push(`*** ERROR: Module load completed but symbols could not be loaded for ${file}`);
  return out;
}

/** Resolves one module's symbols (the caller memoizes per module). */
export async function resolveModuleSymbols(host: SymbolHost, m: ModuleInfo): Promise<ModuleSymbols> {
  const trouble: Trouble = { failures: [] };
  const r = await resolve(host, m, trouble);
  return { ...r, notices: warnings(m, r, trouble) };
}

async function resolve(host: SymbolHost, m: ModuleInfo, trouble: Trouble): Promise<Omit<ModuleSymbols, 'notices'>> {
  const img = await host.image(m);
  if (img.failure) trouble.failures.push(img.failure);
  trouble.imageMismatch = img.mismatch;
  const fromImage = img.image ? await img.image.codeView().catch(() => undefined) : undefined;
  const mapped = fromImage ? undefined : await host.mappedHeaders(m);
  const cv = fromImage ?? (mapped ? await mapped.codeView().catch(() => undefined) : undefined);
  if (!cv && host.kernelIsf) {
    const isf = await host.kernelIsf();
    if (isf) return isf;
  }
  if (!cv) {
    // The headline is why there is no image; the missing CodeView record (PDB identity) follows from it.
    const why = img.image ? `the image (${img.origin}) has no CodeView record` : `image not available (${img.origin}), and the dump does not hold its CodeView record`;
    const exp = await host.exportSymbols(m);
    if (exp) return { status: 'exports', detail: `exports only: ${why}`, source: exp, mismatch: img.mismatch };
    return { status: img.mismatch ? 'mismatch' : 'none', detail: why, mismatch: img.mismatch };
  }
  const req = { name: cv.pdbName, guid: cv.guid, age: cv.age };
  const reasons: string[] = [];
  let mismatch = img.mismatch;
  const provider = host.provider;
  if (provider.findPdb) {
    const found = await provider.findPdb(req);
    if (found.found) {
      try {
        const pdb = found.pdb ?? (await PdbFile.open(found.source));
        if (pdb.guid !== cv.guid || pdb.dbiAge !== cv.age) {
          trouble.pdbMismatch = `${found.path} is ${pdb.guid}/${pdb.dbiAge}, the image wants ${cv.guid}/${cv.age}`;
          return { status: 'mismatch', detail: trouble.pdbMismatch, mismatch: found.path };
        }
        return { status: 'pdb', detail: found.path, pdb, source: pdb, privateSymbols: (pdb.dbi.header.flags & DBI_STRIPPED) === 0 };
      } catch (e) {
        return { status: 'error', detail: (e as Error).message };
      }
    }
    reasons.push(found.reason);
    mismatch ??= found.mismatch;
    trouble.pdbMismatch = found.mismatch;
    if (found.failure) trouble.failures.push(found.failure);
  }
  if (provider.findIsf) {
    const isf = await provider.findIsf(req);
    if (isf.found) {
      try {
        const table: IsfTable = isf.isf ?? openIsf(await isf.source.read(0, isf.source.size), isf.path);
        return { status: 'isf', detail: isf.path, source: table };
      } catch (e) {
        return { status: 'error', detail: (e as Error).message };
      }
    }
  }
  // Last resort: the module's own export table (from the dump's pages or the image file).
  const exp = await host.exportSymbols(m);
  if (exp) return { status: 'exports', detail: `exports only (${reasons.join('; ') || 'no PDB found'})`, source: exp, mismatch };
  if (!provider.findPdb) return { status: 'none', detail: 'no symbol path' };
  return { status: mismatch ? 'mismatch' : 'not-found', detail: reasons.join('; '), mismatch };
}

/** The symbol column of `lm`: WinDbg's wording, with `#` when a mismatched file was found and refused. */
export function symbolStatusText(s: ModuleSymbols | undefined): string {
  if (!s) return '(deferred)';
  const flag = s.mismatch ? '# ' : '';
  switch (s.status) {
    case 'pdb':
      return `${flag}${s.privateSymbols ? '(private pdb symbols)' : '(pdb symbols)'}`;
    case 'isf':
      return `${flag}(isf symbols)`;
    case 'exports':
      return `${flag}(export symbols)`;
    default:
      return `${flag}(no symbols)`;
  }
}
