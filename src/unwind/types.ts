// What the unwinder needs to know about a function: its decoded x64 unwind data (from .pdata/.xdata).
// The PE reader produces it; tests can build it by hand.

/** x64 register numbers as unwind codes use them (0 = rax … 15 = r15). */
export const UNWIND_REGS = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'] as const;

export type UnwindOp =
  | { op: 'push_nonvol'; prologOffset: number; reg: number }
  | { op: 'alloc'; prologOffset: number; size: number }
  | { op: 'set_fpreg'; prologOffset: number }
  | { op: 'save_nonvol'; prologOffset: number; reg: number; offset: number }
  | { op: 'save_xmm128'; prologOffset: number; reg: number; offset: number }
  | { op: 'push_machframe'; prologOffset: number; errorCode: boolean }
  | { op: 'epilog'; prologOffset: number };

export interface FunctionUnwind {
  /** RVAs of the function's range (from RUNTIME_FUNCTION). */
  begin: number;
  end: number;
  prologSize: number;
  /** Register number of the frame pointer (0 = none) and its scaled offset (× 16). */
  frameRegister: number;
  frameOffset: number;
  /** Unwind operations in the order they appear in UNWIND_INFO (reverse of prolog execution). */
  ops: UnwindOp[];
  /** The parent entry of a chained UNWIND_INFO (UNW_FLAG_CHAININFO). */
  chained?: FunctionUnwind;
}

/** Where a given code address's unwind data comes from. */
export type UnwindLookup =
  | { kind: 'function'; imageBase: bigint; module: string; fn: FunctionUnwind }
  /** The module has unwind data but no entry covers this address: a leaf function. */
  | { kind: 'leaf'; imageBase: bigint; module: string }
  /** The address is in a known module whose unwind data is not available (no image, pages missing). */
  | { kind: 'no-data'; module: string; reason: string }
  /** Not inside any known module. */
  | { kind: 'unknown' };

export interface UnwindData {
  lookup(address: bigint): Promise<UnwindLookup>;
  /** Up to `length` code bytes at `address` (fewer when the rest is not available); undefined when none are. */
  readCode(address: bigint, length: number): Promise<Uint8Array | undefined>;
  /** Is this address inside a known module's image (for the scanning fallback)? */
  isCodeAddress(address: bigint): boolean;
}
