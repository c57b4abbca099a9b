// Shared helpers for commands that need an open kernel dump.
import { decode, type DecodedInstruction } from '../../disasm/x64.js';
import { DumpscopeError } from '../../io/errors.js';
import { renderRegisters } from '../../render/registers.js';
import { KernelTarget } from '../../target/kernel-target.js';
import type { X64Registers } from '../../target/x64-registers.js';
import { evaluateExpression } from '../expr/masm.js';
import { noContextError, registerState } from './register-state.js';
import type { Session } from '../session.js';

export function kernelTarget(session: Session): KernelTarget {
  if (session.target instanceof KernelTarget) return session.target;
  throw new DumpscopeError('no kernel dump is open', 'NO_TARGET');
}

export async function evalArg(session: Session, text: string): Promise<bigint> {
  return evaluateExpression(text, await session.expressionEnv());
}

export async function currentRegisters(session: Session): Promise<X64Registers> {
  const r = await session.currentRegisters();
  if (!r) throw noContextError(session);
  return r;
}

/** Code bytes at an address: dump memory first, the module image file otherwise. */
export function codeAt(t: KernelTarget, address: bigint, length: number): Promise<Uint8Array | undefined> {
  return t.readCode(address, length);
}

export async function decodeAt(t: KernelTarget, address: bigint, count: number): Promise<DecodedInstruction[]> {
  const bytes = await codeAt(t, address, count * 16);
  if (!bytes) return [];
  return decode(bytes, address, count, (a) => t.symbolize(a));
}

/** The WinDbg register display, ending with the instruction at rip and its memory operand. */
export async function registerDisplay(t: KernelTarget, regs: X64Registers, showSegments: boolean): Promise<string> {
  return renderRegisters(await registerState(t, regs, showSegments));
}
