// Microsoft Cabinet files, as symbol servers send compressed files (`name.pd_`, `name.sy_`): a header,
// folders of CFDATA blocks, and files that are ranges of their folder's decompressed bytes. MSZIP blocks
// are raw deflate whose 32 KiB history carries over from block to block. Quantum and LZX are refused.
// The deflate library is loaded on first use: its tables cost every process start-up otherwise.
import { LE } from '../../io/bytes.js';
import { FormatError, LimitExceededError, UnsupportedError } from '../../io/errors.js';

const F = 'CAB';
const FLAG_PREV = 1;
const FLAG_NEXT = 2;
const FLAG_RESERVE = 4;
const MAX_BLOCK = 32768 + 6144;
const HISTORY = 32768;

export interface CabFile {
  name: string;
  data: Uint8Array;
}

interface Folder {
  dataStart: number;
  blocks: number;
  compression: number;
}

export function isCab(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x4d && bytes[1] === 0x53 && bytes[2] === 0x43 && bytes[3] === 0x46;
}

/** A file name from a cabinet, if it is a plain name that cannot point outside a directory. */
export function safeCabName(name: string): string | undefined {
  if (!name || name.length > 255 || /[\\/:\0]/.test(name) || name.startsWith('.')) return undefined;
  return name;
}

/** The cabinet data-block checksum: XOR of little-endian words, the tail folded in big-endian order. */
function checksum(b: Uint8Array, start: number, end: number, seed: number): number {
  let c = seed;
  let p = start;
  for (; p + 4 <= end; p += 4) c ^= b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24);
  let tail = 0;
  const rest = end - p;
  if (rest === 3) tail = (b[p] << 16) | (b[p + 1] << 8) | b[p + 2];
  else if (rest === 2) tail = (b[p] << 8) | b[p + 1];
  else if (rest === 1) tail = b[p];
  return (c ^ tail) >>> 0;
}

type Inflate = (data: Uint8Array, opts: { dictionary?: Uint8Array }) => Uint8Array;
let inflater: Promise<Inflate> | undefined;

export async function extractCab(bytes: Uint8Array, options: { maxOutput?: number } = {}): Promise<CabFile[]> {
  inflater ??= import('fflate').then((m) => m.inflateSync);
  const inflateSync = await inflater;
  const max = options.maxOutput ?? 2 ** 31;
  const h = new LE(bytes, F);
  if (!isCab(bytes)) throw new FormatError(F, "not a cabinet (no 'MSCF' signature)", 0);
  h.check(0, 36, 'cabinet header');
  const cbCabinet = h.u32(8);
  if (cbCabinet > bytes.length) throw new FormatError(F, `header says the cabinet is ${cbCabinet} bytes, the file has ${bytes.length}`, 8);
  const coffFiles = h.u32(16);
  const [minor, major] = [h.u8(24), h.u8(25)];
  if (major !== 1) throw new UnsupportedError(`cabinet format version ${major}.${minor}`);
  const cFolders = h.u16(26);
  const cFiles = h.u16(28);
  const flags = h.u16(30);
  if (flags & (FLAG_PREV | FLAG_NEXT)) throw new UnsupportedError('cabinets spanning several files');
  let at = 36;
  let folderReserve = 0;
  let dataReserve = 0;
  if (flags & FLAG_RESERVE) {
    const headerReserve = h.u16(36);
    folderReserve = h.u8(38);
    dataReserve = h.u8(39);
    at = 40 + headerReserve;
  }
  const folders: Folder[] = [];
  for (let i = 0; i < cFolders; i++) {
    h.check(at, 8 + folderReserve, `folder ${i}`);
    folders.push({ dataStart: h.u32(at), blocks: h.u16(at + 4), compression: h.u16(at + 6) });
    at += 8 + folderReserve;
  }
  const entries: { name: string; size: number; offset: number; folder: number; at: number }[] = [];
  at = coffFiles;
  for (let i = 0; i < cFiles; i++) {
    h.check(at, 16, `file entry ${i}`);
    const attribs = h.u16(at + 14);
    const name = h.cstr(at + 16, 256, attribs & 0x80 ? 'utf8' : 'latin1');
    entries.push({ size: h.u32(at), offset: h.u32(at + 4), folder: h.u16(at + 8), name, at });
    at += 16 + new TextEncoder().encode(name).length + 1;
    if (at > bytes.length) throw new FormatError(F, `file entry ${i} runs past the end`, entries[i].at);
  }
  const decoded = new Map<number, Uint8Array>();
  const out: CabFile[] = [];
  for (const e of entries) {
    if (e.folder >= 0xfffd) throw new UnsupportedError('files continued from or to another cabinet');
    const folder = folders[e.folder];
    if (!folder) throw new FormatError(F, `file ${e.name} names folder ${e.folder} of ${folders.length}`, e.at + 8);
    if (e.size > max) throw new LimitExceededError(`cabinet file larger than ${max} bytes`, max);
    let data = decoded.get(e.folder);
    if (!data) {
      data = decodeFolder(h, folder, e.folder, dataReserve, max, inflateSync);
      decoded.set(e.folder, data);
    }
    if (e.offset + e.size > data.length) throw new FormatError(F, `file ${e.name} (${e.size} bytes at ${e.offset}) lies outside its folder's ${data.length} bytes`, e.at);
    out.push({ name: e.name, data: data.subarray(e.offset, e.offset + e.size) });
  }
  return out;
}

