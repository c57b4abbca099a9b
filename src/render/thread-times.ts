// Durations, sizes and dates in the layouts `!thread`, `!process` and mex's `!t`/`!p` print them.

const p2 = (n: number) => String(n).padStart(2, '0');
const p3 = (n: number) => String(n).padStart(3, '0');

/** `!thread`'s UserTime/KernelTime: 00:00:00.031 (hours not wrapped). */
export function hms(ms: number): string {
  return `${p2(Math.floor(ms / 3_600_000))}:${p2(Math.floor(ms / 60_000) % 60)}:${p2(Math.floor(ms / 1000) % 60)}.${p3(ms % 1000)}`;
}

/** `!thread`'s Ticks age: 0:00:00:48.203 (days:hours:minutes:seconds.ms). */
export function dhms(ms: number): string {
  return `${Math.floor(ms / 86_400_000)}:${p2(Math.floor(ms / 3_600_000) % 24)}:${p2(Math.floor(ms / 60_000) % 60)}:${p2(Math.floor(ms / 1000) % 60)}.${p3(ms % 1000)}`;
}

/**
 * mex's short durations: 0, 31ms, 1s.109, 1m:53.953, 15m:08.984. Published mex output shows nothing of an
 * hour or more; those print as 1h:02:03.456 here.
 */
export function mexDuration(ms: number): string {
  if (ms === 0) return '0';
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${Math.floor(ms / 1000)}s.${p3(ms % 1000)}`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m:${p2(Math.floor(ms / 1000) % 60)}.${p3(ms % 1000)}`;
  return `${Math.floor(ms / 3_600_000)}h:${p2(Math.floor(ms / 60_000) % 60)}:${p2(Math.floor(ms / 1000) % 60)}.${p3(ms % 1000)}`;
}

/** mex's memory sizes: 272 B, 40 KB, 3.98 MB, 2 TB (binary units, at most two decimals). */
export function mexSize(bytes: bigint): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = Number(bytes);
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : Math.round(v * 100) / 100} ${units[u]}`;
}

/** mex's Create Time: 09/29/2023 11:35:55.475 AM (the date given is already in the wanted time zone). */
export function mexDate(d: Date): string {
  const h = d.getUTCHours();
  const h12 = h % 12 === 0 ? 12 : h % 12;
  return `${p2(d.getUTCMonth() + 1)}/${p2(d.getUTCDate())}/${d.getUTCFullYear()} ${p2(h12)}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${p3(d.getUTCMilliseconds())} ${h < 12 ? 'AM' : 'PM'}`;
}
