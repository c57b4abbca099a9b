// x64 stack walking the way Windows does it (RtlVirtualUnwind): unwind codes undo the prolog, epilogs are
// recognised and emulated, machine frames switch to the interrupted context, functions without unwind data
// are leaves. Where a module's unwind data is missing, the walk scans the stack for return addresses and
// marks those frames as guessed. Every walk is bounded.
import type { AddressSpace } from '../memory/address-space.js';
import type { X64Registers } from '../target/x64-registers.js';
import { type FunctionUnwind, UNWIND_REGS, type UnwindData } from './types.js';

export type FrameMethod = 'context' | 'unwind' | 'leaf' | 'machine-frame' | 'epilog' | 'scan';

export interface StackFrame {
  /** Frame number as `k` prints it. */
  index: number;
  /** The instruction address executing in this frame (the call site shown in the listing). */
  ip: bigint;
  /** Stack pointer in this frame (`Child-SP`). */
  sp: bigint;
  /** Where this frame returns to (`RetAddr`); 0 when the walk ends here. */
  returnAddress: bigint;
  /** How the *caller* of this frame was found: via unwind data, machine frame, scanning… */
  method: FrameMethod;
  /** True when the next frame was guessed by stack scanning rather than computed. */
  guessed: boolean;
  /** Register state in this frame (nonvolatile ones are exact; volatile ones are what was known). */
  registers: X64Registers;
  /** Why the walk stopped after this frame, if it did for a reason worth telling. */
  note?: string;
}

export interface UnwindOptions {
  maxFrames?: number;
  /** Stack bounds, when known (kernel stack limit/base): frames outside stop the walk. */
  stackLimit?: bigint;
  stackBase?: bigint;
  /** How many bytes the scanning fallback may search for one return address. */
  scanBytes?: number;
}

const M64 = (1n << 64n) - 1n;

async function readU64(mem: AddressSpace, a: bigint): Promise<bigint | undefined> {
  try {
    const b = await mem.read(a & M64, 8);
    return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
  } catch {
    return undefined;
  }
}

function setReg(r: X64Registers, n: number, v: bigint): void {
  (r as unknown as Record<string, bigint>)[UNWIND_REGS[n]] = v;
}
function getReg(r: X64Registers, n: number): bigint {
  return (r as unknown as Record<string, bigint>)[UNWIND_REGS[n]];
}

type StepResult = { regs: X64Registers; method: FrameMethod; guessed?: boolean } | { stop: string };

