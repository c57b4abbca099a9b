// What a symbol file gives the rest of the program, whatever its format (PDB, ISF, exports).
import type { FunctionType, Type } from './types.js';

export interface SymbolInfo {
  name: string;
  /** Relative virtual address from the module base. */
  rva: number;
  /** Size in bytes when the source knows it (procedures in private PDBs, ISF entries rarely). */
  size?: number;
  kind: 'function' | 'data' | 'public' | 'export';
  isFunction: boolean;
}

export interface SymbolMatch {
  symbol: SymbolInfo;
  /** Offset of the looked-up RVA from the symbol's start. */
  displacement: number;
}

export interface SymbolSource {
  readonly kind: 'pdb' | 'isf' | 'exports' | 'builtin';
  /** Identity for matching and messages (PDB name + GUID/age, ISF file, module name for exports). */
  readonly description: string;
  /** The nearest symbol at or below `rva` (within the containing function when sizes are known). */
  symbolAt(rva: number): Promise<SymbolMatch | undefined>;
  /** Exact name lookup ("ExFreePoolWithTag"). */
  lookup(name: string): Promise<SymbolInfo | undefined>;
  /** Every symbol, for `x MODULE!PATTERN` and completion. */
  symbols(): Promise<readonly SymbolInfo[]>;
  /** A user-defined type, enum or typedef by name ('_KTRAP_FRAME'); undefined when absent. */
  findType(name: string): Promise<Type | undefined>;
  /** Names of all named types, for `dt MODULE!*` and completion. */
  typeNames(): Promise<readonly string[]>;
  /**
   * A function symbol's signature (private PDBs: the procedure's LF_PROCEDURE/LF_MFUNCTION type), for the
   * parameter list `x` and `ln` print; undefined when the file records none (publics, ISF, exports).
   */
  functionType?(symbol: SymbolInfo): Promise<FunctionType | undefined>;
  /**
   * How far the file says the image reaches, so a lookup past it finds no symbol rather than the last one
   * plus a huge displacement: `end` (an RVA; nothing lies at or above it) and where that comes from.
   */
  extent?(): Promise<{ end: number; from: string } | undefined>;
}
