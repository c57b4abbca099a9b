// Finds PDBs, module images and ISF tables through a WinDbg symbol path: local directories (store layout,
// compressed copies, file.ptr, flat), downstream caches, and symbol servers over HTTP(S) with retries, a
// per-file deadline, a negative cache and atomic cache writes. Every file is checked against what the dump
// asked for (GUID/age, TimeDateStamp/SizeOfImage) before it is used or cached. Local files are opened
// lazily (a PDB is read stream by stream through a page cache, whatever its size). Names come from
// untrusted dumps: only plain file names are accepted, and every path built from them is checked to stay
// inside its directory. Downloads stream into a temporary file in the cache, renamed into place once checked.
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { extractCab } from '../formats/cab/cab.js';
import type { IsfTable } from '../formats/isf/isf.js';
import { openIsf } from '../formats/isf/open-isf.js';
import { PdbFile } from '../formats/pdb/pdb.js';
import type { ByteSource } from '../io/byte-source.js';
import { BufferSource } from '../io/buffer-source.js';
import { PageCache } from '../io/page-cache.js';
import { type ImageLookup, type ImageProvider, type ImageRequest, imageKey, type PdbRequest, safeFileName } from '../symbols/image-provider.js';
import { describeOtherFile, SNIFF_BYTES, sniffSymbolFile } from '../symbols/symbol-file-kind.js';
import { compressedName, formatSymbolPath, pdbKey, type SymbolPathEntry } from '../symbols/symbol-path.js';
import { FileSource } from './file-source.js';
import { CaseInsensitiveDirs, inside, windowsOnlyPath } from './store-paths.js';
import { type Body, type Download, download } from './symbol-download.js';
import { removeStaleTemps, tempName, trackTemp, untrackTemp } from './temp-files.js';

export interface DownloadProgress {
  file: string;
  received: number;
  total?: number;
  done?: boolean;
  /** The download failed: the progress line ends here. */
  failed?: boolean;
}

export interface SymbolStoreOptions {
  /** Cache for server entries that name none (`srv*URL`) and no `cache*DIR` precedes. */
  defaultCache: string;
  offline?: boolean;
  /** Idle timeout: a server that sends nothing for this long has failed. */
  timeoutMs?: number;
  /** Total time one file may take from one server, every attempt and redirect included. */
  fileTimeoutMs?: number;
  retries?: number;
  retryDelayMs?: number;
  negativeTtlMs?: number;
  maxBytes?: number;
  env?: Record<string, string | undefined>;
  userAgent?: string;
  progress?: (p: DownloadProgress) => void;
  /** The platform whose paths are usable (tests); process.platform by default. */
  platform?: string;
  /** The path as the user typed it (`.sympath` shows it); the parsed entries, formatted, by default. */
  typed?: string;
}

/** What a candidate file turned out to be: the wanted file (and what was opened to check it), or why not. */
type Verdict = { ok: true; pdb?: PdbFile; isf?: IsfTable } | { ok: false; why: string; mismatch?: boolean };

/** What is being looked for: its store name and key, and how to tell that a candidate is the right one. */
interface Wanted {
  name: string;
  key: string;
  verify(source: ByteSource): Promise<Verdict>;
  /**
   * The only file names to try in a directory, relative to it (ISF tables: Volatility's layouts). Without
   * them: the store layout (plain, compressed, file.ptr) and the flat file.
   */
  layouts?: string[][];
  servers: boolean;
}

/** Why a search failed, gathered along the symbol path. */
interface Reasons {
  list: string[];
  mismatch?: string;
  failure?: string;
  /** Files under the right name that could not be used, with why. */
  refused: string[];
  disabled?: string;
  /** Server entries not asked because the store is offline. */
  skipped: string[];
}

/** Compressed copies and ISF tables are read whole; nothing bigger than this is. */
const MAX_WHOLE_FILE = 1 << 30;

const FNV = (s: string) => {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
};

