// Epilog recognition: when the code at an instruction pointer is `add rsp,imm` / `lea rsp,[reg+disp]`,
// pops and a `ret` (or a tail `jmp`), running it gives the caller's registers exactly. RtlVirtualUnwind
// does this for the interrupted instruction; the walker also does it after a return address whose module
// has no unwind data, because those instructions are what the function executes next.
import type { AddressSpace } from '../memory/address-space.js';
import type { X64Registers } from '../target/x64-registers.js';
import { getReg, M64, readU64, setReg } from './stack-read.js';
import type { UnwindData } from './types.js';

/** The caller's registers when the code at rip is an epilog, else undefined. */
export async function emulateEpilog(regs: X64Registers, mem: AddressSpace, data: UnwindData): Promise<X64Registers | undefined> {
  const code = await data.readCode(regs.rip, 64);
  if (!code) return undefined;
  const r: X64Registers = { ...regs };
  let i = 0;
  // Bytes past what is available read as undefined, which matches no pattern below.
  const b = (k: number) => code[i + k];
  const i32 = (k: number) => (i + k + 4 <= code.length ? new DataView(code.buffer, code.byteOffset + i + k, 4).getInt32(0, true) : undefined);
  if (b(0) === 0x48 && b(1) === 0x83 && b(2) === 0xc4 && b(3) !== undefined) {
    if (b(3) >= 0x80) return undefined; // a negative imm8 subtracts: a prolog, not an epilog
    r.rsp = (r.rsp + BigInt(b(3))) & M64; // add rsp, imm8
    i += 4;
  } else if (b(0) === 0x48 && b(1) === 0x81 && b(2) === 0xc4) {
    const imm = i32(3);
    if (imm === undefined || imm < 0) return undefined;
    r.rsp = (r.rsp + BigInt(imm)) & M64; // add rsp, imm32
    i += 7;
  } else if ((b(0) & 0xfc) === 0x48 && b(1) === 0x8d && (b(2) & 0x38) === 0x20) {
    // lea rsp, [reg + disp8/disp32] (REX.W, no REX.R: the destination is rsp)
    const mod = b(2) >> 6;
    const rm = (b(2) & 7) | ((b(0) & 1) << 3);
    if ((rm & 7) === 4) return undefined; // a SIB byte follows: not an epilog form
    if (mod === 1 && b(3) !== undefined) {
      r.rsp = (getReg(r, rm) + BigInt((b(3) << 24) >> 24)) & M64;
      i += 4;
    } else if (mod === 2 && i32(3) !== undefined) {
      r.rsp = (getReg(r, rm) + BigInt(i32(3) as number)) & M64;
      i += 7;
    } else return undefined;
  }
  const pops: number[] = [];
  for (let n = 0; n < 16; n++) {
    if (b(0) >= 0x58 && b(0) <= 0x5f) {
      pops.push(b(0) - 0x58);
      i += 1;
    } else if (b(0) === 0x41 && b(1) >= 0x58 && b(1) <= 0x5f) {
      pops.push(8 + b(1) - 0x58);
      i += 2;
    } else break;
  }
  const isRet = b(0) === 0xc3 || b(0) === 0xc2 || (b(0) === 0xf3 && b(1) === 0xc3);
  const isJmp = b(0) === 0xe9 || b(0) === 0xeb || (b(0) === 0xff && (b(1) & 0x38) === 0x20) || (b(0) === 0x48 && b(1) === 0xff && (b(2) & 0x38) === 0x20);
  if (!isRet && !isJmp) return undefined;
  if (i === 0 && isJmp) return undefined; // a bare jmp is not an epilog
  for (const reg of pops) {
    const v = await readU64(mem, r.rsp);
    if (v === undefined) return undefined;
    setReg(r, reg, v);
    r.rsp = (r.rsp + 8n) & M64;
  }
  const ret = await readU64(mem, r.rsp);
  if (ret === undefined) return undefined;
  r.rip = ret;
  r.rsp = (r.rsp + 8n) & M64;
  return r;
}
