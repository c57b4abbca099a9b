// An ISF table from file bytes: plain JSON, or xz-compressed as Volatility ships them.
import { FormatError } from '../../io/errors.js';
import { decodeXz } from '../xz/xz.js';
import { IsfTable } from './isf.js';

const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
/** Decompressed ISF tables are tens of MB; a cap keeps a hostile file from exhausting memory. */
const MAX_JSON = 1 << 30;

export function isXz(bytes: Uint8Array): boolean {
  return XZ_MAGIC.every((b, i) => bytes[i] === b);
}

export function openIsf(bytes: Uint8Array, name: string): IsfTable {
  const json = isXz(bytes) ? decodeXz(bytes, { maxOutput: MAX_JSON }) : bytes;
  let i = 0;
  while (i < json.length && (json[i] === 0x20 || json[i] === 0x0a || json[i] === 0x0d || json[i] === 0x09)) i++;
  if (json[i] !== 0x7b) throw new FormatError(`ISF ${name}`, 'neither JSON nor xz-compressed JSON', 0);
  return IsfTable.parse(new TextDecoder('utf-8').decode(json), name);
}
