// "Args to Child" of a stack listing (kb, STACK_TEXT): the four home-space slots of a frame's function. The
// caller reserves them just above the return address it pushed, so they start where the caller's frame
// starts — the next frame's Child-SP. Both walkthroughs show it: nt!KiPageFault's first "arg" is the
// driver's return address (the driver's Child-SP holds it), KeBugCheckEx's are 0x50 and its arguments.
import type { AddressSpace } from '../memory/address-space.js';

const M64 = (1n << 64n) - 1n;

/** The four home-space qwords of frame `i` (undefined where the dump lacks the bytes). */
export async function homeSpaceArgs(memory: AddressSpace, frames: readonly { sp: bigint }[], i: number): Promise<(bigint | undefined)[]> {
  // The last frame has no caller frame: its own return-address slot + 8 is the best there is.
  const at = (frames[i + 1]?.sp ?? frames[i].sp + 8n) & M64;
  const s = await memory.readSparse(at, 32);
  const out: (bigint | undefined)[] = [];
  for (let k = 0; k < 4; k++) {
    const ok = s.valid.subarray(k * 8, k * 8 + 8).every((v) => v === 1);
    out.push(ok ? new DataView(s.bytes.buffer, s.bytes.byteOffset + k * 8, 8).getBigUint64(0, true) : undefined);
  }
  return out;
}
