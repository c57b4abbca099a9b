// Recognises a dump by its signature and opens it with the right reader.
import type { ByteSource } from '../io/byte-source.js';
import { FormatError } from '../io/errors.js';
import { type KernelDump, openKernelDump } from './kernel-dump/kernel-dump.js';
import { type MinidumpInfo, openMinidump } from './minidump/header.js';

export type OpenedDump = KernelDump | MinidumpInfo;

export async function openDump(source: ByteSource): Promise<OpenedDump> {
  if (source.size < 8) throw new FormatError('dump', `${source.name} is only ${source.size} bytes: not a dump`, 0);
  const sig = new TextDecoder('latin1').decode(await source.read(0, 8));
  if (sig === 'PAGEDU64' || sig === 'PAGEDUMP') return openKernelDump(source);
  if (sig.startsWith('MDMP')) return openMinidump(source);
  throw new FormatError('dump', `${source.name}: unknown signature '${sig.replace(/[^\x20-\x7e]/g, '.')}' (expected PAGEDU64, PAGEDUMP or MDMP)`, 0);
}
