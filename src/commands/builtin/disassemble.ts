// `u [ADDR] [L n | END]`, `ub [ADDR] [L n]`: disassembly with symbolized targets; code comes from dump memory
// or, when a small dump lacks it, from the module image found through the symbol path. Without an address,
// `u` continues after the last listing and `ub` before it, as in WinDbg.
import { instructionsBefore } from '../../disasm/backward.js';
import { type DecodedInstruction, renderInstruction } from '../../disasm/x64.js';
import { DumpscopeError } from '../../io/errors.js';
import type { KernelTarget } from '../../target/kernel-target.js';
import { checkpoint } from '../checkpoint.js';
import type { CommandSpec } from '../command.js';
import { CommandSyntaxError } from '../errors.js';
import type { Session } from '../session.js';
import { parseRange } from './address-range.js';
import { functionContaining } from './function-extent.js';
import { scopeRegisters } from './register-state.js';
import { codeAt, decodeAt, kernelTarget } from './target-access.js';

/** Instructions under one `module!symbol+0xoff:` label. */
export interface DisasmBlock {
  label?: string;
  instructions: DecodedInstruction[];
}

export interface DisasmResult {
  kind: 'disassembly';
  /** A new block starts where the listing enters another symbol (`u`) or a basic block (`uf`). */
  blocks: DisasmBlock[];
  /** uf separates its basic blocks by an empty line; u and ub do not. */
  spaced: boolean;
}

export function renderDisassembly(r: DisasmResult): string {
  return r.blocks
    .map((b) => [...(b.label ? [b.label] : []), ...b.instructions.map((i) => renderInstruction(i))].join('\n'))
    .join(r.spaced ? '\n\n' : '\n');
}

const M64 = (1n << 64n) - 1n;

/** Instructions `u`/`ub` show with `L n` at most, and with `L? n`. */
export const MAX_INSTRUCTIONS = 4096;
export const MAX_UNLIMITED_INSTRUCTIONS = 0x10000;
/** How far back `ub` decodes from a known function start (beyond that, the heuristic window is used). */
const MAX_EXACT_BACK = 0x10000;

/** Decodes forwards from `start`: `count` instructions, or those starting at or before `end`. Bounded. */
export async function decodeForward(t: KernelTarget, start: bigint, limit: { count: number; end?: bigint }, signal?: AbortSignal): Promise<DecodedInstruction[]> {
  const out: DecodedInstruction[] = [];
  let at = start;
  while (out.length < limit.count) {
    await checkpoint(signal);
    const batch = await decodeAt(t, at, Math.min(64, limit.count - out.length));
    if (!batch.length) break;
    for (const ins of batch) {
      if (limit.end !== undefined && ins.address > limit.end) return out;
      out.push(ins);
      at = (ins.address + BigInt(Math.max(1, ins.bytes.length))) & M64;
    }
  }
  return out;
}

/** Splits a listing where an instruction is the first of a symbol (WinDbg prints `Driver!NextFunc:` there). */
export async function labelBlocks(t: KernelTarget, instructions: DecodedInstruction[]): Promise<DisasmBlock[]> {
  const blocks: DisasmBlock[] = [];
  for (const [i, ins] of instructions.entries()) {
    const name = await t.symbolize(ins.address);
    const startsSymbol = name !== undefined && !/\+0x[0-9a-f]+$/.test(name);
    if (i === 0 || startsSymbol) blocks.push({ label: name ? `${name}:` : undefined, instructions: [] });
    blocks[blocks.length - 1].instructions.push(ins);
  }
  return blocks;
}

async function backwards(t: KernelTarget, address: bigint, count: number): Promise<DecodedInstruction[]> {
  if (address === 0n) throw new DumpscopeError('there is no code before address 0', 'NO_CODE');
  const fn = await functionContaining(t, address - 1n);
  // The window before the address (not below 0: `ub 10` has only 0x10 bytes before it).
  let start = address > BigInt(count * 15 + 16) ? address - BigInt(count * 15 + 16) : 0n;
  // From a known function start the boundaries are exact: read from there when it is not too far back.
  if (fn && fn.start < start && address - fn.start <= BigInt(MAX_EXACT_BACK)) start = fn.start;
  let bytes = await codeAt(t, start, Number(address - start));
  if ((!bytes || bytes.length < Number(address - start)) && fn && fn.start > start) {
    // The bytes before the function are missing (module start, page not in the dump): the function alone.
    start = fn.start;
    bytes = await codeAt(t, start, Number(address - start));
  }
  if (!bytes || bytes.length < Number(address - start)) throw new DumpscopeError(`code before ${address.toString(16)} is not available`, 'NO_CODE');
  return instructionsBefore(bytes, start, address, count, (a) => t.symbolize(a), fn?.start);
}

/** The address `u`/`ub` start from: the argument, else where the last listing left off, else the scope's rip. */
async function startAddress(session: Session, given: bigint | undefined, backward: boolean): Promise<bigint> {
  if (given !== undefined) return given;
  const cursor = session.disassembly;
  if (cursor) return backward ? cursor.back : cursor.next;
  return (await scopeRegisters(session)).rip;
}

export const disassembleCommand: CommandSpec<DisasmResult> = {
  names: ['u', 'ub'],
  summary: 'Disassemble forwards (u) or backwards (ub); without an address, continue from the last listing',
  usage: `u [ADDRESS] [L COUNT | L? COUNT | END_ADDRESS] | ub [ADDRESS] [L COUNT]  (L: at most 0n${MAX_INSTRUCTIONS}; L?: at most 0x${MAX_UNLIMITED_INSTRUCTIONS.toString(16)})`,
  async run(session, args, name, signal) {
    const t = kernelTarget(session);
    const command = `${name} ${args}`.trim();
    const range = await parseRange(session, args, command);
    const backward = name === 'ub';
    if (backward && range.end !== undefined) throw new CommandSyntaxError(`Range error in '${command}': ub takes an address and a count (ub ADDRESS L COUNT)`);
    const count = range.end !== undefined ? MAX_INSTRUCTIONS : (range.count ?? 8);
    const max = range.unlimited ? MAX_UNLIMITED_INSTRUCTIONS : MAX_INSTRUCTIONS;
    if (count > max) throw new CommandSyntaxError(`Range error in '${command}': at most 0n${max} instructions${range.unlimited ? '' : ` (L? allows up to 0x${MAX_UNLIMITED_INSTRUCTIONS.toString(16)})`}`);
    const address = await startAddress(session, range.start, backward);
    const instructions = backward ? await backwards(t, address, count) : await decodeForward(t, address, { count, end: range.end }, signal);
    if (instructions.length === 0) throw new DumpscopeError(`no code available at ${address.toString(16)}`, 'NO_CODE');
    const last = instructions[instructions.length - 1];
    session.disassembly = { next: (last.address + BigInt(last.bytes.length)) & M64, back: instructions[0].address };
    return { kind: 'disassembly', blocks: await labelBlocks(t, instructions), spaced: false };
  },
  renderText: renderDisassembly,
};
