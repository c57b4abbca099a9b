// `.cxr`, `.trap`, `r`, `.exr`: register contexts and exception records, laid out as WinDbg prints them.
import { decodeExceptionRecord64, decodeX64Context, type ExceptionRecord } from '../../formats/kernel-dump/records.js';
import { exceptionCodeName } from '../../knowledge/exception-names.js';
import { renderRegisters } from '../../render/registers.js';
import { addr64, hex16, hexPad } from '../../util/hex.js';
import type { CommandSpec } from '../command.js';
import { registerItems, type RegisterState, type RegisterValuesResult, registerState, renderRegisterValues, scopeRegisters } from './register-state.js';
import { evalArg, kernelTarget } from './target-access.js';

export interface RegistersResult {
  kind: 'registers';
  /** Lines WinDbg prints before the registers (the trap-frame warning). */
  notes: string[];
  /** The display; absent when the command only reset the scope (`.cxr` without an address). */
  state?: RegisterState;
}

export function renderRegistersResult(r: RegistersResult): string {
  return [...r.notes, ...(r.state ? [renderRegisters(r.state)] : [])].join('\n');
}

export const cxrCommand: CommandSpec<RegistersResult> = {
  names: ['.cxr'],
  summary: 'Set the register context from a CONTEXT record (no argument: back to the default context)',
  usage: '.cxr [ADDRESS]',
  async run(session, args) {
    const t = kernelTarget(session);
    if (!args) {
      session.registers = undefined;
      return { kind: 'registers', notes: [] };
    }
    const address = await evalArg(session, args);
    const bytes = await t.memory.read(address, 0x100);
    const regs = decodeX64Context(bytes, `CONTEXT at ${addr64(address)}`);
    session.registers = regs;
    return { kind: 'registers', notes: [], state: await registerState(t, regs, true) };
  },
  renderText: renderRegistersResult,
};

export const registersCommand: CommandSpec<RegistersResult | RegisterValuesResult> = {
  names: ['r'],
  summary: 'Show the registers of the local scope; r REG[,REG…] shows some, r REG=EXPR sets one ($t0…$t19 too)',
  usage: 'r [REG[, REG…] | REG=EXPRESSION]',
  async run(session, args) {
    const t = kernelTarget(session);
    if (args.trim()) return registerItems(session, t, args, (e) => evalArg(session, e));
    return { kind: 'registers', notes: [], state: await registerState(t, await scopeRegisters(session), true) };
  },
  renderText: (r) => (r.kind === 'registers' ? renderRegistersResult(r) : renderRegisterValues(r)),
};

export interface ExceptionResult {
  kind: 'exception-record';
  address: bigint;
  record: ExceptionRecord;
  symbol?: string;
  /** WinDbg's name for the code: its short exception name, else the NTSTATUS name. */
  codeName?: string;
}

export const exrCommand: CommandSpec<ExceptionResult> = {
  names: ['.exr'],
  summary: 'Show an EXCEPTION_RECORD',
  usage: '.exr ADDRESS',
  async run(session, args) {
    const t = kernelTarget(session);
    const address = await evalArg(session, args);
    const record = decodeExceptionRecord64(await t.memory.read(address, 0x98), `EXCEPTION_RECORD at ${addr64(address)}`);
    return { kind: 'exception-record', address, record, symbol: await t.symbolize(record.address), codeName: exceptionCodeName(record.code) };
  },
  renderText(r) {
    const e = r.record;
    const sym = r.symbol ? ` (${r.symbol.replace(/\+0x([0-9a-f]+)$/, (_, h: string) => `+0x${h.padStart(16, '0')}`)})` : '';
    const lines = [
      `ExceptionAddress: ${hex16(e.address)}${sym}`,
      `   ExceptionCode: ${hexPad(e.code, 8)}${r.codeName ? ` (${r.codeName})` : ''}`,
      `  ExceptionFlags: ${hexPad(e.flags, 8)}`,
      `NumberParameters: ${e.parameters.length}`,
      ...e.parameters.map((p, i) => `   Parameter[${i}]: ${hex16(p)}`),
    ];
    if (e.code === 0xc0000005 && e.parameters.length >= 2) {
      const verb = e.parameters[0] === 0n ? 'read from' : e.parameters[0] === 1n ? 'write to' : 'execute';
      lines.push(`Attempt to ${verb} address ${hex16(e.parameters[1])}`);
    }
    return lines.join('\n');
  },
};


export const trapCommand: CommandSpec<RegistersResult> = {
  names: ['.trap'],
  summary: 'Set the register context from a KTRAP_FRAME (fields read by name from nt\'s types)',
  usage: '.trap [ADDRESS]',
  async run(session, args) {
    const t = kernelTarget(session);
    if (!args.trim()) {
      session.registers = undefined;
      return { kind: 'registers', notes: [] };
    }
    const address = await evalArg(session, args);
    const regs = await t.trapRegisters(address);
    session.registers = regs;
    const notes = ['NOTE: The trap frame does not contain all registers.', 'Some register values may be zeroed or incorrect.'];
    return { kind: 'registers', notes, state: await registerState(t, regs, false) };
  },
  renderText: renderRegistersResult,
};
