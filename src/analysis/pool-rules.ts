// Pool rules: a register of the faulting context points into a pool block. Its POOL_HEADER (read by field
// name) gives the tag; the loaded driver whose code contains that tag is the block's likely owner; a fill
// pattern inside the block, or a fault inside the pool free path, says the block was overrun.
import { poolTagText } from '../knowledge/pool-tag.js';
import { imagesUsingPoolTag } from '../knowledge/pool-tag-search.js';
import type { KernelTarget } from '../target/kernel-target.js';
import { X64_GPRS, type X64Registers } from '../target/x64-registers.js';
import { addr64 } from '../util/hex.js';
import type { RootCauseClaim, StackEntry } from './report.js';
import { fillPattern } from './rules.js';

const FREE_PATH = /^(ExFreePool|ExFreePoolWithTag|ExFreeHeapPool|RtlpHp|RtlpHpVs|RtlpHpFree|RtlpHpSeg)/;

function plausibleTag(tag: number): boolean {
  for (let i = 0; i < 4; i++) {
    const c = (tag >>> (8 * i)) & 0x7f;
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/** Candidate pointers into pool: the faulting context's registers. */
export function registerCandidates(regs: X64Registers | undefined): { label: string; value: bigint }[] {
  return regs ? X64_GPRS.map((r) => ({ label: r, value: regs[r] })) : [];
}

export async function poolRules(t: KernelTarget, candidates: { label: string; value: bigint }[], registersCommand: string, stack: StackEntry[]): Promise<RootCauseClaim[]> {
  const kt = await t.kernelTypes();
  if (!candidates.length || !kt) return [];
  const header = await kt.struct('_POOL_HEADER').catch(() => undefined);
  if (!header) return [];
  const out: RootCauseClaim[] = [];
  const seen = new Set<bigint>();
  for (const { label: r, value: v } of candidates) {
    if (v < 0xffff800000000000n || seen.has(v) || (v & 0xfn) !== 0n) continue;
    seen.add(v);
    // A pool block's data follows its 16-byte header.
    const h = await kt.read(t.memory, '_POOL_HEADER', v - BigInt(header.size)).catch(() => undefined);
    if (!h?.has('PoolTag')) continue;
    const tag = h.num('PoolTag');
    if (!plausibleTag(tag)) continue;
    const tagText = poolTagText(tag);
    const headerAddr = v - BigInt(header.size);
    const evidence = [{ fact: `${r}${r.startsWith('Arg') ? ' ' : '='}${addr64(v)} points just after a pool header tagged '${tagText}'`, command: `dt nt!_POOL_HEADER ${headerAddr.toString(16)}` }];
    // Which loaded driver's code uses the tag (an allocation call with it as an immediate operand).
    const images = [];
    for (const m of t.modules.modules.slice(0, 512)) {
      const img = await t.image(m);
      if (img.image) images.push(img.image);
    }
    const owners = (await imagesUsingPoolTag(images, tag)).filter((o) => o.hits.some((h) => h.instruction));
    const owner = owners[0];
    if (owner) evidence.push({ fact: `${owner.image} contains the tag '${tagText}' as an instruction operand (${owner.hits.filter((h) => h.instruction).length} place(s))`, command: `s -d ${owner.image.replace(/\.[^.]*$/, '')} L?0x100000 ${tag.toString(16)}` });
    const data = await t.memory.readSparse(v, 0x40);
    const fill = data.valid.every((x) => x === 1) ? fillPattern(new DataView(data.bytes.buffer, data.bytes.byteOffset + 0x38, 8).getBigUint64(0, true)) : undefined;
    if (fill) evidence.push({ fact: `the block's contents are ${fill}`, command: `db ${v.toString(16)} L40` });
    const inFreePath = stack.slice(0, 6).some((s) => s.module === 'nt' && s.symbol && FREE_PATH.test(s.symbol));
    if (inFreePath) evidence.push({ fact: 'the fault happened inside the pool free path (ExFreePoolWithTag / segment heap), which walks the block\'s neighbours', command: 'kb' });
    const owned = owner ? ` allocated by ${owner.image}` : '';
    const claim = inFreePath
      ? `Pool corruption: the '${tagText}' pool block${owned} was written past its end${fill ? ` (${fill})` : ''}, and freeing it made the kernel follow the overwritten header. ${owner ? owner.image.replace(/\.[^.]*$/, '') : 'The driver that allocated it'} corrupted pool memory.`
      : fill
        ? `A register points into the '${tagText}' pool block${owned}, which is filled with ${fill}: with the fault at hand, a sign that the code wrote past this buffer.`
        : `A register points into a pool block tagged '${tagText}'${owned}.`;
    out.push({
      rule: inFreePath ? 'pool-corruption' : fill ? 'pool-overrun' : 'pool-block',
      claim,
      confidence: owner && (inFreePath || fill) ? 'high' : 'medium',
      evidence,
      command: registersCommand,
      confirm: `The block's header and the one after it hold the fill bytes (db ${headerAddr.toString(16)} L${(header.size * 4).toString(16)}); the driver writes more than it allocates.`,
      refute: 'The tag also appears in other drivers\' code, or the block was freed before this access (use-after-free rather than overflow).',
    });
  }
  return out;
}
