// !pool's big-page table, segment-heap VS chunk headers and partial pages, on a hand-made kernel: the
// layouts are the 19041 kernel's (offsets and bitfields as the corpus ISF lists them), the memory is
// written here byte by byte, and every expected value is worked out by hand from those bytes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { poolKind, poolPage } from '../../src/analysis/pool-page.js';
import { poolCommand, type PoolResult } from '../../src/commands/builtin/pool.js';
import { IsfTable } from '../../src/formats/isf/isf.js';
import type { AddressSpace } from '../../src/memory/address-space.js';
import type { KernelTarget } from '../../src/target/kernel-target.js';
import { KernelTypes } from '../../src/target/struct-view.js';

const NT = 0xfffff80000000000n;
const RVA = { PoolBigPageTable: 0x1000, PoolBigPageTableSize: 0x1008, RtlpHpHeapGlobals: 0x1100 };

const base = (size: number, signed = false) => ({ kind: 'int', size, signed, endian: 'little' });
const u32 = { kind: 'base', name: 'unsigned long' };
const u16 = { kind: 'base', name: 'unsigned short' };
const u64 = { kind: 'base', name: 'unsigned long long' };
const bits = (type: object, pos: number, len: number) => ({ kind: 'bitfield', bit_position: pos, bit_length: len, type });

/** The structures as the 19041 ISF (ntkrnlmp 5278AFF8…) lays them out. */
function isf(withHeapGlobals = true): IsfTable {
  const json = {
    metadata: { format: '6.2.0' },
    base_types: { 'unsigned long': base(4), 'unsigned short': base(2), 'unsigned long long': base(8), 'unsigned char': base(1), pointer: base(8), void: { kind: 'void', size: 0, signed: false, endian: 'little' } },
    user_types: {
      _POOL_HEADER: { kind: 'struct', size: 16, fields: { PreviousSize: { offset: 0, type: bits(u16, 0, 8) }, PoolIndex: { offset: 0, type: bits(u16, 8, 8) }, BlockSize: { offset: 2, type: bits(u16, 0, 8) }, PoolType: { offset: 2, type: bits(u16, 8, 8) }, PoolTag: { offset: 4, type: u32 } } },
      _POOL_TRACKER_BIG_PAGES: { kind: 'struct', size: 24, fields: { Va: { offset: 0, type: u64 }, Key: { offset: 8, type: u32 }, Pattern: { offset: 12, type: bits(u32, 0, 8) }, PoolType: { offset: 12, type: bits(u32, 8, 12) }, SlushSize: { offset: 12, type: bits(u32, 20, 12) }, NumberOfBytes: { offset: 16, type: u64 } } },
      _HEAP_VS_CHUNK_HEADER_SIZE: { kind: 'union', size: 8, fields: { MemoryCost: { offset: 0, type: bits(u32, 0, 16) }, UnsafeSize: { offset: 0, type: bits(u32, 16, 16) }, UnsafePrevSize: { offset: 4, type: bits(u32, 0, 16) }, Allocated: { offset: 4, type: bits(u32, 16, 8) }, HeaderBits: { offset: 0, type: u64 } } },
      _HEAP_VS_CHUNK_HEADER: { kind: 'struct', size: 16, fields: { Sizes: { offset: 0, type: { kind: 'union', name: '_HEAP_VS_CHUNK_HEADER_SIZE' } }, AllocatedChunkBits: { offset: 8, type: u32 } } },
      _RTLP_HP_HEAP_GLOBALS: { kind: 'struct', size: 56, fields: { HeapKey: { offset: 0, type: u64 }, LfhKey: { offset: 8, type: u64 } } },
    },
    enums: {},
    symbols: Object.fromEntries(Object.entries(RVA).filter(([n]) => withHeapGlobals || n !== 'RtlpHpHeapGlobals').map(([n, a]) => [n, { address: a }])),
  };
  return IsfTable.parse(JSON.stringify(json), 'test');
}

