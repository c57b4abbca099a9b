// An image's code laid out as in memory, its .pdata function starts and llvm-objdump's instructions: read
// with llvm-readobj-14 (section table) and by hand from the file bytes (.pdata is 12-byte records), so
// `ub` tests compare against tools independent of our PE reader and disassembler.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { OBJDUMP, type ObjdumpLine, objdumpInstructions } from './objdump.js';

export interface ImageSection {
  name: string;
  rva: number;
  virtualSize: number;
  rawSize: number;
  rawOffset: number;
  executable: boolean;
}

export interface ImageCode {
  base: bigint;
  sections: ImageSection[];
  /** The image as mapped (zero where the file has no bytes). */
  mapped: Uint8Array;
  /** RUNTIME_FUNCTION begins, as addresses. */
  functions: { begin: bigint; end: bigint }[];
  objdump: ObjdumpLine[];
}

export function imageCode(path: string): ImageCode {
  const text = execFileSync('llvm-readobj-14', ['--file-headers', '--sections', path], { encoding: 'utf8' });
  const base = BigInt(/ImageBase: (0x[0-9A-F]+)/i.exec(text)![1]);
  const sections: ImageSection[] = [];
  for (const m of text.matchAll(/Name: (\S+).*\n\s+VirtualSize: (0x[0-9A-F]+)\n\s+VirtualAddress: (0x[0-9A-F]+)\n\s+RawDataSize: (\d+)\n\s+PointerToRawData: (0x[0-9A-F]+)[\s\S]*?Characteristics[^\]]*\]/gi)) {
    sections.push({ name: m[1], virtualSize: Number(m[2]), rva: Number(m[3]), rawSize: Number(m[4]), rawOffset: Number(m[5]), executable: m[0].includes('IMAGE_SCN_MEM_EXECUTE') });
  }
  const file = readFileSync(path);
  const size = Math.max(...sections.map((s) => s.rva + Math.max(s.virtualSize, s.rawSize)));
  const mapped = new Uint8Array(size);
  for (const s of sections) mapped.set(file.subarray(s.rawOffset, s.rawOffset + Math.min(s.rawSize, s.virtualSize)), s.rva);
  const functions: { begin: bigint; end: bigint }[] = [];
  const pdata = sections.find((s) => s.name === '.pdata');
  if (pdata) {
    const view = new DataView(mapped.buffer, pdata.rva, pdata.virtualSize);
    for (let o = 0; o + 12 <= pdata.virtualSize; o += 12) {
      const begin = view.getUint32(o, true);
      const end = view.getUint32(o + 4, true);
      if (begin && end > begin) functions.push({ begin: base + BigInt(begin), end: base + BigInt(end) });
    }
    functions.sort((a, b) => (a.begin < b.begin ? -1 : a.begin > b.begin ? 1 : 0));
  }
  return { base, sections, mapped, functions, objdump: mergePrefixes(objdumpInstructions(path)) };
}

/** objdump prints a lone prefix (`f0 lock`) on its own line; WinDbg and iced make it part of the instruction. */
const PREFIXES = new Set(['lock', 'rep', 'repe', 'repne', 'data16', 'data32', 'addr32', 'cs', 'ds', 'es', 'ss', 'fs', 'gs', 'notrack', 'xacquire', 'xrelease']);
function mergePrefixes(lines: ObjdumpLine[]): ObjdumpLine[] {
  const out: ObjdumpLine[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    const next = lines[i + 1];
    if (PREFIXES.has(l.mnemonic) && next && l.address + BigInt(l.bytes.length / 2) === next.address) {
      lines[i + 1] = { ...next, address: l.address, bytes: l.bytes + next.bytes };
      continue;
    }
    out.push(l);
  }
  return out;
}

export { OBJDUMP };
