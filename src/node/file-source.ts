// Node-only ByteSource over a file handle. FileHandle.read with an explicit position works for files of
// any size (fs.openAsBlob misreports sizes above 4 GiB on Node 20).
import { open, type FileHandle } from 'node:fs/promises';
import { type ByteSource, checkRange } from '../io/byte-source.js';

export class FileSource implements ByteSource {
  private constructor(
    private readonly handle: FileHandle,
    readonly name: string,
    readonly size: number,
  ) {}

  static async open(path: string): Promise<FileSource> {
    const handle = await open(path, 'r');
    try {
      const st = await handle.stat();
      if (!st.isFile()) throw new Error(`${path} is not a regular file`);
      return new FileSource(handle, path, st.size);
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this.name, offset, length, this.size);
    // Not zero-filled: every byte is overwritten below, and skipping the fill matters for large reads.
    const raw = Buffer.allocUnsafe(length);
    const buf = new Uint8Array(raw.buffer, raw.byteOffset, length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(buf, done, length - done, offset + done);
      if (bytesRead === 0) checkRange(this.name, offset + done, length - done, offset + done); // file shrank
      done += bytesRead;
    }
    return buf;
  }

  async readInto(offset: number, dest: Uint8Array): Promise<void> {
    checkRange(this.name, offset, dest.length, this.size);
    let done = 0;
    while (done < dest.length) {
      const { bytesRead } = await this.handle.read(dest, done, dest.length - done, offset + done);
      if (bytesRead === 0) checkRange(this.name, offset + done, dest.length - done, offset + done);
      done += bytesRead;
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
