// PE images (PE32/PE32+) from a file or from memory: headers, sections, data directories, the CodeView
// record (PDB name, GUID, age) and x64 unwind data. Reads go through a callback that may return undefined
// for bytes that are not available (a paged-out part of a module in a dump): that part degrades, the rest
// still works.
import { LE } from '../../io/bytes.js';
import { FormatError } from '../../io/errors.js';
import type { FunctionUnwind, UnwindOp } from '../../unwind/types.js';

export type PeReader = (offset: number, length: number) => Promise<Uint8Array | undefined>;

export interface PeSection {
  name: string;
  virtualAddress: number;
  virtualSize: number;
  rawPointer: number;
  rawSize: number;
  characteristics: number;
}

export interface CodeViewInfo {
  pdbName: string;
  /** GUID as the symbol-server key writes it: 32 upper-case hex digits, Microsoft byte order. */
  guid: string;
  age: number;
}

export interface RuntimeFunction {
  begin: number;
  end: number;
  unwindRva: number;
}

/** A RUNTIME_FUNCTION that cannot describe any code, and why. */
export interface BadRuntimeFunction extends RuntimeFunction {
  reason: string;
}

/** UNWIND_INFO's RVA: bit 0 flags an indirect entry. Unsigned, so RVAs from 0x80000000 up stay positive. */
export function unwindInfoRva(fn: RuntimeFunction): number {
  return (fn.unwindRva & ~1) >>> 0;
}

const MAX_SECTIONS = 96;
const MAX_PDATA = 1 << 20;
/** Chained UNWIND_INFO records followed at most (real chains are one or two deep). */
const MAX_CHAIN = 32;

function guidString(b: Uint8Array): string {
  const dv = new DataView(b.buffer, b.byteOffset, 16);
  const h = (v: number, w: number) => v.toString(16).toUpperCase().padStart(w, '0');
  return h(dv.getUint32(0, true), 8) + h(dv.getUint16(4, true), 4) + h(dv.getUint16(6, true), 4) + [...b.subarray(8, 16)].map((x) => h(x, 2)).join('');
}

export class PeImage {
  machine = 0;
  timestamp = 0;
  sizeOfImage = 0;
  checksum = 0;
  imageBase = 0n;
  is64 = false;
  sections: PeSection[] = [];
  directories: { rva: number; size: number }[] = [];
  private pdata?: RuntimeFunction[];
  /** Entries of .pdata left out of the lookup table because they cannot be right (end before begin…). */
  private badPdata: BadRuntimeFunction[] = [];

  private constructor(
    private readonly reader: PeReader,
    /** true: offsets are RVAs (an image mapped in memory); false: file offsets. */
    readonly mapped: boolean,
    readonly name: string,
  ) {}

  static async open(reader: PeReader, mapped: boolean, name: string): Promise<PeImage> {
    const pe = new PeImage(reader, mapped, name);
    const dos = await reader(0, 0x40);
    if (!dos) throw new FormatError(`PE ${name}`, 'headers are not present (paged out or not captured)', 0);
    const d = new LE(dos, `PE ${name}`);
    if (d.u16(0) !== 0x5a4d) throw new FormatError(d.format, 'no MZ signature', 0);
    const ntOff = d.u32(0x3c);
    if (ntOff > 0x10000) throw new FormatError(d.format, `e_lfanew 0x${ntOff.toString(16)} is implausible`, 0x3c);
    const ntBytes = await reader(ntOff, 0x108);
    if (!ntBytes) throw new FormatError(d.format, 'NT headers are not present', ntOff);
    const nt = new LE(ntBytes, `PE ${name}`, ntOff);
    if (nt.u32(0) !== 0x4550) throw new FormatError(nt.format, 'no PE signature', ntOff);
    pe.machine = nt.u16(4);
    const nSections = nt.u16(6);
    pe.timestamp = nt.u32(8);
    const optSize = nt.u16(0x14);
    const opt = 0x18;
    const magic = nt.u16(opt);
    if (magic !== 0x10b && magic !== 0x20b) throw new FormatError(nt.format, `optional header magic 0x${magic.toString(16)} is neither PE32 nor PE32+`, ntOff + opt);
    pe.is64 = magic === 0x20b;
    pe.imageBase = pe.is64 ? nt.u64(opt + 0x18) : BigInt(nt.u32(opt + 0x1c));
    pe.sizeOfImage = nt.u32(opt + 0x38);
    pe.checksum = nt.u32(opt + 0x40);
    const ddOff = opt + (pe.is64 ? 0x70 : 0x60);
    const nDirs = Math.min(nt.u32(ddOff - 4), 16);
    for (let i = 0; i < nDirs; i++) pe.directories.push({ rva: nt.u32(ddOff + i * 8), size: nt.u32(ddOff + i * 8 + 4) });
    if (nSections > MAX_SECTIONS) throw new FormatError(nt.format, `${nSections} sections is implausible`, ntOff + 6);
    const secOff = ntOff + opt + optSize;
    const secBytes = await reader(secOff, nSections * 40);
    if (secBytes) {
      const s = new LE(secBytes, `PE ${name} section table`, secOff);
      for (let i = 0; i < nSections; i++) {
        const o = i * 40;
        pe.sections.push({ name: s.ascii(o, 8), virtualSize: s.u32(o + 8), virtualAddress: s.u32(o + 12), rawSize: s.u32(o + 16), rawPointer: s.u32(o + 20), characteristics: s.u32(o + 36) });
      }
    }
    return pe;
  }

