// CONTEXT and EXCEPTION_RECORD as the dump format stores them (winnt.h ABI layouts, fixed across builds).
import { LE } from '../../io/bytes.js';
import type { X64Registers } from '../../target/x64-registers.js';

/** Size of an AMD64 CONTEXT record. */
export const X64_CONTEXT_SIZE = 0x4d0;

/** Decodes an AMD64 CONTEXT (the header's ContextRecord, a `.cxr` target, a triage context). */
export function decodeX64Context(bytes: Uint8Array, format = 'CONTEXT', base = 0): X64Registers {
  const le = new LE(bytes, format, base);
  le.check(0, 0x100, 'AMD64 CONTEXT');
  const q = (o: number) => le.u64(o);
  return {
    mxcsr: le.u32(0x34),
    cs: le.u16(0x38), ds: le.u16(0x3a), es: le.u16(0x3c), fs: le.u16(0x3e), gs: le.u16(0x40), ss: le.u16(0x42),
    eflags: le.u32(0x44),
    dr0: q(0x48), dr1: q(0x50), dr2: q(0x58), dr3: q(0x60), dr6: q(0x68), dr7: q(0x70),
    rax: q(0x78), rcx: q(0x80), rdx: q(0x88), rbx: q(0x90), rsp: q(0x98), rbp: q(0xa0), rsi: q(0xa8), rdi: q(0xb0),
    r8: q(0xb8), r9: q(0xc0), r10: q(0xc8), r11: q(0xd0), r12: q(0xd8), r13: q(0xe0), r14: q(0xe8), r15: q(0xf0),
    rip: q(0xf8),
  };
}

/** Encodes registers into an AMD64 CONTEXT (used by the dump writer). */
export function encodeX64Context(r: X64Registers): Uint8Array {
  const b = new Uint8Array(X64_CONTEXT_SIZE);
  const dv = new DataView(b.buffer);
  dv.setUint32(0x30, 0x10001f, true); // CONTEXT_AMD64 | CONTROL | INTEGER | SEGMENTS | FLOATING_POINT | DEBUG
  dv.setUint32(0x34, r.mxcsr ?? 0x1f80, true);
  for (const [o, v] of [[0x38, r.cs], [0x3a, r.ds], [0x3c, r.es], [0x3e, r.fs], [0x40, r.gs], [0x42, r.ss]] as const) dv.setUint16(o, v ?? 0, true);
  dv.setUint32(0x44, r.eflags ?? 0, true);
  const regs: [number, bigint | undefined][] = [
    [0x48, r.dr0], [0x50, r.dr1], [0x58, r.dr2], [0x60, r.dr3], [0x68, r.dr6], [0x70, r.dr7],
    [0x78, r.rax], [0x80, r.rcx], [0x88, r.rdx], [0x90, r.rbx], [0x98, r.rsp], [0xa0, r.rbp], [0xa8, r.rsi], [0xb0, r.rdi],
    [0xb8, r.r8], [0xc0, r.r9], [0xc8, r.r10], [0xd0, r.r11], [0xd8, r.r12], [0xe0, r.r13], [0xe8, r.r14], [0xf0, r.r15], [0xf8, r.rip],
  ];
  for (const [o, v] of regs) dv.setBigUint64(o, v ?? 0n, true);
  return b;
}

export interface ExceptionRecord {
  code: number;
  flags: number;
  /** Address of a chained record (0 when none). */
  record: bigint;
  address: bigint;
  parameters: bigint[];
}

/** EXCEPTION_RECORD64 (0x98 bytes). NumberParameters is clamped to the 15 slots the record has. */
export function decodeExceptionRecord64(bytes: Uint8Array, format = 'EXCEPTION_RECORD64', base = 0): ExceptionRecord {
  const le = new LE(bytes, format, base);
  const n = Math.min(le.u32(0x18), 15);
  const parameters: bigint[] = [];
  for (let i = 0; i < n; i++) parameters.push(le.u64(0x20 + i * 8));
  return { code: le.u32(0), flags: le.u32(4), record: le.u64(8), address: le.u64(0x10), parameters };
}

export function encodeExceptionRecord64(e: ExceptionRecord): Uint8Array {
  const b = new Uint8Array(0x98);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, e.code, true);
  dv.setUint32(4, e.flags, true);
  dv.setBigUint64(8, e.record, true);
  dv.setBigUint64(0x10, e.address, true);
  dv.setUint32(0x18, Math.min(e.parameters.length, 15), true);
  for (const [i, p] of e.parameters.slice(0, 15).entries()) dv.setBigUint64(0x20 + i * 8, p, true);
  return b;
}
