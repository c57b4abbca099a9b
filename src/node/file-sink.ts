// Node sink for the dump writer: positioned writes into a temporary file that is renamed into place at the
// end, so an interrupted run leaves no half-written dump.
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import type { DumpSink } from '../formats/kernel-dump/writer.js';

export class FileSink implements DumpSink {
  private constructor(
    private readonly handle: FileHandle,
    private readonly tmp: string,
    private readonly target: string,
  ) {}

  static async create(target: string): Promise<FileSink> {
    const tmp = `${target}.tmp-${process.pid}-${Date.now()}`;
    return new FileSink(await open(tmp, 'wx'), tmp, target);
  }

  async write(offset: number, bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.length) done += (await this.handle.write(bytes, done, bytes.length - done, offset + done)).bytesWritten;
  }

  async truncate(size: number): Promise<void> {
    await this.handle.truncate(size);
  }

  async commit(): Promise<void> {
    await this.handle.close();
    await rename(this.tmp, this.target);
  }

  async abort(): Promise<void> {
    await this.handle.close().catch(() => {});
    await rm(this.tmp, { force: true });
  }
}