/** Sparse memory: whole pages, or parts of pages, written by the test. */
class Memory implements AddressSpace {
  private readonly bytes = new Map<bigint, Uint8Array>();
  private readonly valid = new Map<bigint, Uint8Array>();
  write(va: bigint, data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) {
      const a = va + BigInt(i);
      const p = a & ~0xfffn;
      if (!this.bytes.has(p)) {
        this.bytes.set(p, new Uint8Array(0x1000));
        this.valid.set(p, new Uint8Array(0x1000));
      }
      this.bytes.get(p)![Number(a - p)] = data[i];
      this.valid.get(p)![Number(a - p)] = 1;
    }
  }
  u64(va: bigint, v: bigint): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, v, true);
    this.write(va, b);
  }
  async readSparse(va: bigint, length: number) {
    const bytes = new Uint8Array(length);
    const valid = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      const a = va + BigInt(i);
      const p = a & ~0xfffn;
      const o = Number(a - p);
      if (this.valid.get(p)?.[o]) {
        bytes[i] = this.bytes.get(p)![o];
        valid[i] = 1;
      }
    }
    return { bytes, valid };
  }
  async read(va: bigint, length: number) {
    const s = await this.readSparse(va, length);
    if (!s.valid.every((x) => x === 1)) throw new Error(`not present: ${va.toString(16)}`);
    return s.bytes;
  }
}

function target(mem: Memory): KernelTarget {
  return { memory: mem, modules: { modules: [{ base: NT, name: 'nt' }] } } as unknown as KernelTarget;
}

const TAG_WRB1 = 0x31427257; // 'WrB1'

test('a big-page allocation: tag and size from nt!PoolBigPageTable, WinDbg\'s "large page allocation" line', async () => {
  const mem = new Memory();
  const table = 0xffffe00000100000n;
  const block = 0xffffe009a68dc000n;
  mem.u64(NT + BigInt(RVA.PoolBigPageTable), table);
  mem.u64(NT + BigInt(RVA.PoolBigPageTableSize), 3n);
  // Slot 0: a freed entry (Va bit 0 set) for the same address; slot 1: WrB1, PagedPool (1), 0x2510 bytes; slot 2 unused.
  const entry = (slot: number, va: bigint, tag: number, poolType: number, bytes: bigint) => {
    const e = new Uint8Array(24);
    const dv = new DataView(e.buffer);
    dv.setBigUint64(0, va, true);
    dv.setUint32(8, tag, true);
    dv.setUint32(12, poolType << 8, true); // PoolType: bits 8-19 of the dword at +0xc
    dv.setBigUint64(16, bytes, true);
    mem.write(table + BigInt(slot * 24), e);
  };
  entry(0, block | 1n, 0x656b6f54 /* 'Toke' */, 1, 0x1000n);
  entry(1, block, TAG_WRB1, 1, 0x2510n);
  entry(2, 0n, 0, 0, 0n);
  const t = target(mem);
  const kt = new KernelTypes(isf());
  const pg = await poolPage(t, kt, block + 0x10n);
  assert.equal(pg.method, 'big-page');
  assert.equal(pg.present, false, 'the allocation\'s own page is not in this memory: the table alone describes it');
  const [b] = pg.blocks;
  assert.equal(b.address, block);
  assert.equal(b.size, 0x2510);
  assert.equal(b.tagText, 'WrB1');
  assert.equal(b.allocated, true, 'the allocated entry wins over the freed one at the same address');
  assert.equal(poolKind(b), 'Paged pool');
  assert.equal(b.data, block, 'a big-page allocation has no header: its data starts at its address');
  // Its third page (rounded up from 0x2510 bytes) belongs to it too; the page after does not.
  assert.equal((await poolPage(t, kt, block + 0x2fffn)).method, 'big-page');
  assert.notEqual((await poolPage(t, kt, block + 0x3000n)).method, 'big-page');
  // The line of the 0x19 large-pool article on Microsoft's ntdebugging blog:
  // `*fffffa800dba5000 : large page allocation, Tag is Io  , size is 0x1fb0 bytes`.
  const r: PoolResult = { kind: 'pool', address: block + 0x10n, page: pg.page, region: 'Paged pool', regionSource: 'pool header', blocks: pg.blocks, owner: { kind: 'unknown' } };
  assert.equal(poolCommand.renderText(r).split('\n')[1], '*ffffe009a68dc000 : large page allocation, Tag is WrB1, size is 0x2510 bytes');
});