/** A lazily read file, or undefined when `path` is not a readable regular file. */
async function openIfFile(path: string): Promise<FileSource | undefined> {
  try {
    if (!(await stat(path)).isFile()) return undefined;
    return await FileSource.open(path, 'symbol file');
  } catch {
    return undefined;
  }
}

async function readWhole(source: ByteSource): Promise<Uint8Array> {
  if (source.size > MAX_WHOLE_FILE) throw new Error(`${source.size} bytes is more than the ${MAX_WHOLE_FILE}-byte limit for files read whole`);
  return source.read(0, source.size);
}

/** 'not a PE image: it looks like an HTML page …' — what a refused file is instead. */
async function looksLike(source: ByteSource, what: string): Promise<string> {
  return `not ${what}: it looks like ${describeOtherFile(await source.read(0, Math.min(SNIFF_BYTES, source.size)))}`;
}

async function imageMatches(source: ByteSource, req: ImageRequest): Promise<Verdict> {
  if (source.size < 0x40) return { ok: false, why: await looksLike(source, 'a PE image') };
  const dos = await source.read(0, 0x40);
  if (dos[0] !== 0x4d || dos[1] !== 0x5a) return { ok: false, why: await looksLike(source, 'a PE image') };
  const nt = new DataView(dos.buffer, dos.byteOffset, 0x40).getUint32(0x3c, true);
  if (nt + 0x58 > source.size) return { ok: false, why: 'PE headers are cut off' };
  const hdr = await source.read(nt, 0x58);
  const dv = new DataView(hdr.buffer, hdr.byteOffset, 0x58);
  const ts = dv.getUint32(8, true);
  const size = dv.getUint32(0x18 + 0x38, true);
  if (ts !== req.timestamp || size !== req.sizeOfImage) return { ok: false, mismatch: true, why: `image is ${imageKey(ts, size)}, wanted ${imageKey(req.timestamp, req.sizeOfImage)}` };
  return { ok: true };
}

export class SymbolStore implements ImageProvider {
  /** HTTP requests made (for tests and `!sym noisy`-style reporting). */
  requests = 0;
  /** Servers that could not be reached at all: not asked again in this session. */
  private readonly unreachable = new Map<string, string>();
  /** Files opened for lookups that succeeded: they stay open for the session. */
  private readonly open: ByteSource[] = [];
  private readonly o: Required<Omit<SymbolStoreOptions, 'progress' | 'typed'>> & Pick<SymbolStoreOptions, 'progress'>;
  /** The path as typed: `srv*` stays `srv*` here. */
  readonly typedPath: string;
  /** The usable entries of the path (Windows-only paths dropped elsewhere). */
  readonly entries: SymbolPathEntry[];
  private readonly warnings: string[] = [];
  private readonly dirs = new CaseInsensitiveDirs();
  /** `.reload /f` / `.reload MODULE`: file stems (or all) for which negative answers are not trusted. */
  private bypass: Set<string> | 'all' = new Set();

  constructor(entries: SymbolPathEntry[], options: SymbolStoreOptions) {
    this.o = {
      platform: process.platform,
      offline: false,
      timeoutMs: 20_000,
      fileTimeoutMs: 120_000,
      retries: 2,
      retryDelayMs: 500,
      negativeTtlMs: 24 * 3600_000,
      maxBytes: 2 ** 31,
      env: {},
      userAgent: 'dumpscope-symbol-client/1',
      ...options,
    };
    this.entries = this.usable(entries);
    this.typedPath = options.typed ?? formatSymbolPath(entries);
  }

