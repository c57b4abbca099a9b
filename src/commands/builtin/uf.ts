// `uf ADDRESS`: the whole function containing an address, as WinDbg shows it: control flow is followed from
// the function's start (branches inside it, not calls), the instructions reached are grouped into basic
// blocks sorted by address, each headed by its `module!function+0xNN:` label. The function's extent comes
// from .pdata, else its symbol's size; without either, flow alone decides (within a bounded span).
import type { DecodedInstruction } from '../../disasm/x64.js';
import { DumpscopeError } from '../../io/errors.js';
import type { KernelTarget } from '../../target/kernel-target.js';
import { addr64 } from '../../util/hex.js';
import { checkpoint } from '../checkpoint.js';
import type { CommandSpec } from '../command.js';
import { type DisasmBlock, type DisasmResult, renderDisassembly } from './disassemble.js';
import { functionContaining } from './function-extent.js';
import { decodeAt, evalArg, kernelTarget } from './target-access.js';

/** Instructions `uf` decodes at most (a runaway flow in garbage bytes stops here). */
const MAX_UF_INSTRUCTIONS = 20_000;
/** Without a known extent, branches are followed this far after the start at most. */
const MAX_FLOW_SPAN = 0x10000n;

/** Flow kinds (iced's FlowControl, lower-cased) after which the next instruction is not reached by falling through. */
const ENDS_FLOW = new Set(['unconditionalbranch', 'indirectbranch', 'return', 'interrupt', 'exception', 'invalid']);

export interface FlowListing {
  start: bigint;
  end?: bigint;
  extentFrom: 'pdata' | 'symbol' | 'flow';
  instructions: DecodedInstruction[];
  /** Addresses where a block begins: the start, branch targets and the instruction after a conditional branch. */
  leaders: Set<bigint>;
  truncated: boolean;
}

/** Follows the control flow of the function containing `address`. Bounded by MAX_UF_INSTRUCTIONS. */
export async function followFunction(t: KernelTarget, address: bigint, signal?: AbortSignal): Promise<FlowListing> {
  const extent = await functionContaining(t, address);
  const start = extent?.start ?? address;
  const end = extent?.end;
  const module = t.modules.at(start);
  const inside = (a: bigint) => (end !== undefined ? a >= start && a < end : a >= start && a < start + MAX_FLOW_SPAN);
  const sameModule = (a: bigint) => module !== undefined && a >= module.base && a < module.base + BigInt(module.size);
  const byAddress = new Map<bigint, DecodedInstruction>();
  const leaders = new Set<bigint>([start]);
  const work: bigint[] = [start];
  let truncated = false;
  while (work.length) {
    let at = work.pop()!;
    // A cold part reached by a conditional branch lies outside the extent: its run is not cut at the end.
    const bounded = end !== undefined && inside(at);
    // Decode a straight run until it ends the flow, leaves the function or meets code already decoded.
    run: while (!byAddress.has(at)) {
      await checkpoint(signal);
      if (byAddress.size >= MAX_UF_INSTRUCTIONS) {
        truncated = true;
        break;
      }
      const batch = await decodeAt(t, at, 32);
      if (!batch.length) break;
      for (const ins of batch) {
        if (byAddress.has(ins.address) || (bounded && ins.address >= end)) break run;
        byAddress.set(ins.address, ins);
        at = ins.address + BigInt(Math.max(1, ins.bytes.length));
        const target = ins.branchTarget;
        if (ins.flow === 'conditionalbranch') {
          // A conditional branch stays in the function (or its cold part): follow it within the module.
          if (target !== undefined && sameModule(target) && (end === undefined ? inside(target) : true)) {
            leaders.add(target);
            work.push(target);
          }
          leaders.add(at);
          work.push(at);
          break run;
        }
        if (ins.flow === 'unconditionalbranch') {
          // Inside the function: a jump to another block. Outside: a tail call, where this function ends.
          if (target !== undefined && inside(target)) {
            leaders.add(target);
            work.push(target);
          }
          break run;
        }
        if (ENDS_FLOW.has(ins.flow)) break run;
      }
    }
  }
  const instructions = [...byAddress.values()].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  return { start, end, extentFrom: extent?.source ?? 'flow', instructions, leaders, truncated };
}

/** Groups a flow listing into basic blocks: a block begins at a leader or after an instruction that ends one. */
export function basicBlocks(f: FlowListing): DecodedInstruction[][] {
  const blocks: DecodedInstruction[][] = [];
  let prev: DecodedInstruction | undefined;
  for (const ins of f.instructions) {
    const contiguous = prev !== undefined && prev.address + BigInt(prev.bytes.length) === ins.address;
    const prevEnds = prev !== undefined && (ENDS_FLOW.has(prev.flow) || prev.flow === 'conditionalbranch');
    if (!prev || !contiguous || prevEnds || f.leaders.has(ins.address)) blocks.push([]);
    blocks[blocks.length - 1].push(ins);
    prev = ins;
  }
  return blocks;
}

export const ufCommand: CommandSpec<DisasmResult & { truncated: boolean; extentFrom: FlowListing['extentFrom'] }> = {
  names: ['uf'],
  summary: 'Disassemble the whole function containing an address, following its branches, in basic blocks',
  usage: 'uf ADDRESS',
  async run(session, args, _name, signal) {
    const t = kernelTarget(session);
    if (!args.trim()) throw new DumpscopeError('usage: uf ADDRESS', 'USAGE');
    const address = await evalArg(session, args);
    if (!t.modules.at(address)) throw new DumpscopeError(`${addr64(address)} is not in a loaded module`, 'NO_MODULE');
    const flow = await followFunction(t, address, signal);
    if (!flow.instructions.length) throw new DumpscopeError(`no code available at ${addr64(flow.start)}`, 'NO_CODE');
    const blocks: DisasmBlock[] = [];
    for (const b of basicBlocks(flow)) {
      const name = await t.symbolize(b[0].address);
      blocks.push({ label: name ? `${name}:` : undefined, instructions: b });
    }
    return { kind: 'disassembly', blocks, spaced: true, truncated: flow.truncated, extentFrom: flow.extentFrom };
  },
  renderText: (r) => `${renderDisassembly(r)}${r.truncated ? `\n(stopped after ${MAX_UF_INSTRUCTIONS} instructions)` : ''}`,
};