test('a segment-heap VS chunk: its header decoded with RtlpHpHeapGlobals.HeapKey, or said to be encoded', async () => {
  const page = 0xffffe00a12345000n;
  const key = 0x3be6192c0436d050n;
  const build = (withKey: boolean) => {
    const mem = new Memory();
    mem.write(page, new Uint8Array(0x1000)); // the whole page, zeros: no header chain from its start
    // Chunk header at +0x100: UnsafeSize 9 (0x90 bytes) in bits 16-31, UnsafePrevSize 5 (0x50) in bits
    // 32-47, Allocated 1 in bits 48-55: 0x00010005_00090000, stored XORed with its address and the key.
    mem.u64(page + 0x100n, 0x0001000500090000n ^ (page + 0x100n) ^ key);
    // Pool header at +0x110: BlockSize 8 (0x80 bytes = the chunk less its header), PoolType 2 (paged + 1), 'Abcd'.
    mem.write(page + 0x110n, new Uint8Array([0, 0, 8, 2, 0x41, 0x62, 0x63, 0x64, 0, 0, 0, 0, 0, 0, 0, 0]));
    if (withKey) mem.u64(NT + BigInt(RVA.RtlpHpHeapGlobals), key);
    return target(mem);
  };
  const pg = await poolPage(build(true), new KernelTypes(isf()), page + 0x130n);
  assert.equal(pg.method, 'scan');
  const [b] = pg.blocks;
  assert.equal(b.address, page + 0x110n);
  assert.equal(b.size, 0x80);
  assert.equal(b.tagText, 'Abcd');
  assert.deepEqual(b.vsChunk, { address: page + 0x100n, state: 'decoded', size: 0x90, previousSize: 0x50, allocated: true });
  // Without the key in the dump the header is there but cannot be read; without the symbol, likewise.
  for (const [t, types] of [[build(false), isf()], [build(true), isf(false)]] as const) {
    const vs = (await poolPage(t, new KernelTypes(types), page + 0x130n)).blocks[0].vsChunk;
    assert.equal(vs?.state, 'encoded');
    assert.match(vs?.note ?? '', /encodes its chunk headers with nt!RtlpHpHeapGlobals\.HeapKey, which is not in this dump/);
  }
});

test('a page whose header bytes the dump lacks says so instead of "no pool header"', async () => {
  const mem = new Memory();
  const page = 0xffffc08be457f000n;
  // Only the 0x310 bytes from the address on are captured, as in the corpus triage dump's rsi page.
  mem.write(page + 0xcf0n, new Uint8Array(0x310).fill(7));
  const pg = await poolPage(target(mem), new KernelTypes(isf()), page + 0xcf0n);
  assert.equal(pg.blocks.length, 0);
  assert.equal(pg.headerBytesMissing, true);
  assert.equal(pg.note, "the pool header before ffffc08be457fcf0 is not in this dump (it keeps 784 of the page's 4096 bytes): the block cannot be identified");
  // A whole page without a header is still "no pool header".
  const full = new Memory();
  full.write(page, new Uint8Array(0x1000));
  assert.match((await poolPage(target(full), new KernelTypes(isf()), page + 0xcf0n)).note ?? '', /^no pool header covering ffffc08be457fcf0/);
});
