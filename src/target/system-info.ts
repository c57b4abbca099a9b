// Facts about the crashed system for `vertarget`/`!di`/`!crash`: version, product type and suite, build lab,
// processors and the crashing processor's CPU, kernel base, session time, uptime and the bugcheck — from the
// dump header, the debugger data block, KUSER_SHARED_DATA and the PRCB (the last two read by field name).
import { windbgTime } from '../util/cformat.js';
import { kernelClock } from './kernel-clock.js';
import type { KernelTarget } from './kernel-target.js';
import { readSmbiosSystem, type SmbiosSystem } from './smbios.js';
import { StructView } from './struct-view.js';

/** KUSER_SHARED_DATA's fixed kernel address on x64 (an ABI constant, like the records of the dump header). */
export const KUSER_SHARED_DATA_X64 = 0xfffff78000000000n;

export interface CpuInfo {
  vendor?: string;
  family?: number;
  model?: number;
  stepping?: number;
  mhz?: number;
}

export interface SystemInfo {
  build: number;
  majorVersion: number;
  processors: number;
  machine: string;
  buildLab?: string;
  kernelBase?: bigint;
  psLoadedModuleList?: bigint;
  sessionTime?: string;
  /** The target's time zone, minutes west of UTC (KUSER_SHARED_DATA.TimeZoneBias); undefined: unknown, times in UTC. */
  timeZoneBiasMinutes?: number;
  /** System uptime in 100 ns units. */
  uptime?: bigint;
  productType?: number;
  suiteMask?: number;
  /** Where the product type and suite came from. */
  productSource?: 'KUSER_SHARED_DATA' | 'dump header';
  /** The crashing processor's CPU identification from its PRCB (the brand string is not kept there). */
  cpu?: CpuInfo;
  /** The computer name lives in the registry, which a dump does not make readable: always unknown here. */
  computerName?: string;
  /** The firmware's system manufacturer and product (SMBIOS type 1), when the dump holds the table. */
  smbios?: SmbiosSystem;
  /** The dump as it was opened (its path, for a file): mex's `KernelMode Dump Path`. */
  dumpPath?: string;
  bugcheckCode: number;
  bugcheckArgs: bigint[];
  dumpType: string;
}

const PRODUCT = new Map([
  [1, 'WinNt'],
  [2, 'LanManNt'],
  [3, 'ServerNt'],
]);

export function productName(v: number | undefined): string | undefined {
  return v === undefined ? undefined : PRODUCT.get(v);
}

// VER_SUITE_* bits of SuiteMask, named as WinDbg prints them.
const SUITES: [number, string][] = [
  [0x1, 'SmallBusiness'],
  [0x2, 'Enterprise'],
  [0x4, 'BackOffice'],
  [0x8, 'CommunicationServer'],
  [0x10, 'TerminalServer'],
  [0x20, 'SmallBusinessRestricted'],
  [0x40, 'EmbeddedNT'],
  [0x80, 'DataCenter'],
  [0x100, 'SingleUserTS'],
  [0x200, 'Personal'],
  [0x400, 'Blade'],
  [0x800, 'EmbeddedRestricted'],
  [0x1000, 'SecurityAppliance'],
  [0x2000, 'StorageServer'],
  [0x4000, 'ComputeServer'],
  [0x8000, 'WHServer'],
  [0x20000, 'MultiUserTS'],
];

export function suiteNames(mask: number | undefined): string[] {
  return mask === undefined ? [] : SUITES.filter(([bit]) => (mask & bit) !== 0).map(([, n]) => n);
}

async function readBuildLab(t: KernelTarget): Promise<string | undefined> {
  const labPtr = t.debuggerData?.pointer('NtBuildLab');
  if (!labPtr) return undefined;
  const s = await t.memory.readSparse(labPtr, 128);
  const n = s.valid.indexOf(0);
  const bytes = s.bytes.subarray(0, n < 0 ? 128 : n);
  const end = bytes.indexOf(0);
  const text = new TextDecoder('latin1').decode(end < 0 ? bytes : bytes.subarray(0, end));
  return /^[\x20-\x7e]+$/.test(text) ? text : undefined;
}

/** NtProductType and SuiteMask from KUSER_SHARED_DATA, when nt's types describe it and its page is in the dump. */
async function readSharedData(t: KernelTarget): Promise<{ productType?: number; suiteMask?: number }> {
  const kt = await t.kernelTypes();
  if (!kt || t.dump.header.machine !== 'x64') return {};
  const v = await kt.readPartial(t.memory, '_KUSER_SHARED_DATA', KUSER_SHARED_DATA_X64).catch(() => undefined);
  if (!v?.has('NtProductType')) return {};
  // ProductTypeIsValid guards NtProductType when the type has it; a page of zeros is not a product.
  if (v.has('ProductTypeIsValid') && v.num('ProductTypeIsValid') === 0) return {};
  const productType = v.num('NtProductType');
  if (!PRODUCT.has(productType)) return {};
  return { productType, suiteMask: v.has('SuiteMask') ? v.num('SuiteMask') : undefined };
}

