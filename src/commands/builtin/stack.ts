// `k`, `kb`, `kn`, `kv`, `kL`, `kc`: the call stack of the current context.
import { renderStack, type StackListing, type StackStyle } from '../../render/stack.js';
import type { KernelTarget } from '../../target/kernel-target.js';
import type { X64Registers } from '../../target/x64-registers.js';
import type { CommandSpec } from '../command.js';
import { currentRegisters, evalArg, kernelTarget } from './target-access.js';

export interface StackResult {
  kind: 'stack';
  style: StackStyle;
  listing: StackListing;
}

const M64 = (1n << 64n) - 1n;

/** Walks the stack of `regs` and symbolizes each frame (with the first four stack arguments when asked). */
export async function buildStackListing(t: KernelTarget, regs: X64Registers, withArgs: boolean, max = 256): Promise<StackListing> {
  const frames = await t.walk(regs, { maxFrames: Math.max(1, Math.min(max, 1024)) });
  const rows = [];
  for (const f of frames) {
    const argsOf = [];
    if (withArgs) {
      const s = await t.memory.readSparse((f.sp + 8n) & M64, 32);
      for (let i = 0; i < 4; i++) {
        const ok = s.valid.subarray(i * 8, i * 8 + 8).every((v) => v === 1);
        argsOf.push(ok ? new DataView(s.bytes.buffer, s.bytes.byteOffset + i * 8, 8).getBigUint64(0, true) : undefined);
      }
    }
    rows.push({
      index: f.index,
      childSp: f.sp,
      retAddr: f.returnAddress,
      callSite: (await t.symbolize(f.ip)) ?? f.ip.toString(16).padStart(16, '0').replace(/^(.{8})/, '$1`'),
      args: argsOf.length ? argsOf : undefined,
      trapFrame: f.method === 'machine-frame' ? f.sp : undefined,
      guessed: frames[f.index - 1]?.guessed ?? false,
    });
  }
  const last = frames[frames.length - 1];
  return { rows, notes: last?.note ? [`(stack walk stopped: ${last.note})`] : [] };
}

export const stackCommand: CommandSpec<StackResult> = {
  names: ['k', 'kb', 'kn', 'kv', 'kl', 'kp', 'kc'],
  summary: 'Call stack of the current context (kb/kv: with the first four stack arguments)',
  usage: 'k[b|n|v|L] [FRAMES]',
  async run(session, args, name) {
    const t = kernelTarget(session);
    const regs = await currentRegisters(session);
    const max = args ? Number(await evalArg(session, args)) : 256;
    const listing = await buildStackListing(t, regs, name === 'kb' || name === 'kv' || name === 'kp', max);
    const style: StackStyle = name === 'kb' || name === 'kp' ? 'kb' : name === 'kv' ? 'kv' : 'k';
    return { kind: 'stack', style, listing };
  },
  renderText: (r) => renderStack(r.listing, r.style),
};
