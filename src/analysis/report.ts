// The result of `analyze`: every `!analyze -v` field WinDbg prints, plus the root-cause claims with their
// evidence. Renderers turn it into WinDbg-style text, JSON (schema/analysis.schema.json) or Markdown.
import type { X64Registers } from '../target/x64-registers.js';

export const ANALYSIS_SCHEMA_VERSION = 1;

export interface ArgumentExplained {
  value: bigint;
  meaning: string;
  /** What this particular value means (access kind, selected sub-case), when it can be told. */
  note?: string;
}

export interface StackEntry {
  childSp: bigint;
  retAddr: bigint;
  /** 'nt!KeBugCheckEx', 'amdppm!WriteIoMemRawEx+0x70', 'Driver+0x1d1e'. */
  callSite: string;
  args?: (bigint | undefined)[];
  module?: string;
  symbol?: string;
  offset?: number;
  guessed?: boolean;
}

export interface Evidence {
  /** What was observed, in a sentence. */
  fact: string;
  /** The command that shows it ('!pte ffffe5068d8a4000', '.cxr 0xffff…; r'). */
  command?: string;
}

export interface RootCauseClaim {
  /** Rule identifier, stable across versions ('pool-overflow', 'freed-page', 'fill-pattern', …). */
  rule: string;
  claim: string;
  confidence: 'high' | 'medium' | 'low';
  evidence: Evidence[];
  /** The command a person runs to check it themselves. */
  command?: string;
  /** What would confirm or refute the claim. */
  confirm?: string;
  refute?: string;
}

export interface SymbolStatus {
  module: string;
  status: 'pdb' | 'isf' | 'exports' | 'none' | 'mismatch' | 'not-found' | 'offline' | 'error';
  detail?: string;
  image?: 'found' | 'in-dump' | 'missing';
}

export interface RegisterContext {
  /** Address of the record (trap frame, CONTEXT) in the target. */
  address?: bigint;
  kind: 'trap' | 'context' | 'bugcheck';
  registers: X64Registers;
  /** Pre-rendered WinDbg register display (for the text report). */
  display?: string;
}

export interface ExceptionRecordInfo {
  address?: bigint;
  code: number;
  codeName?: string;
  flags: number;
  exceptionAddress: bigint;
  exceptionAddressSymbol?: string;
  parameters: bigint[];
  /** "Attempt to read from address ffffffffffffffff" for access violations. */
  accessLine?: string;
}

export interface AnalysisReport {
  schemaVersion: number;
  bugcheck: {
    code: number;
    name: string;
    /** WinDbg's paragraph under the name, in our words. */
    summary: string;
    args: ArgumentExplained[];
    subcode?: string;
  };
  keyValues: { key: string; value: string }[];
  avType?: 'Read' | 'Write' | 'Execute';
  /** READ_ADDRESS / WRITE_ADDRESS with what region it lies in. */
  faultingAddress?: { address: bigint; access: 'read' | 'write' | 'execute'; region: string };
  processName?: string;
  /** IRQL of the crashing processor, from its KPCR (full-memory dumps). */
  currentIrql?: number;
  trapFrame?: RegisterContext;
  exceptionRecord?: ExceptionRecordInfo;
  context?: RegisterContext;
  faultingIp?: { address: bigint; symbol?: string; instruction?: string };
  stack: StackEntry[];
  stackNotes: string[];
  symbolName: string;
  moduleName: string;
  imageName: string;
  faultingModule?: { base: bigint; name: string };
  imageVersion?: string;
  bucketIdFuncOffset?: string;
  failureBucketId: string;
  failureHash: string;
  stackCommand: string;
  osVersion?: string;
  buildLabStr?: string;
  osPlatformType: string;
  followup: string;
  rootCause: RootCauseClaim[];
  symbols: SymbolStatus[];
  /** Things the analysis could not do and why (missing memory, no symbols…). */
  limitations: string[];
  /** Wall time of the analysis in ms. */
  elapsedMs?: number;
}
