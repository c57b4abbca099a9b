// Number formatting the way WinDbg prints it. Addresses and register values are bigint (64-bit).

const MASK64 = (1n << 64n) - 1n;

/** Unsigned 64-bit view of a possibly negative bigint. */
export function u64(v: bigint): bigint {
  return v & MASK64;
}

/** 16 lower-case hex digits with WinDbg's backtick: fffff801`197f1d1e. */
export function addr64(v: bigint): string {
  const s = u64(v).toString(16).padStart(16, '0');
  return `${s.slice(0, 8)}\`${s.slice(8)}`;
}

/** 16 lower-case hex digits without separator: fffff801197f1d1e (register display). */
export function hex16(v: bigint): string {
  return u64(v).toString(16).padStart(16, '0');
}

/** Lower-case hex padded to `width` digits, no prefix. */
export function hexPad(v: number | bigint, width: number): string {
  return (typeof v === 'bigint' ? u64(v) : v).toString(16).padStart(width, '0');
}

/** `0x` + lower-case hex (the JSON convention for codes and addresses). */
export function hex0x(v: number | bigint): string {
  return `0x${(typeof v === 'bigint' ? u64(v) : v).toString(16)}`;
}

/** Parses `0x…`, plain hex, or `fffff801`197f1d1e` into a bigint; undefined when it is not hex. */
export function parseHex(s: string): bigint | undefined {
  const t = s.trim().replace(/`/g, '').replace(/^0x/i, '');
  if (!/^[0-9a-f]+$/i.test(t) || t.length > 16) return undefined;
  return BigInt(`0x${t}`);
}

/** Sign-extends a 48-bit x64 virtual address to its canonical 64-bit form. */
export function canonical48(v: bigint): bigint {
  v = u64(v);
  return v & (1n << 47n) ? v | 0xffff000000000000n : v & 0x0000ffffffffffffn;
}

/** True when the address is canonical for 48-bit (4-level) paging. */
export function isCanonical48(v: bigint): boolean {
  return canonical48(v) === u64(v);
}
