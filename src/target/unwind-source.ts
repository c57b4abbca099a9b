// What the stack walker gets from the kernel target: each address's unwind data (bad records reported as
// such, not thrown), the registers of kernel trap frames behind machine frames, function symbols to judge
// scan candidates by, and the stacks a thread's walk may use (its kernel stack, the processors' DPC and
// ISR stacks). Structure fields are read by name through nt's types.
import { unwindInfoRva } from '../formats/pe/pe-image.js';
import { DumpscopeError, FormatError } from '../io/errors.js';
import type { FunctionSymbol, TrapFrameRestore, UnwindData, UnwindLookup } from '../unwind/types.js';
import type { StackRange, UnwindOptions } from '../unwind/x64-unwinder.js';
import type { ThreadInfo } from './kernel-objects.js';
import type { KernelTarget } from './kernel-target.js';
import type { ModuleInfo } from './modules.js';
import type { KernelTypes } from './struct-view.js';
import type { X64Registers } from './x64-registers.js';
import { TRAP_SAVED_REGISTERS } from './trap-frame.js';

const KERNEL_SPACE = 0xffff800000000000n;
/**
 * Size of the DPC and ISR stacks the x64 kernel allocates per processor (KERNEL_STACK_SIZE, 24 KiB). The
 * types give only the stacks' top (KPRCB.DpcStack); the size is a constant of the x64 kernel, not a field.
 */
const PROCESSOR_STACK_SIZE = 0x6000n;
/** A kernel stack larger than this is not believed (large-stack threads use 72 KiB; leave ample room). */
const MAX_THREAD_STACK = 0x100000n;
/** Public symbols carry no sizes: one this far below an address is not its function. */
const MAX_PUBLIC_DISPLACEMENT = 0x10000;
const IMAGE_SCN_MEM_EXECUTE = 0x20000000;

/** Stack bounds for a walk, spreadable into UnwindOptions. */
export interface StackBounds extends Pick<UnwindOptions, 'stackLimit' | 'stackBase' | 'stacks'> {
  /** The stack the starting rsp is on. */
  current: StackRange;
  /** Why the walk is bounded by a window rather than by a stack the dump describes. */
  note?: string;
}

/**
 * How far above rsp a walk may go when rsp is on no stack the dump describes: a kernel stack's size
 * (KERNEL_STACK_SIZE), so a wrong rsp cannot make the walk wander through memory.
 */
const RSP_WINDOW = 0x6000n;

function hex(v: bigint): string {
  return v.toString(16).padStart(16, '0').replace(/^(.{8})/, '$1`');
}

function reasonOf(e: unknown): string {
  if (e instanceof FormatError) return `${e.what}${e.offset === undefined ? '' : ` (at RVA 0x${e.offset.toString(16)})`}`;
  return e instanceof Error ? e.message : String(e);
}

/** The unwind data plumbing of a kernel target (KernelTarget.unwindData). */
export function kernelUnwindData(t: KernelTarget): UnwindData {
  return {
    lookup: (address) => lookup(t, address),
    readCode: (address, length) => t.readCode(address, length),
    isCodeAddress: (a) => t.modules.at(a) !== undefined,
    trapFrame: (slot, handler) => trapFrameAt(t, slot, handler),
    functionAt: (a) => functionSymbolAt(t, a),
  };
}

async function lookup(t: KernelTarget, address: bigint): Promise<UnwindLookup> {
  const m = t.modules.at(address);
  if (!m) return { kind: 'unknown' };
  const img = await t.image(m).catch((e: unknown) => ({ image: undefined, origin: `image unreadable: ${reasonOf(e)}` }));
  if (!img.image) return { kind: 'no-data', module: m.name, reason: img.origin };
  const rva = Number(address - m.base);
  let fn: Awaited<ReturnType<typeof img.image.functionAt>>;
  try {
    fn = await img.image.functionAt(rva);
  } catch (e) {
    return { kind: 'bad-data', imageBase: m.base, module: m.name, reason: `its exception directory (.pdata) is unusable: ${reasonOf(e)}` };
  }
  if (!fn) {
    const bad = await img.image.badFunctionAt(rva).catch(() => undefined);
    if (bad) return { kind: 'bad-data', imageBase: m.base, module: m.name, reason: `its RUNTIME_FUNCTION 0x${bad.begin.toString(16)}-0x${bad.end.toString(16)} is unusable: ${bad.reason}` };
    return { kind: 'leaf', imageBase: m.base, module: m.name };
  }
  try {
    const info = await img.image.unwindInfo(fn);
    if (!info) return { kind: 'no-data', module: m.name, reason: 'unwind information not readable' };
    return { kind: 'function', imageBase: m.base, module: m.name, fn: info };
  } catch (e) {
    const name = (await t.symbolize(m.base + BigInt(fn.begin)).catch(() => undefined)) ?? `${m.name}+0x${fn.begin.toString(16)}`;
    const record = `RUNTIME_FUNCTION 0x${fn.begin.toString(16)}-0x${fn.end.toString(16)}, UNWIND_INFO at RVA 0x${unwindInfoRva(fn).toString(16)}`;
    return { kind: 'bad-data', imageBase: m.base, module: m.name, reason: `the unwind record of ${name} (${record}) is unusable: ${reasonOf(e)}` };
  }
}

