// Address indexes over symbol records, kept in typed arrays: one entry is an RVA, the record's offset in
// its stream, a tag and (for procedures) a length. Nothing is decoded until an entry is asked for, so
// indexing tens of thousands of publics allocates a handful of arrays rather than an object per symbol.

/** Entries sorted by RVA; among equal RVAs, in the order they were added. */
export class SortedRecords {
  constructor(
    readonly rva: Uint32Array,
    readonly record: Uint32Array,
    readonly tag: Uint8Array,
    /** Code length per entry (procedures), when the records have one. */
    readonly length?: Uint32Array,
  ) {}

  get count(): number {
    return this.rva.length;
  }

  /** The last entry whose RVA is <= `rva`, or -1. */
  floor(rva: number): number {
    const a = this.rva;
    let lo = 0;
    let hi = a.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid] <= rva) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }
}

/** Collects entries in growable typed arrays, then sorts them once. */
export class RecordCollector {
  private n = 0;
  private rva: Uint32Array;
  private record: Uint32Array;
  private tag: Uint8Array;
  private length?: Uint32Array;

  constructor(capacity: number, withLength = false) {
    const c = Math.max(16, capacity);
    this.rva = new Uint32Array(c);
    this.record = new Uint32Array(c);
    this.tag = new Uint8Array(c);
    if (withLength) this.length = new Uint32Array(c);
  }

  push(rva: number, record: number, tag: number, length = 0): void {
    if (this.n === this.rva.length) this.grow();
    this.rva[this.n] = rva;
    this.record[this.n] = record;
    this.tag[this.n] = tag;
    if (this.length) this.length[this.n] = length;
    this.n++;
  }

  /** Adds every entry of `other` after this one's (before sorting: they come later among equal RVAs). */
  append(other: RecordCollector): void {
    if (this.n + other.n > this.rva.length) this.grow(this.n + other.n);
    this.rva.set(other.rva.subarray(0, other.n), this.n);
    this.record.set(other.record.subarray(0, other.n), this.n);
    this.tag.set(other.tag.subarray(0, other.n), this.n);
    if (this.length) this.length.set(other.length ? other.length.subarray(0, other.n) : new Uint32Array(other.n), this.n);
    this.n += other.n;
  }

  private grow(atLeast = 0): void {
    const size = Math.max(this.rva.length * 2, atLeast);
    const more = <T extends Uint32Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.set(a);
      return b;
    };
    this.rva = more(this.rva);
    this.record = more(this.record);
    this.tag = more(this.tag);
    if (this.length) this.length = more(this.length);
  }

  build(): SortedRecords {
    const n = this.n;
    const rva = this.rva.subarray(0, n);
    let sorted = true;
    for (let i = 1; i < n && sorted; i++) if (rva[i] < rva[i - 1]) sorted = false;
    if (sorted) return new SortedRecords(rva.slice(), this.record.slice(0, n), this.tag.slice(0, n), this.length?.slice(0, n));
    const order = sortOrder(rva);
    const pick = <T extends Uint32Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      for (let i = 0; i < n; i++) b[i] = a[order[i]];
      return b;
    };
    return new SortedRecords(pick(rva), pick(this.record), pick(this.tag), this.length ? pick(this.length) : undefined);
  }
}

/**
 * The permutation that sorts `keys` stably: a least-significant-digit radix sort on two 16-bit digits,
 * linear in the count and free of comparator calls (the sort dominated building a large PDB's index).
 */
function sortOrder(keys: Uint32Array): Uint32Array {
  const n = keys.length;
  let order = new Uint32Array(n);
  let next = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const counts = new Uint32Array(65537);
  for (const shift of [0, 16]) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[((keys[i] >>> shift) & 0xffff) + 1]++;
    for (let d = 1; d <= 65536; d++) counts[d] += counts[d - 1];
    for (let i = 0; i < n; i++) {
      const k = order[i];
      next[counts[(keys[k] >>> shift) & 0xffff]++] = k;
    }
    [order, next] = [next, order];
  }
  return order;
}
