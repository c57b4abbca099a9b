// `!poolused [FLAGS] [TAG]`: pool usage by tag from the kernel's tracker table (PoolTrackTable of
// _POOL_TRACKER_TABLE entries, read by field name): outstanding allocations and bytes, nonpaged and paged,
// largest first. Small dumps do not hold the table, and the command says so.
import { DumpscopeError } from '../../io/errors.js';
import { poolTagText } from '../../knowledge/pool-tag.js';
import { knownPoolTag } from '../../knowledge/pool-tags-known.js';
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
}

export const poolUsedCommand: CommandSpec<PoolUsedResult> = {
  names: ['!poolused'],
  summary: 'Pool usage by tag (outstanding allocations and bytes), from the tracker table',
  usage: '!poolused [2|4] [TAG]',
  async run(session, args) {
    const t = kernelTarget(session);
    const words = args.trim().split(/\s+/).filter(Boolean);
    const sortPaged = words[0] === '4';
    const tagFilter = words.find((w) => !/^\d+$/.test(w));
    const kt = await t.kernelTypes();
    if (!kt) throw new DumpscopeError("!poolused needs nt's types (a PDB or ISF table) to read _POOL_TRACKER_TABLE", 'NO_TYPES');
    const nt = t.modules.modules[0];
    const tablePtr = t.debuggerData?.pointer('PoolTrackTable') ?? (nt ? await kt.global(nt.base, 'PoolTrackTable') : undefined);
    const sizePtr = nt ? await kt.global(nt.base, 'PoolTrackTableSize') : undefined;
    if (!tablePtr) throw new DumpscopeError('the pool tracker table (PoolTrackTable) is unknown for this kernel', 'NO_POOL_TABLE');
    const read64 = async (a: bigint) => new DataView((await t.memory.read(a, 8)).buffer).getBigUint64(0, true);
    let table: bigint;
    let count: number;
    try {
      table = await read64(tablePtr);
      count = sizePtr ? Math.min(Number(await read64(sizePtr)), MAX_ENTRIES) : MAX_ENTRIES;
    } catch {
      throw new DumpscopeError('the pool tracker table is not in this dump (a small dump keeps only what the crash needed)', 'NO_MEMORY');
    }
    const entry = await kt.struct('_POOL_TRACKER_TABLE');
    const rows: PoolUsedRow[] = [];
    for (let i = 0; i < count; i++) {
      const e = await kt.read(t.memory, '_POOL_TRACKER_TABLE', table + BigInt(i * entry.size)).catch(() => undefined);
      if (!e) break;
      const tag = e.num('Key');
      if (!tag) continue;
      const tagText = poolTagText(tag);
      if (tagFilter && !new RegExp(`^${tagFilter.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(tagText.trimEnd())) continue;
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
    return { kind: 'poolused', sortedBy: sortPaged ? 'paged' : 'nonpaged', rows };
  },
  renderText(r) {
    const lines = [`   Sorting by ${r.sortedBy === 'paged' ? 'Paged' : 'NonPaged'} Pool Consumed`, '', '               NonPaged                  Paged', ' Tag     Allocs         Used     Allocs         Used'];
    for (const x of r.rows) {
      lines.push(` ${x.tagText.padEnd(4)} ${String(x.nonPagedAllocs).padStart(10)} ${x.nonPagedBytes.toString().padStart(12)} ${String(x.pagedAllocs).padStart(10)} ${x.pagedBytes.toString().padStart(12)}\t${x.owner ?? `UNKNOWN pooltag '${x.tagText}', please update pooltag.txt`}`);
    }
    lines.push('', ' TOTAL'.padEnd(6) + ` ${String(r.rows.reduce((n, x) => n + x.nonPagedAllocs, 0)).padStart(10)} ${r.rows.reduce((n, x) => n + x.nonPagedBytes, 0n).toString().padStart(12)} ${String(r.rows.reduce((n, x) => n + x.pagedAllocs, 0)).padStart(10)} ${r.rows.reduce((n, x) => n + x.pagedBytes, 0n).toString().padStart(12)}`);
    return lines.join('\n');
  },
};
