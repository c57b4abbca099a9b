// The state a command runs against: the target (when a dump is open), the current register scope,
// processor, and user variables. Commands read through it; front ends (shell, run, web) own one each.
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

export class Session {
  /** Current processor (the `N: kd>` prompt number). */
  processor = 0;
  /** Register scope set by .cxr/.trap/.frame; undefined means the target's default. */
  registers?: X64Registers;
  /** dx/r pseudo-variables ($t0…, @$name). */
  readonly variables = new Map<string, bigint>();
  /** Typed dx variables (`dx @$ctx = (nt!_HEAP_VS_CONTEXT*) ADDR`): a pointer value and its type. */
  readonly typedVariables = new Map<string, { value: bigint; type: import('../symbols/types.js').Type; module: string }>();

  constructor(readonly target?: SessionTarget) {}

  get memory(): AddressSpace | undefined {
    return this.target?.memory;
  }

  /** The register scope commands should use now. */
  async currentRegisters(): Promise<X64Registers | undefined> {
    return this.registers ?? (await this.target?.defaultRegisters?.());
  }

  async expressionEnv(): Promise<ExpressionEnv> {
    const regs = await this.currentRegisters();
    const target = this.target;
    return {
      pointerSize: target?.pointerSize ?? 8,
      register: (name) => {
        const n = name.toLowerCase();
        if (n.startsWith('$')) {
          if (n === '$ip' && regs) return regs.rip;
          if (n === '$csp' && regs) return regs.rsp;
          if (n === '$proc' || n === '$thread') return this.variables.get(n);
          return this.variables.get(n);
        }
        return regs ? registerValue(regs, n) : undefined;
      },
      symbol: async (name) => target?.resolveSymbol?.(name),
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
