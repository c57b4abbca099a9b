// Epilog recognition and emulation. The x64 ABI allows exactly one epilog shape: an optional
// `add rsp,imm` or `lea rsp,[FrameRegister+disp]`, zero or more 8-byte pops, then `ret` (`ret imm16`,
// `rep ret`) or a jmp that leaves the function — a direct jmp whose target is outside the function (or its
// first byte: a recursive tail call), `jmp [rip+disp32]`, or a REX.W `jmp` through a register or a mod-00
// memory operand. When the code at an instruction pointer matches the rest of such a sequence, the function
// is leaving and running the sequence gives the caller's registers exactly (RtlVirtualUnwind does the same).
// The walker also uses it after a return address whose module has no unwind data: the function is then
// unknown, so a direct jmp is accepted only after a pop or a stack adjustment, and the result is a guess.
import type { AddressSpace } from '../memory/address-space.js';
import type { X64Registers } from '../target/x64-registers.js';
import { getReg, M64, readU64, setReg } from './stack-read.js';
import type { FunctionUnwind, UnwindData } from './types.js';

/** The function whose epilog may be running, when its unwind data is known. */
export interface EpilogFunction {
  imageBase: bigint;
  fn: FunctionUnwind;
}

/** The primary entry of a chain (the function a chained fragment belongs to). */
export function chainRoot(fn: FunctionUnwind): FunctionUnwind {
  let f = fn;
  for (let i = 0; i < 32 && f.chained; i++) f = f.chained;
  return f;
}

/** The frame register the function established (a chained fragment inherits its parent's). */
function frameRegisterOf(fn: FunctionUnwind): number {
  let f: FunctionUnwind | undefined = fn;
  for (let i = 0; f && i < 32; i++, f = f.chained) if (f.frameRegister) return f.frameRegister;
  return 0;
}

const sx8 = (v: number) => (v << 24) >> 24;

/**
 * Is a direct jmp to `target` a tail call out of the function? Outside the function entry's range, and not
 * into another fragment of the same function; or exactly the function's first byte (recursion).
 */
async function jumpLeaves(target: bigint, within: EpilogFunction, data: UnwindData): Promise<boolean> {
  const root = chainRoot(within.fn);
  const start = within.imageBase + BigInt(root.begin);
  if (target === start) return true;
  const begin = within.imageBase + BigInt(within.fn.begin);
  const end = within.imageBase + BigInt(within.fn.end);
  if (target >= begin && target < end) return false;
  const there = await data.lookup(target).catch(() => undefined);
  if (there?.kind === 'function' && there.imageBase === within.imageBase && chainRoot(there.fn).begin === root.begin) return false;
  return true;
}

/**
 * The caller's registers when the code at rip is (the rest of) an epilog, else undefined. With `within`
 * (the function's unwind data) Microsoft's rules apply exactly; without, see the file comment.
 */
