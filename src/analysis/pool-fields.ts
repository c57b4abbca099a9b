// The pool address fields WinDbg prints after DUMP_FILE_ATTRIBUTES for pool bugchecks: POOL_ADDRESS (0x19's
// Arg2, the entry being checked; 0xC2 case 7's Arg4, the block freed twice) and CORRUPTING_POOL_ADDRESS
// (0x13A's Arg3, where the heap manager found the damage), each followed by the pool kind when the dump
// proves it (public logs: `POOL_ADDRESS:  ffffc48068d7d000 `, `CORRUPTING_POOL_ADDRESS:  ffffe2809abee000 Paged pool`).
import type { KernelTarget } from '../target/kernel-target.js';
import { hex16 } from '../util/hex.js';
import { describeRegion } from './region.js';

function poolField(code: number, args: readonly bigint[]): { key: string; address: bigint } | undefined {
  if (code === 0x19 && args[1]) return { key: 'POOL_ADDRESS', address: args[1] };
  if (code === 0xc2 && args[0] === 7n && args[3]) return { key: 'POOL_ADDRESS', address: args[3] };
  if (code === 0x13a && args[2]) return { key: 'CORRUPTING_POOL_ADDRESS', address: args[2] };
  return undefined;
}

/** The field for bugcheck `code` (its base code), or none. */
export async function poolAddressFields(t: KernelTarget, code: number, args: readonly bigint[]): Promise<{ key: string; value: string }[]> {
  const f = poolField(code, args);
  if (!f) return [];
  const region = await describeRegion(t, f.address).catch(() => undefined);
  // Only the pool kind, as WinDbg prints it: the page state belongs to READ_ADDRESS-style fields.
  const kind = /^(Paged pool|Nonpaged pool)/.exec(region?.text ?? '')?.[1] ?? '';
  return [{ key: f.key, value: `${hex16(f.address)} ${kind}` }];
}
