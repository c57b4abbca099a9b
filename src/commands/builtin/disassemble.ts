// `u [ADDR] [L n | END]`, `ub [ADDR] [L n]`: disassembly with symbolized targets; code comes from dump memory
// or, when a small dump lacks it, from the module image found through the symbol path. Without an address,
// `u` continues after the last listing and `ub` before it, as in WinDbg.
import { type BackwardListing, backwardListing } from '../../disasm/backward.js';
import { type DecodedInstruction, renderInstruction } from '../../disasm/x64.js';
import { DumpscopeError } from '../../io/errors.js';
import type { KernelTarget } from '../../target/kernel-target.js';
import { checkpoint } from '../checkpoint.js';
import type { CommandSpec } from '../command.js';
import { CommandSyntaxError } from '../errors.js';
import type { Session } from '../session.js';
import { parseRange } from './address-range.js';
import { functionContaining, functionStartsIn } from './function-extent.js';
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
  /** `ub` when the listing cannot end exactly at the address, or has fewer instructions than asked. */
  note?: string;
}

export function renderDisassembly(r: DisasmResult): string {
  const note = r.note ? `Note: ${r.note}\n` : '';
  return note + r.blocks
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

/** Bytes `ub` decodes before the address per instruction asked, and the margin below that. */
const BACK_BYTES_PER_INSTRUCTION = 15;
const BACK_MARGIN = 64;

/**
 * The window `ub` decodes: from `lowest` (far enough before the address, and before the function's start, so
 * a short function can be continued into the code before it) up to 16 bytes past the address. Read a page at
 * a time downwards from the address: where neither the dump nor the image has a byte, the window starts
 * after it. Bounded by the window's size in pages.
 */
async function backWindow(t: KernelTarget, address: bigint, lowest: bigint): Promise<{ start: bigint; bytes: Uint8Array } | undefined> {
  const PAGE = 0x1000n;
  let start = (address - 1n) & ~(PAGE - 1n);
  if (start < lowest) start = lowest;
  const top = await codeAt(t, start, Number(address - start) + 16).catch(() => undefined);
  if (!top || top.length < Number(address - start)) return undefined;
  const parts: Uint8Array[] = [top];
  let total = top.length;
  while (start > lowest) {
    const from = start - PAGE < lowest ? lowest : start - PAGE;
    const want = Number(start - from);
    const b = await codeAt(t, from, want).catch(() => undefined);
    if (!b || b.length < want) break;
    parts.unshift(b);
    total += want;
    start = from;
  }
  const bytes = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    bytes.set(p, o);
    o += p.length;
  }
  return { start, bytes };
}

async function backwards(t: KernelTarget, address: bigint, count: number): Promise<BackwardListing> {
  if (address === 0n) throw new DumpscopeError('there is no code before address 0', 'NO_CODE');
  const fn = await functionContaining(t, address - 1n);
  const span = BigInt(count * BACK_BYTES_PER_INSTRUCTION + BACK_MARGIN);
  let from = address;
  // From a known function start the boundaries are exact: include it when it is not too far back.
  if (fn && fn.start < address && address - fn.start <= BigInt(MAX_EXACT_BACK)) from = fn.start;
  const lowest = from > span ? from - span : 0n;
  const w = await backWindow(t, address, lowest);
  if (!w) throw new DumpscopeError(`code before ${address.toString(16)} is not available`, 'NO_CODE');
  const anchors: bigint[] = await functionStartsIn(t, w.start, address).catch(() => []);
  if (fn && fn.start >= w.start) anchors.push(fn.start);
  return backwardListing(w.bytes, w.start, address, count, (a) => t.symbolize(a), anchors);
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
    const back = backward ? await backwards(t, address, count) : undefined;
    const instructions = back ? back.instructions : await decodeForward(t, address, { count, end: range.end }, signal);
    if (instructions.length === 0) throw new DumpscopeError(`no code available at ${address.toString(16)}`, 'NO_CODE');
    const last = instructions[instructions.length - 1];
    session.disassembly = { next: (last.address + BigInt(last.bytes.length)) & M64, back: instructions[0].address };
    const result: DisasmResult = { kind: 'disassembly', blocks: await labelBlocks(t, instructions), spaced: false };
    if (back?.note) result.note = back.note;
    return result;
  },
  renderText: renderDisassembly,
};
