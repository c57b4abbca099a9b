// The LZMA decoder used inside LZMA2 chunks: a binary range decoder with adaptive probabilities, literal
// and match coding, four repeated distances, and the 12-state machine. The output buffer doubles as the
// dictionary: LZMA2 always decodes into memory we keep.
import { FormatError } from '../../io/errors.js';

const PROB_INIT = 1024;
const STATES = 12;
const POS_STATES_MAX = 16;
const LEN_PROBS = 2 + 2 * POS_STATES_MAX * 8 + 256;
const FORMAT = 'xz LZMA2 data';

/** Where decoded bytes go; `data` may be replaced when it grows, so callers re-read it. */
export interface OutBuffer {
  data: Uint8Array;
  pos: number;
  /** Start of the current dictionary (after the last dictionary reset): matches cannot reach before it. */
  dictStart: number;
}

export class LzmaDecoder {
  lc = 0;
  lp = 0;
  pb = 0;
  private literal = new Uint16Array(0x300 << 4);
  private readonly isMatch = new Uint16Array(STATES << 4);
  private readonly isRep = new Uint16Array(STATES);
  private readonly isRepG0 = new Uint16Array(STATES);
  private readonly isRepG1 = new Uint16Array(STATES);
  private readonly isRepG2 = new Uint16Array(STATES);
  private readonly isRep0Long = new Uint16Array(STATES << 4);
  private readonly posSlot = new Uint16Array(4 << 6);
  private readonly specPos = new Uint16Array(114);
  private readonly align = new Uint16Array(16);
  private readonly lenProbs = new Uint16Array(LEN_PROBS);
  private readonly repLenProbs = new Uint16Array(LEN_PROBS);
  private state = 0;
  private rep0 = 0;
  private rep1 = 0;
  private rep2 = 0;
  private rep3 = 0;
  // Range decoder registers (unsigned 32-bit values kept in JS numbers).
  private range = 0;
  private code = 0;
  private input: Uint8Array = new Uint8Array(0);
  private inPos = 0;
  private inEnd = 0;

  /** Sets lc/lp/pb from an LZMA properties byte (LZMA2 requires lc + lp <= 4). */
  setProps(props: number, offset: number): void {
    if (props >= 9 * 5 * 5) throw new FormatError(FORMAT, `LZMA properties byte 0x${props.toString(16)} is invalid`, offset);
    this.lc = props % 9;
    this.lp = Math.floor(props / 9) % 5;
    this.pb = Math.floor(props / 45);
    if (this.lc + this.lp > 4) throw new FormatError(FORMAT, `lc=${this.lc} + lp=${this.lp} exceeds 4`, offset);
    const need = 0x300 << (this.lc + this.lp);
    if (this.literal.length !== need) this.literal = new Uint16Array(need);
  }

  /** Resets probabilities, the state machine and the repeated distances. */
  resetState(): void {
    for (const p of [this.literal, this.isMatch, this.isRep, this.isRepG0, this.isRepG1, this.isRepG2, this.isRep0Long, this.posSlot, this.specPos, this.align, this.lenProbs, this.repLenProbs]) {
      p.fill(PROB_INIT);
    }
    this.state = 0;
    this.rep0 = this.rep1 = this.rep2 = this.rep3 = 0;
  }

  private normalize(): void {
    if (this.range < 0x1000000) {
      if (this.inPos >= this.inEnd) throw new FormatError(FORMAT, 'compressed chunk ends before its data does', this.inPos);
      this.range = (this.range << 8) >>> 0;
      this.code = ((this.code << 8) | this.input[this.inPos++]) >>> 0;
    }
  }

  private bit(probs: Uint16Array, i: number): number {
    const p = probs[i];
    const bound = (this.range >>> 11) * p;
    let b: number;
    if (this.code < bound) {
      this.range = bound;
      probs[i] = p + ((2048 - p) >>> 5);
      b = 0;
    } else {
      this.range -= bound;
      this.code -= bound;
      probs[i] = p - (p >>> 5);
      b = 1;
    }
    this.normalize();
    return b;
  }

  private tree(probs: Uint16Array, base: number, bits: number): number {
    let m = 1;
    for (let i = 0; i < bits; i++) m = (m << 1) | this.bit(probs, base + m);
    return m - (1 << bits);
  }

  private reverseTree(probs: Uint16Array, base: number, bits: number): number {
    let m = 1;
    let sym = 0;
    for (let i = 0; i < bits; i++) {
      const b = this.bit(probs, base + m);
      m = (m << 1) | b;
      sym |= b << i;
    }
    return sym;
  }

  private direct(bits: number): number {
    let v = 0;
    for (let i = 0; i < bits; i++) {
      this.range >>>= 1;
      let b = 0;
      if (this.code >= this.range) {
        this.code -= this.range;
        b = 1;
      }
      v = ((v << 1) | b) >>> 0;
      this.normalize();
    }
    return v;
  }

