// Strings for da/du and the pointer-then-string displays (dpa, dpu, …): read up to the terminating NUL or
// the end of the range, with the display form kept apart from the value. The display never carries a
// control character to the terminal ('.' instead, as WinDbg shows unprintable characters) and marks
// characters the dump lacks with '?'; the value keeps the characters as they are, and `end` says whether
// a NUL, the range or missing memory ended it — so an empty string and an unreadable one differ.
import type { SparseBytes } from '../../memory/address-space.js';
import { printable } from './memory-formats.js';

export interface StringValue {
  /** What is displayed: unprintable characters as '.', characters not in the dump as '?'. */
  text: string;
  /** The characters read, unchanged, up to the NUL, the range's end or the first one not in the dump. */
  value: string;
  /** 'nul': a terminator ended it; 'range': the range ended first; 'unreadable': part of it is not in the dump. */
  end: 'nul' | 'range' | 'unreadable';
}

/** Characters per display line of da/du, as WinDbg prints them. */
export const STRING_LINE = 32;

/**
 * Decodes `count` characters of `charSize` bytes from sparse bytes. da/du go on past missing characters
 * (shown '?') to the range's end; `stopAtMissing` ends the string at the first one (dpa/dpu's targets).
 */
export function decodeString(s: SparseBytes, charSize: 1 | 2, count: number, stopAtMissing = false): StringValue {
  let text = '';
  let value = '';
  let end: StringValue['end'] = 'range';
  let missing = false;
  for (let i = 0; i < count && (i + 1) * charSize <= s.bytes.length; i++) {
    const o = i * charSize;
    if (!s.valid[o] || (charSize === 2 && !s.valid[o + 1])) {
      missing = true;
      if (stopAtMissing) break;
      text += '?';
      continue;
    }
    const code = charSize === 1 ? s.bytes[o] : s.bytes[o] | (s.bytes[o + 1] << 8);
    if (code === 0) {
      end = 'nul';
      break;
    }
    text += printable(code);
    if (!missing) value += String.fromCharCode(code);
  }
  return { text, value, end: missing ? 'unreadable' : end };
}

/** The display text cut into lines of STRING_LINE characters, each with the address of its first character. */
export function stringLines(address: bigint, charSize: 1 | 2, text: string): { address: bigint; text: string }[] {
  const lines: { address: bigint; text: string }[] = [];
  for (let i = 0; i === 0 || i < text.length; i += STRING_LINE) {
    lines.push({ address: (address + BigInt(i * charSize)) & ((1n << 64n) - 1n), text: text.slice(i, i + STRING_LINE) });
  }
  return lines;
}
