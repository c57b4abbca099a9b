// Segment-heap VS chunks (Windows 10 19H1 and later pool): a block of the variable-size allocator starts
// with a _HEAP_VS_CHUNK_HEADER, then the _POOL_HEADER, then the data. The header's first eight bytes
// (Sizes.HeaderBits) are stored XORed with the chunk header's own address and the heap key,
// nt!RtlpHpHeapGlobals.HeapKey; decoded, Sizes gives UnsafeSize and UnsafePrevSize (16-byte units) and
// Allocated. Every field is read by name from nt's types; without the key the header cannot be read.
import type { KernelTarget } from '../target/kernel-target.js';
import type { KernelTypes } from '../target/struct-view.js';
import { StructView } from '../target/struct-view.js';

export interface VsChunk {
  /** Address of the _HEAP_VS_CHUNK_HEADER. */
  address: bigint;
  /** 'decoded': the key was read; 'encoded': the header is there but the key is not available. */
  state: 'decoded' | 'encoded';
  /** Decoded sizes in bytes and the allocated flag. */
  size?: number;
  previousSize?: number;
  allocated?: boolean;
  /** Why the header could not be decoded. */
  note?: string;
}

const keyCache = new WeakMap<object, Promise<bigint | undefined>>();

/** nt!RtlpHpHeapGlobals.HeapKey, when nt's symbols name it and the dump holds it. */
export function heapKey(t: KernelTarget, kt: KernelTypes): Promise<bigint | undefined> {
  let p = keyCache.get(t.memory);
  if (!p) {
    p = (async () => {
      const nt = t.modules.modules[0];
      const globals = nt ? await kt.global(nt.base, 'RtlpHpHeapGlobals').catch(() => undefined) : undefined;
      if (!globals) return undefined;
      const off = await kt.offsetOf('_RTLP_HP_HEAP_GLOBALS', 'HeapKey').catch(() => undefined);
      if (off === undefined) return undefined;
      const s = await t.memory.readSparse(globals + BigInt(off), 8);
      return s.valid.every((v) => v === 1) ? new DataView(s.bytes.buffer, s.bytes.byteOffset, 8).getBigUint64(0, true) : undefined;
    })();
    keyCache.set(t.memory, p);
  }
  return p;
}

/**
 * The VS chunk header right before the pool header at `poolHeader`, decoded when the heap key is known.
 * Undefined when nt's types have no _HEAP_VS_CHUNK_HEADER or its bytes are not in the dump.
 */
export async function vsChunkBefore(t: KernelTarget, kt: KernelTypes, poolHeader: bigint): Promise<VsChunk | undefined> {
  const type = await kt.struct('_HEAP_VS_CHUNK_HEADER').catch(() => undefined);
  if (!type || type.size < 8) return undefined;
  const address = poolHeader - BigInt(type.size);
  const s = await t.memory.readSparse(address, type.size);
  if (!s.valid.every((v) => v === 1)) return undefined;
  const key = await heapKey(t, kt);
  if (key === undefined) return { address, state: 'encoded', note: 'the segment heap encodes its chunk headers with nt!RtlpHpHeapGlobals.HeapKey, which is not in this dump: the chunk header cannot be read' };
  const bytes = s.bytes.slice();
  const dv = new DataView(bytes.buffer, bytes.byteOffset, 8);
  dv.setBigUint64(0, dv.getBigUint64(0, true) ^ address ^ key, true);
  const v = new StructView(type, bytes, address);
  if (!v.has('Sizes.UnsafeSize')) return { address, state: 'encoded', note: '_HEAP_VS_CHUNK_HEADER has no Sizes.UnsafeSize in these types' };
  return {
    address,
    state: 'decoded',
    size: v.num('Sizes.UnsafeSize') * 16,
    previousSize: v.has('Sizes.UnsafePrevSize') ? v.num('Sizes.UnsafePrevSize') * 16 : undefined,
    allocated: v.has('Sizes.Allocated') ? (v.num('Sizes.Allocated') & 1) === 1 : undefined,
  };
}