/** Unwinds one frame: from the registers of a frame to its caller's. */
export async function unwindOne(regs: X64Registers, mem: AddressSpace, data: UnwindData, isTopFrame: boolean, opts: UnwindOptions = {}): Promise<StepResult> {
  const r: X64Registers = { ...regs };
  // A return address points after the call; look up the call itself so calls ending a function resolve right.
  const lookupIp = isTopFrame ? r.rip : r.rip - 1n;
  const found = await data.lookup(lookupIp);
  if (found.kind === 'unknown') return { stop: `${hexAddr(r.rip)} is not inside any loaded module` };
  if (found.kind === 'no-data') return scan(r, mem, data, opts, `no unwind data for ${found.module} (${found.reason})`);
  if (found.kind === 'leaf') {
    const ret = await readU64(mem, r.rsp);
    if (ret === undefined) return { stop: `stack at ${hexAddr(r.rsp)} is not in the dump` };
    r.rip = ret;
    r.rsp = (r.rsp + 8n) & M64;
    return { regs: r, method: 'leaf' };
  }
  const fnStart = found.imageBase + BigInt(found.fn.begin);
  const offset = Number(r.rip - fnStart);
  if (isTopFrame && offset >= found.fn.prologSize) {
    const epi = await emulateEpilog(r, mem, data);
    if (epi) return { regs: epi, method: 'epilog' };
  }
  let fn: FunctionUnwind | undefined = found.fn;
  let machine = false;
  let depth = 0;
  let primary = true;
  while (fn) {
    if (++depth > 32) return { stop: 'chained unwind data loops' };
    // Inside the prolog only the operations already executed are undone (primary entry only).
    const inProlog = primary && offset < fn.prologSize;
    for (const op of fn.ops) {
      if (inProlog && op.prologOffset > offset) continue;
      switch (op.op) {
        case 'push_nonvol': {
          const v = await readU64(mem, r.rsp);
          if (v === undefined) return { stop: `saved register at ${hexAddr(r.rsp)} is not in the dump` };
          setReg(r, op.reg, v);
          r.rsp = (r.rsp + 8n) & M64;
          break;
        }
        case 'alloc':
          r.rsp = (r.rsp + BigInt(op.size)) & M64;
          break;
        case 'set_fpreg':
          r.rsp = (getReg(r, fn.frameRegister) - BigInt(fn.frameOffset * 16)) & M64;
          break;
        case 'save_nonvol': {
          const v = await readU64(mem, r.rsp + BigInt(op.offset));
          if (v === undefined) return { stop: `saved register at ${hexAddr(r.rsp + BigInt(op.offset))} is not in the dump` };
          setReg(r, op.reg, v);
          break;
        }
        case 'save_xmm128':
        case 'epilog':
          break;
        case 'push_machframe': {
          const base = (r.rsp + (op.errorCode ? 8n : 0n)) & M64;
          const rip = await readU64(mem, base);
          const rsp = await readU64(mem, base + 24n);
          if (rip === undefined || rsp === undefined) return { stop: `machine frame at ${hexAddr(base)} is not in the dump` };
          r.rip = rip;
          r.rsp = rsp;
          machine = true;
          break;
        }
      }
    }
    fn = fn.chained;
    primary = false;
  }
  if (machine) return { regs: r, method: 'machine-frame' };
  const ret = await readU64(mem, r.rsp);
  if (ret === undefined) return { stop: `return address at ${hexAddr(r.rsp)} is not in the dump` };
  r.rip = ret;
  r.rsp = (r.rsp + 8n) & M64;
  return { regs: r, method: 'unwind' };
}

/**
 * If the code at rip is an epilog (optional `add rsp,imm`/`lea rsp,[reg+disp]`, pops, then `ret` or a tail
 * `jmp`), runs the rest of it and returns the caller's registers.
 */
