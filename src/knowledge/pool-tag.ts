// Pool tags: the 32-bit value a driver passes to ExAllocatePool2/ExAllocatePoolWithTag, and the two ways
// people write it.
//
// The tag is stored little-endian (POOL_HEADER.PoolTag), and tools that list tags (!pool, !poolused,
// poolmon, pooltag.txt) print its four bytes in memory order. C source writes it as an MSVC multi-character
// constant, whose value puts the first character in the most significant byte. So a driver that wants
// "File" shown writes 'eliF' (= 0x656C6946, bytes 46 69 6C 65), and the walkthrough's 'WrB1'
// (= 0x57724231, as in `mov edx,57724231h`; `.formats` prints the same order) is shown by !pool as "1BrW".
// Bit 31 marks a protected tag (freeing it needs the same tag); it is not part of the text.

export const PROTECTED_POOL_TAG_BIT = 0x80000000;

function printable(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.';
}

/** The four bytes of a tag in memory order (little-endian), protected bit cleared. */
export function poolTagBytes(value: number): [number, number, number, number] {
  const v = (value & ~PROTECTED_POOL_TAG_BIT) >>> 0;
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
}

/** Tag as !pool / poolmon / pooltag.txt show it: bytes in memory order ("File", "Irp ", "1BrW"). */
export function poolTagText(value: number): string {
  return poolTagBytes(value).map(printable).join('');
}

/** Tag as the C multi-character constant that produces it ('eliF' for "File", 'WrB1' for 0x57724231). */
export function poolTagLiteral(value: number): string {
  return poolTagBytes(value).reverse().map(printable).join('');
}

function fromChars(chars: string, what: string): number[] {
  if (chars.length === 0 || chars.length > 4) throw new RangeError(`${what} "${chars}" must have 1 to 4 characters`);
  const codes = [...chars].map((c) => c.charCodeAt(0));
  if (codes.some((c) => c > 0xff)) throw new RangeError(`${what} "${chars}" has a character beyond 8 bits`);
  return codes;
}

/** Value of a tag given as shown by !pool (memory order); shorter text is padded with spaces ("Irp" → "Irp "). */
export function poolTagFromText(text: string): number {
  const c = fromChars(text, 'pool tag text');
  while (c.length < 4) c.push(0x20);
  return ((c[3] << 24) | (c[2] << 16) | (c[1] << 8) | c[0]) >>> 0;
}

/** Value of a C multi-character constant such as 'WrB1' (first character most significant). */
export function poolTagFromLiteral(literal: string): number {
  return fromChars(literal, 'pool tag literal').reduce((acc, c) => ((acc << 8) | c) >>> 0, 0);
}

export interface PoolTagInfo {
  value: number;
  /** Memory order, as !pool shows it. */
  text: string;
  /** C source spelling. */
  literal: string;
  protected: boolean;
}

export function describePoolTag(value: number): PoolTagInfo {
  const v = value >>> 0;
  return { value: v, text: poolTagText(v), literal: poolTagLiteral(v), protected: (v & PROTECTED_POOL_TAG_BIT) !== 0 };
}
