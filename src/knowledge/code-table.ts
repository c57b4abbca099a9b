// Lazily parsed "hex:NAME,…" tables (see src/knowledge/generated).
export function tableLookup(source: string): (code: number) => string | undefined {
  let map: Map<number, string> | undefined;
  return (code) => {
    if (!map) {
      map = new Map();
      for (const pair of source.split(',')) {
        const i = pair.indexOf(':');
        map.set(Number.parseInt(pair.slice(0, i), 16), pair.slice(i + 1));
      }
    }
    return map.get(code >>> 0);
  };
}
