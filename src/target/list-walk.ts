// Walks a kernel doubly linked list (LIST_ENTRY) from its head, bounded in length and stopped at the first
// repeated or unreadable entry, so a cyclic or corrupted list from a crashed machine can never hang us.
// A long walk (thousands of threads) checks the command's abort signal as it goes.
import type { AddressSpace } from '../memory/address-space.js';
import { checkpoint } from '../util/checkpoint.js';

export interface ListWalk {
  /** Addresses of the containing structures (entry address minus the link field's offset). */
  items: bigint[];
  /** Why the walk ended early, if it did. */
  note?: string;
}

/** Entries walked between two abort checks. */
const CHECK_EVERY = 256;

/** Throws CommandAbortedError (from `checkpoint`) when `signal` is aborted during the walk. */
/** `name` says which list in the notes ("the process list loops back …"). */
export async function walkList(memory: AddressSpace, head: bigint, linkOffset: number, max = 1 << 16, signal?: AbortSignal, name = 'the list'): Promise<ListWalk> {
  const items: bigint[] = [];
  const seen = new Set<bigint>([head]);
  let entry: bigint;
  try {
    entry = readPtr(await memory.read(head, 8));
  } catch (e) {
    return { items, note: `${name}: its head ${head.toString(16)} is unreadable (${(e as Error).message})` };
  }
  while (entry !== head) {
    if (items.length >= max) return { items, note: `${name}: stopped after ${max} entries` };
    if (entry === 0n) return { items, note: `${name} has a null link` };
    if (seen.has(entry)) return { items, note: `${name} loops back to ${entry.toString(16)} without reaching its head` };
    seen.add(entry);
    items.push(entry - BigInt(linkOffset));
    if (items.length % CHECK_EVERY === 0) await checkpoint(signal);
    try {
      entry = readPtr(await memory.read(entry, 8));
    } catch (e) {
      return { items, note: `${name}: entry ${entry.toString(16)} is unreadable (${(e as Error).message})` };
    }
  }
  return { items };
}

function readPtr(b: Uint8Array): bigint {
  return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
}
