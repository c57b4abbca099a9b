// Which symbols a module gets, and how that is reported: its PDB (matched by the CodeView GUID and age; a
// mismatch is never used), else an ISF table for the same identity, else the export table, else nothing
// (`module+0xoffset`). The result says what was found, what was wrong (another build under the right name,
// a file refused and why, a server that failed or was disabled) and the WinDbg-style warning lines a
// session prints the first time it resolves it.
import type { IsfTable } from '../formats/isf/isf.js';
import { openIsf } from '../formats/isf/open-isf.js';
import { PdbFile } from '../formats/pdb/pdb.js';
import type { PeImage } from '../formats/pe/pe-image.js';
import type { ExportSymbolSource } from '../symbols/export-symbols.js';
import type { ImageProvider } from '../symbols/image-provider.js';
import type { SymbolSource } from '../symbols/symbol-source.js';
import type { DebuggerData } from './debugger-data.js';
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
  /** The file `lm` shows after the status: the PDB or ISF path (an ISF match's reason in parentheses after it), or the image name for exports. */
  file?: string;
  /** The PDB name from the CodeView record (`.reload MODULE` forgets negative answers for it). */
  pdbName?: string;
  /**
   * The specific reasons no (or not every) symbol file could be used — files refused and why, mismatches,
   * server failures, disabled servers — for `lmvm`'s "Symbol status" and `analyze`. Empty when nothing was
   * wrong beyond a file simply not being there.
   */
  problems?: string[];
}

export interface ModuleImage {
  image?: PeImage;
  /** Where it came from: 'dump' (mapped pages), a file path, or why there is none. */
  origin: string;
  /** The image file under the symbol path was another build (TimeDateStamp/SizeOfImage differ). */
  mismatch?: string;
  /** A symbol server failed while the image was fetched. */
  failure?: string;
  /** Image files found under the right name that could not be used, with why. */
  refused?: string[];
  /** A server not asked for the image because it was disabled earlier. */
  disabled?: string;
  /** Servers not asked for the image because the session is offline. */
  skipped?: string;
}

/** What the resolver needs from the target. */
export interface SymbolHost {
  provider: ImageProvider;
  image(m: ModuleInfo): Promise<ModuleImage>;
  mappedHeaders(m: ModuleInfo): Promise<PeImage | undefined>;
  exportSymbols(m: ModuleInfo): Promise<ExportSymbolSource | undefined>;
  /**
   * For the kernel without a CodeView record: an ISF table proven by the debugger data block, or (as
   * `mismatch`) the tables under nt's PDB names whose kernel-variable addresses disagree with it.
   */
  kernelIsf?(): Promise<KernelIsfResult | undefined>;
}

export interface KernelIsfResult {
  symbols?: ModuleSymbols;
  mismatch?: string;
}

// DBI flags bit 1: private symbols were stripped (a public PDB from a symbol server).
const DBI_STRIPPED = 0x2;

/** What went wrong on the way, for the warning lines. */
interface Trouble {
  /** Server failures (HTTP errors, timeouts, bodies cut short). */
  failures: string[];
  imageMismatch?: string;
  pdbMismatch?: string;
  /** Files under the right name refused for what they are (not another build): cabinets, MSG:, HTML pages. */
  refused: string[];
  /** Servers not asked because an earlier failure disabled them. */
  disabled: string[];
  /** Servers not asked because the session is offline: said by `lmvm` only (the user chose it). */
  skipped?: string[];
  /** Problems with the symbol path itself, said with the first module resolved. */
  path: string[];
}

function warnings(m: ModuleInfo, s: Omit<ModuleSymbols, 'notices'>, t: Trouble): string[] {
  const file = m.imageName;
  const out: string[] = t.path.map((p) => `*** WARNING: Symbol path: ${p}`);
  if (t.imageMismatch) out.push(`*** WARNING: Unable to verify timestamp for ${file}: the image found is another build, not used (${t.imageMismatch})`);
  if (t.pdbMismatch) out.push(`*** WARNING: Symbol file for ${file} is mismatched, not used (${t.pdbMismatch})`);
  for (const f of t.failures) out.push(`*** WARNING: Symbol server failed for ${file}: ${f}`);
  for (const d of t.disabled) out.push(`*** WARNING: Symbol server skipped for ${file}: ${d}`);
  for (const r of t.refused) out.push(`*** ERROR: ${r}`);
  if (s.status === 'exports') out.push(`*** ERROR: Symbol file could not be found.  Defaulted to export symbols for ${file} - `);
  else if (s.status !== 'pdb' && s.status !== 'isf') out.push(`*** ERROR: Module load completed but symbols could not be loaded for ${file}`);
  return out;
}

