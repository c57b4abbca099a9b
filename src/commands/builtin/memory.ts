// `db dw dd dq dp dps dqs da du`: memory display. Results are rows of values (undefined where the dump lacks
// the bytes, shown as `?` like WinDbg), rendered in WinDbg's columns by renderText.
import { DumpscopeError } from '../../io/errors.js';
import { addr64 } from '../../util/hex.js';
import { checkpoint } from '../checkpoint.js';
import type { CommandSpec } from '../command.js';
import { CommandSyntaxError } from '../errors.js';
import { parseRange } from './address-range.js';

export interface MemoryRow {
  address: bigint;
  /** One value per element; undefined where the bytes are not in the dump. */
  values: (bigint | undefined)[];
  /** db: the character column ('.' for unprintable, '?' for missing bytes). */
  ascii?: string;
  /** dps/dqs: the symbol the value points to. */
  symbol?: string;
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
  /** da/du: the string up to its terminator (or the first missing byte). */
  text?: string;
}

const M64 = (1n << 64n) - 1n;

/** Bytes `L n` and `A B` may cover (WinDbg's own limit is 256 MB; a terminal is not the place for more). */
export const MAX_RANGE_BYTES = 0x100000;
/** Elements `L? n` may ask for at most. */
export const MAX_UNLIMITED_ELEMENTS = 0x100000;

const UNIT: Record<string, number> = { db: 1, dw: 2, dd: 4, dq: 8, dp: 8, dps: 8, dqs: 8, da: 1, du: 2 };
const DEFAULT_COUNT: Record<string, number> = { db: 0x80, dw: 0x40, dd: 0x20, dq: 0x10, dp: 0x10, dps: 0x10, dqs: 0x10, da: 0x80, du: 0x80 };
const PER_ROW: Record<string, number> = { db: 16, dw: 8, dd: 4, dq: 2, dp: 2, dps: 1, dqs: 1 };

export const memoryCommand: CommandSpec<MemoryResult> = {
  names: Object.keys(UNIT),
  summary: 'Display memory as bytes, words, dwords, qwords, pointers with symbols (dps), ASCII or Unicode',
  usage: `db|dw|dd|dq|dp|dps|dqs|da|du [ADDRESS] [L COUNT | L? COUNT | END_ADDRESS]  (L: at most 0x${MAX_RANGE_BYTES.toString(16)} bytes; L?: at most 0x${MAX_UNLIMITED_ELEMENTS.toString(16)} elements)`,
  async run(session, args, name, signal) {
    const mem = session.memory;
    if (!mem) throw new DumpscopeError('no dump is open', 'NO_TARGET');
    const unit = UNIT[name];
    const command = `${name} ${args}`.trim();
    const range = await parseRange(session, args, command);
    const address = range.start ?? session.memoryNext;
    if (address === undefined) throw new DumpscopeError('an address is needed', 'BAD_ARGUMENT');
    let count = range.count ?? DEFAULT_COUNT[name];
    if (range.end !== undefined) count = Math.ceil(Number(range.end - address + 1n) / unit);
    if (range.unlimited) {
      if (count > MAX_UNLIMITED_ELEMENTS) throw new CommandSyntaxError(`Range error in '${command}': L? allows at most 0x${MAX_UNLIMITED_ELEMENTS.toString(16)} elements`);
    } else if (count * unit > MAX_RANGE_BYTES) {
      throw new CommandSyntaxError(`Range error in '${command}': more than 0x${MAX_RANGE_BYTES.toString(16)} bytes (L? allows up to 0x${MAX_UNLIMITED_ELEMENTS.toString(16)} elements)`);
    }
    const { bytes, valid } = await mem.readSparse(address, count * unit);
    session.memoryNext = (address + BigInt(count * unit)) & M64;
    const ok = (o: number, n: number) => valid.subarray(o, o + n).every((v) => v === 1);
    const val = (o: number, n: number) => {
      let v = 0n;
      for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[o + i]);
      return v;
    };
    const result: MemoryResult = { kind: 'memory', format: name, address, unitSize: unit, count, rows: [] };
    if (name === 'da' || name === 'du') {
      let s = '';
      for (let o = 0; o + unit <= bytes.length && ok(o, unit); o += unit) {
        const c = Number(val(o, unit));
        if (c === 0) break;
        s += String.fromCharCode(c);
      }
      result.text = s;
      return result;
    }
    const perRow = PER_ROW[name];
    const symbols = name === 'dps' || name === 'dqs';
    for (let o = 0; o < bytes.length; o += perRow * unit) {
      await checkpoint(signal);
      const row: MemoryRow = { address: (address + BigInt(o)) & M64, values: [] };
      for (let k = o; k < Math.min(o + perRow * unit, bytes.length); k += unit) row.values.push(ok(k, unit) ? val(k, unit) : undefined);
      if (unit === 1) {
        row.ascii = [...bytes.subarray(o, o + perRow)].map((b, i) => (!valid[o + i] ? '?' : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
      }
      if (symbols && row.values[0] !== undefined) row.symbol = await session.target?.symbolize?.(row.values[0]);
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

/** WinDbg's layouts: `db` has 16 bytes with a dash after the eighth, then two spaces and the characters. */
export function renderMemory(r: MemoryResult): string {
  if (r.text !== undefined) return `${addr64(r.address)}  "${r.text}"`;
  return r.rows
    .map((row) => {
      const cells = row.values.map((v) => cell(v, r.unitSize));
      if (r.unitSize === 1) {
        const hex = cells.slice(0, 8).join(' ') + (cells.length > 8 ? `-${cells.slice(8).join(' ')}` : '');
        return `${addr64(row.address)}  ${hex.padEnd(16 * 3 - 1)}  ${row.ascii ?? ''}`;
      }
      const sym = row.symbol ? ` ${row.symbol}` : '';
      return `${addr64(row.address)}  ${cells.join(' ')}${sym}`;
    })
    .join('\n');
}
