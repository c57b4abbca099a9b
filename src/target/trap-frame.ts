// What a KTRAP_FRAME holds for certain. An interrupt or exception trap frame saves the volatile registers
// (rax, rcx, rdx, r8–r11), rbp, and the machine frame (rip, cs, eflags, rsp, ss); the non-volatile rbx, rdi
// and rsi fields are filled only by system-service entries, so on a page fault or interrupt they hold
// whatever an earlier trap left there (the 0x50 walkthrough's frame has Rbx 0x474 and Rsi 0x4141414141414141,
// yet WinDbg's `.trap` shows them as zero). Fields are read by name through nt's types.
import { DumpscopeError } from '../io/errors.js';
import type { StructView } from './struct-view.js';
import type { X64Registers } from './x64-registers.js';

/** 64-bit fields every kernel trap frame saves, and the register each is. */
export const TRAP_SAVED_REGISTERS: readonly (readonly [string, keyof X64Registers])[] = [
  ['Rax', 'rax'], ['Rcx', 'rcx'], ['Rdx', 'rdx'], ['R8', 'r8'], ['R9', 'r9'], ['R10', 'r10'], ['R11', 'r11'], ['Rbp', 'rbp'],
];

/** Narrow fields of the machine frame part (and the data segments WinDbg keeps after `.trap`). */
const TRAP_NARROW: readonly (readonly [string, 'eflags' | 'cs' | 'ss' | 'ds' | 'es' | 'fs' | 'gs'])[] = [
  ['EFlags', 'eflags'], ['SegCs', 'cs'], ['SegSs', 'ss'], ['SegDs', 'ds'], ['SegEs', 'es'], ['SegFs', 'fs'], ['SegGs', 'gs'],
];

/**
 * The registers `.trap` shows: what the trap frame saves (above), rip and rsp; the non-volatile registers
 * (rbx, rsi, rdi, r12–r15) are zero, as WinDbg prints them under "The trap frame does not contain all
 * registers", since the frame does not hold their values at the trap.
 */
export function trapFrameRegisters(v: StructView, where: string): X64Registers {
  if (!v.has('Rip') || !v.has('Rsp')) throw new DumpscopeError(`${where}: nt's _KTRAP_FRAME has no Rip/Rsp fields`, 'NO_TYPES');
  const regs: X64Registers = {
    rax: 0n, rbx: 0n, rcx: 0n, rdx: 0n, rsi: 0n, rdi: 0n, rip: v.uint('Rip'), rsp: v.uint('Rsp'), rbp: 0n,
    r8: 0n, r9: 0n, r10: 0n, r11: 0n, r12: 0n, r13: 0n, r14: 0n, r15: 0n,
  };
  for (const [field, reg] of TRAP_SAVED_REGISTERS) if (v.has(field)) (regs as unknown as Record<string, bigint>)[reg] = v.uint(field);
  for (const [field, reg] of TRAP_NARROW) regs[reg] = v.has(field) ? v.num(field) : 0;
  return regs;
}
