// Pool rules: an address of the crash (a register of the faulting context, or a pool bugcheck's argument)
// points into a pool block. The block is found the way `!pool` finds it (pool-page.ts: the header chain,
// else a bounded scan back); its _POOL_HEADER (read by field name) gives the tag; the loaded driver whose
// code uses that tag is the block's likely owner; a fill pattern inside the block, and the header after it
// (or the segment-heap chunk header before it) holding fill bytes, say the block was overrun. A big-page
// allocation (nt!PoolBigPageTable) has no header: its data starts at its address, and what it could overrun
// is the page after its last one.
import { imagesUsingPoolTag, type PoolTagHit } from '../knowledge/pool-tag-search.js';
import type { KernelTarget } from '../target/kernel-target.js';
import { X64_GPRS, type X64Gpr, type X64Registers } from '../target/x64-registers.js';
import { addr64 } from '../util/hex.js';
import { isMachineryFrame } from './blame.js';
import { fillPattern } from './fill-pattern.js';
import { type PoolBlock, plausibleTag, poolPage } from './pool-page.js';
import type { Evidence, RootCauseClaim, StackEntry } from './report.js';

const FREE_PATH = /^(ExFreePool|ExFreePoolWithTag|ExFreeHeapPool|RtlpHp|RtlpHpVs|RtlpHpFree|RtlpHpSeg)/;
const MAX_CANDIDATES = 64;

/** Candidate pointers into pool: the faulting context's registers (not those a trap frame does not save). */
export function registerCandidates(regs: X64Registers | undefined, unsaved: readonly X64Gpr[] = []): { label: string; value: bigint }[] {
  return regs ? X64_GPRS.filter((r) => r !== 'rip' && r !== 'rsp' && !unsaved.includes(r)).map((r) => ({ label: r, value: regs[r] })) : [];
}

/** The first 16-byte header slot before/after the block, if it is readable and made of a fill. */
async function filledNeighbour(t: KernelTarget, at: bigint, size: number): Promise<{ at: bigint; what: string; fill: string } | undefined> {
  const s = await t.memory.readSparse(at, size);
  if (!s.valid.every((v) => v === 1)) return undefined;
  const q = new DataView(s.bytes.buffer, s.bytes.byteOffset, 8).getBigUint64(0, true);
  const same = s.bytes.every((b) => b === s.bytes[0]) && s.bytes[0] !== 0;
  const fill = fillPattern(q) ?? (same ? `0x${s.bytes[0].toString(16)} repeated` : undefined);
  if (!fill) return undefined;
  return { at, fill, what: `${[...s.bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ')} … (${fill})` };
}

/** "0x41 ('A') repeated" → "'A' bytes": the fill as a reader says it. */
function fillWords(fill: string): string {
  const ch = /\('(.)'\)/.exec(fill);
  const hex = /^0x([0-9a-f]+) repeated/.exec(fill);
  return ch ? `'${ch[1]}' bytes` : hex ? `0x${hex[1]} bytes` : fill;
}

/**
 * Pool claims for the candidates, from the stack starting at the faulting frame. `notes` receives why the
 * rule could not run (nt's types or _POOL_HEADER missing), so LIMITATIONS says so instead of silence.
 */