  private length(probs: Uint16Array, posState: number): number {
    if (this.bit(probs, 0) === 0) return this.tree(probs, 2 + posState * 8, 3);
    if (this.bit(probs, 1) === 0) return 8 + this.tree(probs, 2 + POS_STATES_MAX * 8 + posState * 8, 3);
    return 16 + this.tree(probs, 2 + 2 * POS_STATES_MAX * 8, 8);
  }

  private distance(len: number): number {
    const lenState = Math.min(len, 3);
    const slot = this.tree(this.posSlot, lenState << 6, 6);
    if (slot < 4) return slot;
    const direct = (slot >>> 1) - 1;
    let dist = ((2 | (slot & 1)) << direct) >>> 0;
    if (slot < 14) return (dist + this.reverseTree(this.specPos, dist - slot - 1, direct)) >>> 0;
    dist = (dist + ((this.direct(direct - 4) << 4) >>> 0)) >>> 0;
    return (dist + this.reverseTree(this.align, 0, 4)) >>> 0;
  }

  /**
   * Decodes one LZMA2 chunk: `input[start, end)` is a complete range-coded stream that must produce exactly
   * `unpacked` bytes into `out` (whose capacity the caller has ensured).
   */
  decodeChunk(input: Uint8Array, start: number, end: number, out: OutBuffer, unpacked: number): void {
    this.input = input;
    this.inPos = start;
    this.inEnd = end;
    if (end - start < 5 || input[start] !== 0) throw new FormatError(FORMAT, 'range coder does not start with a zero byte', start);
    this.code = ((input[start + 1] << 24) | (input[start + 2] << 16) | (input[start + 3] << 8) | input[start + 4]) >>> 0;
    this.range = 0xffffffff;
    this.inPos = start + 5;
    const buf = out.data;
    let pos = out.pos;
    const limit = pos + unpacked;
    const pbMask = (1 << this.pb) - 1;
    const lpMask = (1 << this.lp) - 1;
    const lc = this.lc;
    while (pos < limit) {
      const posState = pos & pbMask;
      const state = this.state;
      if (this.bit(this.isMatch, (state << 4) + posState) === 0) {
        const prev = pos > out.dictStart ? buf[pos - 1] : 0;
        const base = 0x300 * (((pos & lpMask) << lc) + (prev >>> (8 - lc)));
        let sym = 1;
        if (state >= 7) {
          const at = pos - this.rep0 - 1;
          let match = at >= out.dictStart ? buf[at] : 0;
          while (sym < 0x100) {
            const mb = (match >>> 7) & 1;
            match <<= 1;
            const b = this.bit(this.literal, base + ((1 + mb) << 8) + sym);
            sym = (sym << 1) | b;
            if (mb !== b) break;
          }
        }
        while (sym < 0x100) sym = (sym << 1) | this.bit(this.literal, base + sym);
        buf[pos++] = sym & 0xff;
        this.state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
        continue;
      }
      let len: number;
      if (this.bit(this.isRep, state) === 0) {
        this.rep3 = this.rep2;
        this.rep2 = this.rep1;
        this.rep1 = this.rep0;
        len = this.length(this.lenProbs, posState);
        this.state = state < 7 ? 7 : 10;
        this.rep0 = this.distance(len);
        if (this.rep0 === 0xffffffff) throw new FormatError(FORMAT, 'end-of-stream marker inside an LZMA2 chunk', this.inPos);
      } else {
        if (this.bit(this.isRepG0, state) === 0) {
          if (this.bit(this.isRep0Long, (state << 4) + posState) === 0) {
            if (pos - this.rep0 - 1 < out.dictStart) throw new FormatError(FORMAT, `repeat distance ${this.rep0 + 1} reaches before the dictionary`, this.inPos);
            this.state = state < 7 ? 9 : 11;
            buf[pos] = buf[pos - this.rep0 - 1];
            pos++;
            continue;
          }
        } else {
          let dist: number;
          if (this.bit(this.isRepG1, state) === 0) dist = this.rep1;
          else {
            if (this.bit(this.isRepG2, state) === 0) dist = this.rep2;
            else {
              dist = this.rep3;
              this.rep3 = this.rep2;
            }
            this.rep2 = this.rep1;
          }
          this.rep1 = this.rep0;
          this.rep0 = dist;
        }
        len = this.length(this.repLenProbs, posState);
        this.state = state < 7 ? 8 : 11;
      }
      let n = len + 2;
      const from = pos - this.rep0 - 1;
      if (from < out.dictStart) throw new FormatError(FORMAT, `match distance ${this.rep0 + 1} reaches before the dictionary`, this.inPos);
      if (n > limit - pos) throw new FormatError(FORMAT, 'a match runs past the chunk\'s declared size', this.inPos);
      // Overlapping copies (distance < length) repeat the pattern, so copy forward byte by byte.
      let s = from;
      while (n-- > 0) buf[pos++] = buf[s++];
    }
    out.pos = pos;
    if (this.inPos !== end) throw new FormatError(FORMAT, `chunk decoded with ${end - this.inPos} compressed byte(s) left over`, this.inPos);
  }
}
