// Stack listings in WinDbg's layouts: `k`/`kn`/`kL` (Child-SP, RetAddr, Call Site), `kb`/`kv` with the first
// four stack arguments, and the STACK_TEXT block of `!analyze -v`.
import { addr64 } from '../util/hex.js';

export interface StackRow {
  index: number;
  childSp: bigint;
  retAddr: bigint;
  /** 'nt!KeBugCheckEx', 'Driver+0x1d1e', or the bare address when no module contains it. */
  callSite: string;
  /** The four qwords above the return address (home space), for kb/kv. Undefined entries were unreadable. */
  args?: (bigint | undefined)[];
  /** Trap frame of a machine frame (kv shows `(TrapFrame @ …)`). */
  trapFrame?: bigint;
  /** Found without unwind data (stack scan or epilog code), so it may be wrong. */
  guessed?: boolean;
  /** How: 'call' (stack slot after a call instruction), 'symbol' (no code to check; inside a known function), 'epilog'. */
  guess?: 'call' | 'symbol' | 'epilog';
  /** Registers of this frame taken from the trap frame below it (data only; `.frame /r` shows the values). */
  fromTrapFrame?: string[];
}

export interface StackListing {
  rows: StackRow[];
  /** Lines WinDbg-style tools print around the stack (why it stopped, guessed frames). */
  notes: string[];
  /** Lines before the header ("*** Stack trace for last set context …"). */
  preamble?: string[];
}

/** `kc` lists call sites only (no stack pointers or return addresses). */
export type StackStyle = 'k' | 'kb' | 'kv' | 'kc' | 'stack-text';

function argText(a: bigint | undefined): string {
  return a === undefined ? '????????`????????' : addr64(a);
}

function callSite(r: StackRow, style: StackStyle): string {
  let s = r.callSite;
  if (style === 'kv' && r.trapFrame !== undefined) s += ` (TrapFrame @ ${addr64(r.trapFrame)})`;
  if (r.guessed) s += GUESS_TEXT[r.guess ?? 'call'];
  return s;
}

/** The mark after a call site found without unwind data, by how it was found. */
export function guessMark(r: Pick<StackRow, 'guessed' | 'guess'>): string {
  return r.guessed ? GUESS_TEXT[r.guess ?? 'call'] : '';
}

const GUESS_TEXT = {
  call: ' (guessed: found by stack scan)',
  symbol: ' (guessed: found by stack scan, code not in the dump)',
  epilog: ' (guessed: found by running the epilog code)',
};

/** WinDbg's warning, printed just before the first frame that was not found through unwind data. */
export const NO_UNWIND_WARNING = 'WARNING: Stack unwind information not available. Following frames may be wrong.';

export function renderStack(listing: StackListing, style: StackStyle): string {
  const lines: string[] = [...(listing.preamble ?? [])];
  if (style === 'k') lines.push(' # Child-SP          RetAddr               Call Site');
  else if (style === 'kc') lines.push(' # Call Site');
  else if (style === 'kb' || style === 'kv') lines.push(` # Child-SP          RetAddr               : Args to Child${' '.repeat(59)}: Call Site`);
  let warned = false;
  for (const r of listing.rows) {
    if (r.guessed && !warned && style !== 'stack-text') {
      lines.push(NO_UNWIND_WARNING);
      warned = true;
    }
    const num = r.index.toString(16).padStart(2, '0');
    const head = `${addr64(r.childSp)} ${addr64(r.retAddr)}     `;
    if (style === 'k') lines.push(`${num} ${head}${callSite(r, style)}`);
    else if (style === 'kc') lines.push(`${num} ${callSite(r, style)}`);
    else {
      const args = (r.args ?? [undefined, undefined, undefined, undefined]).map(argText).join(' ');
      const body = `${head}: ${args} : ${callSite(r, style)}`;
      lines.push(style === 'stack-text' ? body : `${num} ${body}`);
    }
  }
  lines.push(...listing.notes);
  return lines.join('\n');
}
