// A module's export table as a symbol source: the fallback when neither a PDB nor an ISF table matches,
// so stacks show `module!ExportedFunction+0x10` rather than `module+0x1234`.
import type { PeExports } from '../formats/pe/pe-directories.js';
import type { SymbolInfo, SymbolMatch, SymbolSource } from './symbol-source.js';
import type { Type } from './types.js';

export class ExportSymbolSource implements SymbolSource {
  readonly kind = 'exports' as const;
  /** One entry per exported address (its first name), for address lookups. */
  private readonly sorted: SymbolInfo[];
  /** Every name, aliases included, for `x` and name lookups. */
  private readonly all: SymbolInfo[];
  private readonly byName = new Map<string, SymbolInfo>();

  constructor(
    readonly description: string,
    exports: PeExports,
  ) {
    const live = exports.entries.filter((e) => !e.forwarder);
    const info = (name: string, rva: number): SymbolInfo => ({ name, rva, kind: 'export', isFunction: true });
    this.sorted = live.map((e) => info(e.name ?? `Ordinal${e.ordinal}`, e.rva)).sort((a, b) => a.rva - b.rva);
    this.all = live.flatMap((e) => [info(e.name ?? `Ordinal${e.ordinal}`, e.rva), ...(e.aliases ?? []).map((a) => info(a, e.rva))]).sort((a, b) => a.rva - b.rva);
    for (const s of this.all) if (!this.byName.has(s.name)) this.byName.set(s.name, s);
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
    return this.all;
  }

  async findType(): Promise<Type | undefined> {
    return undefined;
  }

  async typeNames(): Promise<readonly string[]> {
    return [];
  }
}
