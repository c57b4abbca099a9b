// The register display WinDbg prints after `r`, `.cxr`, `.trap` and `.frame /r`, ending with the current
// instruction and, for a memory operand, its effective address and contents (`ds:…=????????`).
import type { DecodedInstruction } from '../disasm/x64.js';
import { renderInstruction } from '../disasm/x64.js';
import { type X64Registers, eflagsText, registerValue } from '../target/x64-registers.js';
import { addr64, hex16, hexPad } from '../util/hex.js';

/** Registers as the display reads them: X64Registers, or the same with every value a bigint (command results). */
export type DisplayRegisters = { [K in keyof X64Registers]: X64Registers[K] | bigint };

export interface RegisterDisplay {
  registers: DisplayRegisters;
  /** Trap frames do not carry segment registers in WinDbg's view: the `cs=…` line is omitted. */
  showSegments: boolean;
  /** `module!symbol+0xoff` of rip, printed as `nt!RtlpHpVsFreeChunkInsert+0x1b4:`. */
  ripSymbol?: string;
  instruction?: DecodedInstruction;
  /**
   * Effective address of the instruction's memory operand and the bytes there (undefined = unreadable);
   * for `call`/`jmp` through memory, the symbol of the pointer read there (`{nt!ExFreePoolWithTag (…)}`).
   */
  operand?: { address: bigint; size: number; value?: Uint8Array; targetSymbol?: string };
  /** No code bytes at rip (not in the dump, no image): WinDbg shows `??` and `???` for the instruction. */
  codeMissing?: boolean;
}

const M64 = (1n << 64n) - 1n;

/** base + index*scale + displacement of the current instruction's memory operand, from the registers. */
export function effectiveAddress(ins: DecodedInstruction, regs: X64Registers): bigint | undefined {
  const m = ins.memory;
  if (!m) return undefined;
  let a = m.displacement;
  if (m.base) {
    const b = m.base === 'rip' ? ins.address + BigInt(ins.bytes.length) : registerValue(regs, m.base);
    if (b === undefined) return undefined;
    a += b;
  }
  if (m.index) {
    const x = registerValue(regs, m.index);
    if (x === undefined) return undefined;
    a += x * BigInt(m.scale);
  }
  return a & M64;
}

export function renderRegisters(d: RegisterDisplay): string {
  const r = d.registers;
  const g = (name: keyof X64Registers) => `${String(name).padStart(3)}=${hex16(r[name] as bigint)}`;
  const lines = [
    [g('rax'), g('rbx'), g('rcx')].join(' '),
    [g('rdx'), g('rsi'), g('rdi')].join(' '),
    [g('rip'), g('rsp'), g('rbp')].join(' '),
    [g('r8'), g('r9'), g('r10')].join(' '),
    [g('r11'), g('r12'), g('r13')].join(' '),
    [g('r14'), g('r15')].join(' '),
  ];
  const efl = Number(r.eflags ?? 0);
  lines.push(`iopl=${(efl >> 12) & 3}         ${eflagsText(efl)}`);
  if (d.showSegments) {
    const s = (n: 'cs' | 'ss' | 'ds' | 'es' | 'fs' | 'gs') => `${n}=${hexPad(r[n] ?? 0, 4)}`;
    lines.push(`${s('cs')}  ${s('ss')}  ${s('ds')}  ${s('es')}  ${s('fs')}  ${s('gs')}             efl=${hexPad(efl, 8)}`);
  }
  if (d.ripSymbol) lines.push(`${d.ripSymbol}:`);
  if (d.instruction) {
    let suffix = '';
    if (d.operand && d.instruction.memory && !d.instruction.memory.isLea) {
      const seg = d.instruction.memory.segment;
      const segVal = d.showSegments ? `${hexPad(r[seg as 'ds'] ?? 0, 4)}:` : '';
      const size = d.operand.size || 8;
      // An indirect call or jump names where the pointer leads, as WinDbg does: `={nt!ExFreePoolWithTag (fffff801`16aad110)}`.
      const v = d.operand.value;
      const value = v && d.operand.targetSymbol ? `{${d.operand.targetSymbol} (${addr64(leValue(v))})}` : v ? hexLE(v) : '??'.repeat(size);
      suffix = `${seg}:${segVal}${addr64(d.operand.address)}=${value}`;
    }
    lines.push(renderInstruction(d.instruction, suffix));
  } else if (d.codeMissing) lines.push(`${addr64(r.rip)} ??              ???`);
  return lines.join('\n');
}

function leValue(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  return v;
}

/** Little-endian bytes as one hex number (how WinDbg shows an operand's value). */
function hexLE(b: Uint8Array): string {
  let s = '';
  for (let i = b.length - 1; i >= 0; i--) s += b[i].toString(16).padStart(2, '0');
  return s;
}
