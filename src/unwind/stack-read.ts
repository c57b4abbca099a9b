// Small helpers the stack walker shares: bounded qword reads that never throw, register access by unwind
// register number, and WinDbg's address format for notes.
import type { AddressSpace } from '../memory/address-space.js';
import type { X64Registers } from '../target/x64-registers.js';
import { UNWIND_REGS } from './types.js';

export const M64 = (1n << 64n) - 1n;

/** The qword at `a`, or undefined when it is not in the dump. */
export async function readU64(mem: AddressSpace, a: bigint): Promise<bigint | undefined> {
  try {
    const b = await mem.read(a & M64, 8);
    return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
  } catch {
    return undefined;
  }
}

export function setReg(r: X64Registers, n: number, v: bigint): void {
  (r as unknown as Record<string, bigint>)[UNWIND_REGS[n]] = v;
}

export function getReg(r: X64Registers, n: number): bigint {
  return (r as unknown as Record<string, bigint>)[UNWIND_REGS[n]];
}

export function hexAddr(v: bigint): string {
  const s = (v & M64).toString(16).padStart(16, '0');
  return `${s.slice(0, 8)}\`${s.slice(8)}`;
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