/** The crashing processor's PRCB: the small dump's copy, else read at its address. */
async function crashingPrcb(t: KernelTarget): Promise<StructView | undefined> {
  const kt = await t.kernelTypes();
  if (!kt) return undefined;
  const tri = t.dump.triage;
  if (tri?.prcb.size) {
    const type = await kt.struct('_KPRCB');
    return new StructView(type, await t.dump.source.read(tri.prcb.offset, Math.min(tri.prcb.size, type.size)));
  }
  const crash = await t.crashState();
  return crash.prcb?.address !== undefined ? kt.readPartial(t.memory, '_KPRCB', crash.prcb.address) : undefined;
}

async function readCpu(t: KernelTarget): Promise<CpuInfo | undefined> {
  const v = await crashingPrcb(t).catch(() => undefined);
  if (!v) return undefined;
  const n = (p: string) => (v.has(p) ? v.num(p) : undefined);
  const vendor = v.has('VendorString') ? v.cstring('VendorString') : undefined;
  const cpu: CpuInfo = { vendor: vendor && /^[\x20-\x7e]+$/.test(vendor) ? vendor : undefined, family: n('CpuType'), model: n('CpuModel'), stepping: n('CpuStepping'), mhz: n('MHz') };
  // A PRCB of zeros (a processor block the dump did not fill) identifies nothing.
  return cpu.vendor || cpu.family || cpu.mhz ? cpu : undefined;
}

/** Windows time zones lie within UTC−12 and UTC+14 (plus daylight saving), whole minutes apart. */
const MAX_BIAS_MINUTES = 15 * 60;

/** The target's TimeZoneBias in minutes (local = UTC − bias), when KUSER_SHARED_DATA has a plausible one. */
export async function timeZoneBiasMinutes(t: KernelTarget): Promise<number | undefined> {
  const bias = (await kernelClock(t).catch(() => undefined))?.timeZoneBias;
  if (bias === undefined || bias % 600_000_000n !== 0n) return undefined;
  const minutes = Number(bias / 600_000_000n);
  return Math.abs(minutes) <= MAX_BIAS_MINUTES ? minutes : undefined;
}

export async function systemInfo(t: KernelTarget): Promise<SystemInfo> {
  const h = t.dump.header;
  const kd = t.debuggerData;
  const shared = await readSharedData(t).catch(() => ({}) as { productType?: number; suiteMask?: number });
  const fromShared = shared.productType !== undefined;
  return {
    build: h.ntBuild,
    majorVersion: h.majorVersion,
    processors: h.processors,
    machine: h.machine,
    buildLab: await readBuildLab(t),
    kernelBase: kd?.pointer('KernBase') ?? t.modules.modules[0]?.base,
    psLoadedModuleList: kd?.pointer('PsLoadedModuleList') ?? (h.psLoadedModuleList || undefined),
    sessionTime: h.systemTime,
    timeZoneBiasMinutes: await timeZoneBiasMinutes(t),
    uptime: h.systemUpTime,
    productType: fromShared ? shared.productType : h.productType,
    suiteMask: fromShared ? shared.suiteMask : h.suiteMask,
    productSource: fromShared ? 'KUSER_SHARED_DATA' : h.productType !== undefined ? 'dump header' : undefined,
    cpu: await readCpu(t),
    smbios: await readSmbiosSystem(t).catch(() => undefined),
    dumpPath: t.dump.source.name || undefined,
    bugcheckCode: h.bugcheckCode,
    bugcheckArgs: h.bugcheckArgs,
    dumpType: h.dumpType,
  };
}

/** WinDbg's `Processor:` value from the PRCB's identification fields. */
export function cpuText(c: CpuInfo): string {
  const parts = [c.vendor, c.family !== undefined ? `Family ${c.family}` : undefined, c.model !== undefined ? `Model ${c.model}` : undefined, c.stepping !== undefined ? `Stepping ${c.stepping}` : undefined].filter(Boolean);
  return `${parts.join(' ')}${c.mhz ? ` ~${c.mhz} MHz` : ''}`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * WinDbg's session-time layout from an ISO time: in the target's zone when its bias is known ('Sat Sep 23
 * 05:14:13.751 2023 (UTC - 7:00)'), else in UTC ('… (UTC + 0:00)').
 */
export function sessionTimeText(iso: string, biasMinutes?: number): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return windbgTime(d, biasMinutes ?? 0);
}

/**
 * A PE TimeDateStamp the way `lmv` prints it, C's ctime layout: 'Fri Sep 29 11:45:20 2023', 'Tue Mar  8 …',
 * in the zone `biasMinutes` west of UTC (the target's, as the session time), else in UTC.
 */
export function timestampText(seconds: number, biasMinutes = 0): string {
  const d = new Date(seconds * 1000 - biasMinutes * 60_000);
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/** '0 days 0:00:07.942' from 100 ns units. */
export function uptimeText(v: bigint): string {
  const ms = Number(v / 10000n);
  const d = Math.floor(ms / 86400000);
  const hh = Math.floor(ms / 3600000) % 24;
  const mm = Math.floor(ms / 60000) % 60;
  const ss = Math.floor(ms / 1000) % 60;
  return `${d} days ${hh}:${String(mm).padStart(2, '0')}:${String(ss).padStart(2, '0')}.${String(ms % 1000).padStart(3, '0')}`;
}