function decodeFolder(h: LE, folder: Folder, index: number, dataReserve: number, max: number, inflateSync: Inflate): Uint8Array {
  const type = folder.compression & 0x0f;
  if (type === 2) throw new UnsupportedError('Quantum-compressed cabinet is not supported (only uncompressed and MSZIP cabinets are)');
  if (type === 3) throw new UnsupportedError('LZX-compressed cabinet is not supported (only uncompressed and MSZIP cabinets are)');
  if (type > 1) throw new FormatError(F, `folder ${index} uses unknown compression ${type}`);
  const parts: Uint8Array[] = [];
  let total = 0;
  let history = new Uint8Array(0);
  let at = folder.dataStart;
  for (let i = 0; i < folder.blocks; i++) {
    h.check(at, 8 + dataReserve, `data block ${i} of folder ${index}`);
    const csum = h.u32(at);
    const cbData = h.u16(at + 4);
    const cbUncomp = h.u16(at + 6);
    const start = at + 8 + dataReserve;
    h.check(start, cbData, `data block ${i} of folder ${index}`);
    if (cbData > MAX_BLOCK || cbUncomp > MAX_BLOCK) throw new FormatError(F, `data block ${i} declares ${cbData}/${cbUncomp} bytes, more than a block holds`, at + 4);
    if (csum !== 0 && checksum(h.bytes, at + 4, start, checksum(h.bytes, start, start + cbData, 0)) !== csum) {
      throw new FormatError(F, `data block ${i} of folder ${index} fails its checksum`, at);
    }
    let block: Uint8Array;
    if (type === 0) block = h.bytes.subarray(start, start + cbData);
    else {
      if (cbData < 2 || h.bytes[start] !== 0x43 || h.bytes[start + 1] !== 0x4b) throw new FormatError(F, `MSZIP block ${i} lacks its 'CK' signature`, start);
      try {
        block = inflateSync(h.bytes.subarray(start + 2, start + cbData), { dictionary: history.length ? history : undefined });
      } catch (e) {
        throw new FormatError(F, `MSZIP block ${i} of folder ${index} does not inflate (${(e as Error).message})`, start);
      }
    }
    if (block.length !== cbUncomp) throw new FormatError(F, `data block ${i} gave ${block.length} bytes, ${cbUncomp} declared`, at + 6);
    total += block.length;
    if (total > max) throw new LimitExceededError(`cabinet folder larger than ${max} bytes`, max);
    parts.push(block);
    // The next block may refer back up to 32 KiB into what has been produced so far.
    const joined = new Uint8Array(Math.min(HISTORY, history.length + block.length));
    const fromOld = joined.length - Math.min(block.length, joined.length);
    joined.set(history.subarray(history.length - fromOld), 0);
    joined.set(block.subarray(block.length - (joined.length - fromOld)), fromOld);
    history = joined;
    at = start + cbData;
  }
  const data = new Uint8Array(total);
  let p = 0;
  for (const part of parts) {
    data.set(part, p);
    p += part.length;
  }
  return data;
}
