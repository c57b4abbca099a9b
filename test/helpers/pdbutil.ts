// Runs llvm-pdbutil (Debian's LLVM: an independent PDB reader) and parses the parts of its text dumps
// that tests compare against.
import { execFileSync } from 'node:child_process';

export function pdbutilMissing(): false | string {
  try {
    execFileSync('llvm-pdbutil', ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'llvm-pdbutil is not installed (apt install llvm-14)';
  }
}

export function pdbutil(args: string[]): string {
  return execFileSync('llvm-pdbutil', args, { encoding: 'utf8', maxBuffer: 1 << 30 });
}

export interface PdbutilMember {
  name: string;
  type: number;
  typeText: string;
  offset: number;
}
export interface PdbutilRecord {
  ti: number;
  leaf: string;
  name?: string;
  text: string;
}

/** Splits `dump -types` output into records keyed by type index. */
export function parseTypes(text: string): Map<number, PdbutilRecord> {
  const out = new Map<number, PdbutilRecord>();
  const re = /^\s+0x([0-9A-F]+) \| (LF_\w+) \[size = \d+\](?: `(.*)`)?$/gm;
  const heads = [...text.matchAll(re)];
  heads.forEach((m, i) => {
    const end = i + 1 < heads.length ? heads[i + 1].index : text.length;
    out.set(Number.parseInt(m[1], 16), { ti: Number.parseInt(m[1], 16), leaf: m[2], name: m[3], text: text.slice(m.index, end) });
  });
  return out;
}

export function members(rec: PdbutilRecord): PdbutilMember[] {
  const re = /- LF_MEMBER \[name = `(.*)`, Type = 0x([0-9A-F]+)(?: \((.*)\))?, offset = (\d+), attrs = \w+\]/g;
  return [...rec.text.matchAll(re)].map((m) => ({ name: m[1], type: Number.parseInt(m[2], 16), typeText: m[3] ?? '', offset: Number(m[4]) }));
}

export function udtInfo(rec: PdbutilRecord): { forward: boolean; size: number; fieldList?: number } {
  const fl = /field list: (?:0x([0-9A-F]+)|<no type>)/.exec(rec.text);
  const size = /sizeof (\d+)/.exec(rec.text);
  return { forward: /forward ref/.test(rec.text), size: Number(size?.[1] ?? -1), fieldList: fl?.[1] ? Number.parseInt(fl[1], 16) : undefined };
}

export function bitfield(rec: PdbutilRecord): { type: number; position: number; length: number } | undefined {
  const m = /type = 0x([0-9A-F]+).*, bit offset = (\d+), # bits = (\d+)/.exec(rec.text);
  return m ? { type: Number.parseInt(m[1], 16), position: Number(m[2]), length: Number(m[3]) } : undefined;
}