/**
 * The KTRAP_FRAME around a machine frame of a kernel trap handler (nt or hal): its Rip field is the machine
 * frame's Rip slot, so base = slot - offsetof(_KTRAP_FRAME, Rip), by field name.
 */
async function trapFrameAt(t: KernelTarget, ripSlot: bigint, handler: bigint): Promise<TrapFrameRestore | undefined> {
  const m = t.modules.at(handler);
  if (!m || handler < KERNEL_SPACE || !isKernelImage(t, m)) return undefined;
  const kt = await t.kernelTypesFor('_KTRAP_FRAME'); // nt's, else the fixed x64 layout (wdm.h)
  if (!kt) return { unavailable: "no kernel types (nt PDB or ISF) to read the trap frame with" };
  const ripOffset = await kt.offsetOf('_KTRAP_FRAME', 'Rip').catch(() => undefined);
  if (ripOffset === undefined) return { unavailable: "nt's types have no _KTRAP_FRAME with a Rip field" };
  const address = ripSlot - BigInt(ripOffset);
  let v: Awaited<ReturnType<KernelTypes['read']>>;
  try {
    v = await kt.read(t.memory, '_KTRAP_FRAME', address);
  } catch (e) {
    return { unavailable: `the trap frame at ${hex(address)} is not in the dump (${reasonOf(e)})` };
  }
  const registers: Partial<X64Registers> = {};
  const restored: (keyof X64Registers)[] = [];
  // Only what every trap frame saves: the non-volatile registers stay as the handler's unwind codes
  // restored them (rbx, rdi, rsi in a page-fault frame are stale, trap-frame.ts).
  for (const [field, reg] of TRAP_SAVED_REGISTERS) {
    if (!v.has(field)) continue;
    (registers as Record<string, bigint>)[reg] = v.uint(field);
    restored.push(reg);
  }
  for (const [field, reg] of [['EFlags', 'eflags'], ['SegCs', 'cs'], ['SegSs', 'ss']] as const) {
    if (!v.has(field)) continue;
    registers[reg] = v.num(field);
    restored.push(reg);
  }
  return { address, registers, restored };
}

function isKernelImage(t: KernelTarget, m: ModuleInfo): boolean {
  return m === t.modules.kernel || /^hal/i.test(m.imageName);
}

/** The function (by PDB or ISF symbols, inside an executable section when the headers say) covering `a`. */
async function functionSymbolAt(t: KernelTarget, a: bigint): Promise<FunctionSymbol | undefined> {
  const m = t.modules.at(a);
  if (!m) return undefined;
  const syms = await t.moduleSymbols(m).catch(() => undefined);
  if (!syms?.source || (syms.status !== 'pdb' && syms.status !== 'isf')) return undefined;
  const rva = Number(a - m.base);
  const hit = await syms.source.symbolAt(rva).catch(() => undefined);
  if (!hit) return undefined;
  const s = hit.symbol;
  if (s.kind === 'data' || (syms.status === 'pdb' && !s.isFunction)) return undefined;
  if (s.size !== undefined ? hit.displacement >= s.size : hit.displacement >= MAX_PUBLIC_DISPLACEMENT) return undefined;
  const headers = await t.mappedHeaders(m);
  if (headers?.sections.length) {
    const sec = headers.sectionAt(rva);
    if (!sec || !(sec.characteristics & IMAGE_SCN_MEM_EXECUTE)) return undefined;
  }
  return { name: `${m.name}!${s.name}`, offset: hit.displacement };
}

const processorStackCache = new WeakMap<Promise<KernelTypes | undefined>, Promise<StackRange[]>>();

