// Fill patterns: the values a memory fill, an overrun or a debug allocator leaves where pointers and sizes
// used to be. Detected: one byte repeated through 64 bits (its lowest byte may differ: a pointer advanced
// into the fill, 4141414141414139), a 16- or 32-bit word repeated (baadbaadbaadbaad, deadbeefdeadbeef),
// and a 32-bit register value of one repeated byte (0000000041414141). Not flagged: values a program
// legitimately holds — 0, all-ones, small integers, canonical addresses, and the byte-broadcast constants
// string routines use (0101…, 7f7f…, 8080…, fefe…).

/** Bytes whose repetition is a common constant rather than a fill. */
const CONSTANT_BYTES = new Set([0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff]);

function canonical(v: bigint): boolean {
  return v < 0x0000800000000000n || v >= 0xffff800000000000n;
}

function byteText(c: number): string {
  return `0x${c.toString(16)}${c >= 0x20 && c < 0x7f ? ` ('${String.fromCharCode(c)}')` : ''}`;
}

/** What fill `v` is made of ("0x41 ('A') repeated", "0xdeadbeef repeated"), or undefined. */
export function fillPattern(v: bigint): string | undefined {
  v = BigInt.asUintN(64, v);
  const bytes = [...Array(8)].map((_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
  const high = bytes.slice(1);
  if (!canonical(v) && high.every((b) => b === high[0]) && !CONSTANT_BYTES.has(high[0])) return `${byteText(high[0])} repeated`;
  if (!canonical(v)) {
    const w32 = v & 0xffffffffn;
    const w16 = v & 0xffffn;
    const distinct = new Set(bytes).size;
    if (distinct > 1 && w16 * 0x0001000100010001n === v && !bytes.every((b) => CONSTANT_BYTES.has(b))) return `0x${w16.toString(16).padStart(4, '0')} repeated`;
    if (distinct > 1 && (w32 << 32n) + w32 === v && !bytes.every((b) => CONSTANT_BYTES.has(b))) return `0x${w32.toString(16).padStart(8, '0')} repeated`;
  }
  // A 32-bit value (upper half zero) of one repeated byte: a dword loaded from the fill.
  const low = bytes.slice(0, 4);
  if (v >> 32n === 0n && low.every((b) => b === low[0]) && !CONSTANT_BYTES.has(low[0])) return `${byteText(low[0])} repeated in the low 32 bits`;
  return undefined;
}