  /** Offset to read for an RVA: itself in memory, through the section table in a file. */
  private offsetOf(rva: number): number | undefined {
    if (this.mapped) return rva;
    for (const s of this.sections) {
      if (rva >= s.virtualAddress && rva < s.virtualAddress + Math.max(s.virtualSize, s.rawSize)) {
        const delta = rva - s.virtualAddress;
        return delta < s.rawSize ? s.rawPointer + delta : undefined;
      }
    }
    return rva < (this.sections[0]?.rawPointer ?? 0x400) ? rva : undefined;
  }

  async readRva(rva: number, length: number): Promise<Uint8Array | undefined> {
    const off = this.offsetOf(rva);
    return off === undefined ? undefined : this.reader(off, length);
  }

  sectionAt(rva: number): PeSection | undefined {
    return this.sections.find((s) => rva >= s.virtualAddress && rva < s.virtualAddress + Math.max(s.virtualSize, s.rawSize));
  }

  /** The RSDS CodeView record of the debug directory, when present and readable. */
  async codeView(): Promise<CodeViewInfo | undefined> {
    const dir = this.directories[6];
    if (!dir || dir.rva === 0 || dir.size === 0 || dir.size > 28 * 64) return undefined;
    const entries = await this.readRva(dir.rva, dir.size);
    if (!entries) return undefined;
    const e = new LE(entries, `PE ${this.name} debug directory`);
    for (let o = 0; o + 28 <= entries.length; o += 28) {
      if (e.u32(o + 12) !== 2) continue; // IMAGE_DEBUG_TYPE_CODEVIEW
      const size = e.u32(o + 16);
      if (size < 24 || size > 4096) continue;
      const data = this.mapped ? await this.reader(e.u32(o + 20), size) : await this.reader(e.u32(o + 24), size);
      if (!data) return undefined;
      const cv = new LE(data, `PE ${this.name} CodeView`);
      if (cv.ascii(0, 4) !== 'RSDS') continue;
      return { guid: guidString(cv.sub(4, 16)), age: cv.u32(20), pdbName: cv.cstr(24, size - 24) };
    }
    return undefined;
  }

  /** The sorted RUNTIME_FUNCTION table (.pdata), or [] when absent/unreadable. */
  async runtimeFunctions(): Promise<RuntimeFunction[]> {
    if (this.pdata) return this.pdata;
    const dir = this.directories[3];
    this.pdata = [];
    if (!dir || dir.rva === 0 || dir.size < 12 || !this.is64) return this.pdata;
    const n = Math.floor(dir.size / 12);
    if (n > MAX_PDATA || dir.rva + dir.size > this.sizeOfImage) throw new FormatError(`PE ${this.name}`, `exception directory (0x${dir.size.toString(16)} bytes at RVA 0x${dir.rva.toString(16)}) is outside the image`);
    const bytes = await this.readRva(dir.rva, n * 12);
    if (!bytes) return this.pdata;
    const t = new LE(bytes, `PE ${this.name} .pdata`);
    for (let i = 0; i < n; i++) {
      const fn = { begin: t.u32(i * 12), end: t.u32(i * 12 + 4), unwindRva: t.u32(i * 12 + 8) };
      const why = fn.begin === 0 && fn.end === 0 ? undefined : fn.end <= fn.begin ? `its end 0x${fn.end.toString(16)} is not after its begin` : this.sizeOfImage && fn.end > this.sizeOfImage ? `it ends outside the image (SizeOfImage 0x${this.sizeOfImage.toString(16)})` : '';
      if (why === undefined) continue; // zero padding
      if (why) this.badPdata.push({ ...fn, reason: why });
      else this.pdata.push(fn);
    }
    this.pdata.sort((a, b) => a.begin - b.begin);
    return this.pdata;
  }

