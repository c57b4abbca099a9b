// Facts about the crashed system for `vertarget`/`!di`/`!crash`: version, build lab, processors, kernel
// base, session time and uptime, from the dump header and the debugger data block.
import type { KernelTarget } from './kernel-target.js';

export interface SystemInfo {
  build: number;
  majorVersion: number;
  processors: number;
  machine: string;
  buildLab?: string;
  kernelBase?: bigint;
  psLoadedModuleList?: bigint;
  sessionTime?: string;
  /** System uptime in 100 ns units. */
  uptime?: bigint;
  productType?: number;
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

export async function systemInfo(t: KernelTarget): Promise<SystemInfo> {
  const h = t.dump.header;
  const kd = t.debuggerData;
  let buildLab: string | undefined;
  const labPtr = kd?.pointer('NtBuildLab');
  if (labPtr) {
    const s = await t.memory.readSparse(labPtr, 128);
    const n = s.valid.indexOf(0);
    const bytes = s.bytes.subarray(0, n < 0 ? 128 : n);
    const end = bytes.indexOf(0);
    const text = new TextDecoder('latin1').decode(end < 0 ? bytes : bytes.subarray(0, end));
    if (/^[\x20-\x7e]+$/.test(text)) buildLab = text;
  }
  return {
    build: h.ntBuild,
    majorVersion: h.majorVersion,
    processors: h.processors,
    machine: h.machine,
    buildLab,
    kernelBase: kd?.pointer('KernBase') ?? t.modules.modules[0]?.base,
    psLoadedModuleList: kd?.pointer('PsLoadedModuleList') ?? (h.psLoadedModuleList || undefined),
    sessionTime: h.systemTime,
    uptime: h.systemUpTime,
    productType: h.productType,
    dumpType: h.dumpType,
  };
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** WinDbg's session-time layout: 'Sun Feb 21 01:38:22.987 2021 (UTC + 0:00)', from an ISO time. */
export function sessionTimeText(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)} ${d.getUTCFullYear()} (UTC + 0:00)`;
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
