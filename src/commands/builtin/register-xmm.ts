// XMM registers for `r xmm0` … `r xmm15`. X64Registers holds the integer context only; the XMM values live
// where the context came from: a CONTEXT record (fixed AMD64 ABI: Xmm0 at +0x1a0, 16 bytes each, the
// dump header's copy included) or a _KTRAP_FRAME (Xmm0–Xmm5 only, by field name). Commands that set a
// context record where it came from here.
import { DumpscopeError } from '../../io/errors.js';
import type { KernelTarget } from '../../target/kernel-target.js';
import type { X64Registers } from '../../target/x64-registers.js';
import { formatG } from '../../util/cformat.js';

export type XmmOrigin = { kind: 'context'; address: bigint } | { kind: 'trap'; address: bigint };

const origins = new WeakMap<X64Registers, XmmOrigin>();

/** Records where a register context was read from (`.cxr`, `.ecxr`, `.trap`). */
export function setRegisterOrigin(regs: X64Registers, origin: XmmOrigin): void {
  origins.set(regs, origin);
}

/** Offset of Xmm0 in the AMD64 CONTEXT (its FltSave area's XMM registers). */
const CONTEXT_XMM0 = 0x1a0;

/**
 * The 128-bit value of xmmN in `regs`' context. `isDefault`: the context is the dump's own (the header's
 * CONTEXT). Throws a clear error when the context does not hold it.
 */
export async function xmmValue(t: KernelTarget, regs: X64Registers, n: number, isDefault: boolean): Promise<bigint> {
  const origin = origins.get(regs);
  let bytes: Uint8Array | undefined;
  if (origin?.kind === 'trap') {
    if (n > 5) throw new DumpscopeError(`xmm${n} is not saved in a trap frame (it holds xmm0-xmm5)`, 'NO_REGISTER');
    const kt = await t.kernelTypes();
    if (!kt) throw new DumpscopeError("nt's types are needed to find the trap frame's Xmm fields", 'NO_TYPES');
    const off = await kt.offsetOf('_KTRAP_FRAME', `Xmm${n}`);
    bytes = await t.memory.read(origin.address + BigInt(off), 16);
  } else if (origin?.kind === 'context') {
    bytes = await t.memory.read(origin.address + BigInt(CONTEXT_XMM0 + 16 * n), 16);
  } else if (isDefault) {
    const c = t.dump.header.contextBytes;
    if (c.length >= CONTEXT_XMM0 + 16 * (n + 1)) bytes = c.subarray(CONTEXT_XMM0 + 16 * n, CONTEXT_XMM0 + 16 * (n + 1));
  }
  if (!bytes) throw new DumpscopeError(`xmm${n} is not known in this register context (set one with .cxr or .trap)`, 'NO_REGISTER');
  let v = 0n;
  for (let i = 15; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

/** WinDbg's views of a vector register: four floats by default, or `:uq`, `:ud`, `:uw`, `:ub`, `:d` elements. */
export const XMM_FORMATS = ['f', 'd', 'uq', 'ud', 'uw', 'ub'] as const;
export type XmmFormat = (typeof XMM_FORMATS)[number];

/** The elements, highest first, as text. */
export function xmmText(value: bigint, format: XmmFormat): string {
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = Number((value >> BigInt(8 * i)) & 0xffn);
  const dv = new DataView(bytes.buffer);
  const size = format === 'f' || format === 'ud' ? 4 : format === 'd' || format === 'uq' ? 8 : format === 'uw' ? 2 : 1;
  const out: string[] = [];
  for (let o = 16 - size; o >= 0; o -= size) {
    if (format === 'f') out.push(formatG(dv.getFloat32(o, true)));
    else if (format === 'd') out.push(formatG(dv.getFloat64(o, true)));
    else {
      let e = 0n;
      for (let i = size - 1; i >= 0; i--) e = (e << 8n) | BigInt(bytes[o + i]);
      out.push(e.toString(16).padStart(size * 2, '0'));
    }
  }
  return out.join(' ');
}
