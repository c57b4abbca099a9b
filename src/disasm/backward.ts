// `ub`: x86 code cannot be decoded backwards, so we decode forwards from every offset of a window before the
// target once (each offset has exactly one next instruction, so the decodings form a tree) and choose among
// the decodings that end exactly on the target:
// - known instruction starts ("anchors": .pdata function starts, a leaf function's symbol) are exact, and so
//   is every instruction reached from one; a decoding through an anchor wins;
// - otherwise the decoding the most start offsets converge on (decodings resynchronise quickly).
// When the code from the nearest anchor runs across the target (the address is mid-instruction), or no
// decoding of the asked length ends on it, the listing is the asked count of instructions ending before the
// target, with a note saying so. Linear in the window: one decode per offset.
import { addr64 } from '../util/hex.js';
import { type DecodedInstruction, decode, LengthDecoder, type Symbolizer } from './x64.js';

export interface BackwardListing {
  instructions: DecodedInstruction[];
  /** Set when the listing does not end exactly at the target or has fewer instructions than asked. */
  note?: string;
}

/**
 * The `count` instructions that end right before `target`. `bytes` holds the code from `windowStart` up to
 * at least `target` (up to 15 bytes more let a mid-instruction target be recognised). `anchors` are
 * addresses known to start instructions (function starts).
 */
export async function backwardListing(
  bytes: Uint8Array,
  windowStart: bigint,
  target: bigint,
  count: number,
  symbolize?: Symbolizer,
  anchors: readonly bigint[] = [],
): Promise<BackwardListing> {
  const end = Number(target - windowStart);
  if (target <= windowStart || end > bytes.length || count <= 0) return { instructions: [] };
  const lengths = await LengthDecoder.open(bytes.subarray(0, Math.min(bytes.length, end + 15)));
  let tree: DecodeTree;
  try {
    tree = DecodeTree.build(lengths, end);
  } finally {
    lengths.free();
  }
  const offsets = anchors.filter((a) => a >= windowStart && a < target).map((a) => Number(a - windowStart));
  tree.markExact(offsets);
  let starts: number[];
  let note: string | undefined;
  const nearest = offsets.length ? Math.max(...offsets) : -1;
  const fromAnchor = nearest >= 0 ? tree.lastBefore(nearest, end) : undefined;
  if (fromAnchor?.lands) {
    starts = tree.pick(end, count);
  } else if (fromAnchor && fromAnchor.last >= 0) {
    // The exact code runs across the target: list what ends before the instruction containing it.
    starts = tree.pick(fromAnchor.last, count);
    note = `${addr64(target)} is inside the instruction at ${addr64(windowStart + BigInt(fromAnchor.last))}: listing the instructions before it`;
  } else {
    starts = tree.pick(end, count);
    if (starts.length < count) {
      const q = tree.bestOvershoot();
      const other = q >= 0 ? tree.pick(q, count) : [];
      if (other.length > starts.length) {
        starts = other;
        note = `no decoding of the code ends exactly at ${addr64(target)}: listing the instructions before the one at ${addr64(windowStart + BigInt(q))}, which runs across it`;
      }
    }
  }
  if (!note && starts.length < count) note = `only ${starts.length} instruction${starts.length === 1 ? '' : 's'} before ${addr64(target)} could be decoded`;
  if (!starts.length) return { instructions: [], note };
  const last = starts[starts.length - 1];
  const stop = tree.next[last];
  const instructions = await decode(bytes.subarray(starts[0], stop), windowStart + BigInt(starts[0]), starts.length, symbolize);
  return { instructions, note };
}

/** The listing's instructions alone (callers that have no use for the note). */
export async function instructionsBefore(
  bytes: Uint8Array,
  windowStart: bigint,
  target: bigint,
  count: number,
  symbolize?: Symbolizer,
  functionStart?: bigint,
): Promise<DecodedInstruction[]> {
  return (await backwardListing(bytes, windowStart, target, count, symbolize, functionStart === undefined ? [] : [functionStart])).instructions;
}

/** Every offset's next instruction in a window, and how decodings from each offset meet. */
class DecodeTree {
  private exact: Uint8Array;
  private constructor(
    /** next[p]: where the instruction at offset p ends; -1 when it does not decode. */
    readonly next: Int32Array,
    /** votes[p]: how many start offsets in the window decode through p (p itself included). */
    private readonly votes: Uint32Array,
    private readonly end: number,
  ) {
    this.exact = new Uint8Array(end);
  }

  static build(lengths: LengthDecoder, end: number): DecodeTree {
    const next = new Int32Array(end);
    for (let p = 0; p < end; p++) next[p] = lengths.endAt(p);
    const votes = new Uint32Array(end);
    for (let p = 0; p < end; p++) {
      votes[p] += 1;
      const n = next[p];
      if (n > p && n < end) votes[n] += votes[p];
    }
    return new DecodeTree(next, votes, end);
  }

  /** Marks the anchors and every instruction decoded from one as exact. */
  markExact(anchors: number[]): void {
    for (const a of anchors) this.exact[a] = 1;
    for (let p = 0; p < this.end; p++) {
      const n = this.next[p];
      if (this.exact[p] && n > p && n < this.end) this.exact[n] = 1;
    }
  }

  /** Following the code from `from`: the last instruction starting before `end`, and whether it ends on it. */
  lastBefore(from: number, end: number): { last: number; lands: boolean } | undefined {
    let p = from;
    for (;;) {
      const n = this.next[p];
      if (n < 0) return undefined;
      if (n >= end) return { last: p, lands: n === end };
      p = n;
    }
  }

  /** The instruction running across the window's end that the most decodings reach. */
  bestOvershoot(): number {
    let best = -1;
    for (let p = 0; p < this.end; p++) {
      if (this.next[p] <= this.end) continue;
      if (best < 0 || this.better(p, best)) best = p;
    }
    return best;
  }

  /**
   * Start offsets of `count` instructions ending exactly at `root` (fewer when no decoding has that many):
   * through an anchor when one does, else the one the most start offsets agree on.
   */
  pick(root: number, count: number): number[] {
    const depth = new Uint32Array(root);
    for (let p = root - 1; p >= 0; p--) {
      const n = this.next[p];
      if (n === root) depth[p] = 1;
      else if (n > p && n < root && depth[n] > 0) depth[p] = depth[n] + 1;
    }
    let deepest = 0;
    for (let p = 0; p < root; p++) if (depth[p] > deepest) deepest = depth[p];
    const want = Math.min(deepest, count);
    if (want === 0) return [];
    // Every deeper decoding passes through one offset at exactly `want`: compare those.
    let best = -1;
    for (let p = 0; p < root; p++) if (depth[p] === want && (best < 0 || this.better(p, best))) best = p;
    let p = best;
    const out: number[] = [];
    for (; out.length < want; p = this.next[p]) out.push(p);
    return out;
  }

  private better(a: number, b: number): boolean {
    if (this.exact[a] !== this.exact[b]) return this.exact[a] > this.exact[b];
    return this.votes[a] > this.votes[b];
  }
}
