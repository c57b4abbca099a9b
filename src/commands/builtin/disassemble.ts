// `u ADDR [L n]`, `ub ADDR [L n]`: disassembly with symbolized targets; code comes from dump memory or,
// when a small dump lacks it, from the module image found through the symbol path.
import { instructionsBefore } from '../../disasm/backward.js';
import { type DecodedInstruction, renderInstruction } from '../../disasm/x64.js';
import { DumpscopeError } from '../../io/errors.js';
import type { CommandSpec } from '../command.js';
import { codeAt, currentRegisters, decodeAt, evalArg, kernelTarget } from './target-access.js';

export interface DisasmResult {
  kind: 'disassembly';
  heading?: string;
  instructions: DecodedInstruction[];
}

/** Splits `EXPR [L count]` into address text and count. */
export function addressAndCount(args: string, fallback: number): { expr: string; count: number } {
  const m = /^(.*?)(?:^|\s+)[lL](?:0x|0n)?([0-9a-fA-F]+)\s*$/.exec(args.trim());
  if (!m) return { expr: args.trim(), count: fallback };
  const count = /(?:^|\s)[lL]0n/.test(args.trim()) ? Number.parseInt(m[2], 10) : Number.parseInt(m[2], 16);
  return { expr: m[1].trim(), count };
}

const MAX_INSTRUCTIONS = 4096;

export const disassembleCommand: CommandSpec<DisasmResult> = {
  names: ['u', 'ub'],
  summary: 'Disassemble forwards (u) or backwards (ub) from an address',
  usage: 'u [ADDRESS] [L COUNT] | ub [ADDRESS] [L COUNT]',
  async run(session, args, name) {
    const t = kernelTarget(session);
    const { expr, count } = addressAndCount(args, 8);
    if (count > MAX_INSTRUCTIONS) throw new DumpscopeError(`count ${count} is too large (at most ${MAX_INSTRUCTIONS})`, 'BAD_ARGUMENT');
    const address = expr ? await evalArg(session, expr) : (await currentRegisters(session)).rip;
    let instructions: DecodedInstruction[];
    if (name === 'ub') {
      const window = count * 15 + 16;
      const start = address - BigInt(window);
      const bytes = await codeAt(t, start, window);
      if (!bytes || bytes.length < window) throw new DumpscopeError(`code before ${address.toString(16)} is not available`, 'NO_CODE');
      const m = t.modules.at(address);
      const img = m ? await t.image(m) : undefined;
      const fn = m && img?.image ? await img.image.functionAt(Number(address - m.base - 1n)) : undefined;
      instructions = await instructionsBefore(bytes, start, address, count, (a) => t.symbolize(a), fn && m ? m.base + BigInt(fn.begin) : undefined);
    } else instructions = await decodeAt(t, address, count);
    if (instructions.length === 0) throw new DumpscopeError(`no code available at ${address.toString(16)}`, 'NO_CODE');
    const heading = await t.symbolize(instructions[0].address);
    return { kind: 'disassembly', heading: heading ? `${heading}:` : undefined, instructions };
  },
  renderText: (r) => [...(r.heading ? [r.heading] : []), ...r.instructions.map((i) => renderInstruction(i))].join('\n'),
};
