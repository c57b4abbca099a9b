// Node sink for the dump writer: positioned writes into a temporary file that is flushed to disk and
// renamed into place at the end, so neither an error nor an interrupting signal leaves a half-written dump.
import { closeSync, unlinkSync } from 'node:fs';
import { type FileHandle, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { DumpSink } from '../formats/kernel-dump/writer.js';

/** Temporary files of sinks not yet committed or aborted, with their descriptors. */
const pending = new Map<string, number>();
/** The signals that end a process by default, with the shell's exit code for each (128 + number). */
const SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129, SIGQUIT: 131 } as const;
type Signal = keyof typeof SIGNALS;

// While a sink is open, these signals remove its temporary file before the process exits with the shell's
// usual code; the handlers go away with the last sink. (A closed terminal sends SIGHUP, Ctrl-\ SIGQUIT.)
function onSignal(signal: Signal): void {
  for (const [tmp, fd] of pending) {
    try {
      closeSync(fd); // Windows cannot unlink an open file
    } catch {}
    try {
      unlinkSync(tmp);
    } catch {}
  }
  pending.clear();
  process.exit(SIGNALS[signal]);
}

function track(tmp: string, fd: number): void {
  if (pending.size === 0) for (const s of Object.keys(SIGNALS) as Signal[]) process.on(s, onSignal);
  pending.set(tmp, fd);
}

function untrack(tmp: string): void {
  if (!pending.delete(tmp) || pending.size > 0) return;
  for (const s of Object.keys(SIGNALS) as Signal[]) process.off(s, onSignal);
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // someone else's process: alive
  }
}

/**
 * Removes `TARGET.tmp-PID-TIME` files left by writers that were killed outright (SIGKILL, a power cut):
 * only those whose process is gone, never a live writer's. Returns the names removed.
 */
export async function removeStaleTemps(target: string): Promise<string[]> {
  const dir = dirname(target);
  const prefix = `${basename(target)}.tmp-`;
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)-\d+$/.exec(name.slice(prefix.length));
    if (!m) continue;
    const pid = Number(m[1]);
    const path = join(dir, name);
    if (pending.has(path) || (pid !== process.pid && running(pid))) continue;
    await rm(path, { force: true });
    removed.push(name);
  }
  return removed;
}

/** Makes a rename durable: flushes the directory entry (a no-op where directories cannot be opened). */
async function syncDirectory(dir: string): Promise<void> {
  const h = await open(dir, 'r').catch(() => undefined);
  if (!h) return;
  try {
    await h.sync();
  } catch {
    // Some file systems (and Windows) refuse fsync on a directory; the rename itself still happened.
  } finally {
    await h.close();
  }
}

export class FileSink implements DumpSink {
  /** A new temporary file: every byte not written reads as zero, so the writer may skip zero pages. */
  readonly zeroFilled = true;

  private constructor(
    private readonly handle: FileHandle,
    readonly tmp: string,
    private readonly target: string,
    /** Stale temporary files of killed writers removed when this sink was created. */
    readonly removedStale: string[],
  ) {}

  static async create(target: string): Promise<FileSink> {
    const removed = await removeStaleTemps(target);
    const tmp = `${target}.tmp-${process.pid}-${Date.now()}`;
    const handle = await open(tmp, 'wx');
    track(tmp, handle.fd);
    return new FileSink(handle, tmp, target, removed);
  }

  async write(offset: number, bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.length) done += (await this.handle.write(bytes, done, bytes.length - done, offset + done)).bytesWritten;
  }

  async truncate(size: number): Promise<void> {
    await this.handle.truncate(size);
  }

  /** Flushes the file to disk, renames it into place and flushes the directory (a crash after this keeps a whole dump). */
  async commit(): Promise<void> {
    await this.handle.sync();
    await this.handle.close();
    await rename(this.tmp, this.target);
    untrack(this.tmp);
    await syncDirectory(dirname(this.target));
  }

  async abort(): Promise<void> {
    await this.handle.close().catch(() => {});
    await rm(this.tmp, { force: true });
    untrack(this.tmp);
  }
}
