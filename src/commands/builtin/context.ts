// `.cxr`, `.trap`, `r`, `.exr`: register contexts and exception records, laid out as WinDbg prints them.
import { decodeExceptionRecord64, decodeX64Context, type ExceptionRecord } from '../../formats/kernel-dump/records.js';
import { faultingContext } from '../../analysis/faulting-context.js';
import { DumpscopeError } from '../../io/errors.js';
import { exceptionCodeName } from '../../knowledge/exception-names.js';
import type { KernelTarget } from '../../target/kernel-target.js';
import { renderRegisters } from '../../render/registers.js';
import { addr64, hex16, hexPad } from '../../util/hex.js';
import type { CommandSpec } from '../command.js';
import { registerItems, type RegisterState, type RegisterValuesResult, registerState, renderRegisterValues, scopeRegisters } from './register-state.js';
import { setRegisterOrigin } from './register-xmm.js';
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
    setRegisterOrigin(regs, { kind: 'context', address });
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
  /** Where the record is in memory (absent for `.exr -1` from the dump header or a bugcheck's arguments). */
  address?: bigint;
  /** `.exr -1`: where the last exception came from. */
  source?: 'bugcheck record' | 'bugcheck arguments' | 'dump header';
  record: ExceptionRecord;
  symbol?: string;
  /** WinDbg's name for the code: its short exception name, else the NTSTATUS name. */
  codeName?: string;
}

/**
 * `.exr -1`, the most recent exception: the record a bugcheck names (0x7E's Arg3, 0x139's Arg3) or carries
 * in its arguments (0x1E), else the EXCEPTION_RECORD64 of the dump header.
 */
async function lastException(t: KernelTarget): Promise<Pick<ExceptionResult, 'address' | 'source' | 'record'>> {
  const fc = await faultingContext(t, []).catch(() => undefined);
  const e = fc?.exceptionRecord;
  if (e) {
    const record: ExceptionRecord = { code: e.code, flags: e.flags, record: 0n, address: e.exceptionAddress, parameters: e.parameters };
    return e.source === 'record' && e.address !== undefined ? { address: e.address, source: 'bugcheck record', record } : { source: 'bugcheck arguments', record };
  }
  const h = t.dump.exception;
  if (h && (h.code !== 0 || h.address !== 0n)) return { source: 'dump header', record: h };
  throw new DumpscopeError('this dump records no exception (no bugcheck argument names one, and the dump header\'s EXCEPTION_RECORD64 is empty)', 'NO_EXCEPTION');
}

export const exrCommand: CommandSpec<ExceptionResult> = {
  names: ['.exr'],
  summary: 'Show an EXCEPTION_RECORD (-1: the most recent exception)',
  usage: '.exr ADDRESS | .exr -1',
  async run(session, args) {
    const t = kernelTarget(session);
    if (!args.trim()) throw new DumpscopeError('usage: .exr ADDRESS | .exr -1', 'USAGE');
    let found: Pick<ExceptionResult, 'address' | 'source' | 'record'>;
    if (args.trim() === '-1') found = await lastException(t);
    else {
      const address = await evalArg(session, args);
      found = { address, record: decodeExceptionRecord64(await t.memory.read(address, 0x98), `EXCEPTION_RECORD at ${addr64(address)}`) };
    }
    return { kind: 'exception-record', ...found, symbol: await t.symbolize(found.record.address), codeName: exceptionCodeName(found.record.code) };
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
      // Parameter[0] 8 is a DEP fault: WinDbg's words are "execute non-executable address".
      const verb = e.parameters[0] === 0n ? 'read from' : e.parameters[0] === 1n ? 'write to' : 'execute non-executable';
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
    setRegisterOrigin(regs, { kind: 'trap', address });
    session.registers = regs;
    const notes = ['NOTE: The trap frame does not contain all registers.', 'Some register values may be zeroed or incorrect.'];
    return { kind: 'registers', notes, state: await registerState(t, regs, false) };
  },
  renderText: renderRegistersResult,
};
