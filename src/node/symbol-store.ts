// Finds PDBs, module images and ISF tables through a WinDbg symbol path: local directories (store layout,
// compressed copies, file.ptr, flat), downstream caches, and symbol servers over HTTP(S) with retries, a
// negative cache and atomic cache writes. Every file is checked against what the dump asked for (GUID/age,
// TimeDateStamp/SizeOfImage) before it is used or cached. Names come from untrusted dumps: only plain file
// names are accepted, and every path built from them is checked to stay inside its directory.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { extractCab, isCab } from '../formats/cab/cab.js';
import { openIsf } from '../formats/isf/open-isf.js';
import { PdbFile } from '../formats/pdb/pdb.js';
import { BufferSource } from '../io/buffer-source.js';
import { type ImageLookup, type ImageProvider, type ImageRequest, imageKey, type PdbRequest, safeFileName } from '../symbols/image-provider.js';
import { compressedName, formatSymbolPath, pdbKey, type SymbolPathEntry } from '../symbols/symbol-path.js';
import { httpGet } from './http-get.js';

export interface DownloadProgress {
  file: string;
  received: number;
  total?: number;
  done?: boolean;
}

export interface SymbolStoreOptions {
  /** Cache for server entries that name none (`srv*URL`) and no `cache*DIR` precedes. */
  defaultCache: string;
  offline?: boolean;
  timeoutMs?: number;
  retries?: number;
  retryDelayMs?: number;
  negativeTtlMs?: number;
  maxBytes?: number;
  env?: Record<string, string | undefined>;
  userAgent?: string;
  progress?: (p: DownloadProgress) => void;
}

/** What is being looked for: its store name and key, and how to tell that a candidate is the right one. */
interface Wanted {
  name: string;
  key: string;
  /** undefined when the bytes are the wanted file, else why not. */
  verify(bytes: Uint8Array): Promise<string | undefined>;
  /** Extra file names to try in a directory (ISF tables), relative to it. */
  alternates?: string[][];
  servers: boolean;
}

const FNV = (s: string) => {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
};

/** `base/parts…` if it stays inside `base`, else undefined (defence in depth after name validation). */
function inside(base: string, ...parts: string[]): string | undefined {
  const root = resolve(base);
  const p = resolve(root, ...parts);
  return p.startsWith(root + sep) ? p : undefined;
}

async function readIfFile(path: string): Promise<Uint8Array | undefined> {
  try {
    if (!(await stat(path)).isFile()) return undefined;
    return new Uint8Array(await readFile(path));
  } catch {
    return undefined;
  }
}

function imageMatches(b: Uint8Array, req: ImageRequest): string | undefined {
  if (b.length < 0x40 || b[0] !== 0x4d || b[1] !== 0x5a) return 'not a PE image';
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const nt = dv.getUint32(0x3c, true);
  if (nt + 0x58 > b.length) return 'PE headers are cut off';
  const ts = dv.getUint32(nt + 8, true);
  const size = dv.getUint32(nt + 0x18 + 0x38, true);
  if (ts !== req.timestamp || size !== req.sizeOfImage) return `image is ${imageKey(ts, size)}, wanted ${imageKey(req.timestamp, req.sizeOfImage)}`;
  return undefined;
}

export class SymbolStore implements ImageProvider {
  /** HTTP requests made (for tests and `!sym noisy`-style reporting). */
  requests = 0;
  /** Servers that failed at the network level: not asked again in this session. */
  private readonly unreachable = new Map<string, string>();
  private readonly o: Required<Omit<SymbolStoreOptions, 'progress'>> & Pick<SymbolStoreOptions, 'progress'>;

  constructor(
    readonly entries: SymbolPathEntry[],
    options: SymbolStoreOptions,
  ) {
    this.o = {
      offline: false,
      timeoutMs: 20_000,
      retries: 2,
      retryDelayMs: 500,
      negativeTtlMs: 24 * 3600_000,
      maxBytes: 2 ** 31,
      env: {},
      userAgent: 'dumpscope-symbol-client/1',
      ...options,
    };
  }

  get path(): string {
    return formatSymbolPath(this.entries);
  }

  async findPdb(req: PdbRequest): Promise<ImageLookup> {
    const name = safeFileName(req.name.split(/[\\/]/).pop() ?? '');
    const key = pdbKey(req.guid, req.age);
    if (!name || !key) return { found: false, reason: `refusing unsafe PDB name or key '${req.name}' ${req.guid}/${req.age}` };
    return this.find({
      name,
      key,
      servers: true,
      verify: async (b) => {
        try {
          const pdb = await PdbFile.open(new BufferSource(b, name));
          return pdb.guid === req.guid.toUpperCase() && pdb.dbiAge === req.age ? undefined : `PDB is ${pdb.guid}/${pdb.dbiAge}, wanted ${req.guid.toUpperCase()}/${req.age}`;
        } catch (e) {
          return `not a readable PDB (${(e as Error).message})`;
        }
      },
    });
  }

