// `!pool ADDRESS`: the pool blocks of the page holding an address, read as _POOL_HEADERs by field name —
// size, previous size, allocated or free, tag as text — with the block containing the address starred.
// Segment-heap pages do not start with a header chain; then the block is found by scanning back from the
// address for a header whose size covers it.
import { DumpscopeError } from '../../io/errors.js';
import { poolTagText } from '../../knowledge/pool-tag.js';
import { knownPoolTag } from '../../knowledge/pool-tags-known.js';
import type { KernelTarget } from '../../target/kernel-target.js';
import type { StructView } from '../../target/struct-view.js';
import type { CommandSpec } from '../command.js';
import { evalArg, kernelTarget } from './target-access.js';

export interface PoolBlock {
  address: bigint;
  size: number;
  previousSize: number;
  allocated: boolean;
  tag: number;
  tagText: string;
  owner?: string;
  contains: boolean;
}

export interface PoolResult {
  kind: 'pool';
  address: bigint;
  page: bigint;
  region: string;
  blocks: PoolBlock[];
  note?: string;
}

function printable(tag: number): boolean {
  for (let i = 0; i < 4; i++) {
    const c = (tag >>> (8 * i)) & 0x7f;
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

function block(v: StructView, address: bigint, target: bigint): PoolBlock {
  const size = v.num('BlockSize') * 16;
  const tag = v.num('PoolTag');
  return {
    address,
    size,
    previousSize: v.num('PreviousSize') * 16,
    allocated: v.num('PoolType') !== 0,
    tag,
    tagText: poolTagText(tag),
    owner: (() => { const k = knownPoolTag(poolTagText(tag)); return k ? `${k.owner}, ${k.description}` : undefined; })(),
    contains: target >= address && target < address + BigInt(Math.max(size, 16)),
  };
}

async function regionOf(t: KernelTarget, va: bigint): Promise<string> {
  if (va < 0xffff800000000000n) return 'user space';
  const pte = await t.pteBase();
  if (pte !== undefined && va >= pte && va < pte + 0x8000000000n) return 'page tables';
  return 'kernel pool (paged or nonpaged)';
}

export const poolCommand: CommandSpec<PoolResult> = {
  names: ['!pool'],
  summary: 'Pool blocks of the page holding an address: headers, sizes, tags, allocated or free',
  usage: '!pool ADDRESS',
  async run(session, args) {
    const t = kernelTarget(session);
    const address = await evalArg(session, args.trim().split(/\s+/)[0] ?? '');
    const kt = await t.kernelTypes();
    if (!kt) throw new DumpscopeError("!pool needs nt's types (a PDB or ISF table on the symbol path) to read _POOL_HEADER", 'NO_TYPES');
    const header = await kt.struct('_POOL_HEADER');
    const page = address & ~0xfffn;
    const mem = await t.memory.readSparse(page, 0x1000);
    if (mem.valid.every((x) => x === 0)) throw new DumpscopeError(`the page ${page.toString(16)} is not in this dump (a small dump keeps only the memory the crash needed)`, 'NO_MEMORY');
    const view = async (a: bigint) => (await kt.readPartial(t.memory, '_POOL_HEADER', a).catch(() => undefined));
    const blocks: PoolBlock[] = [];
    // Classic pool pages: headers chained from the start of the page.
    for (let at = page; at < page + 0x1000n && blocks.length < 256; ) {
      const v = await view(at);
      if (!v?.has('PoolTag')) break;
      const b = block(v, at, address);
      if (b.size === 0 || at + BigInt(b.size) > page + 0x1000n || (b.allocated && !printable(b.tag))) {
        blocks.length = 0;
        break;
      }
      blocks.push(b);
      at += BigInt(b.size);
    }
    let note: string | undefined;
    if (!blocks.some((b) => b.contains)) {
      // Segment heap or a partial page: scan back for a header whose block covers the address.
      blocks.length = 0;
      for (let at = (address - BigInt(header.size)) & ~0xfn; at >= page; at -= 16n) {
        const v = await view(at);
        if (!v?.has('PoolTag')) continue;
        // Sixteen identical bytes are a fill (an overrun's 'AAAA…'), not a header.
        const raw = v.bytes.subarray(0, 16);
        if (raw.every((x) => x === raw[0])) continue;
        const b = block(v, at, address);
        if (b.size > 0 && printable(b.tag) && b.contains) {
          blocks.push(b);
          note = 'the page is not a chain of pool headers (segment heap?): the block was found by scanning back from the address';
          break;
        }
      }
    }
    if (!blocks.length) note = `no pool header covering ${address.toString(16)} was found in its page`;
    return { kind: 'pool', address, page, region: await regionOf(t, address), blocks, note };
  },
  renderText(r) {
    const h = (v: bigint) => v.toString(16).padStart(16, '0');
    const lines = [`Pool page ${h(r.address)} region is ${r.region}`];
    for (const b of r.blocks) {
      lines.push(`${b.contains ? '*' : ' '}${h(b.address)} size: ${b.size.toString(16).padStart(4)} previous size: ${b.previousSize.toString(16).padStart(4)}  (${b.allocated ? 'Allocated' : 'Free'}) ${b.contains ? '*' : ' '}${b.tagText}`);
      if (b.contains) lines.push(`\t\tPooltag ${b.tagText} : ${b.owner ?? 'not a known Windows tag: search the loaded drivers for it (analyze does)'}`);
    }
    if (r.note) lines.push(`(${r.note})`);
    return lines.join('\n');
  },
};
