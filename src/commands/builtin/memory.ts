// The d* memory displays (formats in memory-formats.ts): bytes, words, dwords (with characters: dc, dW),
// qwords, floats (df, dD), binary (dyb), values with symbols (dds, dps, dqs), strings (da, du) and pointers
// with the strings they point at (dpa, dpu, …). Results are rows of values (undefined where the dump lacks
// the bytes, printed `??` like WinDbg), rendered in WinDbg's columns by renderText. Code the dump lacks is
// taken from the module's image file on the symbol path, as `u` does.
import { DumpscopeError } from '../../io/errors.js';
import type { SparseBytes } from '../../memory/address-space.js';
import { KernelTarget } from '../../target/kernel-target.js';
import { formatG } from '../../util/cformat.js';
import { addr64 } from '../../util/hex.js';
import { checkpoint } from '../checkpoint.js';
import type { CommandSpec } from '../command.js';
import { CommandSyntaxError } from '../errors.js';
import { evaluateExpression } from '../expr/masm.js';
import type { Session } from '../session.js';
import { parseRange } from './address-range.js';
import { MEMORY_FORMATS, type MemoryFormat, printable } from './memory-formats.js';
import { decodeString, type StringValue, stringLines } from './memory-strings.js';

export type { StringValue };

export interface MemoryRow {
  address: bigint;
  /** One value per element; undefined where the bytes are not in the dump. */
  values: (bigint | undefined)[];
  /** db, dc, dW: the character column ('.' for unprintable, '?' for missing bytes). */
  ascii?: string;
  /** dds, dps, dqs: the symbol the value points to. */
  symbol?: string;
  /** dpa, dpu, …: the string the pointer points to (absent when the pointer itself is not in the dump). */
  string?: StringValue;
}

export interface MemoryResult {
  kind: 'memory';
  format: string;
  address: bigint;
  /** Bytes per element. */
  unitSize: number;
  /** Elements displayed. */
  count: number;
  rows: MemoryRow[];
  /** Elements per row (db: 16, or `/c N`). */
  perRow?: number;
  /** da, du: the string in WinDbg's lines of 32 characters, its value and what ended it. */
  string?: StringValue & { lines: { address: bigint; text: string }[] };
  /** How many of the bytes shown came from a module's image file because the dump lacks them. */
  imageBytes?: number;
}

const M64 = (1n << 64n) - 1n;

/** Bytes `L n` and `A B` may cover (WinDbg's own limit is 256 MB; a terminal is not the place for more). */
export const MAX_RANGE_BYTES = 0x100000;
/** Elements `L? n` may ask for at most. */
export const MAX_UNLIMITED_ELEMENTS = 0x100000;
/** Characters read for each pointer of dpa/dpu. */
const POINTER_STRING_CHARS = 256;
/** `/c N` at most. */
const MAX_COLUMNS = 256;

const IMAGE_SCN_CNT_CODE = 0x20;
const IMAGE_SCN_MEM_EXECUTE = 0x20000000;
const IMAGE_SCN_MEM_WRITE = 0x80000000;

/**
 * Bytes for a display: the dump's, then — for what it lacks — the module image file's, but only in code
 * sections that are not writable: their bytes in the file are what the processor ran (data sections hold
 * initial values, and the import table is rewritten at load, so the file would mislead there).
 */
async function readDisplayed(session: Session, address: bigint, length: number): Promise<SparseBytes & { imageBytes: number }> {
  const s = await session.memory!.readSparse(address, length);
  let imageBytes = 0;
  const t = session.target;
  if (!(t instanceof KernelTarget) || s.valid.every((v) => v === 1)) return { ...s, imageBytes };
  for (let o = 0; o < length; ) {
    if (s.valid[o]) {
      o++;
      continue;
    }
    const va = address + BigInt(o);
    const m = t.modules.at(va);
    const img = m ? (await t.image(m).catch(() => undefined))?.image : undefined;
    const rva = m ? Number(va - m.base) : 0;
    const sec = img?.sectionAt(rva);
    const code = sec && (sec.characteristics & (IMAGE_SCN_CNT_CODE | IMAGE_SCN_MEM_EXECUTE)) !== 0 && (sec.characteristics & IMAGE_SCN_MEM_WRITE) === 0;
    if (!img || !sec || !code) {
      o++;
      continue;
    }
    const n = Math.min(length - o, sec.virtualAddress + Math.min(sec.virtualSize || sec.rawSize, sec.rawSize) - rva);
    const b = n > 0 ? await img.readRva(rva, n).catch(() => undefined) : undefined;
    if (!b?.length) {
      o++;
      continue;
    }
    for (let k = 0; k < b.length; k++) {
      if (s.valid[o + k]) continue;
      s.bytes[o + k] = b[k];
      s.valid[o + k] = 1;
      imageBytes++;
    }
    o += b.length;
  }
  return { ...s, imageBytes };
}