  async findImage(req: ImageRequest): Promise<ImageLookup> {
    const name = safeFileName(req.name);
    if (!name || !Number.isSafeInteger(req.timestamp) || !Number.isSafeInteger(req.sizeOfImage)) return { found: false, reason: `refusing unsafe image name '${req.name}'` };
    return this.find({ name, key: imageKey(req.timestamp, req.sizeOfImage), servers: true, verify: async (b) => imageMatches(b, req) });
  }

  /** A Volatility ISF table for a PDB identity: `PDBNAME/GUID-AGE.json.xz` (or `.json`), also under `windows/`. */
  async findIsf(req: PdbRequest): Promise<ImageLookup> {
    const name = safeFileName(req.name.split(/[\\/]/).pop() ?? '');
    const key = pdbKey(req.guid, req.age);
    if (!name || !key) return { found: false, reason: `refusing unsafe PDB name or key '${req.name}'` };
    const stem = `${req.guid.toUpperCase()}-${req.age}`;
    const alternates = ['.json.xz', '.json'].flatMap((ext) => [[name, stem + ext], ['windows', name, stem + ext]]);
    return this.find({
      name,
      key,
      servers: false,
      alternates,
      verify: async (b) => {
        try {
          const id = openIsf(b, name).identity;
          return id.guid === req.guid.toUpperCase() && (id.age === undefined || id.age === req.age) ? undefined : `ISF is for ${id.guid}/${id.age}`;
        } catch (e) {
          return `not a readable ISF table (${(e as Error).message})`;
        }
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
          const bytes = await readIfFile(join(dir, f));
          if (bytes) out.push({ path: join(dir, f), bytes });
        }
      }
    }
    return out;
  }

