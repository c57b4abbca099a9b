// The state a command runs against: the target (when a dump is open), the register context and the local
// scope (frame) inside it, the processor, user variables and where `u`/`ub` continue. Commands read through
// it; front ends (shell, run, web) own one each.
import { MemoryNotPresentError } from '../io/errors.js';
import type { AddressSpace } from '../memory/address-space.js';
import { type X64Registers, registerValue } from '../target/x64-registers.js';
import type { ExpressionEnv } from './expr/masm.js';

/** What a session needs from an opened dump. The target model implements it; tests can fake it. */
export interface SessionTarget {
  readonly memory?: AddressSpace;
  readonly pointerSize: 4 | 8;
  /** Registers of the default scope (the bugcheck context), when known. */
  defaultRegisters?(): Promise<X64Registers | undefined>;
  /** 'module!symbol', 'symbol' or 'module' → address. */
  resolveSymbol?(name: string): Promise<bigint | undefined>;
  /** address → 'module!symbol+0xoff' or 'module+0xoff'. */
  symbolize?(address: bigint): Promise<string | undefined>;
}

/** The frame `.frame N` selected: its number and the registers unwound to it. */
export interface FrameScope {
  index: number;
  registers: X64Registers;
}

/** WinDbg's user pseudo-registers $t0…$t19: always defined, 0 until set with `r $tN = …`. */
export const USER_PSEUDO_REGISTER = /^\$t(1?[0-9])$/;

export class Session {
  /** Current processor (the `N: kd>` prompt number). */
  processor = 0;
  private context?: X64Registers;
  /** The local scope set by `.frame N`; undefined means frame 0 of the context. */
  frame?: FrameScope;
  /** Where `u` (next) and `ub` (back) continue when given no address. */
  disassembly?: { next: bigint; back: bigint };
  /** Where `d*` continues when given no address (right after the last display). */
  memoryNext?: bigint;
  /** dx/r pseudo-variables ($t0…, @$name). */
  readonly variables = new Map<string, bigint>();
  /** Typed dx variables (`dx @$ctx = (nt!_HEAP_VS_CONTEXT*) ADDR`): a pointer value and its type. */
  readonly typedVariables = new Map<string, { value: bigint; type: import('../symbols/types.js').Type; module: string }>();

  constructor(readonly target?: SessionTarget) {}

  get memory(): AddressSpace | undefined {
    return this.target?.memory;
  }

  /**
   * Register context set by .cxr/.trap/.thread; undefined means the target's default. Setting it starts a
   * new scope: the selected frame and the disassembly position belong to the old context.
   */
  get registers(): X64Registers | undefined {
    return this.context;
  }

  set registers(r: X64Registers | undefined) {
    this.context = r;
    this.frame = undefined;
    this.disassembly = undefined;
    this.noContext = undefined;
  }

  /**
   * Why the current thread has no register context (`.thread` of a thread whose stack is unknown): then
   * there are no registers rather than another thread's. Cleared whenever a context is set.
   */
  noContext?: string;

  /** The register context (what `k` walks): frame 0, whatever frame is selected. */
  async currentRegisters(): Promise<X64Registers | undefined> {
    if (this.noContext) return undefined;
    return this.context ?? (await this.target?.defaultRegisters?.());
  }

  /** The registers of the local scope (what `r`, `u` and `@reg` see): the selected frame's, else the context's. */
  async scopeRegisters(): Promise<X64Registers | undefined> {
    return this.frame?.registers ?? (await this.currentRegisters());
  }

  /** Selects a frame as the local scope; `u`/`ub` then start again from its instruction. */
  selectFrame(frame: FrameScope | undefined): void {
    this.frame = frame;
    this.disassembly = undefined;
  }

  /** Replaces the registers of the local scope (`r rax=…`) without leaving the selected frame. */
  setScopeRegisters(regs: X64Registers): void {
    if (this.frame) this.frame = { ...this.frame, registers: regs };
    else this.context = regs;
  }

  /** Value of a pseudo-register or variable (`$t0`, `$ip`, `$frame`, `$proc`, a dx variable). */
  pseudoRegister(name: string, regs: X64Registers | undefined): bigint | undefined {
    const n = name.toLowerCase();
    if (n === '$ip') return regs?.rip;
    if (n === '$csp') return regs?.rsp;
    if (n === '$frame') return BigInt(this.frame?.index ?? 0);
    if (n === '$ptrsize') return BigInt(this.target?.pointerSize ?? 8);
    // The return-value register of the machine (x64: rax).
    if (n === '$retreg' || n === '$retreg64') return regs?.rax;
    const v = this.variables.get(n);
    if (v !== undefined) return v;
    return USER_PSEUDO_REGISTER.test(n) ? 0n : undefined;
  }

  async expressionEnv(): Promise<ExpressionEnv> {
    const regs = await this.scopeRegisters();
    const target = this.target;
    return {
      pointerSize: target?.pointerSize ?? 8,
      register: (name) => {
        const n = name.toLowerCase();
        if (n.startsWith('$')) return this.pseudoRegister(n, regs);
        return regs ? registerValue(regs, n) : undefined;
      },
      symbol: async (name) => target?.resolveSymbol?.(name),
      // `@@c++(…)` inside MASM: dx's evaluator over the dump's types (loaded on first use: it needs the target).
      cpp: async (text) => (await import('./builtin/cpp-eval.js')).cppNumber(this, text),
      // $ra, $teb, $tid, $tpid, $peb read the dump (loaded on first use, like the C++ evaluator).
      pseudoRegister: async (name) => (await import('./builtin/pseudo-registers.js')).dumpPseudoRegister(this, name, regs),
      readMemory: async (address, size) => {
        const mem = target?.memory;
        if (!mem) throw new MemoryNotPresentError('virtual', address, 'no dump is open');
        const b = await mem.read(address, size);
        let v = 0n;
        for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
        return v;
      },
    };
  }
}