/** `/c N` (columns) before the range; `/p…` (physical memory) is refused by name. */
async function parseOptions(session: Session, args: string): Promise<{ columns?: number; rest: string }> {
  let rest = args.trim();
  let columns: number | undefined;
  for (let m = /^\/(\S+)/.exec(rest); m; m = /^\/(\S+)/.exec(rest)) {
    const opt = m[1];
    if (/^c/i.test(opt)) {
      // `/c8` or `/c 8`; the number in the default radix (hex), like every other number.
      const glued = opt.slice(1);
      rest = rest.slice(m[0].length).trim();
      let text = glued;
      if (!text) {
        text = /^\S+/.exec(rest)?.[0] ?? '';
        rest = rest.slice(text.length).trim();
      }
      if (!text) throw new DumpscopeError('/c needs a number of columns', 'BAD_ARGUMENT');
      const n = await evaluateExpression(text, await session.expressionEnv());
      if (n < 1n || n > BigInt(MAX_COLUMNS)) throw new DumpscopeError(`/c ${text}: the columns must be 1 to 0x${MAX_COLUMNS.toString(16)}`, 'BAD_ARGUMENT');
      columns = Number(n);
      continue;
    }
    if (/^p/i.test(opt)) throw new DumpscopeError(`option /${opt} (physical memory) is not supported: give a virtual address (!vtop translates one)`, 'BAD_ARGUMENT');
    throw new DumpscopeError(`unknown option /${opt} (d* accepts /c COLUMNS)`, 'BAD_ARGUMENT');
  }
  return { columns, rest };
}

function valueAt(b: Uint8Array, o: number, n: number): bigint {
  let v = 0n;
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[o + i]);
  return v;
}

export const memoryCommand: CommandSpec<MemoryResult> = {
  names: Object.keys(MEMORY_FORMATS),
  summary: 'Display memory: db dw dW dd dc dq dp (hex, dc/dW with characters), df dD (floats), dyb (binary), dds dps dqs (with symbols), da du (strings), dpa dpu dda ddu dqa dqu (pointers and their strings)',
  usage: `d{b|w|W|d|c|q|p|f|D|yb|ds|ps|qs|a|u|pa|pu|da|du|qa|qu} [/c COLUMNS] [ADDRESS] [L COUNT | L? COUNT | END_ADDRESS]  (L: at most 0x${MAX_RANGE_BYTES.toString(16)} bytes; L?: at most 0x${MAX_UNLIMITED_ELEMENTS.toString(16)} elements)`,
  async run(session, args, name, signal) {
    const mem = session.memory;
    if (!mem) throw new DumpscopeError('no dump is open', 'NO_TARGET');
    const fmt: MemoryFormat | undefined = MEMORY_FORMATS[name];
    if (!fmt) throw new DumpscopeError(`${name} is not a display format`, 'BAD_ARGUMENT');
    const unit = fmt.unit;
    const command = `${name} ${args}`.trim();
    const { columns, rest } = await parseOptions(session, args);
    const range = await parseRange(session, rest, command);
    const address = range.start ?? session.memoryNext;
    if (address === undefined) throw new DumpscopeError('an address is needed', 'BAD_ARGUMENT');
    let count = range.count ?? fmt.defaultCount;
    if (range.end !== undefined) count = Math.ceil(Number(range.end - address + 1n) / unit);
    if (range.unlimited) {
      if (count > MAX_UNLIMITED_ELEMENTS) throw new CommandSyntaxError(`Range error in '${command}': L? allows at most 0x${MAX_UNLIMITED_ELEMENTS.toString(16)} elements`);
    } else if (count * unit > MAX_RANGE_BYTES) {
      throw new CommandSyntaxError(`Range error in '${command}': more than 0x${MAX_RANGE_BYTES.toString(16)} bytes (L? allows up to 0x${MAX_UNLIMITED_ELEMENTS.toString(16)} elements)`);
    }
    const length = count * unit;
    // The address space ends at ffffffff`ffffffff: a display does not wrap around to page 0.
    if (address + BigInt(length) - 1n > M64) throw new CommandSyntaxError(`Range error in '${command}': the range passes the top of the address space (ffffffff\`ffffffff)`);
    const s = await readDisplayed(session, address, length);
    session.memoryNext = (address + BigInt(length)) & M64;
    const result: MemoryResult = { kind: 'memory', format: name, address, unitSize: unit, count, rows: [], ...(s.imageBytes ? { imageBytes: s.imageBytes } : {}) };
    const ok = (o: number, n: number) => s.valid.subarray(o, o + n).every((v) => v === 1);
    if (fmt.kind === 'string') {
      const str = decodeString(s, fmt.charSize ?? 1, count);
      result.string = { ...str, lines: stringLines(address, fmt.charSize ?? 1, str.text) };
      return result;
    }
    const perRow = fmt.kind === 'symbols' || fmt.kind === 'pointer+string' ? 1 : (columns ?? fmt.perRow);
    if (columns !== undefined) result.perRow = perRow;
    for (let o = 0; o < length; o += perRow * unit) {
      await checkpoint(signal);
      const row: MemoryRow = { address: (address + BigInt(o)) & M64, values: [] };
      const end = Math.min(o + perRow * unit, length);
      for (let k = o; k < end; k += unit) row.values.push(ok(k, unit) ? valueAt(s.bytes, k, unit) : undefined);
      if (fmt.kind === 'hex+chars') row.ascii = [...s.bytes.subarray(o, end)].map((b, i) => (!s.valid[o + i] ? '?' : printable(b))).join('');
      const v = row.values[0];
      if (fmt.kind === 'symbols' && v !== undefined) row.symbol = await session.target?.symbolize?.(v);
      if (fmt.kind === 'pointer+string' && v !== undefined) {
        const cs = fmt.charSize ?? 1;
        row.string = decodeString(await mem.readSparse(v, Math.min(POINTER_STRING_CHARS * cs, Number(M64 - v + 1n))), cs, POINTER_STRING_CHARS, true);
      }
      result.rows.push(row);
    }
    return result;
  },
  renderText: renderMemory,
};

