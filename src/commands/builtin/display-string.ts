// `dS ADDRESS` / `ds ADDRESS`: a UNICODE_STRING or ANSI_STRING structure (Length, MaximumLength, Buffer —
// read by field name when nt's types are there, else by the structure's fixed x64 layout) and the text it
// describes: `BUFFER  "text"`. The engine does not tell `ds` from `dS` (names are case-insensitive), so
// the text is read as UTF-16 when its bytes are UTF-16 characters and as single bytes otherwise.
import { DumpscopeError } from '../../io/errors.js';
import { addr64 } from '../../util/hex.js';
import type { CommandSpec } from '../command.js';
import { evalArg, kernelTarget } from './target-access.js';

export interface DisplayStringResult {
  kind: 'display-string';
  address: bigint;
  length: number;
  maximumLength: number;
  buffer: bigint;
  text?: string;
  unicode: boolean;
  /** Why the text could not be shown in full. */
  note?: string;
}

const MAX_BYTES = 0xffff;

function looksUtf16(b: Uint8Array): boolean {
  if (b.length < 2 || b.length % 2) return false;
  for (let i = 0; i + 1 < b.length; i += 2) if (b[i + 1] !== 0 || b[i] < 0x20) return false;
  return true;
}

export const displayStringCommand: CommandSpec<DisplayStringResult> = {
  names: ['ds'],
  summary: 'Display a UNICODE_STRING (dS) or ANSI_STRING (ds) structure: its buffer address and text',
  usage: 'dS ADDRESS',
  async run(session, args) {
    if (!args.trim()) throw new DumpscopeError('dS needs the address of a UNICODE_STRING', 'BAD_ARGUMENT');
    const t = kernelTarget(session);
    const address = await evalArg(session, args.trim().split(/\s+/).pop()!);
    const kt = await t.kernelTypes();
    let length: number;
    let maximumLength: number;
    let buffer: bigint;
    const v = kt ? await kt.read(t.memory, '_UNICODE_STRING', address).catch(() => undefined) : undefined;
    if (v) {
      length = v.num('Length');
      maximumLength = v.num('MaximumLength');
      buffer = v.uint('Buffer');
    } else {
      const b = await t.memory.read(address, 16).catch(() => {
        throw new DumpscopeError(`the string structure at ${addr64(address)} is not in this dump`, 'UNREADABLE');
      });
      const dv = new DataView(b.buffer, b.byteOffset, 16);
      length = dv.getUint16(0, true);
      maximumLength = dv.getUint16(2, true);
      buffer = dv.getBigUint64(8, true);
    }
    const n = Math.min(length, MAX_BYTES);
    const s = n ? await t.memory.readSparse(buffer, n) : { bytes: new Uint8Array(0), valid: new Uint8Array(0) };
    const read = s.valid.indexOf(0) < 0 ? n : s.valid.indexOf(0);
    const bytes = s.bytes.subarray(0, read);
    const unicode = looksUtf16(bytes);
    let text = '';
    if (unicode) for (let i = 0; i + 1 < bytes.length; i += 2) text += String.fromCharCode(bytes[i] | (bytes[i + 1] << 8));
    else text = [...bytes].map((c) => (c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.')).join('');
    const note = read < n ? `only ${read} of its ${n} bytes are in this dump` : length > maximumLength ? `Length ${length} is larger than MaximumLength ${maximumLength}` : undefined;
    return { kind: 'display-string', address, length, maximumLength, buffer, text: read || !n ? text : undefined, unicode, ...(note ? { note } : {}) };
  },
  renderText: (r) => (r.text === undefined ? `${addr64(r.buffer)}  ????` : `${addr64(r.buffer)}  "${r.text}"`) + (r.note ? `\n(${r.note})` : ''),
};
