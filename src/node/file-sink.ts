// Node sink for the dump writer: positioned writes into a temporary file that is flushed to disk and
// renamed into place at the end, so neither an error nor Ctrl-C / SIGTERM leaves a half-written dump.
import { closeSync, unlinkSync } from 'node:fs';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import type { DumpSink } from '../formats/kernel-dump/writer.js';

/** Temporary files of sinks not yet committed or aborted, with their descriptors. */
const pending = new Map<string, number>();
const SIGNALS = { SIGINT: 130, SIGTERM: 143 } as const;

// While a sink is open, SIGINT and SIGTERM remove its temporary file before the process exits with the
// shell's usual code (128 + signal number); the handlers go away with the last sink.
function onSignal(signal: keyof typeof SIGNALS): void {
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
  if (pending.size === 0) for (const s of Object.keys(SIGNALS) as (keyof typeof SIGNALS)[]) process.on(s, onSignal);
  pending.set(tmp, fd);
}

function untrack(tmp: string): void {
  if (!pending.delete(tmp) || pending.size > 0) return;
  for (const s of Object.keys(SIGNALS) as (keyof typeof SIGNALS)[]) process.off(s, onSignal);
}

export class FileSink implements DumpSink {
  private constructor(
    private readonly handle: FileHandle,
    readonly tmp: string,
    private readonly target: string,
  ) {}

  static async create(target: string): Promise<FileSink> {
    const tmp = `${target}.tmp-${process.pid}-${Date.now()}`;
    const handle = await open(tmp, 'wx');
    track(tmp, handle.fd);
    return new FileSink(handle, tmp, target);
  }

  async write(offset: number, bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.length) done += (await this.handle.write(bytes, done, bytes.length - done, offset + done)).bytesWritten;
  }

  async truncate(size: number): Promise<void> {
    await this.handle.truncate(size);
  }

  /** Flushes the file to disk, then renames it into place (a crash after this point keeps a whole dump). */
  async commit(): Promise<void> {
    await this.handle.sync();
    await this.handle.close();
    await rename(this.tmp, this.target);
    untrack(this.tmp);
  }

  async abort(): Promise<void> {
    await this.handle.close().catch(() => {});
    await rm(this.tmp, { force: true });
    untrack(this.tmp);
  }
}
