// The MSF 7.00 container of PDB files: a superblock, a directory of streams, each stream a list of blocks.
// Streams are assembled only when asked for; every block index and size is checked against the file.
import type { ByteSource } from '../../io/byte-source.js';
import { LE } from '../../io/bytes.js';
import { FormatError } from '../../io/errors.js';

const MAGIC = 'Microsoft C/C++ MSF 7.00\r\n\x1aDS\0\0\0';
const NIL = 0xffffffff;

export class Msf {
  private constructor(
    private readonly source: ByteSource,
    readonly blockSize: number,
    readonly blockCount: number,
    private readonly streams: { size: number; blocks: number[] }[],
  ) {}

  static async open(source: ByteSource): Promise<Msf> {
    const f = `PDB ${source.name}`;
    if (source.size < 56) throw new FormatError(f, `file is only ${source.size} bytes`, 0);
    const sb = new LE(await source.read(0, 56), f);
    if (new TextDecoder('latin1').decode(sb.sub(0, 32)) !== MAGIC) {
      throw new FormatError(f, 'not an MSF 7.00 file (bad magic)', 0);
    }
    const blockSize = sb.u32(32);
    const blockCount = sb.u32(40);
    const dirBytes = sb.u32(44);
    const dirMapBlock = sb.u32(52);
    if (![512, 1024, 2048, 4096, 8192, 16384, 32768].includes(blockSize)) throw new FormatError(f, `block size ${blockSize} is not valid`, 32);
    if (blockCount * blockSize > source.size + blockSize) throw new FormatError(f, `${blockCount} blocks of ${blockSize} bytes do not fit in the ${source.size}-byte file`, 40);
    const dirBlocks = Math.ceil(dirBytes / blockSize);
    if (dirBlocks * 4 > blockSize * 64 || dirMapBlock >= blockCount) throw new FormatError(f, `stream directory of ${dirBytes} bytes is implausible`, 44);
    const mapBytes = await source.read(dirMapBlock * blockSize, Math.min(dirBlocks * 4, source.size - dirMapBlock * blockSize));
    const map = new LE(mapBytes, f, dirMapBlock * blockSize);
    const readBlocks = async (blocks: number[], size: number, what: string) => {
      const out = new Uint8Array(size);
      const count = Math.min(blocks.length, Math.ceil(size / blockSize));
      for (let i = 0; i < count; ) {
        // Consecutive blocks are read with one request: streams are usually laid out contiguously.
        let j = i;
        while (j + 1 < count && blocks[j + 1] === blocks[j] + 1) j++;
        for (let k = i; k <= j; k++) if (blocks[k] >= blockCount) throw new FormatError(f, `${what} uses block ${blocks[k]}, past the ${blockCount} blocks of the file`);
        const start = blocks[i] * blockSize;
        const n = Math.min((j - i + 1) * blockSize, size - i * blockSize, source.size - start);
        if (n > 0) out.set(await source.read(start, n), i * blockSize);
        i = j + 1;
      }
      return out;
    };
    const dirBlockList = [...Array(dirBlocks)].map((_, i) => map.u32(i * 4));
    const dir = new LE(await readBlocks(dirBlockList, dirBytes, 'stream directory'), `${f} stream directory`);
    const n = dir.u32(0);
    if (4 + n * 4 > dirBytes) throw new FormatError(dir.format, `${n} streams do not fit in the directory`, 0);
    const streams: { size: number; blocks: number[] }[] = [];
    let at = 4 + n * 4;
    for (let i = 0; i < n; i++) {
      let size = dir.u32(4 + i * 4);
      if (size === NIL) size = 0;
      const count = Math.ceil(size / blockSize);
      if (at + count * 4 > dirBytes) throw new FormatError(dir.format, `block list of stream ${i} runs past the directory`, at);
      const blocks: number[] = [];
      for (let k = 0; k < count; k++) blocks.push(dir.u32(at + k * 4));
      at += count * 4;
      streams.push({ size, blocks });
    }
    const msf = new Msf(source, blockSize, blockCount, streams);
    msf.readBlocks = readBlocks;
    return msf;
  }

  private readBlocks!: (blocks: number[], size: number, what: string) => Promise<Uint8Array>;

  get streamCount(): number {
    return this.streams.length;
  }

  /** The bytes of stream `index`; throws FormatError for a missing stream. */
  async stream(index: number): Promise<Uint8Array> {
    const s = this.streams[index];
    if (!s) throw new FormatError(`PDB ${this.source.name}`, `stream ${index} does not exist (${this.streams.length} streams)`);
    return this.readBlocks(s.blocks, s.size, `stream ${index}`);
  }
}
