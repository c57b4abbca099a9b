// Which type `dumpscope pdb --type X` means: a type index as `--types` prints it (`0x1d25`, a PDB's only), or
// a name. A name several different definitions share ('<anonymous-tag>', or one name in two compilands) is
// not guessed: the choices are listed with their indices.
import { PdbFile } from '../../formats/pdb/pdb.js';
import { typeLayout } from '../../symbols/layout.js';
import type { SymbolSource } from '../../symbols/symbol-source.js';
import type { Type } from '../../symbols/types.js';

export type TypeChoice = { type: Type; asked?: string } | { error: string };

/** At most this many candidates are named in the message (a PDB may define hundreds of anonymous types). */
const MAX_LISTED = 20;

export async function chooseType(source: SymbolSource, asked: string, file: string): Promise<TypeChoice> {
  const pdb = source instanceof PdbFile ? source : undefined;
  if (/^0x[0-9a-f]+$/i.test(asked)) {
    if (!pdb) return { error: `${asked} is a type index, which only a PDB has: ${file} is an ISF table, name the type instead` };
    const ti = Number.parseInt(asked.slice(2), 16);
    const t = (await pdb.types()).typeAtIndex(ti);
    return t ? { type: t } : { error: `${file} has no type at index ${asked} (its types are listed by --types)` };
  }
  if (pdb) {
    const types = await pdb.types();
    const tis = types.definitionsNamed(asked);
    if (tis.length > 1) {
      // Repeated identical definitions (the same header in several compilands) are one type.
      const layouts = tis.map((ti) => JSON.stringify(typeLayout(types.type(ti))));
      if (layouts.some((l) => l !== layouts[0])) {
        const listed = tis.slice(0, MAX_LISTED).map((ti) => {
          const t = types.type(ti);
          return `0x${ti.toString(16)} (${t.kind === 'udt' ? t.udtKind : t.kind}, ${t.size} bytes)`;
        });
        const more = tis.length > MAX_LISTED ? `, and ${tis.length - MAX_LISTED} more` : '';
        return { error: `${tis.length} different types named ${asked} in ${file}: ${listed.join(', ')}${more}; choose one by index, e.g. --type 0x${tis[0].toString(16)}` };
      }
      return { type: types.type(tis[0]), asked };
    }
  }
  const t = await source.findType(asked);
  return t ? { type: t, asked } : { error: `no type named ${asked} in ${file}` };
}
