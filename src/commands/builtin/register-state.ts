// Register data for `r`, `.cxr`, `.trap` and `.frame /r`: the full display (values, flags, the instruction at
// rip with its memory operand), single registers by WinDbg name (`r rip`, `r eax`, `r cr3`) and assignment
// (`r rax=1`) in the local scope.
import { decode } from '../../disasm/x64.js';
import { DumpscopeError } from '../../io/errors.js';
import { effectiveAddress, type RegisterDisplay } from '../../render/registers.js';
import type { KernelTarget } from '../../target/kernel-target.js';
import { type X64Gpr, X64_GPRS, type X64Registers, registerValue } from '../../target/x64-registers.js';
import { CommandSyntaxError } from '../errors.js';
import { XMM_FORMATS, type XmmFormat, xmmText, xmmValue } from './register-xmm.js';
import type { Session } from '../session.js';

const M64 = (1n << 64n) - 1n;

/** The eflags bits WinDbg spells out after `iopl=` (true = set). */
export interface EflagsBits {
  iopl: number;
  of: boolean; df: boolean; if: boolean; sf: boolean; zf: boolean; af: boolean; pf: boolean; cf: boolean;
}

export function eflagsBits(efl: number): EflagsBits {
  const b = (n: number) => ((efl >> n) & 1) === 1;
  return { iopl: (efl >> 12) & 3, of: b(11), df: b(10), if: b(9), sf: b(7), zf: b(6), af: b(4), pf: b(2), cf: b(0) };
}

/**
 * The full register display as data. Every register value is a 64-bit number (eflags and the segment
 * registers too), so the JSON spells them all alike, as "0x…" strings; `flags` repeats eflags decoded.
 */
export type RegisterState = RegisterDisplay & { registers: RegisterValues; flags: EflagsBits };

/** The registers of a context with every value a bigint. */
export type RegisterValues = { [K in keyof X64Registers]: bigint };

export function registerValues(regs: X64Registers): RegisterValues {
  const out: Record<string, bigint> = {};
  for (const [k, v] of Object.entries(regs)) if (v !== undefined) out[k] = typeof v === 'bigint' ? v : BigInt(v);
  return out as RegisterValues;
}

/** Everything WinDbg shows after `r`: values, the instruction at rip and its memory operand's value. */
export async function registerState(t: KernelTarget, regs: X64Registers, showSegments: boolean): Promise<RegisterState> {
  const code = await t.readCode(regs.rip, 16);
  const [ins] = code ? await decode(code, regs.rip, 1, (a) => t.symbolize(a)) : [];
  let operand: RegisterDisplay['operand'];
  if (ins?.memory && !ins.memory.isLea) {
    const address = effectiveAddress(ins, regs);
    if (address !== undefined) {
      const size = ins.memory.size || 8;
      const s = await t.memory.readSparse(address, size);
      const value = s.valid.every((v) => v === 1) ? s.bytes : undefined;
      operand = { address, size, value };
      // `call qword ptr [X]` / `jmp qword ptr [X]`: WinDbg names the function the pointer leads to.
      if (value && size === 8 && /^(call|jmp)$/.test(ins.mnemonic)) {
        const target = new DataView(value.buffer, value.byteOffset, 8).getBigUint64(0, true);
        const sym = await t.symbolize(target);
        if (sym) operand.targetSymbol = sym;
      }
    }
  }
  const ripSymbol = await t.symbolize(regs.rip);
  return { registers: registerValues(regs), showSegments, ripSymbol, instruction: ins, operand, codeMissing: !ins, flags: eflagsBits(regs.eflags ?? 0) };
}

type Width = 8 | 16 | 32 | 64;

/** How a WinDbg register name maps onto the context: which field, which bits. */
interface RegisterSlot {
  field: keyof X64Registers;
  width: Width;
  /** Bit position of the sub-register inside its field (8 for ah/bh/ch/dh). */
  shift: number;
}

