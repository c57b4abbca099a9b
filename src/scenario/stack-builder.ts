// Lays out a kernel stack whose every frame is what the images' unwind data dictates: for each function of
// a call chain (innermost first) the return address goes exactly where unwinding that function's prologue
// puts the caller's stack pointer, and interrupt handlers get a KTRAP_FRAME with a machine frame.
import { decode } from '../disasm/x64.js';
import { FormatError } from '../io/errors.js';
import { type FunctionUnwind, UNWIND_REGS } from '../unwind/types.js';
import { type LoadedImage, symbolAddress } from './images.js';
import type { MemoryBuilder } from './memory-builder.js';

export interface ChainFrame {
  image: LoadedImage;
  fn: string;
  /** 'entry': stopped at the first instruction (KeBugCheckEx); 'body': after the prologue; an address: there. */
  at?: 'entry' | 'body' | bigint;
  /** An interrupt handler whose frame is a KTRAP_FRAME; the next frame is the interrupted code. */
  trap?: boolean;
  /**
   * For a trap: the interrupted code's rsp is 16-byte aligned (a function body after its prologue), so the
   * processor pushed the machine frame right below it and the trap frame ends exactly there. Otherwise it
   * is 8 off alignment and the processor's alignment left a gap of 8 bytes.
   */
  alignedInterruptedSp?: boolean;
  /**
   * Non-volatile registers this function changed (its body's values, where they differ from its caller's).
   * Its prologue must save each of them (except in the outermost frame): the builder writes the caller's
   * values into the save slots its unwind data names, so unwinding restores every frame's registers.
   */
  regs?: Partial<NonVolatileRegisters>;
}

export const NON_VOLATILE = ['rbx', 'rbp', 'rsi', 'rdi', 'r12', 'r13', 'r14', 'r15'] as const;
export type NonVolatileRegisters = Record<(typeof NON_VOLATILE)[number], bigint>;

export interface BuiltFrame {
  image: LoadedImage;
  fn: string;
  ip: bigint;
  sp: bigint;
  /** The four home slots above the return address (where `kb` reads a frame's arguments). */
  homeSpace?: bigint;
  /** For trap handlers: the KTRAP_FRAME address (= sp). */
  trapFrame?: bigint;
  /** The non-volatile registers while this frame runs (what unwinding to it restores). */
  regs: NonVolatileRegisters;
}

/** A register the prologue saved, and where (the slot unwinding reads it back from). */
interface SaveSlot {
  reg: string;
  at: bigint;
}

/**
 * Where the prologue operations done at `offset` saved registers, for a frame whose stack pointer is `sp`:
 * the unwinder's own walk (push slots in code order, save_nonvol at sp + offset; chained records after the
 * primary one, each from the stack pointer reached). Stops at a machine frame.
 */
function saveSlots(u: FunctionUnwind, offset: number, sp: bigint): SaveSlot[] {
  const out: SaveSlot[] = [];
  let rsp = sp;
  let primary = true;
  for (let x: FunctionUnwind | undefined = u, n = 0; x && n < 8; x = x.chained, n++) {
    const base = rsp;
    const inProlog = primary && offset < x.prologSize;
    for (const op of x.ops) {
      if (inProlog && op.prologOffset > offset) continue;
      if (op.op === 'push_nonvol') {
        out.push({ reg: UNWIND_REGS[op.reg], at: rsp });
        rsp += 8n;
      } else if (op.op === 'alloc') rsp += BigInt(op.size);
      else if (op.op === 'save_nonvol') out.push({ reg: UNWIND_REGS[op.reg], at: base + BigInt(op.offset) });
      else if (op.op === 'push_machframe') return out;
    }
    primary = false;
  }
  return out;
}

/** Bytes of prologue allocation and pushes applied at `offset` into the function (all when past it). */
function frameBytes(u: FunctionUnwind, offset: number): { size: number; machine?: { errorCode: boolean } } {
  let size = 0;
  let machine: { errorCode: boolean } | undefined;
  const apply = (x: FunctionUnwind, all: boolean) => {
    for (const op of x.ops) {
      if (!all && op.prologOffset > offset) continue;
      if (op.op === 'alloc') size += op.size;
      else if (op.op === 'push_nonvol') size += 8;
      else if (op.op === 'push_machframe') machine = { errorCode: op.errorCode };
      else if (op.op === 'set_fpreg') throw new FormatError('scenario', 'frame-pointer functions are not laid out by the scenario builder');
    }
  };
  apply(u, false);
  for (let c = u.chained, n = 0; c && n < 8; c = c.chained, n++) apply(c, true);
  return { size, machine };
}

