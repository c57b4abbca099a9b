// `ub`: x86 code cannot be decoded backwards, so we try every start address in a window before the target
// and keep the decodings that land exactly on it. Decodings resynchronise quickly, so the instruction
// boundaries most candidates agree on near the target are the real ones.
import { type DecodedInstruction, decode, type Symbolizer } from './x64.js';

/**
 * The `count` instructions that end right before `target`. `bytes` holds the code from `windowStart` up to
 * at least `target`. When `functionStart` is known (unwind data) and inside the window, decoding from it is exact.
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
  if (end <= 0 || end > bytes.length) return [];
  const code = bytes.subarray(0, end);
  const lands = async (start: number) => {
    const ins = await decode(code.subarray(start), windowStart + BigInt(start), end, undefined);
    let pos = start;
    for (const i of ins) {
      if (!i.valid) return undefined;
      pos += i.bytes.length;
    }
    return pos === end ? ins : undefined;
  };
  if (functionStart !== undefined && functionStart >= windowStart && functionStart < target) {
    const exact = await lands(Number(functionStart - windowStart));
    if (exact) return redecode(exact.slice(-count), symbolize);
  }
  // Vote on the boundary sequence of the last `count` instructions.
  const votes = new Map<string, { n: number; ins: DecodedInstruction[] }>();
  const first = Math.max(0, end - count * 15 - 16);
  for (let s = first; s < end; s++) {
    const ins = await lands(s);
    if (!ins || ins.length < Math.min(count, 1)) continue;
    const tail = ins.slice(-count);
    const key = tail.map((i) => i.address.toString(16)).join(',');
    const v = votes.get(key);
    if (v) v.n++;
    // Prefer sequences that really have `count` instructions, then the most votes.
    else votes.set(key, { n: 1, ins: tail });
  }
  let best: { n: number; ins: DecodedInstruction[] } | undefined;
  for (const v of votes.values()) {
    const full = v.ins.length === count;
    const bestFull = best ? best.ins.length === count : false;
    if (!best || (full && !bestFull) || (full === bestFull && v.n > best.n)) best = v;
  }
  return best ? redecode(best.ins, symbolize) : [];
}

async function redecode(ins: DecodedInstruction[], symbolize?: Symbolizer): Promise<DecodedInstruction[]> {
  if (!symbolize || ins.length === 0) return ins;
  const start = ins[0].address;
  const total = ins.reduce((n, i) => n + i.bytes.length, 0);
  const buf = new Uint8Array(total);
  let p = 0;
  for (const i of ins) {
    buf.set(i.bytes, p);
    p += i.bytes.length;
  }
  return decode(buf, start, ins.length, symbolize);
}