  /** Drops directories this platform cannot have (`C:\\sym` on Linux), saying so once. */
  private usable(entries: SymbolPathEntry[]): SymbolPathEntry[] {
    const out: SymbolPathEntry[] = [];
    const bad = (p: string) => windowsOnlyPath(p, this.o.platform);
    for (const e of entries) {
      if (e.kind !== 'server') {
        const why = bad(e.path);
        if (why) this.warnings.push(`${why}: ${e.kind === 'cache' ? `cache*${e.path}` : e.path} ignored`);
        else out.push(e);
        continue;
      }
      const caches = e.caches.filter((c) => !bad(c));
      for (const c of e.caches.filter((x) => bad(x))) {
        this.warnings.push(`${bad(c)}: cache ${c} of ${e.url} ignored${caches.length ? '' : ` (downloads go to ${this.o.defaultCache})`}`);
      }
      out.push({ ...e, caches });
    }
    return out;
  }

  takeWarnings(): string[] {
    return this.warnings.splice(0);
  }

  refresh(stems: readonly string[] | 'all'): void {
    this.dirs.clear();
    if (stems === 'all') {
      this.bypass = 'all';
      this.unreachable.clear();
    } else if (this.bypass !== 'all') for (const s of stems) this.bypass.add(s.toLowerCase());
  }

  private bypassed(name: string): boolean {
    return this.bypass === 'all' || this.bypass.has(name.replace(/\.[^.]*$/, '').toLowerCase());
  }

  /** The path as used: each server entry with the cache it fills (`srv*` shows the default cache). */
  get path(): string {
    let cache: string | undefined;
    const shown = this.entries.map((e) => {
      if (e.kind === 'cache') cache = e.path;
      return e.kind === 'server' && !e.caches.length ? { ...e, caches: [cache ?? this.o.defaultCache] } : e;
    });
    return formatSymbolPath(shown);
  }

  /** Closes the files behind every lookup this store answered. */
  async close(): Promise<void> {
    await Promise.all(this.open.splice(0).map((s) => s.close().catch(() => {})));
  }

  async findPdb(req: PdbRequest): Promise<ImageLookup> {
    const name = safeFileName(req.name.split(/[\\/]/).pop() ?? '');
    const key = pdbKey(req.guid, req.age);
    if (!name || !key) return { found: false, reason: `refusing unsafe PDB name or key '${req.name}' ${req.guid}/${req.age}` };
    const want = `${req.guid.toUpperCase()}/${req.age}`;
    return this.find({
      name,
      key,
      servers: true,
      verify: async (source) => {
        const head = await source.read(0, Math.min(SNIFF_BYTES, source.size));
        if (sniffSymbolFile(head) !== 'pdb') return { ok: false, why: `not a PDB: it looks like ${describeOtherFile(head)}` };
        let pdb: PdbFile;
        try {
          pdb = await PdbFile.open(source);
        } catch (e) {
          return { ok: false, why: `not a readable PDB (${(e as Error).message})` };
        }
        if (pdb.guid === req.guid.toUpperCase() && pdb.dbiAge === req.age) return { ok: true, pdb };
        return { ok: false, mismatch: true, why: `PDB is ${pdb.guid}/${pdb.dbiAge}, wanted ${want}` };
      },
    });
  }

  async findImage(req: ImageRequest): Promise<ImageLookup> {
    const name = safeFileName(req.name);
    if (!name || !Number.isSafeInteger(req.timestamp) || !Number.isSafeInteger(req.sizeOfImage)) return { found: false, reason: `refusing unsafe image name '${req.name}'` };
    return this.find({ name, key: imageKey(req.timestamp, req.sizeOfImage), servers: true, verify: (s) => imageMatches(s, req) });
  }

