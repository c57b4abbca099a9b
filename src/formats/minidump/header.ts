// User-mode minidumps ("MDMP"): recognised and described; analysis comes later. The stream directory is
// validated against the file size so a damaged file gets a precise error.
import type { ByteSource } from '../../io/byte-source.js';
import { LE } from '../../io/bytes.js';
import { FormatError } from '../../io/errors.js';

export interface MinidumpStream {
  type: number;
  size: number;
  offset: number;
}

export interface MinidumpInfo {
  format: 'minidump';
  version: number;
  streamCount: number;
  directoryOffset: number;
  timestamp: string;
  flags: bigint;
  streams: MinidumpStream[];
}

export async function openMinidump(source: ByteSource): Promise<MinidumpInfo> {
  if (source.size < 32) throw new FormatError('minidump', `file is only ${source.size} bytes; a MINIDUMP_HEADER needs 32`, 0);
  const h = new LE(await source.read(0, 32), 'minidump header');
  if (h.ascii(0, 4) !== 'MDMP') throw new FormatError('minidump', 'signature is not MDMP', 0);
  const streamCount = h.u32(8);
  const directoryOffset = h.u32(12);
  const dirBytes = streamCount * 12;
  if (directoryOffset + dirBytes > source.size) {
    throw new FormatError('minidump', `stream directory at 0x${directoryOffset.toString(16)} with ${streamCount} entries extends past the end of the ${source.size}-byte file`, 12);
  }
  const dir = new LE(await source.read(directoryOffset, dirBytes), 'minidump stream directory', directoryOffset);
  const streams: MinidumpStream[] = [];
  for (let i = 0; i < streamCount; i++) {
    const s = { type: dir.u32(i * 12), size: dir.u32(i * 12 + 4), offset: dir.u32(i * 12 + 8) };
    if (s.type !== 0 && s.offset + s.size > source.size) {
      throw new FormatError('minidump', `stream ${i} (type ${s.type}) at 0x${s.offset.toString(16)} with 0x${s.size.toString(16)} bytes extends past the end of the file`, directoryOffset + i * 12);
    }
    streams.push(s);
  }
  return {
    format: 'minidump',
    version: h.u16(4),
    streamCount,
    directoryOffset,
    timestamp: new Date(h.u32(20) * 1000).toISOString(),
    flags: h.u64(24),
    streams,
  };
}
