// The pool blocks of one page, read by field name: the shared core of `!pool` and the analysis's pool
// rules. First the kernel's big-page table (pool-big-pages.ts): allocations of about a page and more have
// no _POOL_HEADER, and the table gives their tag and size. Otherwise classic pool pages are a chain of
// _POOL_HEADERs from the page start, each BlockSize 16-byte units long; when the chain does not hold
// (segment-heap pages, a partial page, a header trashed by an overrun) the block is found by a bounded scan
// back from the address for a header whose size covers it, and on segment-heap pages the VS chunk header
// before it is decoded when the heap key is in the dump (pool-vs-chunk.ts).
import { knownPoolTag } from '../knowledge/pool-tags-known.js';
import { poolTagText } from '../knowledge/pool-tag.js';
import type { KernelTarget } from '../target/kernel-target.js';
import type { KernelTypes, StructView } from '../target/struct-view.js';
import { bigPageAt, bigPageTable } from './pool-big-pages.js';
import { type VsChunk, vsChunkBefore } from './pool-vs-chunk.js';

export type { VsChunk };

export interface PoolBlock {
  /** Address of the block's _POOL_HEADER; for a big-page allocation, the allocation itself (it has no header). */
  address: bigint;
  /** Bytes: BlockSize × 16 with the header, or the big-page table's NumberOfBytes. */
  size: number;
  previousSize: number;
  allocated: boolean;
  /**
   * The header's PoolType field as stored (the POOL_TYPE plus one for an allocated block, 0 when free); for a
   * big-page allocation the table's POOL_TYPE plus one, so poolKind reads both alike.
   */
  poolType: number;
  tag: number;
  tagText: string;
  owner?: string;
  contains: boolean;
  /** 'header': a _POOL_HEADER describes it; 'big-page': an entry of nt!PoolBigPageTable does. */
  source?: 'header' | 'big-page';
  /** The first byte of the block's data (after the header; the address itself for a big-page allocation). */
  data?: bigint;
  /** On segment-heap pages: the VS chunk header before the pool header. */
  vsChunk?: VsChunk;
}

export interface PoolPage {
  page: bigint;
  /** False when none of the page's bytes are in the dump (a big-page allocation is known even then). */
  present: boolean;
  /** Size of _POOL_HEADER in the kernel's types. */
  headerSize: number;
  blocks: PoolBlock[];
  /** How the blocks were found: the big-page table, the header chain from the page start, or the scan back from the address. */
  method?: 'big-page' | 'chain' | 'scan';
  /** The bytes of the page before the address are not all in the dump (a small dump's partial page). */
  headerBytesMissing?: boolean;
  note?: string;
}

const PAGE = 0x1000n;
const MAX_BLOCKS = 256; // a page holds at most 4096 / 16 headers

/**
 * A tag a driver could have passed: four printable bytes (bit 31, the protected-tag flag, ignored), spaces
 * only as trailing padding ('Irp ', 'Mm  '), and not one byte repeated — 'AAAA' is what an overrun filling
 * with 'A' leaves in a header, and ' Ro'-like text in the middle of a string is not a tag either.
 */
export function plausibleTag(tag: number): boolean {
  const bytes = [0, 1, 2, 3].map((i) => (tag >>> (8 * i)) & (i === 3 ? 0x7f : 0xff));
  if (!bytes.every((c) => c >= 0x20 && c <= 0x7e)) return false;
  const text = String.fromCharCode(...bytes);
  if (text.trimEnd().includes(' ') || text[0] === ' ') return false;
  return !bytes.every((c) => c === bytes[0]);
}

function block(v: StructView, address: bigint, target: bigint): PoolBlock {
  const size = v.num('BlockSize') * 16;
  const tag = v.num('PoolTag');
  const known = knownPoolTag(poolTagText(tag));
  return {
    address,
    size,
    previousSize: v.num('PreviousSize') * 16,
    allocated: v.num('PoolType') !== 0,
    poolType: v.num('PoolType'),
    tag,
    tagText: poolTagText(tag),
    owner: known ? `${known.owner}, ${known.description}` : undefined,
    contains: target >= address && target < address + BigInt(Math.max(size, 16)),
    source: 'header',
    data: address + BigInt(v.type.size),
  };
}