  /** A Volatility ISF table for a PDB identity: `PDBNAME/GUID-AGE.json.xz` (or `.json`), also under `windows/`. */
  async findIsf(req: PdbRequest): Promise<ImageLookup> {
    const name = safeFileName(req.name.split(/[\\/]/).pop() ?? '');
    const key = pdbKey(req.guid, req.age);
    if (!name || !key) return { found: false, reason: `refusing unsafe PDB name or key '${req.name}'` };
    const stem = `${req.guid.toUpperCase()}-${req.age}`;
    // Only Volatility's layouts: the store layout and the flat name hold PDBs, already tried by findPdb.
    const layouts = ['.json.xz', '.json'].flatMap((ext) => [[name, stem + ext], ['windows', name, stem + ext]]);
    return this.find({
      name,
      key,
      servers: false,
      layouts,
      verify: async (source) => {
        // The first bytes decide before anything is read whole (a PDB put there would be read for nothing).
        const head = await source.read(0, Math.min(SNIFF_BYTES, source.size));
        const kind = sniffSymbolFile(head);
        if (kind !== 'isf-json' && kind !== 'isf-xz') return { ok: false, why: `not an ISF table: it looks like ${kind === 'other' ? describeOtherFile(head) : 'a PDB'}` };
        let isf: IsfTable;
        try {
          isf = openIsf(await readWhole(source), source.name);
        } catch (e) {
          return { ok: false, why: `not a readable ISF table (${(e as Error).message})` };
        }
        const id = isf.identity;
        if (id.guid === req.guid.toUpperCase() && (id.age === undefined || id.age === req.age)) return { ok: true, isf };
        return { ok: false, mismatch: true, why: `ISF is for ${id.guid}/${id.age}` };
      },
    });
  }

  async isfCandidates(pdbName: string, limit: number): Promise<{ path: string; bytes: Uint8Array }[]> {
    const name = safeFileName(pdbName);
    if (!name) return [];
    const out: { path: string; bytes: Uint8Array }[] = [];
    for (const e of this.entries) {
      if (e.kind !== 'dir') continue;
      for (const sub of [[name], ['windows', name]]) {
        const dir = inside(e.path, ...sub);
        if (!dir) continue;
        let files: string[] = [];
        try {
          files = (await readdir(dir)).filter((f) => /^[0-9A-Fa-f]{32}-\d+\.json(\.xz)?$/.test(f)).sort();
        } catch {
          continue;
        }
        for (const f of files) {
          if (out.length >= limit) return out;
          const file = await openIfFile(join(dir, f));
          if (!file) continue;
          try {
            out.push({ path: join(dir, f), bytes: await readWhole(file) });
          } catch {
            // too large to be an ISF table: skipped
          } finally {
            await file.close();
          }
        }
      }
    }
    return out;
  }

  private async find(w: Wanted): Promise<ImageLookup> {
    const reasons: Reasons = { list: [], refused: [], skipped: [] };
    let cache: string | undefined;
    for (const e of this.entries) {
      if (e.kind === 'cache') {
        cache = e.path;
        continue;
      }
      if (e.kind === 'dir') {
        const hit = await this.fromDirectory(e.path, w, reasons, true);
        if (hit) return hit;
        continue;
      }
      if (!w.servers) continue;
      const caches = e.caches.length ? e.caches : [cache ?? this.o.defaultCache];
      for (const [i, c] of caches.entries()) {
        const hit = await this.fromDirectory(c, w, reasons, false);
        if (!hit) continue;
        // Found in a downstream store further out: fill the ones before it, as symsrv does.
        if (i > 0) await this.fill(caches.slice(0, i), w, hit, reasons);
        return hit;
      }
      const hit = await this.fromServer(e.url, caches, w, reasons);
      if (hit) return hit;
    }
    if (!this.entries.length) reasons.list.push('the symbol path is empty');
    return {
      found: false,
      reason: `${w.name} (${w.key}): ${reasons.list.join('; ') || 'not found'}`,
      mismatch: reasons.mismatch,
      failure: reasons.failure,
      ...(reasons.refused.length ? { refused: reasons.refused } : {}),
      ...(reasons.disabled ? { disabled: reasons.disabled } : {}),
      ...(reasons.skipped.length ? { skipped: `symbol server${reasons.skipped.length > 1 ? 's' : ''} skipped (offline) for ${w.name}: ${reasons.skipped.join(', ')}` } : {}),
    };
  }

