// `.cxr`, `r`, `.exr`: register contexts and exception records, laid out as WinDbg prints them.
import { decodeExceptionRecord64, decodeX64Context, type ExceptionRecord } from '../../formats/kernel-dump/records.js';
import { addr64, hex16, hexPad } from '../../util/hex.js';
import type { CommandSpec } from '../command.js';
import { currentRegisters, evalArg, kernelTarget, registerDisplay } from './target-access.js';

export interface RegistersResult {
  kind: 'registers';
  text: string;
}

export const cxrCommand: CommandSpec<RegistersResult> = {
  names: ['.cxr'],
  summary: 'Set the register context from a CONTEXT record (no argument: back to the default context)',
  usage: '.cxr [ADDRESS]',
  async run(session, args) {
    const t = kernelTarget(session);
    if (!args) {
      session.registers = undefined;
      return { kind: 'registers', text: '' };
    }
    const address = await evalArg(session, args);
    const bytes = await t.memory.read(address, 0x100);
    const regs = decodeX64Context(bytes, `CONTEXT at ${addr64(address)}`);
    session.registers = regs;
    return { kind: 'registers', text: await registerDisplay(t, regs, true) };
  },
  renderText: (r) => r.text,
};

export const registersCommand: CommandSpec<RegistersResult> = {
  names: ['r'],
  summary: 'Show the registers of the current context',
  usage: 'r',
  async run(session) {
    const t = kernelTarget(session);
    return { kind: 'registers', text: await registerDisplay(t, await currentRegisters(session), true) };
  },
  renderText: (r) => r.text,
};

export interface ExceptionResult {
  kind: 'exception-record';
  address: bigint;
  record: ExceptionRecord;
  symbol?: string;
}

const CODE_NAMES = new Map<number, string>([
  [0xc0000005, 'Access violation'], [0x80000003, 'Break instruction exception'], [0xc000001d, 'Illegal instruction'],
  [0xc0000094, 'Integer divide-by-zero'], [0xc0000096, 'Privileged instruction'], [0xc00000fd, 'Stack overflow'],
  [0xc0000409, 'Security check failure or stack buffer overrun'], [0x80000004, 'Single step exception'],
  [0xc0000006, 'In-page I/O error'], [0x80000002, 'Data misaligned'],
]);

export const exrCommand: CommandSpec<ExceptionResult> = {
  names: ['.exr'],
  summary: 'Show an EXCEPTION_RECORD',
  usage: '.exr ADDRESS',
  async run(session, args) {
    const t = kernelTarget(session);
    const address = await evalArg(session, args);
    const record = decodeExceptionRecord64(await t.memory.read(address, 0x98), `EXCEPTION_RECORD at ${addr64(address)}`);
    return { kind: 'exception-record', address, record, symbol: await t.symbolize(record.address) };
  },
  renderText(r) {
    const e = r.record;
    const sym = r.symbol ? ` (${r.symbol.replace(/\+0x([0-9a-f]+)$/, (_, h: string) => `+0x${h.padStart(16, '0')}`)})` : '';
    const lines = [
      `ExceptionAddress: ${hex16(e.address)}${sym}`,
      `   ExceptionCode: ${hexPad(e.code, 8)}${CODE_NAMES.has(e.code) ? ` (${CODE_NAMES.get(e.code)})` : ''}`,
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
      return { kind: 'registers', text: '' };
    }
    const address = await evalArg(session, args);
    const regs = await t.trapRegisters(address);
    session.registers = regs;
    const note = 'NOTE: The trap frame does not contain all registers.\nSome register values may be zeroed or incorrect.';
    return { kind: 'registers', text: `${note}\n${await registerDisplay(t, regs, false)}` };
  },
  renderText: (r) => r.text,
};
