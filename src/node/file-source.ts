// Node-only ByteSource over a file handle. FileHandle.read with an explicit position works for files of
// any size (fs.openAsBlob misreports sizes above 4 GiB on Node 20).
import type { Stats } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { type ByteSource, checkRange } from '../io/byte-source.js';
import { DumpscopeError } from '../io/errors.js';

/**
 * Largest single read: one `read()` result is one allocation, and Node's own read call takes a 32-bit
 * length (larger ones abort the process). Bulk readers (`readInto`) are split into pieces of this size.
 */
export const MAX_READ = 1 << 30;

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a named pipe';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

export class FileSource implements ByteSource {
  private constructor(
    private readonly handle: FileHandle,
    readonly name: string,
    readonly size: number,
  ) {}

  /** Opens a regular file; `what` names it in errors ("dump file", "symbol file"). */
  static async open(path: string, what = 'dump file'): Promise<FileSource> {
    // stat before open: opening a named pipe would block until someone writes to it.
    const before = await stat(path);
    if (!before.isFile()) throw new DumpscopeError(`${path} is ${kindOf(before)}, not a ${what}`, 'NOT_A_FILE');
    const handle = await open(path, 'r');
    try {
      const st = await handle.stat();
      if (!st.isFile()) throw new DumpscopeError(`${path} is ${kindOf(st)}, not a ${what}`, 'NOT_A_FILE');
      return new FileSource(handle, path, st.size);
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this.name, offset, length, this.size);
    if (length > MAX_READ) {
      throw new DumpscopeError(`${this.name}: a single read of 0x${length.toString(16)} bytes at offset 0x${offset.toString(16)} is larger than the 1 GiB limit`, 'READ_TOO_LARGE');
    }
    // Not zero-filled: every byte is overwritten below, and skipping the fill matters for large reads.
    const raw = Buffer.allocUnsafe(length);
    const buf = new Uint8Array(raw.buffer, raw.byteOffset, length);
    await this.fill(offset, buf);
    return buf;
  }

  async readInto(offset: number, dest: Uint8Array): Promise<void> {
    checkRange(this.name, offset, dest.length, this.size);
    await this.fill(offset, dest);
  }

  private async fill(offset: number, dest: Uint8Array): Promise<void> {
    let done = 0;
    while (done < dest.length) {
      const n = Math.min(dest.length - done, MAX_READ);
      const { bytesRead } = await this.handle.read(dest, done, n, offset + done);
      if (bytesRead === 0) checkRange(this.name, offset + done, dest.length - done, offset + done); // file shrank
      done += bytesRead;
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
