// Node sink for the dump writer: positioned writes into a temporary file that is flushed to disk and
// renamed into place at the end, so neither an error nor an interrupting signal leaves a half-written dump
// (the temporary file's naming, signal cleanup and stale-file removal are temp-files.ts's).
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DumpSink } from '../formats/kernel-dump/writer.js';
import { removeStaleTemps, tempName, trackTemp, untrackTemp } from './temp-files.js';

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
    const tmp = tempName(target);
    const handle = await open(tmp, 'wx');
    trackTemp(tmp, handle.fd);
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
    untrackTemp(this.tmp);
    await syncDirectory(dirname(this.target));
  }

  async abort(): Promise<void> {
    await this.handle.close().catch(() => {});
    await rm(this.tmp, { force: true });
    untrackTemp(this.tmp);
  }
}