function bigBlock(e: { va: bigint; tag: number; poolType: number; numberOfBytes: bigint; free: boolean }, target: bigint): PoolBlock {
  const size = Number(e.numberOfBytes > 0xffffffffn ? 0xffffffffn : e.numberOfBytes);
  const tagText = poolTagText(e.tag);
  const known = knownPoolTag(tagText);
  return {
    address: e.va,
    size,
    previousSize: 0,
    allocated: !e.free,
    poolType: e.free ? 0 : e.poolType + 1,
    tag: e.tag,
    tagText,
    owner: known ? `${known.owner}, ${known.description}` : undefined,
    contains: target >= e.va && target < e.va + BigInt(Math.max(size, 1)),
    source: 'big-page',
    data: e.va,
  };
}

/**
 * The block holding `address`: from the big-page table, else the header chain of its page, else the block
 * found scanning back from it. Reads at most one page besides the big-page table (read once per dump).
 */
export async function poolPage(t: KernelTarget, kt: KernelTypes, address: bigint, opts: { signal?: AbortSignal } = {}): Promise<PoolPage> {
  const header = await kt.struct('_POOL_HEADER');
  const page = address & ~(PAGE - 1n);
  const mem = await t.memory.readSparse(page, Number(PAGE));
  const out: PoolPage = { page, present: mem.valid.some((x) => x === 1), headerSize: header.size, blocks: [] };
  const table = await bigPageTable(t, kt, opts.signal);
  const big = table ? bigPageAt(table, address) : undefined;
  if (big) return { ...out, blocks: [bigBlock(big, address)], method: 'big-page' };
  if (!out.present) return out;
  const view = async (a: bigint) => kt.readPartial(t.memory, '_POOL_HEADER', a).catch(() => undefined);
  const blocks: PoolBlock[] = [];
  for (let at = page; at < page + PAGE && blocks.length < MAX_BLOCKS; ) {
    const v = await view(at);
    if (!v?.has('PoolTag')) break;
    const b = block(v, at, address);
    if (b.size === 0 || at + BigInt(b.size) > page + PAGE || (b.allocated && !plausibleTag(b.tag))) {
      blocks.length = 0;
      break;
    }
    blocks.push(b);
    at += BigInt(b.size);
  }
  if (blocks.some((b) => b.contains)) return { ...out, blocks, method: 'chain' };
  const previousAgrees = async (b: PoolBlock) => {
    if (b.previousSize === 0) return true; // segment-heap pages leave it 0
    const at = b.address - BigInt(b.previousSize);
    if (at < page) return false;
    const v = await view(at);
    return v?.has('BlockSize') === true && v.num('BlockSize') * 16 === b.previousSize;
  };
  // Scan back, one 16-byte step at a time, no further than the page start (at most 256 headers read).
  for (let at = (address - BigInt(header.size)) & ~0xfn; at >= page; at -= 16n) {
    const v = await view(at);
    if (!v?.has('PoolTag')) continue;
    // Sixteen identical bytes are a fill (an overrun's 'AAAA…'), not a header.
    const raw = v.bytes.subarray(0, header.size);
    if (raw.every((x) => x === raw[0])) continue;
    const b = block(v, at, address);
    // A header found this way must fit its page, and a non-zero PreviousSize must match the block before it.
    if (b.size > 0 && plausibleTag(b.tag) && b.contains && at + BigInt(b.size) <= page + PAGE && (await previousAgrees(b))) {
      const vs = at > page ? await vsChunkBefore(t, kt, at).catch(() => undefined) : undefined;
      const found = vs ? { ...b, vsChunk: vs } : b;
      return { ...out, blocks: [found], method: 'scan', note: 'the page is not a chain of pool headers (segment heap?): the block was found by scanning back from the address' };
    }
  }
  // Where the header would be, a small dump may hold nothing: say that rather than "no header".
  const before = mem.valid.subarray(0, Number(address - page) + 1);
  if (before.some((x) => x === 0)) {
    const kept = mem.valid.reduce((n, x) => n + x, 0);
    const small = t.dump?.triage ? 'this small dump' : 'this dump';
    return { ...out, headerBytesMissing: true, note: `the pool header before ${address.toString(16)} is not in ${small} (it keeps ${kept} of the page's 4096 bytes): the block cannot be identified` };
  }
  return { ...out, note: `no pool header covering ${address.toString(16)} was found in its page` };
}

/**
 * What the header's PoolType says about the block's pool, when it says anything: allocated blocks store the
 * POOL_TYPE plus one, and bit 0 of the POOL_TYPE (BASE_POOL_TYPE_MASK) tells paged from nonpaged.
 */
export function poolKind(b: PoolBlock): 'Paged pool' | 'Nonpaged pool' | undefined {
  if (!b.allocated) return undefined;
  return ((b.poolType - 1) & 1) === 1 ? 'Paged pool' : 'Nonpaged pool';
}