/** The specific problems, for `lmvm` and `analyze` (the path warnings belong to no module). */
function problems(t: Trouble): string[] {
  const out = [...t.refused];
  if (t.pdbMismatch) out.push(`mismatched symbol file, not used: ${t.pdbMismatch}`);
  if (t.imageMismatch) out.push(`image of another build, not used: ${t.imageMismatch}`);
  for (const f of t.failures) out.push(`symbol server failed: ${f}`);
  out.push(...t.disabled, ...(t.skipped ?? []));
  return [...new Set(out)];
}

/** Resolves one module's symbols (the caller memoizes per module). */
export async function resolveModuleSymbols(host: SymbolHost, m: ModuleInfo): Promise<ModuleSymbols> {
  const trouble: Trouble = { failures: [], refused: [], disabled: [], path: host.provider.takeWarnings?.() ?? [] };
  const r = await resolve(host, m, trouble);
  const p = problems(trouble);
  return { ...r, notices: warnings(m, r, trouble), ...(p.length ? { problems: p } : {}) };
}

/** Collects what a failed lookup says beyond "not found". */
function note(t: Trouble, l: { failure?: string; refused?: string[]; disabled?: string; skipped?: string }): void {
  if (l.skipped) (t.skipped ??= []).push(l.skipped);
  if (l.failure && !t.failures.includes(l.failure)) t.failures.push(l.failure);
  for (const r of l.refused ?? []) if (!t.refused.includes(r)) t.refused.push(r);
  if (l.disabled && !t.disabled.includes(l.disabled)) t.disabled.push(l.disabled);
}

async function resolve(host: SymbolHost, m: ModuleInfo, trouble: Trouble): Promise<Omit<ModuleSymbols, 'notices'>> {
  const img = await host.image(m);
  note(trouble, img);
  trouble.imageMismatch = img.mismatch;
  const fromImage = img.image ? await img.image.codeView().catch(() => undefined) : undefined;
  const mapped = fromImage ? undefined : await host.mappedHeaders(m);
  const cv = fromImage ?? (mapped ? await mapped.codeView().catch(() => undefined) : undefined);
  let mismatch = img.mismatch;
  if (!cv && host.kernelIsf) {
    const isf = await host.kernelIsf();
    if (isf?.symbols) return isf.symbols;
    if (isf?.mismatch) {
      trouble.pdbMismatch = isf.mismatch;
      mismatch ??= isf.mismatch;
    }
  }
  if (!cv) {
    // The headline is why there is no image; the missing CodeView record (PDB identity) follows from it.
    const why = img.image ? `the image (${img.origin}) has no CodeView record` : `image not available (${img.origin}), and the dump does not hold its CodeView record`;
    const exp = await host.exportSymbols(m);
    if (exp) return { status: 'exports', detail: `exports only: ${why}`, source: exp, mismatch, file: m.imageName };
    return { status: mismatch ? 'mismatch' : 'none', detail: why, mismatch };
  }
  const pdbName = cv.pdbName.split(/[\\/]/).pop() ?? cv.pdbName;
  const req = { name: cv.pdbName, guid: cv.guid, age: cv.age };
  const reasons: string[] = [];
  const provider = host.provider;
  if (provider.findPdb) {
    const found = await provider.findPdb(req);
    if (found.found) {
      try {
        const pdb = found.pdb ?? (await PdbFile.open(found.source));
        if (pdb.guid !== cv.guid || pdb.dbiAge !== cv.age) {
          trouble.pdbMismatch = `${found.path} is ${pdb.guid}/${pdb.dbiAge}, the image wants ${cv.guid}/${cv.age}`;
          return { status: 'mismatch', detail: trouble.pdbMismatch, mismatch: found.path, pdbName };
        }
        return { status: 'pdb', detail: found.path, pdb, source: pdb, privateSymbols: (pdb.dbi.header.flags & DBI_STRIPPED) === 0, file: found.path, pdbName };
      } catch (e) {
        trouble.refused.push(`${pdbName} from ${found.path}: ${(e as Error).message}`);
        return { status: 'error', detail: (e as Error).message, pdbName };
      }
    }
    reasons.push(found.reason);
    mismatch ??= found.mismatch;
    trouble.pdbMismatch = found.mismatch;
    note(trouble, found);
  }
  if (provider.findIsf) {
    const isf = await provider.findIsf(req);
    if (isf.found) {
      try {
        const table: IsfTable = isf.isf ?? openIsf(await isf.source.read(0, isf.source.size), isf.path);
        return { status: 'isf', detail: isf.path, source: table, file: isf.path, pdbName };
      } catch (e) {
        trouble.refused.push(`${pdbName} ISF table from ${isf.path}: ${(e as Error).message}`);
        return { status: 'error', detail: (e as Error).message, pdbName };
      }
    }
    // An ISF table under the right name and GUID that describes another build is a mismatch like a PDB's.
    if (isf.mismatch) {
      mismatch ??= isf.mismatch;
      trouble.pdbMismatch ??= isf.mismatch;
    }
    note(trouble, isf);
  }
  // Last resort: the module's own export table (from the dump's pages or the image file).
  const exp = await host.exportSymbols(m);
  if (exp) return { status: 'exports', detail: `exports only (${reasons.join('; ') || 'no PDB found'})`, source: exp, mismatch, file: m.imageName, pdbName };
  if (!provider.findPdb) return { status: 'none', detail: 'no symbol path' };
  return { status: mismatch ? 'mismatch' : 'not-found', detail: reasons.join('; '), mismatch, pdbName };
}

