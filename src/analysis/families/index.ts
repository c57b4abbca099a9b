// Per-bugcheck analysis paths: for the codes whose arguments point at the real evidence (a blocked IRP, a
// dead process, a hardware error record, a verifier rule…), read it by field name and say what it shows.
// `analyze` calls `analyzeFamily` once; a family that fails is reported as a note, never as a crash.
import type { KernelTarget } from '../../target/kernel-target.js';
import type { X64Registers } from '../../target/x64-registers.js';
import { criticalProcessDied } from './critical-process-0xef.js';
import { dpcWatchdog } from './dpc-watchdog-0x133.js';
import { memoryManagement } from './memory-management-0x1a.js';
import { powerStateFailure } from './power-0x9f.js';
import { emptyResult, type Family, type FamilyResult } from './types.js';
import { verifierViolation } from './verifier-0xc4.js';
import { wheaUncorrectable } from './whea-0x124.js';

export type { FamilyBlame, FamilyResult } from './types.js';

const FAMILIES: ReadonlyMap<number, Family> = new Map([
  [0x9f, powerStateFailure],
  [0x133, dpcWatchdog],
  [0xef, criticalProcessDied],
  [0x1a, memoryManagement],
  [0x124, wheaUncorrectable],
  [0xc4, verifierViolation],
]);

/** Bugcheck codes (without the `_M` bit) that have their own analysis path. */
export function familyCodes(): number[] {
  return [...FAMILIES.keys()];
}

export async function analyzeFamily(t: KernelTarget, x: { code: number; args: readonly bigint[]; registers?: X64Registers }): Promise<FamilyResult> {
  const family = FAMILIES.get(x.code & 0x0fffffff);
  if (!family) return emptyResult();
  const args = [0, 1, 2, 3].map((i) => BigInt.asUintN(64, x.args[i] ?? 0n));
  try {
    return await family({ t, code: x.code & 0x0fffffff, args, registers: x.registers });
  } catch (e) {
    const r = emptyResult();
    r.notes.push(`the 0x${(x.code & 0x0fffffff).toString(16).toUpperCase()} analysis stopped: ${(e as Error).message}`);
    return r;
  }
}
