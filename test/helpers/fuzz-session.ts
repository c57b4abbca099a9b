// Opens a dump held in memory the way `dumpscope run -y PATH` opens a file (src/node/open-session.ts), so
// fuzz cases reach analysis and commands with symbols, without writing each mutated dump to disk.
// The symbol files are parsed once and shared by every case (they are not what is being mutated).
import { Session } from '../../src/commands/session.js';
import { type KernelDump, openKernelDump } from '../../src/formats/kernel-dump/kernel-dump.js';
import { DumpscopeError } from '../../src/io/errors.js';
import { BufferSource } from '../../src/io/buffer-source.js';
import { PageCache } from '../../src/io/page-cache.js';
import { SymbolStore } from '../../src/node/symbol-store.js';
import type { ImageLookup, ImageProvider, ImageRequest, PdbRequest } from '../../src/symbols/image-provider.js';
import { parseSymbolPath } from '../../src/symbols/symbol-path.js';
import { KernelTarget } from '../../src/target/kernel-target.js';

/** A local, offline symbol path whose answers are remembered: ISF tables take ~300 ms to parse. */
export class CachedSymbols implements ImageProvider {
  private readonly store: SymbolStore;
  private readonly memo = new Map<string, Promise<unknown>>();

  constructor(readonly path: string) {
    this.store = new SymbolStore(parseSymbolPath(path), { offline: true, defaultCache: '/nonexistent-dumpscope-fuzz-cache', env: {} });
  }

  private once<T>(key: string, f: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = f();
      this.memo.set(key, p);
    }
    return p;
  }

  findImage(req: ImageRequest): Promise<ImageLookup> {
    return this.once(`i:${req.name}:${req.timestamp}:${req.sizeOfImage}`, () => this.store.findImage(req));
  }

  findPdb(req: PdbRequest): Promise<ImageLookup> {
    return this.once(`p:${req.name}:${req.guid}:${req.age}`, () => this.store.findPdb(req));
  }

  findIsf(req: PdbRequest): Promise<ImageLookup> {
    return this.once(`f:${req.name}:${req.guid}:${req.age}`, () => this.store.findIsf(req));
  }

  isfCandidates(pdbName: string, limit: number): Promise<{ path: string; bytes: Uint8Array }[]> {
    return this.once(`c:${pdbName}:${limit}`, () => this.store.isfCandidates(pdbName, limit));
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

export interface FuzzSession {
  session: Session;
  target: KernelTarget;
}

/**
 * The steps of openSession after the file is open: the kernel model, then the crashing thread's
 * pseudo-registers. openSession ignores a failing crashState; here only a DumpscopeError may be ignored.
 */
export async function sessionFor(dump: KernelDump, symbols: ImageProvider): Promise<FuzzSession> {
  const target = new KernelTarget(dump, symbols);
  await target.init();
  const crash = await target.crashState().catch((e) => {
    if (e instanceof DumpscopeError) return undefined;
    throw e;
  });
  const session = new Session(target);
  if (crash?.thread?.address) session.variables.set('$thread', crash.thread.address);
  if (crash?.process?.address) session.variables.set('$proc', crash.process.address);
  if (crash?.prcb?.address) session.variables.set('$prcb', crash.prcb.address);
  if (crash?.prcb && !dump.triage) session.processor = crash.prcb.number;
  return { session, target };
}

/** A session on dump bytes, as `dumpscope run DUMP -y PATH` opens a file. */
export async function openBytes(bytes: Uint8Array, name: string, symbols: ImageProvider): Promise<FuzzSession> {
  return sessionFor(await openKernelDump(new PageCache(new BufferSource(bytes, name))), symbols);
}