/** Kernel variables whose addresses an ISF table must agree on with the debugger data block. */
const KERNEL_VARIABLES = ['PsLoadedModuleList', 'PsActiveProcessHead', 'PspCidTable', 'MmPfnDatabase', 'KiProcessorBlock', 'MmUnloadedDrivers', 'KeBugCheckCallbackListHead'];
const NT_PDB_NAMES = ['ntkrnlmp.pdb', 'ntoskrnl.pdb', 'ntkrnlpa.pdb', 'ntkrpamp.pdb'];

/**
 * Without nt's CodeView record (small dumps rarely hold it), an ISF table is accepted for the kernel only
 * when the addresses of kernel variables it gives agree with those in the debugger data block. Tables that
 * disagree are reported, naming the variables, like a mismatched PDB.
 */
export async function kernelIsfByDebuggerData(provider: ImageProvider, kd: DebuggerData, ntBase: bigint): Promise<KernelIsfResult | undefined> {
  if (!provider.isfCandidates) return undefined;
  const wrong: string[] = [];
  for (const pdbName of NT_PDB_NAMES) {
    for (const c of await provider.isfCandidates(pdbName, 16)) {
      let isf: IsfTable;
      try {
        isf = openIsf(c.bytes, c.path);
      } catch {
        continue;
      }
      let agree = 0;
      const disagree: string[] = [];
      for (const n of KERNEL_VARIABLES) {
        const want = kd.pointer(n);
        const s = await isf.lookup(n);
        if (!want || !s) continue;
        const got = ntBase + BigInt(s.rva);
        if (got === want) agree++;
        else disagree.push(`${n} at ${got.toString(16)}, the debugger data block says ${want.toString(16)}`);
      }
      if (agree >= 2 && !disagree.length) {
        const detail = `${c.path} (no CodeView record in the dump; ${agree} kernel variable addresses agree with the debugger data block)`;
        return { symbols: { status: 'isf', detail, source: isf, file: detail } };
      }
      if (disagree.length) wrong.push(`${c.path}: ${disagree.slice(0, 3).join('; ')}${disagree.length > 3 ? `; ${disagree.length - 3} more` : ''}`);
    }
  }
  return wrong.length ? { mismatch: `ISF table for another build: ${wrong.join(' | ')}` } : undefined;
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

/** `lmvm`'s "Symbol status" lines: why the module has no (or only some) symbols, when there is more to say than "not found". */
export function symbolStatusNotes(s: ModuleSymbols | undefined): string[] {
  return s?.problems ?? [];
}