const LEGACY: Record<string, X64Gpr> = { ax: 'rax', bx: 'rbx', cx: 'rcx', dx: 'rdx', si: 'rsi', di: 'rdi', sp: 'rsp', bp: 'rbp', ip: 'rip' };
const LOW8: Record<string, X64Gpr> = { al: 'rax', bl: 'rbx', cl: 'rcx', dl: 'rdx', sil: 'rsi', dil: 'rdi', spl: 'rsp', bpl: 'rbp' };
const HIGH8: Record<string, X64Gpr> = { ah: 'rax', bh: 'rbx', ch: 'rcx', dh: 'rdx' };

export function registerSlot(name: string): RegisterSlot | undefined {
  const n = name.toLowerCase();
  if ((X64_GPRS as readonly string[]).includes(n)) return { field: n as X64Gpr, width: 64, shift: 0 };
  if (n === 'efl' || n === 'eflags') return { field: 'eflags', width: 32, shift: 0 };
  if (['cs', 'ss', 'ds', 'es', 'fs', 'gs'].includes(n)) return { field: n as 'cs', width: 16, shift: 0 };
  if (n === 'mxcsr') return { field: 'mxcsr', width: 32, shift: 0 };
  if (/^dr[0-367]$/.test(n)) return { field: n as 'dr0', width: 64, shift: 0 };
  if (n.length === 3 && n[0] === 'e' && LEGACY[n.slice(1)]) return { field: LEGACY[n.slice(1)], width: 32, shift: 0 };
  if (LEGACY[n]) return { field: LEGACY[n], width: 16, shift: 0 };
  if (LOW8[n]) return { field: LOW8[n], width: 8, shift: 0 };
  if (HIGH8[n]) return { field: HIGH8[n], width: 8, shift: 8 };
  const m = /^r(8|9|1[0-5])([dwb])$/.exec(n);
  if (m) return { field: `r${m[1]}` as X64Gpr, width: m[2] === 'd' ? 32 : m[2] === 'w' ? 16 : 8, shift: 0 };
  return undefined;
}

/** The registers with `name` set to `value`; only the sub-register's bits change (`r al=5` keeps the rest of rax). */
export function withRegister(regs: X64Registers, slot: RegisterSlot, value: bigint): X64Registers {
  const mask = ((1n << BigInt(slot.width)) - 1n) << BigInt(slot.shift);
  const cur = regs[slot.field];
  const old = typeof cur === 'bigint' ? cur : BigInt(cur ?? 0);
  const next = ((old & ~mask) | ((value << BigInt(slot.shift)) & mask)) & M64;
  return { ...regs, [slot.field]: typeof cur === 'bigint' || slot.width === 64 ? next : Number(next) };
}

/** Control registers of the crashing processor: _KPRCB.ProcessorState.SpecialRegisters, by field name. */
const CONTROL: Record<string, string> = { cr0: 'Cr0', cr2: 'Cr2', cr3: 'Cr3', cr4: 'Cr4', cr8: 'Cr8' };

async function controlRegister(t: KernelTarget, name: string): Promise<bigint> {
  const crash = await t.crashState();
  const kt = await t.kernelTypes();
  let v: bigint | undefined;
  if (crash.prcb?.address !== undefined && kt) {
    try {
      const off = await kt.offsetOf('_KPRCB', `ProcessorState.SpecialRegisters.${CONTROL[name]}`);
      const b = await t.memory.read(crash.prcb.address + BigInt(off), 8);
      v = new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
    } catch {
      v = undefined;
    }
  }
  // A running x64 processor never has cr3 = 0: zero means the PRCB copy does not carry it. The dump
  // header's DirectoryTableBase is the crashing processor's cr3.
  if (name === 'cr3' && !v) v = t.dump.header.directoryTableBase;
  if (v === undefined) throw new DumpscopeError(`${name} is not available: the crashing processor's _KPRCB.ProcessorState is not readable`, 'NO_REGISTER');
  return v;
}