async function unwindOf(image: LoadedImage, ip: bigint) {
  const fn = await image.pe.functionAt(Number(ip - image.base));
  return fn ? { fn, info: await image.pe.unwindInfo(fn) } : undefined;
}

/**
 * The return address in `caller` after its call to `callee` (direct, or through the import slot `slot` reads
 * as `callee`: a bound IAT entry), or after its first indirect call.
 */
export async function returnAddressFor(caller: LoadedImage, callerFn: string, callee?: bigint, slot?: (at: bigint) => bigint): Promise<bigint> {
  const start = await symbolAddress(caller, callerFn);
  const f = await caller.pe.functionAt(Number(start - caller.base));
  const end = f ? caller.base + BigInt(f.end) : start + 0x200n;
  const code = caller.bytes;
  const sec = caller.pe.sections.find((s) => Number(start - caller.base) >= s.virtualAddress && Number(start - caller.base) < s.virtualAddress + s.virtualSize);
  if (!sec) throw new FormatError(caller.fileName, `${callerFn} is outside every section`);
  const fileOff = Number(start - caller.base) - sec.virtualAddress + sec.rawPointer;
  const bytes = code.subarray(fileOff, fileOff + Number(end - start));
  const ins = await decode(bytes, start, 4096, async () => undefined);
  let indirect: bigint | undefined;
  for (const i of ins) {
    if (!i.mnemonic.startsWith('call')) continue;
    const next = i.address + BigInt(i.bytes.length);
    if (callee !== undefined && (i.branchTarget === callee || (i.ripTarget !== undefined && i.branchTarget === undefined && slot?.(i.ripTarget) === callee))) return next;
    if (i.branchTarget === undefined && indirect === undefined) indirect = next;
  }
  if (indirect !== undefined) return indirect;
  throw new FormatError(caller.fileName, `${callerFn} has no call to ${callee?.toString(16) ?? 'an indirect target'}`);
}

/**
 * Writes the chain's frames below `top` (the initial stack pointer of the innermost frame is returned in
 * frames[0].sp). Trap frames receive the interrupted rip/rsp; other registers are the caller's business.
 */
