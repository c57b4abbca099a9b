// `!pool ADDRESS`: the pool blocks of the page holding an address (the big-page table's entry, or
// _POOL_HEADERs, by field name: the shared reader in src/analysis/pool-page.ts) with the block containing
// the address starred, the page's
// region ("Paged pool"/"Nonpaged pool": the kernel's VA-region map, else the block's PoolType) and the
// owning component of the starred block's tag (a known Windows tag, else the loaded driver whose code uses
// the tag as an instruction operand).
import { type PoolBlock, poolKind, poolPage } from '../../analysis/pool-page.js';
import { vaRegion } from '../../analysis/region.js';
import { DumpscopeError } from '../../io/errors.js';
import { findPoolTagInImage } from '../../knowledge/pool-tag-search.js';
import { knownPoolTag } from '../../knowledge/pool-tags-known.js';
import type { KernelTarget } from '../../target/kernel-target.js';
import { isCanonical48 } from '../../util/hex.js';
import { checkpoint } from '../checkpoint.js';
import type { CommandSpec } from '../command.js';
import { evalArg, kernelTarget } from './target-access.js';

export type { PoolBlock };

export interface PoolOwner {
  /** 'known': the tag is a documented Windows tag; 'driver': a loaded image's code uses it; 'unknown'. */
  kind: 'known' | 'driver' | 'unknown';
  text?: string;
  binary?: string;
}

export interface PoolResult {
  kind: 'pool';
  address: bigint;
  page: bigint;
  region: string;
  /** How the region was established. */
  regionSource: 'region map' | 'pool header' | 'address range' | 'unknown';
  blocks: PoolBlock[];
  owner?: PoolOwner;
  note?: string;
}

const MAX_IMAGES = 512;

/**
 * The owner of a block's tag: a documented Windows tag, else the loaded image whose code uses the tag as an
 * instruction operand most often (the first such in load order on a tie). Scanning every driver's code
 * takes a while, so the abort signal is checked per image.
 */
async function ownerOf(t: KernelTarget, b: PoolBlock, signal?: AbortSignal): Promise<PoolOwner> {
  const known = knownPoolTag(b.tagText);
  if (known) return { kind: 'known', text: known.description, binary: known.owner };
  let best: { image: string; uses: number } | undefined;
  for (const m of t.modules.modules.slice(0, MAX_IMAGES)) {
    await checkpoint(signal);
    const img = await t.image(m).catch(() => undefined);
    if (!img?.image) continue;
    const hits = await findPoolTagInImage(img.image, b.tag).catch(() => []);
    const uses = hits.filter((h) => h.instruction).length;
    if (uses > (best?.uses ?? 0)) best = { image: img.image.name, uses };
  }
  if (!best) return { kind: 'unknown' };
  const binary = t.modules.byModuleName(best.image)?.imageName ?? best.image;
  return { kind: 'driver', binary, text: `its code uses the tag '${b.tagText}' as an instruction operand` };
}

async function regionOf(t: KernelTarget, va: bigint, containing?: PoolBlock): Promise<{ region: string; regionSource: PoolResult['regionSource'] }> {
  if (va < 0xffff800000000000n) return { region: 'user space', regionSource: 'address range' };
  const pte = await t.pteBase();
  if (pte !== undefined && va >= pte && va < pte + 0x8000000000n) return { region: 'page tables', regionSource: 'address range' };
  const kt = await t.kernelTypes();
  const nt = t.modules.modules[0];
  const mapped = kt && nt ? await vaRegion(kt, t.memory, nt.base, va).catch(() => undefined) : undefined;
  if (mapped?.text) return { region: mapped.text, regionSource: 'region map' };
  const kind = containing ? poolKind(containing) : undefined;
  return kind ? { region: kind, regionSource: 'pool header' } : { region: 'Unknown', regionSource: 'unknown' };
}

export const poolCommand: CommandSpec<PoolResult> = {
  names: ['!pool'],
  summary: 'Pool blocks of the page holding an address: headers, sizes, tags, allocated or free, region, owner',
  usage: '!pool ADDRESS',
  async run(session, args, _name, signal) {
    const t = kernelTarget(session);
    const text = args.trim().split(/\s+/)[0] ?? '';
    if (!text) throw new DumpscopeError('usage: !pool ADDRESS', 'USAGE');
    const address = await evalArg(session, text);
    if (!isCanonical48(address)) throw new DumpscopeError(`${address.toString(16).padStart(16, '0')} is not a canonical address (bits 48-63 must copy bit 47): no pool block can be there`, 'BAD_ADDRESS');
    const kt = await t.kernelTypes();
    if (!kt) throw new DumpscopeError("nt's types are needed (a PDB or ISF table on the symbol path) to read _POOL_HEADER", 'NO_TYPES');
    const pg = await poolPage(t, kt, address, { signal });
    if (!pg.present && !pg.blocks.length) throw new DumpscopeError(`the page ${pg.page.toString(16)} is not in this dump${t.dump.triage ? ' (a small dump keeps only the memory the crash needed)' : ''}`, 'NO_MEMORY');
    const containing = pg.blocks.find((b) => b.contains);
    const { region, regionSource } = await regionOf(t, address, containing);
    return { kind: 'pool', address, page: pg.page, region, regionSource, blocks: pg.blocks, owner: containing ? await ownerOf(t, containing, signal) : undefined, note: pg.note };
  },
  renderText(r) {
    const h = (v: bigint) => v.toString(16).padStart(16, '0');
    const lines = [`Pool page ${h(r.address)} region is ${r.region}`];
    for (const b of r.blocks) {
      // A big-page allocation has no header: WinDbg names it from the big-page table.
      if (b.source === 'big-page') lines.push(`${b.contains ? '*' : ' '}${h(b.address)} : ${b.allocated ? 'large page allocation' : 'free large page allocation'}, Tag is ${b.tagText}, size is 0x${b.size.toString(16)} bytes`);
      else lines.push(`${b.contains ? '*' : ' '}${h(b.address)} size: ${b.size.toString(16).padStart(4)} previous size: ${b.previousSize.toString(16).padStart(4)}  (${b.allocated ? 'Allocated' : 'Free'}) ${b.contains ? '*' : ' '}${b.tagText}`);
      if (!b.contains || !r.owner) continue;
      const o = r.owner;
      if (o.kind === 'known') lines.push(`\t\tPooltag ${b.tagText} : ${o.text}, Binary : ${o.binary}`);
      else if (o.kind === 'driver') lines.push(`\t\tOwning component : ${o.binary} (${o.text})`);
      else lines.push('\t\tOwning component : Unknown (update pooltag.txt)');
    }
    const vs = r.blocks.find((b) => b.contains)?.vsChunk;
    if (vs?.state === 'decoded') lines.push(`(segment heap: the VS chunk header at ${h(vs.address)} says ${vs.allocated ? 'allocated' : 'free'}, size ${vs.size?.toString(16)}, previous size ${vs.previousSize?.toString(16) ?? '?'})`);
    else if (vs?.note) lines.push(`(${vs.note})`);
    if (r.note) lines.push(`(${r.note})`);
    return lines.join('\n');
  },
};
