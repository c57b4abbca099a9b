// `ub`: x86 code cannot be decoded backwards. When the function's start is known (.pdata, or its symbol for
// leaf functions), decoding forwards from it is exact. Otherwise we try every start address in a window
// before the target and keep the decodings that land exactly on it: decodings resynchronise quickly, so the
// instruction boundaries most candidates agree on near the target are the real ones. Long listings are
// found a few instructions at a time, so the search stays linear in the count.
import { type DecodedInstruction, decode, LengthDecoder, type Symbolizer } from './x64.js';

/** Instructions found per voting round (each round searches about CHUNK * 15 start offsets). */
const CHUNK = 16;

/**
 * The `count` instructions that end right before `target`. `bytes` holds the code from `windowStart` up to
 * at least `target`. When `functionStart` is inside the window, the instructions from it are exact; if the
 * function has fewer than `count`, the rest are found by the heuristic before the function's start.
 */
export async function instructionsBefore(
  bytes: Uint8Array,
  windowStart: bigint,
  target: bigint,
  count: number,
  symbolize?: Symbolizer,
  functionStart?: bigint,
): Promise<DecodedInstruction[]> {
  const end = Number(target - windowStart);
  if (end <= 0 || end > bytes.length || count <= 0) return [];
  const lengths = await LengthDecoder.open(bytes.subarray(0, end));
  let starts: number[] = [];
  try {
    let before = end;
    if (functionStart !== undefined && functionStart >= windowStart && functionStart < target) {
      const exact = lengths.run(Number(functionStart - windowStart), end);
      if (exact) {
        starts = exact.slice(-count);
        before = starts[0];
      }
    }
    while (starts.length < count && before > 0) {
      const found = vote(lengths, before, Math.min(CHUNK, count - starts.length));
      if (!found.length) break;
      starts = [...found, ...starts];
      before = found[0];
    }
  } finally {
    lengths.free();
  }
  if (!starts.length) return [];
  return decode(bytes.subarray(starts[0], end), windowStart + BigInt(starts[0]), starts.length, symbolize);
}

/** Start offsets of the `n` instructions ending at `end` that most candidate decodings agree on. */
function vote(lengths: LengthDecoder, end: number, n: number): number[] {
  const votes = new Map<string, { n: number; starts: number[] }>();
  for (let s = Math.max(0, end - n * 15 - 16); s < end; s++) {
    const run = lengths.run(s, end);
    if (!run?.length) continue;
    const tail = run.slice(-n);
    const key = tail.join(',');
    const v = votes.get(key);
    if (v) v.n++;
    else votes.set(key, { n: 1, starts: tail });
  }
  // Prefer sequences that really have `n` instructions, then the most votes.
  let best: { n: number; starts: number[] } | undefined;
  for (const v of votes.values()) {
    const full = v.starts.length === n;
    const bestFull = best ? best.starts.length === n : false;
    if (!best || (full && !bestFull) || (full === bestFull && v.n > best.n)) best = v;
  }
  return best?.starts ?? [];
}
