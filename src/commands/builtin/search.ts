// `s [-b|-w|-d|-q|-a|-u] RANGE PATTERN`: search memory for a byte pattern, WinDbg's way. The range is
// `START END` or `START L SIZE` (SIZE in bytes, at most 256 MB unless written `L?`); word, dword and qword
// searches report only aligned hits, overlapping hits are all found. Memory comes from the dump, and for
// code pages the dump lacks, from the module's image file. Bounded: at most MAX_HITS hits are listed.
import { KernelTarget } from '../../target/kernel-target.js';
import { addr64 } from '../../util/hex.js';
import { checkpoint } from '../checkpoint.js';
import type { CommandSpec } from '../command.js';
import { CommandSyntaxError } from '../errors.js';
import { evaluate, evaluateExpression, parseExpressionPrefix } from '../expr/masm.js';
import type { Session } from '../session.js';

type SearchType = 'b' | 'w' | 'd' | 'q' | 'a' | 'u';

export interface SearchHit {
  address: bigint;
  /** The 16 bytes from the hit (fewer at the end of readable memory). */
  bytes: Uint8Array;
}

export interface SearchResult {
  kind: 'search';
  type: SearchType;
  start: bigint;
  end: bigint;
  pattern: Uint8Array;
  hits: SearchHit[];
  /** More hits than MAX_HITS were found; the listing stops there. */
  truncated: boolean;
  /** Pages of the range the dump does not hold (searched nowhere). */
  missingPages: number;
}

const MAX_RANGE = 0x10000000n; // 256 MB, WinDbg's limit without L?
const MAX_UNLIMITED = 0x100000000n; // our ceiling for L?: 4 GB
const MAX_HITS = 1024;
const PAGE = 0x1000n;
const UNIT: Record<SearchType, number> = { b: 1, w: 2, d: 4, q: 8, a: 1, u: 2 };
const M64 = (1n << 64n) - 1n;