  private async find(w: Wanted): Promise<ImageLookup> {
    const reasons: string[] = [];
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
      for (const c of caches) {
        const hit = await this.fromDirectory(c, w, reasons, false);
        if (hit) return hit;
      }
      const hit = await this.fromServer(e.url, caches[0], w, reasons);
      if (hit) return hit;
    }
    if (!this.entries.length) reasons.push('the symbol path is empty');
    return { found: false, reason: `${w.name} (${w.key}): ${reasons.join('; ') || 'not found'}` };
  }

  /** Store layout (plain, compressed, file.ptr), ISF alternates, then — if `flat` — the directory itself. */
  private async fromDirectory(dir: string, w: Wanted, reasons: string[], flat: boolean): Promise<ImageLookup | undefined> {
    const candidates: (string | undefined)[] = [inside(dir, w.name, w.key, w.name), inside(dir, w.name, w.key, compressedName(w.name))];
    for (const a of w.alternates ?? []) candidates.push(inside(dir, ...a));
    if (flat) candidates.push(inside(dir, w.name));
    for (const path of candidates) {
      if (!path) continue;
      const raw = await readIfFile(path);
      if (!raw) continue;
      const hit = await this.accept(raw, path, w, reasons);
      if (hit) return hit;
    }
    const ptr = inside(dir, w.name, w.key, 'file.ptr');
    const ptrText = ptr ? await readIfFile(ptr) : undefined;
    if (ptrText) {
      const text = new TextDecoder().decode(ptrText).trim();
      if (text.startsWith('PATH:')) {
        const target = text.slice(5).trim();
        const raw = await readIfFile(target);
        if (raw) return this.accept(raw, target, w, reasons);
        reasons.push(`${ptr} points to ${target}, which cannot be read`);
      } else if (text.startsWith('MSG:')) reasons.push(`${dir}: ${text.slice(4).trim()}`);
    }
    return undefined;
  }

  /** Unpacks a cabinet if needed and checks identity; a mismatch is reported and the file is not used. */
  private async accept(raw: Uint8Array, path: string, w: Wanted, reasons: string[]): Promise<ImageLookup | undefined> {
    let bytes = raw;
    if (isCab(raw)) {
      try {
        const files = extractCab(raw, { maxOutput: this.o.maxBytes });
        if (files.length !== 1) {
          reasons.push(`${path}: cabinet holds ${files.length} files, expected one`);
          return undefined;
        }
        bytes = files[0].data;
      } catch (e) {
        reasons.push(`${path}: ${(e as Error).message}`);
        return undefined;
      }
    }
    const bad = await w.verify(bytes);
    if (bad) {
      reasons.push(`${path} does not match: ${bad}`);
      return undefined;
    }
    return { found: true, bytes, path };
  }

  private async fromServer(url: string, cache: string, w: Wanted, reasons: string[]): Promise<ImageLookup | undefined> {
    const keyDir = inside(cache, w.name, w.key);
    if (!keyDir) return undefined;
    const marker = join(keyDir, `.missing-${FNV(url)}`);
    try {
      const m = JSON.parse(await readFile(marker, 'utf8')) as { time?: number };
      if (typeof m.time === 'number' && Date.now() - m.time < this.o.negativeTtlMs) {
        reasons.push(`${url} did not have it on ${new Date(m.time).toISOString()} (negative cache ${marker})`);
        return undefined;
      }
    } catch {
      // no marker
    }
    if (this.o.offline) {
      reasons.push(`${url} not asked (offline)`);
      return undefined;
    }
    if (this.unreachable.has(url)) {
      reasons.push(`${url} not asked again (unreachable earlier: ${this.unreachable.get(url)})`);
      return undefined;
    }
    const base = `${url}/${encodeURIComponent(w.name)}/${w.key}`;
    let missing = true;
    for (const file of [w.name, compressedName(w.name), 'file.ptr']) {
      const r = await this.download(`${base}/${encodeURIComponent(file)}`, w.name);
      if (r.kind === 'missing') continue;
      missing = false;
      if (r.kind === 'failed') {
        reasons.push(r.reason);
        if (r.network) this.unreachable.set(url, r.reason);
        return undefined;
      }
      let body = r.body;
      let from = r.url;
      if (file === 'file.ptr') {
        const text = new TextDecoder().decode(body).trim();
        const target = text.startsWith('PATH:') ? text.slice(5).trim() : '';
        if (!/^https?:\/\//i.test(target)) {
          reasons.push(`${r.url}: ${text.startsWith('MSG:') ? text.slice(4).trim() : `file.ptr names ${target || text}, which is not followed from a server`}`);
          return undefined;
        }
        const t = await this.download(target, w.name);
        if (t.kind !== 'ok') {
          reasons.push(t.kind === 'failed' ? t.reason : `${target}: not found`);
          return undefined;
        }
        body = t.body;
        from = t.url;
      }
      const hit = await this.accept(body, from, w, reasons);
      if (!hit?.found) return undefined;
      const path = await this.store(keyDir, w.name, hit.bytes, reasons);
      return { found: true, bytes: hit.bytes, path: path ?? from };
    }
    if (missing) {
      reasons.push(`${url} does not have it`);
      try {
        await mkdir(keyDir, { recursive: true });
        await writeFile(marker, JSON.stringify({ url, time: Date.now() }));
      } catch {
        // a read-only cache only loses the negative entry
      }
    }
    return undefined;
  }

  private async download(url: string, name: string): Promise<{ kind: 'ok'; body: Uint8Array; url: string } | { kind: 'missing' } | { kind: 'failed'; reason: string; network?: boolean }> {
    let last = '';
    let network = false;
    for (let attempt = 0; attempt <= this.o.retries; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, this.o.retryDelayMs * 2 ** (attempt - 1)));
      this.requests++;
      const r = await httpGet(url, {
        timeoutMs: this.o.timeoutMs,
        maxBytes: this.o.maxBytes,
        env: this.o.env,
        userAgent: this.o.userAgent,
        onProgress: this.o.progress ? (received, total) => this.o.progress?.({ file: name, received, total }) : undefined,
      });
      if (r.kind === 'ok') {
        this.o.progress?.({ file: name, received: r.body.length, total: r.body.length, done: true });
        return r;
      }
      if (r.kind === 'status' && (r.status === 404 || r.status === 410)) return { kind: 'missing' };
      last = r.kind === 'status' ? `${r.url}: HTTP ${r.status}` : `${r.url}: ${r.message}`;
      network = r.kind === 'error' && !/cut off|limit/.test(r.message);
      if (r.kind === 'error' && /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|unsupported protocol|invalid URL/.test(r.message)) break; // retrying will not help
      if (r.kind === 'status' && r.status < 500 && r.status !== 429 && r.status !== 408) break; // client errors do not improve
    }
    return { kind: 'failed', reason: `${last} (after ${this.o.retries + 1} attempt(s))`, network };
  }

  /** Writes into the cache through a temp file and a rename, so readers never see a partial file. */
  private async store(keyDir: string, name: string, bytes: Uint8Array, reasons: string[]): Promise<string | undefined> {
    const final = join(keyDir, name);
    const tmp = `${final}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
    try {
      await mkdir(keyDir, { recursive: true });
      await writeFile(tmp, bytes);
      await rename(tmp, final);
      return final;
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => {});
      reasons.push(`could not write the cache (${(e as Error).message})`);
      return undefined;
    }
  }
}
