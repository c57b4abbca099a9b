// `db dw dd dq dp dps dqs da du`: memory display; unknown bytes show as `?` like WinDbg.
import { DumpscopeError } from '../../io/errors.js';
import { addr64 } from '../../util/hex.js';
import type { CommandSpec } from '../command.js';
import type { Session } from '../session.js';
import { addressAndCount } from './disassemble.js';
import { evalArg } from './target-access.js';

export interface MemoryResult {
  kind: 'memory';
  format: string;
  lines: string[];
}

const MAX_BYTES = 1 << 20;
const UNIT: Record<string, number> = { db: 1, dw: 2, dd: 4, dq: 8, dp: 8, dps: 8, dqs: 8, da: 1, du: 2 };
const DEFAULT_COUNT: Record<string, number> = { db: 0x80, dw: 0x40, dd: 0x20, dq: 0x10, dp: 0x10, dps: 0x10, dqs: 0x10, da: 0x80, du: 0x80 };

async function lastAddress(session: Session): Promise<bigint> {
  const v = session.variables.get('$lastdump');
  if (v !== undefined) return v;
  throw new DumpscopeError('an address is needed', 'BAD_ARGUMENT');
}

export const memoryCommand: CommandSpec<MemoryResult> = {
  names: Object.keys(UNIT),
  summary: 'Display memory as bytes, words, dwords, qwords, pointers with symbols (dps), ASCII or Unicode',
  usage: 'db|dw|dd|dq|dp|dps|dqs|da|du [ADDRESS] [L COUNT]',
  async run(session, args, name) {
    const mem = session.memory;
    if (!mem) throw new DumpscopeError('no dump is open', 'NO_TARGET');
    const unit = UNIT[name];
    const { expr, count } = addressAndCount(args, DEFAULT_COUNT[name]);
    if (count * unit > MAX_BYTES) throw new DumpscopeError(`L ${count.toString(16)} is too large (at most 0x${(MAX_BYTES / unit).toString(16)} units)`, 'BAD_ARGUMENT');
    const address = expr ? await evalArg(session, expr) : await lastAddress(session);
    const { bytes, valid } = await mem.readSparse(address, count * unit);
    session.variables.set('$lastdump', address + BigInt(count * unit));
    const ok = (o: number, n: number) => valid.subarray(o, o + n).every((v) => v === 1);
    const val = (o: number, n: number) => {
      let v = 0n;
      for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[o + i]);
      return v;
    };
    const lines: string[] = [];
    if (name === 'da' || name === 'du') {
      let s = '';
      for (let o = 0; o + unit <= bytes.length && ok(o, unit); o += unit) {
        const c = Number(val(o, unit));
        if (c === 0) break;
        s += String.fromCharCode(c);
      }
      lines.push(`${addr64(address)}  "${s}"`);
    } else if (name === 'dps' || name === 'dqs' || name === 'dp' || name === 'dq') {
      const symbols = name === 'dps' || name === 'dqs';
      const target = session.target;
      for (let o = 0; o < bytes.length; o += symbols ? 8 : 16) {
        const a = address + BigInt(o);
        if (symbols) {
          if (!ok(o, 8)) lines.push(`${addr64(a)}  ????????\`????????`);
          else {
            const v = val(o, 8);
            const sym = await target?.symbolize?.(v);
            lines.push(`${addr64(a)}  ${addr64(v)}${sym ? ` ${sym}` : ''}`);
          }
        } else {
          const cells = [0, 8].filter((k) => o + k < bytes.length).map((k) => (ok(o + k, 8) ? addr64(val(o + k, 8)) : '????????`????????'));
          lines.push(`${addr64(a)}  ${cells.join(' ')}`);
        }
      }
    } else {
      const perLine = 16;
      for (let o = 0; o < bytes.length; o += perLine) {
        const a = address + BigInt(o);
        const cells: string[] = [];
        for (let k = o; k < Math.min(o + perLine, bytes.length); k += unit) {
          cells.push(ok(k, unit) ? val(k, unit).toString(16).padStart(unit * 2, '0') : '?'.repeat(unit * 2));
        }
        let text = cells.join(' ');
        if (unit === 1) {
          text = cells.slice(0, 8).join(' ') + (cells.length > 8 ? `-${cells.slice(8).join(' ')}` : '');
          const chars = [...bytes.subarray(o, o + perLine)].map((b, i) => (!valid[o + i] ? '?' : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
          text = `${text.padEnd(48)}  ${chars}`;
        }
        lines.push(`${addr64(a)}  ${text}`);
      }
    }
    return { kind: 'memory', format: name, lines };
  },
  renderText: (r) => r.lines.join('\n'),
};