export async function poolRules(t: KernelTarget, candidates: { label: string; value: bigint }[], registersCommand: string, stack: StackEntry[], notes: string[] = []): Promise<RootCauseClaim[]> {
  if (!candidates.some((c) => c.value >= 0xffff800000000000n)) return [];
  const kt = await t.kernelTypes();
  if (!kt) {
    notes.push("the pool rule did not run: it reads _POOL_HEADER by field name and needs nt's types (its PDB or an ISF table on the symbol path), so pool blocks the registers or arguments point into were not examined");
    return [];
  }
  const header = await kt.struct('_POOL_HEADER').catch(() => undefined);
  if (!header) {
    notes.push("the pool rule did not run: nt's types have no _POOL_HEADER");
    return [];
  }
  const hs = BigInt(header.size);
  // One claim per block, however many candidates point into it.
  const blocks = new Map<bigint, { b: PoolBlock; labels: string[]; scanned: boolean }>();
  for (const { label, value } of candidates.slice(0, MAX_CANDIDATES)) {
    if (value < 0xffff800000000000n) continue;
    const pg = await poolPage(t, kt, value).catch(() => undefined);
    const b = pg?.blocks.find((x) => x.contains);
    if (!b || !plausibleTag(b.tag)) continue;
    const e = blocks.get(b.address) ?? { b, labels: [], scanned: pg?.method === 'scan' };
    e.labels.push(`${label}${label.startsWith('Arg') ? ' ' : '='}${addr64(value)}`);
    blocks.set(b.address, e);
  }
  if (!blocks.size) return [];
  const images = [];
  for (const m of t.modules.modules.slice(0, 512)) {
    const img = await t.image(m);
    if (img.image) images.push(img.image);
  }
  // The first frames past the bugcheck machinery (a 0x7E stack starts with 8 frames of exception dispatch).
  const inFreePath = stack.filter((s) => !isMachineryFrame(s)).slice(0, 6).some((s) => s.module === 'nt' && s.symbol && FREE_PATH.test(s.symbol));
  const out: RootCauseClaim[] = [];
  for (const { b, labels, scanned } of blocks.values()) {
    const data = b.data ?? b.address + hs;
    const big = b.source === 'big-page';
    // What follows the block: the next header, or for a big allocation the page after its pages.
    const next = big ? (b.address + BigInt(b.size) + 0xfffn) & ~0xfffn : b.address + BigInt(b.size);
    const neighbour = big ? 'page' : 'header';
    const evidence: Evidence[] = [{ fact: `${labels.join(', ')} ${labels.length > 1 ? 'point' : 'points'} into the pool block at ${addr64(b.address)} tagged '${b.tagText}'${b.allocated ? '' : ' (marked free)'}${scanned ? ' (found scanning back for its header)' : ''}`, command: `!pool ${data.toString(16)}` }];
    // Which loaded driver's code uses the tag (an allocation call with it as an immediate operand).
    const owners = (await imagesUsingPoolTag(images, b.tag)).filter((o) => o.hits.some((h: PoolTagHit) => h.instruction));
    const owner = owners[0];
    const ownerName = owner?.image.replace(/\.[^.]*$/, '');
    const ownerModule = owner ? t.modules.byModuleName(ownerName!) : undefined;
    const tagBytes = [0, 8, 16, 24].map((sh) => ((b.tag >>> sh) & 0xff).toString(16).padStart(2, '0')).join(' ');
    const search = ownerModule ? `s -b ${ownerModule.base.toString(16)} ${(ownerModule.base + BigInt(ownerModule.size) - 1n).toString(16)} ${tagBytes}` : `lmvm ${ownerName}`;
    if (owner) evidence.push({ fact: `${owner.image} contains the tag '${b.tagText}' as an instruction operand (${owner.hits.filter((h) => h.instruction).length} place(s))`, command: search });
    const tail = await t.memory.readSparse(data, 0x40);
    const fill = tail.valid.every((x) => x === 1) ? fillPattern(new DataView(tail.bytes.buffer, tail.bytes.byteOffset + 0x38, 8).getBigUint64(0, true)) : undefined;
    if (fill) evidence.push({ fact: `the block's contents are ${fill}`, command: `db ${data.toString(16)} L40` });
    // The header (or page) that follows the block, and, on segment-heap pages, the chunk header before it.
    const after = await filledNeighbour(t, next, header.size);
    const before = scanned ? await filledNeighbour(t, b.address - hs, header.size) : undefined;
    for (const [n, where] of [[after, 'after'], [before, 'before']] as const) {
      if (n) evidence.push({ fact: `the ${where === 'after' ? neighbour : 'header'} ${where} the block, at ${addr64(n.at)}, is ${n.what}: the overrun reached it`, command: `db ${n.at.toString(16)} L${header.size.toString(16)}` });
    }
    const corrupted = after ?? before;
    const hit = after ? neighbour : 'header';
    if (inFreePath) evidence.push({ fact: "the fault happened inside the pool free path (ExFreePoolWithTag / segment heap), which reads the block's neighbours", command: 'kb' });
    const owned = owner ? ` allocated by ${ownerName}` : '';
    let rule: string;
    let claim: string;
    if (inFreePath && corrupted) {
      rule = 'pool-corruption';
      claim = `Pool corruption: the '${b.tagText}' pool block${owned} was written past its end${fill ? ` (${fill})` : ''} over the neighbouring ${hit} at ${addr64(corrupted.at)}, and freeing it made the kernel follow that overwritten ${hit === 'page' ? 'memory' : 'header'}. ${ownerName ?? 'The driver that allocated it'} corrupted pool memory.`;
    } else if (fill || corrupted) {
      rule = 'pool-overrun';
      claim = `The crash points into the '${b.tagText}' pool block${owned}, which ${fill ? `is filled with ${fill}` : `is followed by a ${hit} full of fill bytes`}${corrupted ? ` and whose neighbouring ${hit} holds fill bytes` : ''}: a sign that the code wrote past this buffer.`;
    } else {
      rule = 'pool-block';
      claim = `The crash points into a pool block tagged '${b.tagText}'${owned}${inFreePath ? ', freed while its neighbouring headers were intact' : ''}.`;
    }
    out.push({
      rule,
      claim,
      confidence: owner && (corrupted || fill) ? 'high' : 'medium',
      evidence,
      command: registersCommand,
      confirm: corrupted ? `The driver writes more than it allocates (ub before its ExFreePoolWithTag call; the allocation size against the bytes written).` : `The block's header and the one after it hold the fill bytes (db ${b.address.toString(16)} L${(header.size * 4).toString(16)}); the driver writes more than it allocates.`,
      refute: "The tag also appears in other drivers' code, or the block was freed before this access (use-after-free rather than overflow).",
      ...(ownerName ? { modules: [ownerName] } : {}),
      role: rule === 'pool-block' ? 'observation' : 'cause',
      facts: { tag: b.tagText, block: addr64(b.address), ...(ownerName ? { driver: ownerName } : {}), ...(fill ? { fill: fillWords(fill) } : corrupted ? { fill: fillWords(corrupted.fill) } : {}) },
    });
  }
  return out;
}