/** Splits the pattern into tokens: quoted strings stay whole. */
function tokens(text: string): string[] {
  return [...text.matchAll(/"[^"]*"|'[^']*'|\S+/g)].map((m) => m[0]);
}

function le(value: bigint, size: number): number[] {
  return Array.from({ length: size }, (_, i) => Number((value >> BigInt(8 * i)) & 0xffn));
}

async function patternBytes(session: Session, type: SearchType, text: string, command: string): Promise<Uint8Array> {
  if (type === 'a' || type === 'u') {
    const m = /^"(.*)"$/s.exec(text.trim());
    if (!m?.[1]) throw new CommandSyntaxError(`Syntax error in '${command}': -${type} needs a string in double quotes`);
    const codes = [...m[1]].map((c) => c.charCodeAt(0));
    if (codes.some((c) => c > (type === 'a' ? 0xff : 0xffff))) throw new CommandSyntaxError(`Syntax error in '${command}': the string has characters -${type} cannot search for`);
    return Uint8Array.from(type === 'a' ? codes : codes.flatMap((c) => [c & 0xff, c >> 8]));
  }
  const env = await session.expressionEnv();
  const size = UNIT[type];
  const out: number[] = [];
  for (const tok of tokens(text)) {
    const v = (await evaluateExpression(tok, env)) & M64;
    if (size < 8 && v >> BigInt(size * 8) !== 0n) throw new CommandSyntaxError(`Syntax error in '${command}': ${tok} does not fit in ${size} byte(s)`);
    out.push(...le(v, size));
  }
  if (!out.length) throw new CommandSyntaxError(`Syntax error in '${command}': a pattern is needed`);
  return Uint8Array.from(out);
}

/** `START END` or `START L[?] SIZE`, then the pattern. */
async function parseArgs(session: Session, args: string, command: string) {
  let text = args.trim();
  let type: SearchType = 'b';
  const flag = /^-([bwdqau])\s+/i.exec(text);
  if (flag) {
    type = flag[1].toLowerCase() as SearchType;
    text = text.slice(flag[0].length);
  } else if (text.startsWith('-')) throw new CommandSyntaxError(`Syntax error in '${command}': the type is one of -b -w -d -q -a -u`);
  if (!text) throw new CommandSyntaxError(`Syntax error in '${command}': usage: s [-b|-w|-d|-q|-a|-u] RANGE PATTERN`);
  // A string pattern is not an expression: take it off the end before the range is parsed.
  let quoted: string | undefined;
  if (type === 'a' || type === 'u') {
    const q = /\s+("[^"]*")\s*$/.exec(text);
    if (!q) throw new CommandSyntaxError(`Syntax error in '${command}': -${type} needs a string in double quotes`);
    quoted = q[1];
    text = text.slice(0, q.index);
  }
  const env = await session.expressionEnv();
  const first = parseExpressionPrefix(text);
  const start = (await evaluate(first.expr, env)) & M64;
  let rest = first.rest.trim();
  let end: bigint;
  const l = /^[lL](\?)?\s*/.exec(rest);
  if (l) {
    const n = parseExpressionPrefix(rest.slice(l[0].length));
    const size = (await evaluate(n.expr, env)) & M64;
    if (size === 0n) throw new CommandSyntaxError(`Range error in '${command}'`);
    if (size > (l[1] ? MAX_UNLIMITED : MAX_RANGE)) throw new CommandSyntaxError(`Range error in '${command}': ${l[1] ? `L? allows at most 0x${MAX_UNLIMITED.toString(16)} bytes here` : 'more than 256 MB needs L?'}`);
    end = start + size;
    rest = n.rest.trim();
  } else {
    const e = parseExpressionPrefix(rest);
    end = ((await evaluate(e.expr, env)) & M64) + 1n; // the end address is inclusive
    rest = e.rest.trim();
    if (end <= start) throw new CommandSyntaxError(`Range error in '${command}': the end is below the start`);
    if (end - start > MAX_RANGE) throw new CommandSyntaxError(`Range error in '${command}': more than 256 MB needs L?`);
  }
  if (end > 1n << 64n) end = 1n << 64n;
  return { type, start, end, pattern: await patternBytes(session, type, quoted ?? rest, command) };
}

/** One page's bytes: the dump's, completed from the module image for code the dump lacks. */
async function pageBytes(session: Session, page: bigint): Promise<{ bytes: Uint8Array; valid: Uint8Array } | undefined> {
  const mem = session.memory;
  if (!mem) return undefined;
  const s = await mem.readSparse(page, Number(PAGE));
  if (s.valid.every((v) => v === 1)) return s;
  const t = session.target instanceof KernelTarget ? session.target : undefined;
  if (t?.modules.at(page)) {
    const code = await t.readCode(page, Number(PAGE)).catch(() => undefined);
    if (code && code.length === Number(PAGE)) return { bytes: code, valid: new Uint8Array(code.length).fill(1) };
  }
  return s.valid.some((v) => v === 1) ? s : undefined;
}

export const searchCommand: CommandSpec<SearchResult> = {
  names: ['s'],
  summary: 'Search memory for bytes, words, dwords, qwords or a string (s -d START L SIZE VALUE)',
  usage: 's [-b|-w|-d|-q|-a|-u] START END|L SIZE|L? SIZE PATTERN  (SIZE in bytes; more than 256 MB needs L?)',
  async run(session, args, _name, signal) {
    const command = `s ${args}`.trim();
    const { type, start, end, pattern } = await parseArgs(session, args, command);
    const align = BigInt(UNIT[type] > 1 && type !== 'u' ? UNIT[type] : 1);
    const hits: SearchHit[] = [];
    let truncated = false;
    let missingPages = 0;
    const size = Number(PAGE);
    /** Hits that start in `page`, its bytes followed by the next page's (a pattern may cross into it). */
    const scan = (page: bigint, bytes: Uint8Array, valid: Uint8Array) => {
      for (let i = 0; i < size && !truncated; i++) {
        const at = page + BigInt(i);
        if (at < start || at + BigInt(pattern.length) > end || at % align !== 0n) continue;
        let ok = true;
        for (let k = 0; k < pattern.length && ok; k++) ok = valid[i + k] === 1 && bytes[i + k] === pattern[k];
        if (!ok) continue;
        if (hits.length >= MAX_HITS) {
          truncated = true;
          break;
        }
        let n = 0;
        while (n < 16 && valid[i + n] === 1) n++;
        hits.push({ address: at, bytes: bytes.slice(i, i + n) });
      }
    };
    let prev: { page: bigint; bytes: Uint8Array; valid: Uint8Array } | undefined;
    for (let page = start & ~(PAGE - 1n); !truncated; page += PAGE) {
      await checkpoint(signal);
      const inRange = page < end;
      const cur = inRange ? await pageBytes(session, page) : undefined;
      if (inRange && !cur) missingPages++;
      if (prev) {
        const bytes = new Uint8Array(size * 2);
        const valid = new Uint8Array(size * 2);
        bytes.set(prev.bytes, 0);
        valid.set(prev.valid, 0);
        if (cur) {
          bytes.set(cur.bytes, size);
          valid.set(cur.valid, size);
        }
        scan(prev.page, bytes, valid);
      }
      if (!inRange) break;
      prev = cur ? { page, ...cur } : undefined;
    }
    return { kind: 'search', type, start, end, pattern, hits, truncated, missingPages };
  },
  renderText: renderSearch,
};

function chars(b: Uint8Array, unicode: boolean): string {
  if (unicode) {
    let s = '';
    for (let i = 0; i + 1 < b.length; i += 2) {
      const c = b[i] | (b[i + 1] << 8);
      s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
    }
    return s;
  }
  return [...b].map((c) => (c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.')).join('');
}

/** Each hit as the matching `d*` command shows its first row (bytes, words, dwords or qwords, then characters). */
export function renderSearch(r: SearchResult): string {
  const lines = r.hits.map((h) => {
    const unit = r.type === 'a' ? 1 : UNIT[r.type];
    const cells: string[] = [];
    for (let i = 0; i + unit <= h.bytes.length; i += unit) {
      let v = 0n;
      for (let k = unit - 1; k >= 0; k--) v = (v << 8n) | BigInt(h.bytes[i + k]);
      cells.push(unit === 8 ? addr64(v) : v.toString(16).padStart(unit * 2, '0'));
    }
    const perRow = 16 / unit;
    const shown = cells.slice(0, perRow);
    const hex = unit === 1 ? shown.slice(0, 8).join(' ') + (shown.length > 8 ? `-${shown.slice(8).join(' ')}` : '') : shown.join(' ');
    const width = unit === 1 ? 47 : perRow * (unit === 8 ? 17 : unit * 2) + perRow - 1;
    return `${addr64(h.address)}  ${hex.padEnd(width)}  ${chars(h.bytes, r.type === 'u')}`;
  });
  if (r.truncated) lines.push(`(search stopped after ${MAX_HITS} hits)`);
  return lines.join('\n');
}