function cell(v: bigint | undefined, unit: number): string {
  if (unit === 8) return v === undefined ? '????????`????????' : addr64(v);
  return v === undefined ? '?'.repeat(unit * 2) : v.toString(16).padStart(unit * 2, '0');
}

function floatCell(v: bigint | undefined, unit: number): string {
  if (v === undefined) return '?'.repeat(15);
  const dv = new DataView(new ArrayBuffer(8));
  dv.setBigUint64(0, v, true);
  const x = unit === 4 ? dv.getFloat32(0, true) : dv.getFloat64(0, true);
  return formatG(x, unit === 4 ? 6 : 15).padStart(15);
}

/** dyb's column heads: bit numbers over each byte's binary digits. */
function binaryHeader(perRow: number): string[] {
  const pad = ' '.repeat(19);
  return [pad + Array(perRow).fill('76543210').join(' '), pad + Array(perRow).fill('--------').join(' ')];
}

/** WinDbg's layouts: `db` has 16 bytes with a dash after the eighth, then two spaces and the characters. */
export function renderMemory(r: MemoryResult): string {
  if (r.string) return r.string.lines.map((l) => `${addr64(l.address)}  "${l.text}"`).join('\n');
  const fmt = MEMORY_FORMATS[r.format];
  const kind = fmt?.kind ?? (r.unitSize === 1 ? 'hex+chars' : 'hex');
  const perRow = r.perRow ?? fmt?.perRow ?? 16;
  const lines = kind === 'binary' && r.rows.length ? binaryHeader(perRow) : [];
  for (const row of r.rows) {
    const at = addr64(row.address);
    if (kind === 'float') {
      lines.push(`${at}  ${row.values.map((v) => floatCell(v, r.unitSize)).join(' ')}`);
      continue;
    }
    if (kind === 'binary') {
      const bits = row.values.map((v) => (v === undefined ? '????????' : v.toString(2).padStart(8, '0')));
      lines.push(`${at}  ${bits.join(' ')}  ${row.values.map((v) => cell(v, 1)).join(' ')}`);
      continue;
    }
    const cells = row.values.map((v) => cell(v, r.unitSize));
    if (kind === 'hex+chars') {
      // The dash after the eighth byte belongs to db's 16-byte rows; the characters stay in one column.
      const dashed = r.unitSize === 1 && perRow === 16;
      const hex = dashed ? cells.slice(0, 8).join(' ') + (cells.length > 8 ? `-${cells.slice(8).join(' ')}` : '') : cells.join(' ');
      const width = perRow * (r.unitSize * 2 + 1) - 1;
      lines.push(`${at}  ${hex.padEnd(width)}  ${row.ascii ?? ''}`);
      continue;
    }
    let tail = '';
    if (row.symbol) tail = ` ${row.symbol}`;
    else if (row.string && (row.string.text || row.string.end !== 'unreadable')) tail = ` "${row.string.text}"`;
    lines.push(`${at}  ${cells.join(' ')}${tail}`);
  }
  return lines.join('\n');
}