export async function buildStack(mem: MemoryBuilder, chain: ChainFrame[], sp0: bigint, outer: Partial<NonVolatileRegisters> = {}): Promise<BuiltFrame[]> {
  const ips: bigint[] = [];
  for (let i = 0; i < chain.length; i++) {
    const c = chain[i];
    const start = await symbolAddress(c.image, c.fn);
    if (typeof c.at === 'bigint') ips.push(c.at);
    else if (c.at === 'entry') ips.push(start);
    else if (c.at === 'body') {
      const u = await unwindOf(c.image, start);
      ips.push(start + BigInt(u?.info?.prologSize ?? 0));
    } else {
      const prev = chain[i - 1];
      if (!prev) throw new FormatError('scenario', `${c.fn}: the innermost frame needs an explicit position`);
      // A call into another image goes through the caller's import table, bound in `mem`.
      const slot = (at: bigint) => new DataView(mem.read(at, 8).buffer).getBigUint64(0, true);
      ips.push(await returnAddressFor(c.image, c.fn, await symbolAddress(prev.image, prev.fn), slot));
    }
  }
  const out: BuiltFrame[] = [];
  const slots: SaveSlot[][] = [];
  let sp = sp0;
  for (let i = 0; i < chain.length; i++) {
    const c = chain[i];
    const ip = ips[i];
    const next = ips[i + 1] ?? 0n;
    const u = await unwindOf(c.image, ip);
    const fb = u?.info ? frameBytes(u.info, Number(ip - c.image.base) - u.fn.begin) : { size: 0 };
    slots.push(u?.info ? saveSlots(u.info, Number(ip - c.image.base) - u.fn.begin, sp) : []);
    if (c.trap) {
      if (!fb.machine) throw new FormatError(c.image.fileName, `${c.fn} has no machine frame in its unwind data`);
      // The handler's frame is the trap frame; the machine frame (error code, rip, cs, rflags, rsp, ss) ends it.
      const mf = sp + BigInt(fb.size) + (fb.machine.errorCode ? 8n : 0n);
      const end = mf + 0x28n;
      if (c.alignedInterruptedSp && (end & 0xfn) !== 0n) throw new FormatError('scenario', `${c.fn}: its machine frame ends at ${end.toString(16)}, not 16-byte aligned`);
      const interruptedSp = c.alignedInterruptedSp ? end : ((end + 0xfn) & ~0xfn) + 8n;
      mem.u64(mf, next);
      mem.u64(mf + 8n, 0x10n);
      mem.u64(mf + 0x10n, 0x10282n);
      mem.u64(mf + 0x18n, interruptedSp);
      mem.u64(mf + 0x20n, 0x18n);
      out.push({ image: c.image, fn: c.fn, ip, sp, trapFrame: sp, regs: zeroNonVolatile() });
      sp = interruptedSp;
      continue;
    }
    const retAt = sp + BigInt(fb.size);
    mem.u64(retAt, next);
    out.push({ image: c.image, fn: c.fn, ip, sp, homeSpace: retAt + 8n, regs: zeroNonVolatile() });
    sp = retAt + 8n;
  }
  // Registers from the outermost frame inwards: each frame saved its caller's values where its prologue says
  // and then holds its own; a register changed without being saved would corrupt the caller's.
  let callers: NonVolatileRegisters = { ...zeroNonVolatile(), ...outer };
  for (let i = chain.length - 1; i >= 0; i--) {
    const saved = new Set(slots[i].map((x) => x.reg));
    for (const s of slots[i]) mem.u64(s.at, callers[s.reg as keyof NonVolatileRegisters] ?? 0n);
    const own = chain[i].regs ?? {};
    const unsaved = Object.keys(own).filter((r) => !saved.has(r) && own[r as keyof NonVolatileRegisters] !== callers[r as keyof NonVolatileRegisters]);
    if (unsaved.length && i < chain.length - 1) throw new FormatError(chain[i].image.fileName, `${chain[i].fn} changes ${unsaved.join(', ')} without saving it in its prologue`);
    callers = { ...callers, ...own };
    out[i].regs = callers;
  }
  return out;
}

function zeroNonVolatile(): NonVolatileRegisters {
  return { rbx: 0n, rbp: 0n, rsi: 0n, rdi: 0n, r12: 0n, r13: 0n, r14: 0n, r15: 0n };
}

const ARGUMENT_REGISTERS = ['rcx', 'rdx', 'r8', 'r9'];
/** Instructions of a prologue read for home-space stores. */
const PROLOG_SCAN = 16;

/**
 * Stores a frame's register arguments (`args`: rcx, rdx, r8, r9 at the call) in its home space, each only if
 * the function's own code stores that register there (`mov qword ptr [rsp+8],rcx` … before its prologue's
 * stack allocation, as Windows' KeBugCheckEx does); a function that keeps its arguments elsewhere leaves the
 * slots alone, as it would on a real machine. Returns the registers stored.
 */
export async function storeHomeArguments(mem: MemoryBuilder, frame: BuiltFrame, args: bigint[]): Promise<string[]> {
  if (frame.homeSpace === undefined) return [];
  const start = await symbolAddress(frame.image, frame.fn);
  const rva = Number(start - frame.image.base);
  const sec = frame.image.pe.sections.find((x) => rva >= x.virtualAddress && rva < x.virtualAddress + x.virtualSize);
  if (!sec) throw new FormatError(frame.image.fileName, `${frame.fn} is outside every section`);
  const off = rva - sec.virtualAddress + sec.rawPointer;
  const stored: string[] = [];
  for (const ins of await decode(frame.image.bytes.subarray(off, off + 0x80), start, PROLOG_SCAN)) {
    const m = /^qword ptr \[rsp\+([0-9a-f]+)h?\],(r\w+)$/.exec(ins.operands);
    if (ins.mnemonic !== 'mov' || !m) break;
    const slot = Number.parseInt(m[1], 16) / 8 - 1;
    const reg = ARGUMENT_REGISTERS.indexOf(m[2]);
    if (reg < 0 || slot !== reg || args[reg] === undefined) continue;
    mem.u64(frame.homeSpace + BigInt(slot * 8), args[reg]);
    stored.push(m[2]);
  }
  return stored;
}