export async function emulateEpilog(regs: X64Registers, mem: AddressSpace, data: UnwindData, within?: EpilogFunction): Promise<X64Registers | undefined> {
  const code = await data.readCode(regs.rip, 64);
  if (!code) return undefined;
  const r: X64Registers = { ...regs };
  let i = 0;
  // Bytes past what is available read as undefined, which matches no pattern below.
  const b = (k: number) => code[i + k];
  const i32 = (k: number) => (i + k + 4 <= code.length ? new DataView(code.buffer, code.byteOffset + i + k, 4).getInt32(0, true) : undefined);
  let adjusted = false;
  if (b(0) === 0x48 && b(1) === 0x83 && b(2) === 0xc4 && b(3) !== undefined) {
    // Guessing (function unknown), a negative adjustment is taken for what it usually is: not an epilog.
    if (!within && b(3) >= 0x80) return undefined;
    r.rsp = (r.rsp + BigInt(sx8(b(3)))) & M64; // add rsp, imm8 (sign-extended, as the processor does)
    i += 4;
    adjusted = true;
  } else if (b(0) === 0x48 && b(1) === 0x81 && b(2) === 0xc4 && i32(3) !== undefined && (within || (i32(3) as number) >= 0)) {
    r.rsp = (r.rsp + BigInt(i32(3) as number)) & M64; // add rsp, imm32
    i += 7;
    adjusted = true;
  } else if ((b(0) & 0xfe) === 0x48 && b(1) === 0x8d && (b(2) & 0x38) === 0x20) {
    // lea rsp, [fp + disp8/disp32]: REX.W (B selects r8-r15), destination rsp; the base must be the
    // function's frame register (any but rsp when the function is unknown: rsp as base needs a SIB byte).
    const mod = b(2) >> 6;
    const base = (b(2) & 7) | ((b(0) & 1) << 3);
    const fp = within ? frameRegisterOf(within.fn) : base;
    if ((base & 7) === 4 || base === 0 || base !== fp) return undefined;
    if (mod === 1 && b(3) !== undefined) {
      r.rsp = (getReg(r, base) + BigInt(sx8(b(3)))) & M64;
      i += 4;
    } else if (mod === 2 && i32(3) !== undefined) {
      r.rsp = (getReg(r, base) + BigInt(i32(3) as number)) & M64;
      i += 7;
    } else return undefined;
    adjusted = true;
  }
  const pops: number[] = [];
  for (let n = 0; n < 16; n++) {
    if (b(0) >= 0x58 && b(0) <= 0x5f) {
      pops.push(b(0) - 0x58);
      i += 1;
    } else if ((b(0) & 0xf0) === 0x40 && b(1) >= 0x58 && b(1) <= 0x5f) {
      pops.push(((b(0) & 1) << 3) | (b(1) - 0x58)); // REX.B selects r8-r15
      i += 2;
    } else break;
  }
  if (!(await endsEpilog(regs.rip + BigInt(i), code.subarray(i), within, data, adjusted || pops.length > 0))) return undefined;
  for (const reg of pops) {
    const v = await readU64(mem, r.rsp);
    if (v === undefined) return undefined;
    setReg(r, reg, v);
    r.rsp = (r.rsp + 8n) & M64;
  }
  // ret and a tail jmp both leave the caller's return address at rsp.
  const ret = await readU64(mem, r.rsp);
  if (ret === undefined) return undefined;
  r.rip = ret;
  r.rsp = (r.rsp + 8n) & M64;
  return r;
}

/** Is the instruction at `at` (its bytes `c`) the last one of an epilog? */
async function endsEpilog(at: bigint, c: Uint8Array, within: EpilogFunction | undefined, data: UnwindData, afterOthers: boolean): Promise<boolean> {
  if (c[0] === 0xc3 || (c[0] === 0xc2 && c.length >= 3) || (c[0] === 0xf3 && c[1] === 0xc3)) return true;
  if (c[0] === 0xeb || c[0] === 0xe9) {
    const size = c[0] === 0xeb ? 2 : 5;
    if (c.length < size) return false;
    const rel = c[0] === 0xeb ? sx8(c[1]) : new DataView(c.buffer, c.byteOffset + 1, 4).getInt32(0, true);
    const target = (at + BigInt(size) + BigInt(rel)) & M64;
    // Without the function's range a direct jmp could be a branch inside it: only after pops or an adjustment.
    return within ? jumpLeaves(target, within, data) : afterOthers;
  }
  if (c[0] === 0xff && c[1] === 0x25) return true; // jmp [rip+disp32]
  // REX.W jmp r/m64 (ff /4): through a register, or memory with mod 00; mod 01/10 is not allowed in epilogs.
  if ((c[0] & 0xf8) === 0x48 && c[1] === 0xff && c[2] !== undefined && (c[2] & 0x38) === 0x20) {
    const mod = c[2] >> 6;
    return mod === 0 || mod === 3;
  }
  return false;
}
