// `!poolused [FLAGS] [TAG]`: pool usage by tag from the kernel's tracker table (PoolTrackTable of
// _POOL_TRACKER_TABLE entries, read by field name): outstanding allocations and bytes, nonpaged and paged,
// largest first. Small dumps do not hold the table, and the command says so.
import { DumpscopeError } from '../../io/errors.js';
import { poolTagText } from '../../knowledge/pool-tag.js';
import { knownPoolTag } from '../../knowledge/pool-tags-known.js';
import { compileWildcard } from '../../util/wildcard.js';
import { checkpoint } from '../checkpoint.js';
import type { CommandSpec } from '../command.js';
import { kernelTarget } from './target-access.js';

const MAX_ENTRIES = 1 << 16;

export interface PoolUsedRow {
  tag: number;
  tagText: string;
  nonPagedAllocs: number;
  nonPagedBytes: bigint;
  pagedAllocs: number;
  pagedBytes: bigint;
  owner?: string;
}

export interface PoolUsedResult {
  kind: 'poolused';
  sortedBy: 'nonpaged' | 'paged';
  rows: PoolUsedRow[];
  /** Why there are no rows, when there are none (an empty table, or no tag matching the filter). */
  empty?: string;
}

export const poolUsedCommand: CommandSpec<PoolUsedResult> = {
  names: ['!poolused'],
  summary: 'Pool usage by tag (outstanding allocations and bytes), from the tracker table',
  usage: '!poolused [2|4] [TAG]',
  async run(session, args, _name, signal) {
    const t = kernelTarget(session);
    const words = args.trim().split(/\s+/).filter(Boolean);
    const sortPaged = words[0] === '4';
    const tagFilter = words.find((w) => !/^\d+$/.test(w));
    // Tags are case-sensitive ('Irp ' is not 'IRP '); WinDbg's wildcards, matched in linear time.
    const tagPattern = tagFilter ? compileWildcard(tagFilter) : undefined;
    const kt = await t.kernelTypes();
    if (!kt) throw new DumpscopeError("nt's types are needed (a PDB or ISF table on the symbol path) to read _POOL_TRACKER_TABLE", 'NO_TYPES');
    const nt = t.modules.modules[0];
    const tablePtr = t.debuggerData?.pointer('PoolTrackTable') ?? (nt ? await kt.global(nt.base, 'PoolTrackTable') : undefined);
    const sizePtr = nt ? await kt.global(nt.base, 'PoolTrackTableSize') : undefined;
    if (!tablePtr) throw new DumpscopeError('the pool tracker table (PoolTrackTable) is unknown for this kernel', 'NO_POOL_TABLE');
    const read64 = async (a: bigint) => {
      const b = await t.memory.read(a, 8);
      return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
    };
    let table: bigint;
    let count: number;
    try {
      table = await read64(tablePtr);
      count = sizePtr ? Math.min(Number(await read64(sizePtr)), MAX_ENTRIES) : MAX_ENTRIES;
    } catch {
      throw new DumpscopeError('the pool tracker table is not in this dump (a small dump keeps only what the crash needed)', 'NO_MEMORY');
    }
    if (!table) return { kind: 'poolused', sortedBy: sortPaged ? 'paged' : 'nonpaged', rows: [], empty: 'nt!PoolTrackTable is null: the kernel has no pool tracker table, so there are no entries' };
    const entry = await kt.struct('_POOL_TRACKER_TABLE');
    const rows: PoolUsedRow[] = [];
    let tags = 0;
    for (let i = 0; i < count; i++) {
      // Up to 65536 entries: let Ctrl-C in between.
      if (i % 256 === 0) await checkpoint(signal);
      const e = await kt.read(t.memory, '_POOL_TRACKER_TABLE', table + BigInt(i * entry.size)).catch(() => undefined);
      if (!e) break;
      const tag = e.num('Key');
      if (!tag) continue;
      tags++;
      const tagText = poolTagText(tag);
      if (tagPattern && !tagPattern.matches(tagText.trimEnd())) continue;
      const known = knownPoolTag(tagText);
      rows.push({
        tag,
        tagText,
        nonPagedAllocs: Math.max(0, e.num('NonPagedAllocs') - e.num('NonPagedFrees')),
        nonPagedBytes: e.uint('NonPagedBytes'),
        pagedAllocs: Math.max(0, e.num('PagedAllocs') - e.num('PagedFrees')),
        pagedBytes: e.uint('PagedBytes'),
        owner: known ? `${known.owner}, ${known.description}` : undefined,
      });
    }
    rows.sort((a, b) => Number((sortPaged ? b.pagedBytes - a.pagedBytes : b.nonPagedBytes - a.nonPagedBytes) || (sortPaged ? b.nonPagedBytes - a.nonPagedBytes : b.pagedBytes - a.pagedBytes)));
    const empty = rows.length ? undefined : tags ? `no tag in the pool tracker table matches '${tagFilter}'` : `the pool tracker table at ${table.toString(16)} has no entries`;
    return { kind: 'poolused', sortedBy: sortPaged ? 'paged' : 'nonpaged', rows, empty };
  },
  renderText(r) {
    if (r.empty) return r.empty;
    const lines = [`   Sorting by ${r.sortedBy === 'paged' ? 'Paged' : 'NonPaged'} Pool Consumed`, '', '               NonPaged                  Paged', ' Tag     Allocs         Used     Allocs         Used', ''];
    const cols = (a: number, b: bigint, c: number, d: bigint) => `${String(a).padStart(10)} ${b.toString().padStart(12)} ${String(c).padStart(10)} ${d.toString().padStart(12)}`;
    for (const x of r.rows) lines.push(` ${x.tagText.padEnd(4)} ${cols(x.nonPagedAllocs, x.nonPagedBytes, x.pagedAllocs, x.pagedBytes)}\t${x.owner ?? `UNKNOWN pooltag '${x.tagText}', please update pooltag.txt`}`);
    // 'TOTAL' is one character wider than a tag and its separator: the numbers stay in their columns.
    const sum = (f: (x: PoolUsedRow) => number) => r.rows.reduce((n, x) => n + f(x), 0);
    const sumB = (f: (x: PoolUsedRow) => bigint) => r.rows.reduce((n, x) => n + f(x), 0n);
    lines.push('', ` TOTAL${cols(sum((x) => x.nonPagedAllocs), sumB((x) => x.nonPagedBytes), sum((x) => x.pagedAllocs), sumB((x) => x.pagedBytes))}`);
    return lines.join('\n');
  },
};