/** One `name=value` of `r NAME`. */
export interface RegisterValue {
  name: string;
  /** The value (128 bits for xmm registers). */
  value: bigint;
  /** Hex digits WinDbg shows: 16 for rax, 8 for eax and efl, 4 for ax and cs, 2 for al. */
  digits: number;
  /** xmm registers: how the elements are shown (four floats unless `:uq`, `:ud`, … was asked). */
  vector?: XmmFormat;
}

export interface RegisterValuesResult {
  kind: 'register-values';
  values: RegisterValue[];
  /** Registers that were assigned (`r rax=1`); WinDbg prints nothing for them. */
  assigned: string[];
}

/** Runs `r ITEM[, ITEM…]` where ITEM is `NAME` or `NAME=EXPR`; names may carry `@`. */
export async function registerItems(session: Session, t: KernelTarget, args: string, evaluate: (text: string) => Promise<bigint>): Promise<RegisterValuesResult> {
  const bad = () => new CommandSyntaxError(`Bad register error in 'r ${args.trim()}'`);
  const values: RegisterValue[] = [];
  const assigned: string[] = [];
  for (const item of args.split(',').map((s) => s.trim())) {
    const m = /^@?(\$?[A-Za-z][\w$]*)(?::(\w+))?\s*(?:=\s*(.*))?$/.exec(item);
    if (!m) throw bad();
    const name = m[1].toLowerCase();
    const assign = m[3];
    if (assign !== undefined && !assign.trim()) throw bad();
    const xmm = /^xmm(\d|1[0-5])$/.exec(name);
    if (xmm) {
      const format = (m[2]?.toLowerCase() ?? 'f') as XmmFormat;
      if (assign !== undefined || !XMM_FORMATS.includes(format)) throw bad();
      const isDefault = session.registers === undefined;
      const context = await session.currentRegisters();
      if (!context) throw noContextError(session);
      values.push({ name, value: await xmmValue(t, context, Number(xmm[1]), isDefault), digits: 32, vector: format });
      continue;
    }
    if (m[2] !== undefined) throw bad();
    if (name.startsWith('$')) {
      if (assign !== undefined) {
        if (!/^\$t(1?[0-9])$/.test(name)) throw bad(); // only $t0…$t19 are writable
        session.variables.set(name, (await evaluate(assign)) & M64);
        assigned.push(name);
        continue;
      }
      const v = session.pseudoRegister(name, await session.scopeRegisters());
      if (v === undefined) throw bad();
      values.push({ name, value: v, digits: 16 });
      continue;
    }
    if (CONTROL[name]) {
      if (assign !== undefined) throw bad();
      values.push({ name, value: await controlRegister(t, name), digits: 16 });
      continue;
    }
    const slot = registerSlot(name);
    if (!slot) throw bad();
    const regs = await scopeRegisters(session);
    if (assign !== undefined) {
      session.setScopeRegisters(withRegister(regs, slot, await evaluate(assign)));
      assigned.push(name);
      continue;
    }
    const v = registerValue(regs, name);
    if (v === undefined) throw new DumpscopeError(`${name} is not part of this context`, 'NO_REGISTER');
    values.push({ name, value: v, digits: slot.width / 4 });
  }
  return { kind: 'register-values', values, assigned };
}

/** `rax=0000000000000000 eax=00000000` on one line, as WinDbg prints `r rax, eax`. */
export function renderRegisterValues(r: RegisterValuesResult): string {
  return r.values.map((v) => `${v.name}=${v.vector ? xmmText(v.value, v.vector) : v.value.toString(16).padStart(v.digits, '0')}`).join(' ');
}


/** The local scope's registers (the selected frame's, else the context's), or a clear error without any. */
export async function scopeRegisters(session: Session): Promise<X64Registers> {
  const r = await session.scopeRegisters();
  if (!r) throw noContextError(session);
  return r;
}

/** Why there are no registers: the thread `.thread` chose has none, or the dump has no context at all. */
export function noContextError(session: Session): DumpscopeError {
  return new DumpscopeError(session.noContext ? `no register context for the current thread: ${session.noContext}` : 'no register context (this dump has no x64 CONTEXT)', 'NO_CONTEXT');
}
