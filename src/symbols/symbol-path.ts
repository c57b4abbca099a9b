// WinDbg's symbol path syntax: ';'-separated entries, each a plain directory, `cache*DIR` (a local cache
// for the server entries after it), or `srv*[CACHE*...]URL` / `symsrv*symsrv.dll*[CACHE*...]URL` (a
// symbol server with downstream stores searched and filled in order). A bare `srv*` is Microsoft's server
// behind the default cache; `srv**URL` (an empty store) also means the default cache.

export type SymbolPathEntry =
  | { kind: 'dir'; path: string }
  | { kind: 'cache'; path: string }
  | { kind: 'server'; caches: string[]; url: string };

export const MICROSOFT_SYMBOL_SERVER = 'https://msdl.microsoft.com/download/symbols';

const isUrl = (s: string) => /^https?:\/\//i.test(s);

export function parseSymbolPath(text: string): SymbolPathEntry[] {
  const out: SymbolPathEntry[] = [];
  for (const raw of text.split(';')) {
    const e = raw.trim();
    if (!e) continue;
    const parts = e.split('*').map((p) => p.trim());
    const head = parts[0].toLowerCase();
    if (head === 'srv' || head === 'symsrv') {
      const rest = parts.slice(head === 'symsrv' ? 2 : 1);
      const last = rest.at(-1) ?? '';
      if (rest.every((p) => !p)) out.push({ kind: 'server', caches: [], url: MICROSOFT_SYMBOL_SERVER });
      else if (isUrl(last)) out.push({ kind: 'server', caches: rest.slice(0, -1).filter(Boolean), url: last.replace(/\/+$/, '') });
      else {
        // `srv*DIR` with no URL: a local store in symbol-store layout.
        for (const p of rest.filter(Boolean)) out.push({ kind: 'dir', path: p });
      }
    } else if (head === 'cache') {
      if (parts[1]) out.push({ kind: 'cache', path: parts.slice(1).join('*') });
    } else if (isUrl(e)) out.push({ kind: 'server', caches: [], url: e.replace(/\/+$/, '') });
    else out.push({ kind: 'dir', path: e });
  }
  return out;
}

export function formatSymbolPath(entries: readonly SymbolPathEntry[]): string {
  return entries
    .map((e) => (e.kind === 'dir' ? e.path : e.kind === 'cache' ? `cache*${e.path}` : ['srv', ...e.caches, e.url].join('*')))
    .join(';');
}

/** The path used when none is given: Microsoft's public server behind a per-user cache. */
export function defaultSymbolPath(cacheDir: string): string {
  return `srv*${cacheDir}*${MICROSOFT_SYMBOL_SERVER}`;
}

/** The symbol-store directory key of a PDB: GUID (32 upper-case hex digits) followed by the age in hex. */
export function pdbKey(guid: string, age: number): string | undefined {
  if (!/^[0-9A-Fa-f]{32}$/.test(guid) || !Number.isSafeInteger(age) || age < 0) return undefined;
  return `${guid.toUpperCase()}${age.toString(16).toUpperCase()}`;
}

/** The compressed (CAB) variant of a store file name: the last character replaced by '_'. */
export function compressedName(name: string): string {
  return `${name.slice(0, -1)}_`;
}

/**
 * `.sympath+ ADDITION`: the current path with more entries after it (WinDbg appends; an empty current path
 * becomes the addition alone). Entries already present are not repeated; case counts (`/sym` and `/SYM` are
 * two directories on most systems dumpscope runs on).
 */
export function appendSymbolPath(current: string, addition: string): string {
  const have = new Set(current.split(';').map((e) => e.trim()).filter(Boolean));
  const add: string[] = [];
  for (const e of addition.split(';').map((x) => x.trim())) {
    if (e && !have.has(e)) {
      have.add(e);
      add.push(e);
    }
  }
  return [current.trim(), ...add].filter(Boolean).join(';');
}
