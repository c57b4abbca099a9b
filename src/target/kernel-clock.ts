// The kernel's clock, as thread times and wait ages need it: the clock interval from KeMaximumIncrement (read
// by symbol; 100 ns units), and the tick count and time-zone bias at the crash from KUSER_SHARED_DATA (read
// by field name at its fixed x64 address). Without the symbol, 15.625 ms (the default x64 clock interval)
// is assumed and said so.
import type { KernelTarget } from './kernel-target.js';

/** KI_USER_SHARED_DATA: the same kernel address on every x64 Windows build. */
export const KUSER_SHARED_DATA_X64 = 0xfffff78000000000n;
export const DEFAULT_MS_PER_TICK = 15.625;

export interface KernelClock {
  msPerTick: number;
  /** Whether msPerTick was read from the kernel or assumed. */
  increment: 'KeMaximumIncrement' | 'assumed';
  /** Clock ticks since boot at the crash (KUSER_SHARED_DATA.TickCount). */
  tickCount?: bigint;
  /** 100 ns units; local time = UTC − bias. */
  timeZoneBias?: bigint;
  notes: string[];
}

const clocks = new WeakMap<KernelTarget, Promise<KernelClock>>();

export function kernelClock(t: KernelTarget): Promise<KernelClock> {
  let c = clocks.get(t);
  if (!c) {
    c = readClock(t);
    clocks.set(t, c);
  }
  return c;
}

function u32(b: Uint8Array): number {
  return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
}

async function readClock(t: KernelTarget): Promise<KernelClock> {
  const notes: string[] = [];
  const kt = await t.kernelTypes();
  const nt = t.modules.modules[0];
  let msPerTick: number | undefined;
  const at = kt && nt ? await kt.global(nt.base, 'KeMaximumIncrement').catch(() => undefined) : undefined;
  if (at !== undefined) {
    const b = await t.memory.read(at, 4).catch(() => undefined);
    const v = b ? u32(b) : undefined;
    // Windows clock intervals lie between 0.5 and 15.625 ms; anything far outside is not a clock interval.
    if (v !== undefined && v >= 1000 && v <= 10_000_000) msPerTick = v / 10_000;
    else notes.push(v === undefined ? 'KeMaximumIncrement is not in the dump' : `KeMaximumIncrement holds an implausible ${v}`);
  } else notes.push("KeMaximumIncrement is not among nt's symbols");
  if (msPerTick === undefined) notes[notes.length - 1] += `: thread times assume ${DEFAULT_MS_PER_TICK} ms per clock tick`;

  let tickCount: bigint | undefined;
  let timeZoneBias: bigint | undefined;
  const shared = kt ? await kt.readPartial(t.memory, '_KUSER_SHARED_DATA', KUSER_SHARED_DATA_X64).catch(() => undefined) : undefined;
  if (shared?.has('TickCountQuad')) tickCount = shared.uint('TickCountQuad');
  else if (shared?.has('TickCount.High1Time')) tickCount = (BigInt(shared.int('TickCount.High1Time')) << 32n) | shared.uint('TickCount.LowPart');
  if (shared?.has('TimeZoneBias.High1Time')) timeZoneBias = (BigInt(shared.int('TimeZoneBias.High1Time')) << 32n) | shared.uint('TimeZoneBias.LowPart');
  // Zero-filled memory (a page a conversion had to invent) is no tick count.
  if (tickCount === 0n) tickCount = undefined;
  if (tickCount === undefined) notes.push('the tick count at the crash (KUSER_SHARED_DATA) is not in the dump: wait ages are unknown');
  return { msPerTick: msPerTick ?? DEFAULT_MS_PER_TICK, increment: msPerTick === undefined ? 'assumed' : 'KeMaximumIncrement', tickCount, timeZoneBias, notes };
}

/** Milliseconds of `ticks` clock ticks, rounded as WinDbg rounds them (2 ticks of 15.625 ms: 31 ms). */
export function ticksToMs(ticks: number | bigint, clock: KernelClock): number {
  return Math.round(Number(ticks) * clock.msPerTick);
}

/** Ticks since the thread's last wait or switch, when the current tick count is known. */
export function ticksSince(waitTime: number | undefined, clock: KernelClock): number | undefined {
  if (waitTime === undefined || clock.tickCount === undefined) return undefined;
  // WaitTime is the low 32 bits of the tick count.
  const now = Number(clock.tickCount & 0xffffffffn);
  return (now - waitTime + 0x1_0000_0000) % 0x1_0000_0000;
}
