// What the unwinder needs to know about a function: its decoded x64 unwind data (from .pdata/.xdata).
// The PE reader produces it; tests can build it by hand.
import type { X64Registers } from '../target/x64-registers.js';

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
  /** RVA of this UNWIND_INFO record, for messages. */
  unwindRva?: number;
}

/** Where a given code address's unwind data comes from. */
export type UnwindLookup =
  | { kind: 'function'; imageBase: bigint; module: string; fn: FunctionUnwind }
  /** The module has unwind data but no entry covers this address: a leaf function. */
  | { kind: 'leaf'; imageBase: bigint; module: string }
  /** The address is in a known module whose unwind data is not available (no image, pages missing). */
  | { kind: 'no-data'; module: string; reason: string }
  /** The module's unwind data for this address exists but cannot be used (loops, unknown operations…). */
  | { kind: 'bad-data'; imageBase: bigint; module: string; reason: string }
  /** Not inside any known module. */
  | { kind: 'unknown' };

/** What a kernel trap frame gave back when the unwinder crossed a machine frame. */
export type TrapFrameRestore =
  /** The KTRAP_FRAME at `address` (its Rip field is the machine frame's Rip slot) and the registers read from it. */
  | { address: bigint; registers: Partial<X64Registers>; restored: (keyof X64Registers)[] }
  /** The trap frame cannot be read (no kernel types, page missing): only rip and rsp come from the machine frame. */
  | { unavailable: string };

/** A function symbol covering an address, for judging scan candidates whose code is not in the dump. */
export interface FunctionSymbol {
  /** 'nt!PnpAsynchronousCall'. */
  name: string;
  /** Offset of the address from the symbol's start. */
  offset: number;
}

export interface UnwindData {
  lookup(address: bigint): Promise<UnwindLookup>;
  /** Up to `length` code bytes at `address` (fewer when the rest is not available); undefined when none are. */
  readCode(address: bigint, length: number): Promise<Uint8Array | undefined>;
  /** Is this address inside a known module's image (for the scanning fallback)? */
  isCodeAddress(address: bigint): boolean;
  /**
   * The registers of the kernel trap frame whose Rip field is at `ripSlot`, when the machine frame belongs to a
   * kernel trap handler at `handler`; undefined when it does not (only rip and rsp are then restored).
   */
  trapFrame?(ripSlot: bigint, handler: bigint): Promise<TrapFrameRestore | undefined>;
  /** The function symbol (PDB or ISF, not exports) covering an address in a code section, if any. */
  functionAt?(address: bigint): Promise<FunctionSymbol | undefined>;
}