  /** A file under `dir` at `parts`, matched exactly or (stores copied from Windows) ignoring case. */
  private async locate(dir: string, ...parts: string[]): Promise<{ path: string; file: FileSource } | undefined> {
    const exact = inside(dir, ...parts);
    const file = exact ? await openIfFile(exact) : undefined;
    if (exact && file) return { path: exact, file };
    const other = await this.dirs.find(dir, parts);
    const f = other && other !== exact ? await openIfFile(other) : undefined;
    return other && f ? { path: other, file: f } : undefined;
  }

  /** `w.layouts` if given, else the store layout (plain, compressed, file.ptr) then — if `flat` — the directory itself. */
  private async fromDirectory(dir: string, w: Wanted, reasons: Reasons, flat: boolean): Promise<(ImageLookup & { found: true }) | undefined> {
    const candidates: string[][] = w.layouts ?? [[w.name, w.key, w.name], [w.name, w.key, compressedName(w.name)], ...(flat ? [[w.name]] : [])];
    for (const parts of candidates) {
      const at = await this.locate(dir, ...parts);
      if (!at) continue;
      const hit = await this.accept(at.file, at.path, w, reasons);
      if (hit) return hit;
    }
    if (w.layouts) return undefined;
    const ptr = await this.locate(dir, w.name, w.key, 'file.ptr');
    if (ptr) {
      const text = new TextDecoder().decode(await ptr.file.read(0, Math.min(ptr.file.size, 4096))).trim();
      await ptr.file.close();
      if (text.startsWith('PATH:')) {
        const target = text.slice(5).trim();
        const file = await openIfFile(target);
        if (file) return this.accept(file, target, w, reasons);
        this.refuse(reasons, `${w.name} from ${ptr.path}: it points to ${target}, which cannot be read`);
      } else if (text.startsWith('MSG:')) this.refuse(reasons, `${w.name} from ${ptr.path}: ${text.slice(4).trim()}`);
      else this.refuse(reasons, `${w.name} from ${ptr.path}: file.ptr is neither PATH: nor MSG:`);
    }
    return undefined;
  }

  private refuse(reasons: Reasons, why: string): void {
    reasons.list.push(why);
    reasons.refused.push(why);
  }

  /**
   * Unpacks a cabinet if needed and checks identity. A match stays open (through a page cache) for the
   * session; anything else is reported (a mismatch as such, other files as refused), closed and not used.
   */
  private async accept(raw: ByteSource, path: string, w: Wanted, reasons: Reasons): Promise<(ImageLookup & { found: true; unpacked?: boolean }) | undefined> {
    let source: ByteSource = raw;
    let unpacked = false;
    try {
      const head = await raw.read(0, Math.min(4, raw.size));
      if (head.length === 4 && head[0] === 0x4d && head[1] === 0x53 && head[2] === 0x43 && head[3] === 0x46) {
        const files = await extractCab(await readWhole(raw), { maxOutput: this.o.maxBytes });
        await raw.close();
        if (files.length !== 1) {
          this.refuse(reasons, `${w.name} from ${path}: the cabinet holds ${files.length} files, expected one`);
          return undefined;
        }
        source = new BufferSource(files[0].data, path);
        unpacked = true;
      } else if (!(raw instanceof BufferSource)) source = new PageCache(raw, { maxBytes: 32 << 20 });
      const v = await w.verify(source);
      if (!v.ok) {
        if (v.mismatch) {
          reasons.list.push(`${path} does not match: ${v.why}`);
          reasons.mismatch ??= `${path}: ${v.why}`;
        } else this.refuse(reasons, `${w.name} from ${path}: ${v.why}`);
        await source.close();
        return undefined;
      }
      this.open.push(source);
      return { found: true, source, path, pdb: v.pdb, isf: v.isf, unpacked };
    } catch (e) {
      this.refuse(reasons, `${w.name} from ${path}: ${(e as Error).message}`);
      await source.close().catch(() => {});
      return undefined;
    }
  }