async function emulateEpilog(regs: X64Registers, mem: AddressSpace, data: UnwindData): Promise<X64Registers | undefined> {
  const code = await data.readCode(regs.rip, 64);
  if (!code) return undefined;
  const r: X64Registers = { ...regs };
  let i = 0;
  const b = (k: number) => code[i + k];
  // add rsp, imm8 / imm32
  if (b(0) === 0x48 && b(1) === 0x83 && b(2) === 0xc4) {
    r.rsp = (r.rsp + BigInt(b(3))) & M64;
    i += 4;
  } else if (b(0) === 0x48 && b(1) === 0x81 && b(2) === 0xc4) {
    r.rsp = (r.rsp + BigInt(new DataView(code.buffer, code.byteOffset + i + 3, 4).getUint32(0, true))) & M64;
    i += 7;
  } else if ((b(0) & 0xf8) === 0x48 && b(1) === 0x8d && (b(2) & 0x38) === 0x20) {
    // lea rsp, [reg + disp8/disp32]
    const mod = b(2) >> 6;
    const rm = (b(2) & 7) | ((b(0) & 1) << 3);
    if (mod === 1) {
      r.rsp = (getReg(r, rm) + BigInt((b(3) << 24) >> 24)) & M64;
      i += 4;
    } else if (mod === 2) {
      r.rsp = (getReg(r, rm) + BigInt(new DataView(code.buffer, code.byteOffset + i + 3, 4).getInt32(0, true))) & M64;
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

/**
 * True when the bytes before `ret` end in a call instruction (call rel32, call [rip+disp32], call reg,
 * call [reg+disp8]), i.e. `ret` can really be a return address. Unverifiable (no code) counts as false.
 */
async function followsCall(ret: bigint, data: UnwindData): Promise<boolean> {
  const code = await data.readCode((ret - 7n) & M64, 7);
  if (!code || code.length < 7) return false;
  const at = (back: number) => code[7 - back];
  if (at(5) === 0xe8) return true; // call rel32
  if (at(6) === 0xff && (at(5) & 0x38) === 0x10) return true; // call [rip+disp32] / [reg+disp32]
  if (at(2) === 0xff && (at(1) & 0xf8) === 0xd0) return true; // call reg
  if (at(3) === 0x41 && at(2) === 0xff && (at(1) & 0xf8) === 0xd0) return true; // call r8-r15
  if (at(3) === 0xff && (at(2) & 0xf8) === 0x50) return true; // call [reg+disp8]
  return false;
}

/**
 * Fallback when a module has no unwind data: the first stack slot above rsp that points into a known module
 * *right after a call instruction* is taken as the return address, and the frame is marked guessed. Without
 * code to check a candidate against, nothing is guessed: the walk stops and says why.
 */
async function scan(r: X64Registers, mem: AddressSpace, data: UnwindData, opts: UnwindOptions, why: string): Promise<StepResult> {
  const limit = opts.scanBytes ?? 0x2000;
  for (let off = 0; off < limit; off += 8) {
    const slot = (r.rsp + BigInt(off)) & M64;
    if (opts.stackBase !== undefined && slot >= opts.stackBase) break;
    const v = await readU64(mem, slot);
    if (v === undefined) break;
    if (data.isCodeAddress(v) && (await followsCall(v, data))) {
      return { regs: { ...r, rip: v, rsp: (slot + 8n) & M64 }, method: 'scan', guessed: true };
    }
  }
  return { stop: `${why}; no return address after a verifiable call instruction was found on the stack` };
}

function hexAddr(v: bigint): string {
  const s = (v & M64).toString(16).padStart(16, '0');
  return `${s.slice(0, 8)}\`${s.slice(8)}`;
}

/** Walks the whole stack from a register context. */
export async function walkStack(start: X64Registers, mem: AddressSpace, data: UnwindData, opts: UnwindOptions = {}): Promise<StackFrame[]> {
  const max = opts.maxFrames ?? 256;
  const frames: StackFrame[] = [];
  let regs = start;
  for (let i = 0; i < max; i++) {
    const frame: StackFrame = { index: i, ip: regs.rip, sp: regs.rsp, returnAddress: 0n, method: i === 0 ? 'context' : 'unwind', guessed: false, registers: regs };
    frames.push(frame);
    const step = await unwindOne(regs, mem, data, i === 0, opts);
    if ('stop' in step) {
      frame.note = step.stop;
      break;
    }
    frame.returnAddress = step.regs.rip;
    frame.method = step.method;
    frame.guessed = step.guessed ?? false;
    const next = step.regs;
    if (next.rip === 0n) break; // the thread's first frame returns nowhere (KiStartSystemThread)
    // The stack grows down: a caller's frame must be above its callee's (machine frames may switch stacks).
    if (step.method !== 'machine-frame' && next.rsp <= regs.rsp) {
      frame.note = `stack pointer did not increase (${hexAddr(next.rsp)}); stopping`;
      break;
    }
    if (opts.stackBase !== undefined && opts.stackLimit !== undefined && step.method !== 'machine-frame' && (next.rsp < opts.stackLimit || next.rsp > opts.stackBase)) {
      frame.note = `caller's stack pointer ${hexAddr(next.rsp)} is outside the thread's stack`;
      break;
    }
    regs = next;
    if (i === max - 1) frame.note = `stopped after ${max} frames`;
  }
  return frames;
}