/** Every processor's DPC stack (and ISR stack where the KPRCB has one), by KPRCB field name. */
function processorStacks(t: KernelTarget): Promise<StackRange[]> {
  const key = t.kernelTypes();
  let p = processorStackCache.get(key);
  if (!p) {
    p = (async () => {
      const kt = await key;
      if (!kt) return [];
      const fields: [string, string][] = [];
      for (const [f, what] of [['DpcStack', 'DPC'], ['IsrStack', 'ISR']]) {
        const off = await kt.offsetOf('_KPRCB', f).catch(() => undefined);
        if (off !== undefined) fields.push([f, what]);
      }
      if (!fields.length) return [];
      const prcbs = await t.processors().catch(() => []);
      const out: StackRange[] = [];
      for (const p of prcbs) {
        if (p.address === undefined) continue;
        for (const [f, what] of fields) {
          const at = p.address + BigInt(await kt.offsetOf('_KPRCB', f));
          const b = await t.memory.read(at, 8).catch(() => undefined);
          const top = b ? new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true) : 0n;
          if (top < KERNEL_SPACE + PROCESSOR_STACK_SIZE) continue;
          out.push({ name: `processor ${p.number}'s ${what} stack`, limit: top - PROCESSOR_STACK_SIZE, base: top });
        }
      }
      return out;
    })().catch(() => []);
    processorStackCache.set(key, p);
  }
  return p;
}

/** The thread's own kernel stack (StackLimit–StackBase, frames below InitialStack), or why it is not believed. */
export function threadStack(thread: ThreadInfo | undefined): { range?: StackRange; problem?: string } {
  const limit = thread?.stackLimit;
  const base = thread?.stackBase;
  if (!thread || limit === undefined || base === undefined) return {};
  if (!limit || !base) return { problem: "the thread's stack limits are not set" };
  if (limit >= base) return { problem: `the thread's stack limits are inverted (StackLimit ${hex(limit)}, StackBase ${hex(base)})` };
  if (base - limit > MAX_THREAD_STACK || limit < KERNEL_SPACE) return { problem: `the thread's stack limits (StackLimit ${hex(limit)}, StackBase ${hex(base)}) are implausible` };
  const init = thread.initialStack;
  return { range: { name: "the thread's stack", limit, base, top: init && init > limit && init <= base ? init : undefined } };
}

/**
 * The stacks a walk from `rsp` on `thread` may use: the thread's kernel stack (StackLimit–StackBase, frames
 * below InitialStack) and every processor's DPC/ISR stack. A kernel rsp on none of them (or a thread whose
 * limits are not believable) gets a window of RSP_WINDOW bytes above rsp, with a note saying why; a user-mode
 * rsp gets no bounds (undefined), its stack being none the kernel describes.
 */
export async function stackBoundsFor(t: KernelTarget, thread: ThreadInfo | undefined, rsp: bigint): Promise<StackBounds | undefined> {
  try {
    const stacks: StackRange[] = [];
    const own = threadStack(thread);
    if (own.range) stacks.push(own.range);
    stacks.push(...(await processorStacks(t)));
    const current = stacks.find((s) => rsp >= s.limit && rsp <= s.base);
    if (current) return { stackLimit: current.limit, stackBase: current.base, stacks, current };
    if (rsp < KERNEL_SPACE) return undefined;
    const window: StackRange = { name: `the 0x${RSP_WINDOW.toString(16)} bytes above rsp`, limit: rsp, base: rsp + RSP_WINDOW };
    const why = own.problem ?? (own.range ? `rsp ${hex(rsp)} is outside the thread's stack (${hex(own.range.limit)}-${hex(own.range.base)})` : `rsp ${hex(rsp)} is on no stack the dump describes`);
    return { stackLimit: window.limit, stackBase: window.base, stacks: [...stacks, window], current: window, note: `${why} and on no processor's DPC or ISR stack: the walk is bounded to ${hex(window.limit)}-${hex(window.base)}` };
  } catch (e) {
    if (e instanceof DumpscopeError) return undefined;
    throw e;
  }
}

/** Bounds for a walk that did not bring any: the crashing thread's, when rsp is on its stacks. */
export async function defaultStackBounds(t: KernelTarget, rsp: bigint): Promise<StackBounds | undefined> {
  const crash = await t.crashState().catch(() => undefined);
  return stackBoundsFor(t, crash?.thread, rsp);
}