  /** Copies a file found in a downstream store into the stores before it (decompressed). */
  private async fill(stores: string[], w: Wanted, hit: ImageLookup & { found: true }, reasons: Reasons): Promise<void> {
    for (const c of stores) {
      const keyDir = inside(c, w.name, w.key);
      if (!keyDir) continue;
      const final = join(keyDir, w.name);
      const tmp = tempName(final);
      try {
        await prepare(keyDir, w.name);
        trackTemp(tmp);
        if (hit.source instanceof BufferSource) await writeFile(tmp, await hit.source.read(0, hit.source.size));
        else await copyFile(hit.path, tmp);
        await rename(tmp, final);
      } catch (e) {
        await rm(tmp, { force: true }).catch(() => {});
        reasons.list.push(`could not fill the downstream store ${c} (${(e as Error).message})`);
      } finally {
        untrackTemp(tmp);
      }
    }
  }

  private async fromServer(url: string, caches: string[], w: Wanted, reasons: Reasons): Promise<ImageLookup | undefined> {
    const keyDir = inside(caches[0], w.name, w.key);
    if (!keyDir) return undefined;
    const marker = join(keyDir, `.missing-${FNV(url)}`);
    if (!this.bypassed(w.name)) {
      try {
        const m = JSON.parse(await readFile(marker, 'utf8')) as { time?: number };
        if (typeof m.time === 'number' && Date.now() - m.time < this.o.negativeTtlMs) {
          reasons.list.push(`${url} did not have it on ${new Date(m.time).toISOString()} (negative cache ${marker}; .reload /f asks again)`);
          return undefined;
        }
      } catch {
        // no marker
      }
    }
    if (this.o.offline) {
      reasons.list.push(`${url} not asked (offline)`);
      reasons.skipped.push(url);
      return undefined;
    }
    const earlier = this.unreachable.get(url);
    if (earlier !== undefined && !this.bypassed(w.name)) {
      const why = `${url}: server disabled after an earlier failure (${earlier})`;
      reasons.list.push(why);
      reasons.disabled ??= why;
      return undefined;
    }
    // Bodies stream into a temporary file beside where the file will live; a read-only cache keeps them in memory.
    const tmpDir = await prepare(keyDir, w.name).then(
      () => keyDir,
      () => undefined,
    );
    // One deadline for the whole file from this server: every name tried, attempt, redirect and byte.
    const deadlineAt = Date.now() + this.o.fileTimeoutMs;
    const base = `${url}/${encodeURIComponent(w.name)}/${w.key}`;
    let missing = true;
    for (const file of [w.name, compressedName(w.name), 'file.ptr']) {
      const r = await this.download(`${base}/${encodeURIComponent(file)}`, w.name, deadlineAt, file === 'file.ptr' ? undefined : tmpDir);
      if (r.kind === 'missing') continue;
      missing = false;
      if (r.kind === 'failed') {
        reasons.list.push(r.reason);
        reasons.failure ??= r.reason;
        if (r.giveUpOnServer) this.unreachable.set(url, r.reason);
        return undefined;
      }
      let body: Body = r.body;
      if (file === 'file.ptr') {
        const text = 'bytes' in body ? new TextDecoder().decode(body.bytes.subarray(0, 4096)).trim() : '';
        const target = text.startsWith('PATH:') ? text.slice(5).trim() : '';
        if (!/^https?:\/\//i.test(target)) {
          this.refuse(reasons, `${w.name} from ${r.body.url}: ${text.startsWith('MSG:') ? text.slice(4).trim() : `file.ptr names ${target || text}, which is not followed from a server`}`);
          return undefined;
        }
        const t = await this.download(target, w.name, deadlineAt, tmpDir);
        if (t.kind !== 'ok') {
          const why = t.kind === 'failed' ? t.reason : `${target}: not found`;
          reasons.list.push(why);
          if (t.kind === 'failed') reasons.failure ??= why;
          return undefined;
        }
        body = t.body;
      }
      return this.keep(body, caches, w, reasons);
    }
    if (missing) {
      reasons.list.push(`${url} does not have it`);
      try {
        await writeFile(marker, JSON.stringify({ url, time: Date.now() }));
      } catch {
        // a read-only cache only loses the negative entry
      }
    }
    return undefined;
  }

