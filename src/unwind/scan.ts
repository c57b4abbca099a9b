// The fallback for code without unwind data (its module's image is not available): first the epilog that
// follows the instruction pointer, when the frame's position is exact; then a scan of the stack for a
// return address. A candidate is taken when the bytes before it end in a call instruction; when those
// bytes are not in the dump either, it is taken if symbols place it inside a function (not at its start).
// Both are marked as guesses, with the reason.
import type { AddressSpace } from '../memory/address-space.js';
import type { X64Registers } from '../target/x64-registers.js';
import { checkpoint } from '../util/checkpoint.js';
import { emulateEpilog } from './epilog.js';
import { hexAddr, M64, readU64 } from './stack-read.js';
import type { UnwindData } from './types.js';

/** How a guessed caller was found. */
export type GuessKind = 'epilog' | 'call' | 'symbol';

export interface ScanContext {
  /** The frame's stack pointer is exact (not itself the result of a scan): its epilog may be run. */
  trusted: boolean;
  /** The scan never reads at or above this address (the stack's top). */
  scanTop?: bigint;
  /** Bytes the scan may search for one return address. */
  scanBytes?: number;
  /** Aborts the scan (CommandAbortedError). */
  signal?: AbortSignal;
}

export type GuessResult = { regs: X64Registers; guess: GuessKind; reason: string } | { stop: string };

/**
 * Is `ret` right after a call instruction? 'call' when the bytes before it decode as one (call rel32,
 * call [rip+disp32] / [reg+disp], call reg, with or without REX), 'no-call' when all seven bytes before it
 * are known and none does, 'unknown' when they are not available (or end in four zero bytes).
 */
export async function followsCall(ret: bigint, data: UnwindData): Promise<'call' | 'no-call' | 'unknown'> {
  for (const back of [7, 6, 5, 3, 2]) {
    const code = await data.readCode((ret - BigInt(back)) & M64, back);
    if (!code || code.length < back) continue;
    const at = (k: number) => (k <= back ? code[back - k] : -1);
    const modrm2 = (m: number) => (m & 0x38) === 0x10; // ff /2 is `call r/m64`
    if (at(5) === 0xe8) return 'call'; // call rel32
    if (at(6) === 0xff && modrm2(at(5)) && (at(5) >> 6 === 2 || (at(5) & 0xc7) === 0x05)) return 'call'; // [reg+disp32] / [rip+disp32]
    if (at(7) === 0xff && modrm2(at(6)) && at(6) >> 6 === 2 && (at(6) & 7) === 4) return 'call'; // [reg+sib+disp32]
    if (at(3) === 0xff && modrm2(at(2)) && at(2) >> 6 === 1 && (at(2) & 7) !== 4) return 'call'; // [reg+disp8]
    if (at(4) === 0xff && modrm2(at(3)) && at(3) >> 6 === 1 && (at(3) & 7) === 4) return 'call'; // [reg+sib+disp8]
    if (at(2) === 0xff && (at(1) & 0xf8) === 0xd0) return 'call'; // call reg
    if (at(2) === 0xff && modrm2(at(1)) && at(1) >> 6 === 0 && (at(1) & 7) !== 4 && (at(1) & 7) !== 5) return 'call'; // call [reg]
    if ((at(3) & 0xf0) === 0x40 && at(2) === 0xff && ((at(1) & 0xf8) === 0xd0 || (modrm2(at(1)) && at(1) >> 6 === 0))) return 'call'; // REX call r8-r15 / [r8-r15]
    // Zeros where a call's displacement would be are what a converted small dump holds for bytes it never
    // captured: they prove nothing either way.
    if (back < 7 || code.subarray(back - 4).every((x) => x === 0)) return 'unknown';
    return 'no-call';
  }
  return 'unknown';
}

/** The caller of a frame whose module has no unwind data, or why none could be found. */
export async function guessCaller(r: X64Registers, mem: AddressSpace, data: UnwindData, ctx: ScanContext, why: string): Promise<GuessResult> {
  if (ctx.trusted) {
    const epi = await emulateEpilog(r, mem, data);
    if (epi) return { regs: epi, guess: 'epilog', reason: `${why}; the caller was found by running the epilog at ${hexAddr(r.rip)}` };
  }
  const limit = ctx.scanBytes ?? 0x2000;
  for (let off = 0; off < limit; off += 8) {
    // Each candidate may cost several code reads: check for an abort every 64 slots.
    if (off % 512 === 0) await checkpoint(ctx.signal);
    const slot = (r.rsp + BigInt(off)) & M64;
    if (ctx.scanTop !== undefined && slot + 8n > ctx.scanTop) break;
    const v = await readU64(mem, slot);
    if (v === undefined) break;
    if (!data.isCodeAddress(v)) continue;
    const call = await followsCall(v, data);
    const next = { ...r, rip: v, rsp: (slot + 8n) & M64 };
    if (call === 'call') return { regs: next, guess: 'call', reason: `${why}; ${hexAddr(v)} at ${hexAddr(slot)} follows a call instruction (stack scan)` };
    if (call === 'unknown' && data.functionAt) {
      const fn = await data.functionAt(v);
      if (fn && fn.offset > 0) return { regs: next, guess: 'symbol', reason: `${why}; ${hexAddr(v)} at ${hexAddr(slot)} is inside ${fn.name} by its symbols, its code is not in the dump (stack scan)` };
    }
  }
  const where = ctx.scanTop !== undefined ? ` between ${hexAddr(r.rsp)} and ${hexAddr(ctx.scanTop)}` : '';
  return { stop: `${why}; no return address after a verifiable call instruction, nor inside a known function, was found on the stack${where}` };
}
