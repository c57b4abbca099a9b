// Word wrapping for the analysis text: WinDbg keeps the bugcheck explanation and each argument's text
// within a terminal line and starts an argument's continuation lines with a TAB (the 0x50 walkthrough's
// Arg2/Arg3). Columns count a TAB as 8.

export const WIDTH = 79;
const TAB = 8;

function columns(s: string): number {
  let n = 0;
  for (const c of s) n = c === '\t' ? n + TAB - (n % TAB) : n + 1;
  return n;
}

/** `text` as lines of at most `width` columns: the first starts with `first`, the others with `rest`. */
export function wrap(text: string, first = '', rest = '', width = WIDTH): string[] {
  const out: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const candidate = empty ? `${line}${word}` : `${line} ${word}`;
    if (!empty && columns(candidate) > width) {
      out.push(line);
      line = `${rest}${word}`;
    } else line = candidate;
    empty = false;
  }
  out.push(line);
  return out;
}
