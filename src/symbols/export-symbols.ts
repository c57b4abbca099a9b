// A module's export table as a symbol source: the fallback when neither a PDB nor an ISF table matches,
// so stacks show `module!ExportedFunction+0x10` rather than `module+0x1234`.
import type { PeExports } from '../formats/pe/pe-directories.js';
import type { SymbolInfo, SymbolMatch, SymbolSource } from './symbol-source.js';
import type { Type } from './types.js';

export class ExportSymbolSource implements SymbolSource {
  readonly kind = 'exports' as const;
  private readonly sorted: SymbolInfo[];
  private readonly byName = new Map<string, SymbolInfo>();

  constructor(
    readonly description: string,
    exports: PeExports,
  ) {
    this.sorted = exports.entries
      .filter((e) => !e.forwarder)
      .map((e) => ({ name: e.name ?? `Ordinal${e.ordinal}`, rva: e.rva, kind: 'export' as const, isFunction: true }))
      .sort((a, b) => a.rva - b.rva);
    for (const s of this.sorted) if (!this.byName.has(s.name)) this.byName.set(s.name, s);
  }

  async symbolAt(rva: number): Promise<SymbolMatch | undefined> {
    let lo = 0;
    let hi = this.sorted.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid].rva <= rva) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? undefined : { symbol: this.sorted[found], displacement: rva - this.sorted[found].rva };
  }

  async lookup(name: string): Promise<SymbolInfo | undefined> {
    return this.byName.get(name);
  }

  async symbols(): Promise<readonly SymbolInfo[]> {
    return this.sorted;
  }

  async findType(): Promise<Type | undefined> {
    return undefined;
  }

  async typeNames(): Promise<readonly string[]> {
    return [];
  }
}
