// Contract for the ISF reader (Volatility 3 symbol tables, plain or .json.xz). Implemented in this folder.
import type { ByteSource } from '../../io/byte-source.js';
import { UnsupportedError } from '../../io/errors.js';
import type { SymbolSource } from '../../symbols/symbol-source.js';

/** Opens a Volatility ISF table (JSON or xz-compressed JSON) as a SymbolSource. */
export async function loadIsf(source: ByteSource): Promise<SymbolSource> {
  throw new UnsupportedError(`ISF reader not implemented yet (${source.name})`);
}