  /**
   * Checks a downloaded body and puts it into every downstream store: a temporary file is renamed into the
   * first (and stays open, lazily read), copied into the others; an unpacked cabinet is written out.
   */
  private async keep(body: Body, caches: string[], w: Wanted, reasons: Reasons): Promise<ImageLookup | undefined> {
    const raw = 'bytes' in body ? new BufferSource(body.bytes, body.url) : await FileSource.open(body.file, 'symbol file');
    const hit = await this.accept(raw, body.url, w, reasons);
    const tmp = 'file' in body ? body.file : undefined;
    if (!hit) {
      if (tmp) await dropTemp(tmp);
      return undefined;
    }
    let path: string | undefined;
    if (tmp && !hit.unpacked) {
      // The open file keeps working across the rename (POSIX, and Windows with Node's share flags).
      const final = join(tmp, '..', w.name);
      try {
        await rename(tmp, final);
        untrackTemp(tmp);
        path = final;
      } catch (e) {
        // Still readable through the open handle; the name goes so no temporary file is left behind.
        await dropTemp(tmp);
        reasons.list.push(`could not write the cache (${(e as Error).message})`);
      }
      for (const c of caches.slice(1)) {
        const dir = inside(c, w.name, w.key);
        if (dir && path) await this.copyInto(dir, w.name, path, reasons);
      }
    } else {
      if (tmp) await dropTemp(tmp);
      const bytes = await hit.source.read(0, hit.source.size);
      for (const c of caches) {
        const dir = inside(c, w.name, w.key);
        const stored = dir ? await this.store(dir, w.name, bytes, reasons) : undefined;
        path ??= stored;
      }
    }
    return { found: true, source: hit.source, path: path ?? body.url, pdb: hit.pdb, isf: hit.isf };
  }

  private download(url: string, name: string, deadlineAt: number, tmpDir?: string): Promise<Download> {
    const o = this.o;
    return download(url, name, deadlineAt, { ...o, countRequest: () => this.requests++, tempFile: tmpDir ? () => tempName(join(tmpDir, name)) : undefined });
  }

  /** Writes into the cache through a temp file and a rename, so readers never see a partial file. */
  private store(keyDir: string, name: string, bytes: Uint8Array, reasons: Reasons): Promise<string | undefined> {
    return this.place(keyDir, name, (tmp) => writeFile(tmp, bytes), reasons, 'could not write the cache');
  }

  private async copyInto(keyDir: string, name: string, from: string, reasons: Reasons): Promise<void> {
    await this.place(keyDir, name, (tmp) => copyFile(from, tmp), reasons, `could not write the cache ${keyDir}`);
  }

  /** `fill` writes a temp file beside `keyDir/name`, renamed into place when whole; a failure is a reason, not an error. */
  private async place(keyDir: string, name: string, fill: (tmp: string) => Promise<void>, reasons: Reasons, failure: string): Promise<string | undefined> {
    const final = join(keyDir, name);
    const tmp = tempName(final);
    try {
      await prepare(keyDir, name);
      trackTemp(tmp);
      await fill(tmp);
      await rename(tmp, final);
      return final;
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => {});
      reasons.list.push(`${failure} (${(e as Error).message})`);
      return undefined;
    } finally {
      untrackTemp(tmp);
    }
  }
}

/**
 * Makes a cache directory ready for `name`: created if needed, and temporary copies of `name` left there by
 * processes that were killed outright removed (an interrupted but living process removes its own).
 */
async function prepare(keyDir: string, name: string): Promise<void> {
  await mkdir(keyDir, { recursive: true });
  await removeStaleTemps(join(keyDir, name));
}

/** Removes a temporary file that will not be renamed into place. */
async function dropTemp(tmp: string): Promise<void> {
  await rm(tmp, { force: true }).catch(() => {});
  untrackTemp(tmp);
}
