// The x64 register set as commands see it, with WinDbg's sub-register names (eax, ax, al, ah, r8d, …).

export const X64_GPRS = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rip', 'rsp', 'rbp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'] as const;
export type X64Gpr = (typeof X64_GPRS)[number];

/** Register values of one x64 context. Segment/flag fields are optional: trap frames do not hold them all. */
export interface X64Registers {
  rax: bigint; rbx: bigint; rcx: bigint; rdx: bigint; rsi: bigint; rdi: bigint;
  rip: bigint; rsp: bigint; rbp: bigint;
  r8: bigint; r9: bigint; r10: bigint; r11: bigint; r12: bigint; r13: bigint; r14: bigint; r15: bigint;
  eflags?: number;
  cs?: number; ss?: number; ds?: number; es?: number; fs?: number; gs?: number;
  mxcsr?: number;
  dr0?: bigint; dr1?: bigint; dr2?: bigint; dr3?: bigint; dr6?: bigint; dr7?: bigint;
}

const LEGACY: Record<string, X64Gpr> = { ax: 'rax', bx: 'rbx', cx: 'rcx', dx: 'rdx', si: 'rsi', di: 'rdi', sp: 'rsp', bp: 'rbp', ip: 'rip' };

/** Value of a (sub-)register by WinDbg name; undefined for unknown names. */
export function registerValue(regs: X64Registers, name: string): bigint | undefined {
  const n = name.toLowerCase();
  if ((X64_GPRS as readonly string[]).includes(n)) return regs[n as X64Gpr];
  if (n === 'efl' || n === 'eflags') return regs.eflags === undefined ? undefined : BigInt(regs.eflags);
  if (['cs', 'ss', 'ds', 'es', 'fs', 'gs', 'mxcsr'].includes(n)) {
    const v = regs[n as 'cs'];
    return v === undefined ? undefined : BigInt(v);
  }
  if (/^dr[0-367]$/.test(n)) return regs[n as 'dr0'];
  // e?? (32-bit), ?? (16-bit), ?l / ?h (8-bit) of the legacy registers
  if (n.length === 3 && n[0] === 'e' && LEGACY[n.slice(1)]) return regs[LEGACY[n.slice(1)]] & 0xffffffffn;
  if (LEGACY[n]) return regs[LEGACY[n]] & 0xffffn;
  const low8: Record<string, X64Gpr> = { al: 'rax', bl: 'rbx', cl: 'rcx', dl: 'rdx', sil: 'rsi', dil: 'rdi', spl: 'rsp', bpl: 'rbp' };
  if (low8[n]) return regs[low8[n]] & 0xffn;
  const high8: Record<string, X64Gpr> = { ah: 'rax', bh: 'rbx', ch: 'rcx', dh: 'rdx' };
  if (high8[n]) return (regs[high8[n]] >> 8n) & 0xffn;
  const m = /^r(8|9|1[0-5])([dwb])$/.exec(n);
  if (m) {
    const v = regs[`r${m[1]}` as X64Gpr];
    return m[2] === 'd' ? v & 0xffffffffn : m[2] === 'w' ? v & 0xffffn : v & 0xffn;
  }
  return undefined;
}

/**
 * The flag mnemonics WinDbg prints after `iopl=`: "nv up ei pl nz na pe nc".
 * Parity follows what WinDbg actually prints in the reference logs, not the Intel naming: efl=00050206
 * (PF set) shows "po" and 00050202 (PF clear) shows "pe".
 */
export function eflagsText(eflags: number): string {
  const f = (bit: number, on: string, off: string) => ((eflags >> bit) & 1 ? on : off);
  return [f(11, 'ov', 'nv'), f(10, 'dn', 'up'), f(9, 'ei', 'di'), f(7, 'ng', 'pl'), f(6, 'zr', 'nz'), f(4, 'ac', 'na'), f(2, 'po', 'pe'), f(0, 'cy', 'nc')].join(' ');
}
