// Helpers the bugcheck families share: structures read by field name with a note when they cannot be,
// bounded strings, a stack's first frame outside Windows, and what the page tables say about an address.
import type { KernelTarget } from '../../target/kernel-target.js';
import type { KernelTypes, StructView } from '../../target/struct-view.js';
import type { X64Registers } from '../../target/x64-registers.js';
import { addr64 } from '../../util/hex.js';
import { isOsModule } from '../os-modules.js';
import type { FamilyBlame, FamilyResult } from './types.js';

const MAX_FRAMES = 64;

export function isKernelAddress(v: bigint): boolean {
  return v >= 0xffff800000000000n && v <= 0xfffffffffffffff0n;
}

/** nt's types, or a note saying what could not be done without them. */
export async function typesFor(t: KernelTarget, res: FamilyResult, what: string): Promise<KernelTypes | undefined> {
  const kt = await t.kernelTypes().catch(() => undefined);
  if (!kt) res.notes.push(`${what} needs nt's types (its PDB or an ISF table on the symbol path)`);
  return kt;
}

/** A structure read by field name, or undefined with a note naming the type, the address and why. */
export async function readView(t: KernelTarget, kt: KernelTypes, type: string, address: bigint, res: FamilyResult, what: string): Promise<StructView | undefined> {
  if (!isKernelAddress(address)) {
    res.notes.push(`${what}: ${addr64(address)} is not a kernel address, so it cannot be a ${type}`);
    return undefined;
  }
  try {
    return await kt.read(t.memory, type, address);
  } catch (e) {
    res.notes.push(`${what} (dt nt!${type} ${address.toString(16)}) is not readable: ${(e as Error).message}`);
    return undefined;
  }
}

export async function readPointer(t: KernelTarget, va: bigint): Promise<bigint | undefined> {
  const b = await t.memory.read(va, 8).catch(() => undefined);
  return b ? new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true) : undefined;
}

/** A field's value when the type has it and its bytes were read. */
export function optUint(v: StructView, path: string): bigint | undefined {
  return v.has(path) ? v.uint(path) : undefined;
}

/** A NUL-terminated string of single bytes (or UTF-16 code units) at `va`, at most `max` characters, printable only. */
export async function readCString(t: KernelTarget, va: bigint, max = 256, wide = false): Promise<string | undefined> {
  if (!isKernelAddress(va)) return undefined;
  const unit = wide ? 2 : 1;
  const s = await t.memory.readSparse(va, max * unit);
  let out = '';
  for (let i = 0; i + unit <= s.bytes.length; i += unit) {
    if (!s.valid[i] || (wide && !s.valid[i + 1])) break;
    const c = wide ? s.bytes[i] | (s.bytes[i + 1] << 8) : s.bytes[i];
    if (c === 0) return out || undefined;
    if (c < 0x20 && c !== 9 && c !== 10 && c !== 13) return undefined;
    out += String.fromCharCode(c);
  }
  return out || undefined;
}

export interface FrameInfo {
  index: number;
  ip: bigint;
  module?: string;
  /** 'EvilDriver!FillAndFree+0x2a' or the raw address. */
  text: string;
  guessed: boolean;
}

/** Walks a stack (bounded) and returns its frames with the first one outside Windows, if any. */
export async function walkFrames(t: KernelTarget, regs: X64Registers, bounds: { stackLimit?: bigint; stackBase?: bigint } = {}): Promise<{ frames: FrameInfo[]; outside?: FrameInfo; note?: string }> {
  const walked = await t.walk(regs, { maxFrames: MAX_FRAMES, ...bounds });
  const frames: FrameInfo[] = [];
  for (const f of walked) {
    const m = t.modules.at(f.ip);
    frames.push({ index: f.index, ip: f.ip, module: m?.name, text: (await t.symbolize(f.ip)) ?? addr64(f.ip), guessed: walked[f.index - 1]?.guessed ?? false });
  }
  const outside = frames.find((f) => f.module && !f.guessed && !isOsModule(f.module));
  return { frames, outside, note: walked.at(-1)?.note };
}

/** Blame for a code address: its module, with the function when symbols name it. */
export async function blameAt(t: KernelTarget, address: bigint): Promise<FamilyBlame | undefined> {
  const p = await t.symbolParts(address);
  if (!p) return undefined;
  const symbolName = p.symbol ? `${p.module.name}!${p.symbol}+${p.displacement.toString(16)}` : `${p.module.name}+${p.displacement.toString(16)}`;
  return { module: p.module.name, imageName: p.module.imageName, symbolName, symbol: p.symbol, offset: p.displacement };
}

/** What the page tables say about `va`, as one sentence for an evidence line. */
export async function pageFact(t: KernelTarget, va: bigint): Promise<string> {
  const tr = await t.translate(va).catch(() => undefined);
  if (!tr) return `the page tables of ${addr64(va)} are not in this dump`;
  const s = tr.state;
  switch (s.kind) {
    case 'valid':
      return `${addr64(va)} is mapped: valid PTE, PFN ${s.pfn.toString(16)}`;
    case 'freed':
      return `${addr64(va)} is not mapped: the PTE says the page was freed`;
    case 'transition':
      return `${addr64(va)} is not valid: its page is in transition (PFN ${s.pfn.toString(16)})`;
    case 'pagefile':
      return `${addr64(va)} is not valid: its page is in paging file ${s.pageFileNumber} at offset ${s.pageFileOffset.toString(16)}`;
    case 'demand-zero':
      return `${addr64(va)} is not valid: demand-zero PTE`;
    case 'prototype':
      return `${addr64(va)} is not valid: prototype PTE at ${addr64(s.protoAddress)}`;
    case 'zero':
      return `${addr64(va)} is not mapped: ${tr.reason ?? 'its paging entry is zero'}`;
    case 'not-in-dump':
      return `the paging entries of ${addr64(va)} are not in this dump`;
  }
}

/** The number of set bits (a single-bit difference between two values points at memory hardware). */
export function popcount(v: bigint): number {
  let n = 0;
  for (let x = BigInt.asUintN(64, v); x; x &= x - 1n) n++;
  return n;
}
