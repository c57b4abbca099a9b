// What a per-bugcheck analysis path gets and gives back. `analyze` calls the family of its bugcheck once,
// after it has chosen the faulting context and before it walks the stack.
import type { KernelTarget } from '../../target/kernel-target.js';
import type { X64Registers } from '../../target/x64-registers.js';
import type { RootCauseClaim } from '../report.js';

export interface FamilyInput {
  t: KernelTarget;
  /** Bugcheck code without the `_M` bit (0x1000007E → 0x7E). */
  code: number;
  args: readonly bigint[];
  /** The faulting context analysis chose so far (trap frame, context record or the bugcheck context). */
  registers?: X64Registers;
}

/** The module the bugcheck's own data names as responsible (or `hardware`), instead of the stack's first non-Windows frame. */
export interface FamilyBlame {
  module: string;
  imageName: string;
  /** SYMBOL_NAME as it should be printed ('EvilDriver!DispatchPower+0', 'hardware'). */
  symbolName: string;
  symbol?: string;
  offset?: number;
}

export interface FamilyResult {
  claims: RootCauseClaim[];
  /** WinDbg-named facts this bugcheck adds to the report (DRVPOWERSTATE_SUBCODE, IRP_ADDRESS, CRITICAL_PROCESS, …). */
  fields: { key: string; value: string }[];
  /** What could not be read or decided, and why (they join the report's limitations). */
  notes: string[];
  /** A thread whose stack is the one to show and blame (0x9F/4: the thread holding the PnP lock). */
  switchTo?: { registers: X64Registers; stackCommand: string };
  blame?: FamilyBlame;
  /**
   * What the family adds to FAILURE_BUCKET_ID (bucket.ts): a tag after the code (`3_POWER_DOWN`, `DPC`),
   * a whole site (`IMAGE_pci.sys`), or the whole bucket (`MEMORY_CORRUPTION_ONE_BIT`).
   */
  bucket?: { tag?: string; site?: string; bucket?: string };
}

export type Family = (x: FamilyInput) => Promise<FamilyResult>;

export function emptyResult(): FamilyResult {
  return { claims: [], fields: [], notes: [] };
}
