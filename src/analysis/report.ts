// The result of `analyze`: every `!analyze -v` field WinDbg prints, plus the root-cause claims with their
// evidence. Renderers turn it into WinDbg-style text, JSON (schema/analysis.schema.json) or Markdown.
import type { DecodedInstruction } from '../disasm/x64.js';
import type { X64Registers } from '../target/x64-registers.js';

/**
 * 3: `summary` (ROOT CAUSE's opening paragraph), claims' `role`/`modules`, `fileInCab`, `dumpFileAttributes`,
 * `capturedRegisters`; an argument's `meaning` is its sub-case when one is selected.
 * 2: faultingAddress.region is omitted when nothing is proven (it was '' in 1).
 */
export const ANALYSIS_SCHEMA_VERSION = 3;

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
  /** With `guessed`: how the frame was found ('epilog': running its callee's epilog; 'call'/'symbol': stack scan). */
  guess?: 'call' | 'symbol' | 'epilog';
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
  /** Modules the claim names (their symbol status is listed under SYMBOLS). */
  modules?: string[];
  /**
   * How the claim explains the crash, for ranking: 'cause' (a specific culprit or mechanism: pool corruption,
   * an overflow, an unloaded driver, a family's finding), 'observation' (a supporting fact: a fill pattern,
   * a status in a register, a bad address), 'context' (the first third-party frame).
   */
  role?: 'cause' | 'observation' | 'context';
  /** Data the summary is composed from (names, tags, codes), never shown on its own. */
  facts?: Record<string, string>;
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
  /** What the register display shows besides the values: rip's symbol, its instruction and operand. */
  view?: RegisterView;
}

/** The data behind WinDbg's register display after the values (filled by `analyzeWithDisplay`). */
export interface RegisterView {
  ripSymbol?: string;
  instruction?: DecodedInstruction;
  operand?: { address: bigint; size: number; value?: Uint8Array };
  codeMissing?: boolean;
}

export interface ExceptionRecordInfo {
  /** Where the record is in the target; absent when it was rebuilt from the bugcheck arguments (0x1E). */
  address?: bigint;
  /** 'record': an EXCEPTION_RECORD in memory; 'arguments': the bugcheck arguments (0x1E has no record). */
  source: 'record' | 'arguments';
  code: number;
  /** The STATUS_ name of the code ('STATUS_ACCESS_VIOLATION'). */
  codeName?: string;
  /** WinDbg's short name, as `.exr` prints it ('Access violation'). */
  exceptionName?: string;
  flags: number;
  exceptionAddress: bigint;
  exceptionAddressSymbol?: string;
  parameters: bigint[];
  /** "Attempt to read from address ffffffffffffffff" for access violations. */
  accessLine?: string;
  /** "Subcode: 0x1d FAST_FAIL_INVALID_BALANCED_TREE" for a fail-fast (c0000409) record. */
  subcodeLine?: string;
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
  /** READ_ADDRESS / WRITE_ADDRESS with what region it lies in (when the dump proves one) and how that is known. */
  faultingAddress?: { address: bigint; access: 'read' | 'write' | 'execute'; field: 'READ_ADDRESS' | 'WRITE_ADDRESS'; region?: string; regionEvidence?: Evidence };
  /** MM_INTERNAL_CODE (0x50's Arg4). */
  mmInternalCode?: bigint;
  /** ERROR_CODE for exception bugchecks: the exception code explained. */
  errorCode?: { kind: string; code: number; description: string };
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
  /** BUILDLAB_STR: the branch of the build lab string (`ni_release_svc_prod3`). */
  buildLabStr?: string;
  /** The whole build lab string (`22621.1928.amd64fre.ni_release_svc_prod3.230622-0951`). */
  buildLab?: string;
  /** OSNAME ('Windows 10' for every NT 10.0 build, as WinDbg prints it). */
  osName?: string;
  osPlatformType: string;
  followup: string;
  /** ROOT CAUSE's opening paragraph, composed from the leading claim's data. */
  summary: string;
  rootCause: RootCauseClaim[];
  /** FILE_IN_CAB: the dump's file name. */
  fileInCab?: string;
  /** VIRTUAL_MACHINE: the hypervisor SMBIOS names (`HyperV` for Microsoft Corporation / Virtual Machine). */
  virtualMachine?: string;
  /** DUMP_FILE_ATTRIBUTES: DUMP_HEADER64.Attributes and the names of its set bits. */
  dumpFileAttributes?: { value: number; flags: { key: string; text: string }[] };
  /** Registers of a context this tool cannot walk (ARM64), shown as captured. */
  capturedRegisters?: { machine: string; registers: { name: string; value: bigint }[] };
  /** WinDbg-named facts a bugcheck family adds (DRVPOWERSTATE_SUBCODE, IRP_ADDRESS, …), printed after BUGCHECK_P4. */
  extraFields?: { key: string; value: string }[];
  symbols: SymbolStatus[];
  /** Things the analysis could not do and why (missing memory, no symbols…). */
  limitations: string[];
  /** Wall time of the analysis in ms. */
  elapsedMs?: number;
}
