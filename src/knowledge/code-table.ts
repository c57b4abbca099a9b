// Lazily parsed "hex:NAME,…" tables (see src/knowledge/generated): the browser bundle carries compact
// strings, and a Map is built only when a lookup first needs it.

/** Every [value, name] pair of a table, in table order. */
export function tableEntries(source: string): [number, string][] {
  return source.split(',').map((pair) => {
    const i = pair.indexOf(':');
    return [Number.parseInt(pair.slice(0, i), 16) >>> 0, pair.slice(i + 1)];
  });
}

export function tableLookup(source: string): (code: number) => string | undefined {
  let map: Map<number, string> | undefined;
  return (code) => {
    map ??= new Map(tableEntries(source));
    return map.get(code >>> 0);
  };
}