  /** The RUNTIME_FUNCTION containing `rva` (binary search). */
  async functionAt(rva: number): Promise<RuntimeFunction | undefined> {
    const t = await this.runtimeFunctions();
    let lo = 0;
    let hi = t.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (rva < t[mid].begin) hi = mid - 1;
      else if (rva >= t[mid].end) lo = mid + 1;
      else return t[mid];
    }
    return undefined;
  }

  /**
   * For an `rva` no valid entry covers: a damaged entry that starts at or below it with no valid entry
   * between, so the address is not taken for a leaf function when its record is what is broken.
   */
  async badFunctionAt(rva: number): Promise<BadRuntimeFunction | undefined> {
    const t = await this.runtimeFunctions();
    let best: BadRuntimeFunction | undefined;
    for (const b of this.badPdata) if (b.begin <= rva && (!best || b.begin > best.begin)) best = b;
    if (!best) return undefined;
    const start = best.begin;
    return t.some((f) => f.begin > start && f.begin <= rva) ? undefined : best;
  }

  /**
   * Decodes the UNWIND_INFO of a function, following chained entries. A chain that comes back to a record
   * already seen, runs deeper than MAX_CHAIN, or a record that is malformed (unknown version or operation,
   * codes running past CountOfCodes) throws a FormatError naming the record's RVA: the stack walker turns it
   * into a note that ends the walk, keeping the frames before it.
   */
  async unwindInfo(fn: RuntimeFunction, seen: Set<number> = new Set()): Promise<FunctionUnwind | undefined> {
    const at = unwindInfoRva(fn);
    if (seen.has(at)) throw new FormatError(`PE ${this.name}`, 'chained unwind information loops back to a record already followed', at);
    if (seen.size >= MAX_CHAIN) throw new FormatError(`PE ${this.name}`, `chained unwind information is more than ${MAX_CHAIN} records deep`, at);
    seen.add(at);
    if (this.sizeOfImage && at + 4 > this.sizeOfImage) throw new FormatError(`PE ${this.name}`, `UNWIND_INFO RVA 0x${at.toString(16)} is outside the image`, at);
    const head = await this.readRva(at, 4);
    if (!head) return undefined;
    const h = new LE(head, `PE ${this.name} UNWIND_INFO`, at);
    const version = h.u8(0) & 7;
    const flags = h.u8(0) >> 3;
    if (version !== 1 && version !== 2) throw new FormatError(h.format, `unwind info version ${version} is not 1 or 2`, at);
    const count = h.u8(2);
    const codesLen = count * 2 + (count & 1 ? 2 : 0);
    const body = await this.readRva(at, 4 + codesLen + 12);
    if (!body) return undefined;
    const u = new LE(body, h.format, at);
    const ops: UnwindOp[] = [];
    for (let i = 0; i < count; ) {
      const off = 4 + i * 2;
      const prologOffset = u.u8(off);
      const op = u.u8(off + 1) & 0xf;
      const info = u.u8(off + 1) >> 4;
      const nodes = unwindNodes(op, info, version);
      if (nodes === undefined) {
        const what = op === 11 ? 'unwind operation 11 (UWOP_SET_FPREG_LARGE, a CoreCLR-on-Unix extension) is not part of Windows x64 unwind data' : `unknown unwind operation ${op}`;
        throw new FormatError(h.format, what, at + off);
      }
      if (i + nodes > count) throw new FormatError(h.format, `unwind operation ${op} needs ${nodes} slots but only ${count - i} of CountOfCodes ${count} remain`, at + off);
      const slot = (k: number) => u.u16(off + 2 * k);
      switch (op) {
        case 0: ops.push({ op: 'push_nonvol', prologOffset, reg: info }); break;
        case 1: ops.push({ op: 'alloc', prologOffset, size: info === 0 ? slot(1) * 8 : slot(1) + slot(2) * 65536 }); break;
        case 2: ops.push({ op: 'alloc', prologOffset, size: info * 8 + 8 }); break;
        case 3: ops.push({ op: 'set_fpreg', prologOffset }); break;
        case 4: ops.push({ op: 'save_nonvol', prologOffset, reg: info, offset: slot(1) * 8 }); break;
        case 5: ops.push({ op: 'save_nonvol', prologOffset, reg: info, offset: slot(1) + slot(2) * 65536 }); break;
        case 6: case 7: ops.push({ op: 'epilog', prologOffset }); break;
        case 8: ops.push({ op: 'save_xmm128', prologOffset, reg: info, offset: slot(1) * 16 }); break;
        case 9: ops.push({ op: 'save_xmm128', prologOffset, reg: info, offset: slot(1) + slot(2) * 65536 }); break;
        case 10: ops.push({ op: 'push_machframe', prologOffset, errorCode: info === 1 }); break;
      }
      i += nodes;
    }
    const result: FunctionUnwind = {
      begin: fn.begin,
      end: fn.end,
      prologSize: u.u8(1),
      frameRegister: u.u8(3) & 0xf,
      frameOffset: u.u8(3) >> 4,
      ops,
      unwindRva: at,
    };
    if (flags & 4) {
      // UNW_FLAG_CHAININFO: a RUNTIME_FUNCTION of the parent follows the codes.
      const c = 4 + codesLen;
      const parent = { begin: u.u32(c), end: u.u32(c + 4), unwindRva: u.u32(c + 8) };
      result.chained = await this.unwindInfo(parent, seen);
    }
    return result;
  }
}

/** Slots (UNWIND_CODE nodes) an operation occupies; undefined for operations Windows does not define. */
function unwindNodes(op: number, info: number, version: number): number | undefined {
  switch (op) {
    case 0: case 2: case 3: case 10: return 1;
    case 1: return info === 0 ? 2 : 3;
    case 4: case 8: return 2;
    case 5: case 9: return 3;
    // Version 2's UWOP_EPILOG is one slot; in version 1, operation 6 was a two-slot save (UWOP_SAVE_XMM).
    case 6: return version === 2 ? 1 : 2;
    case 7: return 3;
    default: return undefined;
  }
}
