// printf-style number formatting as the Microsoft C runtime does it (WinDbg's .formats uses it):
// %g with 6 significant digits and at least three exponent digits ("2.66366e+014").

export function formatG(x: number, precision = 6): string {
  if (Number.isNaN(x)) return '-nan(ind)';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const exp = Math.floor(Math.log10(Math.abs(x)));
  // Rounding can carry into the next power of ten (9.999996 → 10): recompute from the rounded mantissa.
  let e = exp;
  let mant = Number((x / 10 ** e).toPrecision(precision));
  if (Math.abs(mant) >= 10) {
    e += 1;
    mant = Number((x / 10 ** e).toPrecision(precision));
  }
  if (e < -4 || e >= precision) {
    const m = stripZeros(mant.toFixed(precision - 1));
    const sign = e < 0 ? '-' : '+';
    return `${m}e${sign}${String(Math.abs(e)).padStart(3, '0')}`;
  }
  return stripZeros(x.toFixed(Math.max(0, precision - 1 - e)));
}

function stripZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** C's ctime() layout without the newline, in UTC: "Tue Jun 28 09:24:01 2016". */
export function ctimeUtc(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/**
 * WinDbg's debug-session-time layout: the time in the zone `biasMinutes` west of UTC (Windows' TimeZoneBias:
 * local = UTC − bias) and that zone's offset, "Sat Sep 23 05:14:13.751 2023 (UTC - 7:00)"; UTC by default.
 */
export function windbgTime(d: Date, biasMinutes = 0): string {
  const l = new Date(d.getTime() - biasMinutes * 60_000);
  const p = (n: number) => String(n).padStart(2, '0');
  const offset = Math.abs(biasMinutes);
  const zone = `(UTC ${biasMinutes > 0 ? '-' : '+'} ${Math.floor(offset / 60)}:${p(offset % 60)})`;
  return `${DAYS[l.getUTCDay()]} ${MONTHS[l.getUTCMonth()]} ${String(l.getUTCDate()).padStart(2, ' ')} ${p(l.getUTCHours())}:${p(l.getUTCMinutes())}:${p(l.getUTCSeconds())}.${String(l.getUTCMilliseconds()).padStart(3, '0')} ${l.getUTCFullYear()} ${zone}`;
}

/** WinDbg's debug-session-time layout in UTC: "Sat Sep 23 12:14:13.751 2023 (UTC + 0:00)". */
export function windbgTimeUtc(d: Date): string {
  return windbgTime(d, 0);
}

/** FILETIME (100 ns ticks since 1601-01-01 UTC) → Date, or undefined when out of JS Date range. */
export function filetimeToDate(ft: bigint): Date | undefined {
  const ms = Number(ft / 10_000n) - 11_644_473_600_000;
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return undefined;
  return new Date(ms);
}
