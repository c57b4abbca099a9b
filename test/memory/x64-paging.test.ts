import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import fc from 'fast-check';
import { DumpscopeError } from '../../src/io/errors.js';
import { DEFAULT_PTE_LAYOUT, decodePte, explainPte, pteFlagLetters, ptePfn } from '../../src/memory/pte.js';
import { selfMapEntry, X64AddressSpace } from '../../src/memory/x64-paging.js';
import { PageMapPhysicalMemory } from '../../src/memory/page-map-physical.js';
import { corpus, skipUnlessCorpus } from '../helpers/corpus.js';
import { fuzzParams } from '../helpers/fuzz-budget.js';

class PageMap extends PageMapPhysicalMemory {
  setEntry(tablePfn: number, index: number, v: bigint) {
    new DataView(this.page(tablePfn).buffer).setBigUint64(index * 8, v, true);
  }
}

const idx = (va: bigint, level: number) => Number((va >> BigInt(12 + 9 * level)) & 0x1ffn);

test('self-map arithmetic reproduces the 0x50 walkthrough\'s !pte addresses', () => {
  // !pte ffffe5068d8a4000 printed PTE at FFFFBEF28346C520. The PTE's VA is PteBase + ((va >> 9) & 0x7FFFFFFFF8):
  // (0xffffe5068d8a4000 >> 9) & 0x7FFFFFFFF8 = 0x728346C520, so PteBase = 0xFFFFBEF28346C520 - 0x728346C520.
  const pteBase = 0xffffbef28346c520n - 0x728346c520n;
  assert.equal(pteBase, 0xffffbe8000000000n);
  const va = 0xffffe5068d8a4000n;
  const pte = selfMapEntry(va, pteBase);
  const pde = selfMapEntry(pte, pteBase);
  const ppe = selfMapEntry(pde, pteBase);
  const pxe = selfMapEntry(ppe, pteBase);
  assert.deepEqual([pxe, ppe, pde, pte], [0xffffbedf6fb7de50n, 0xffffbedf6fbca0d0n, 0xffffbedf7941a360n, 0xffffbef28346c520n]);
});

test('PTE contents from the walkthrough: flags, pfn and "Page has been freed"', () => {
  assert.equal(pteFlagLetters(0x0a00000107400863n), '---DA--KWEV');
  assert.equal(ptePfn(0x0a00000107400863n), 0x107400);
  assert.equal(ptePfn(0x1a0000025754a863n), 0x25754a);
  assert.equal(pteFlagLetters(0x0a00000005dc8863n), '---DA--KWEV');
  const freed = decodePte(0x00003e9800000000n);
  assert.equal(freed.kind, 'freed');
  assert.equal(explainPte(freed), 'Page has been freed');
  assert.equal(decodePte(0n).kind, 'zero');
  assert.equal(decodePte(0x800n | (4n << 5n) | (0x1234n << 12n)).kind, 'transition');
  assert.deepEqual(decodePte((4n << 5n) | (2n << 12n) | (0x10n << 32n)), { kind: 'pagefile', pageFileNumber: 2, pageFileOffset: 0x10000, protection: 4 });
  assert.equal(decodePte(4n << 5n).kind, 'demand-zero');
  assert.equal(decodePte(0x400n | (0xffffe0000000n << 16n)).kind, 'prototype');
});

test('default software-PTE bit positions equal the 19041 kernel types in the ISF', { skip: skipUnlessCorpus('isf/ntkrnlmp.pdb/5278AFF86C341677D7D7835C85B7B844-1.json.xz') }, () => {
  const json = JSON.parse(execFileSync('xz', ['-dc', corpus('isf/ntkrnlmp.pdb/5278AFF86C341677D7D7835C85B7B844-1.json.xz')], { maxBuffer: 1 << 28 }).toString());
  const f = (t: string, n: string) => {
    const ty = json.user_types[t].fields[n].type;
    return [ty.bit_position, ty.bit_length];
  };
  for (const [k, v] of Object.entries(DEFAULT_PTE_LAYOUT.software)) assert.deepEqual(v, f('_MMPTE_SOFTWARE', k), k);
  for (const [k, v] of Object.entries(DEFAULT_PTE_LAYOUT.transition)) assert.deepEqual(v, f('_MMPTE_TRANSITION', k), k);
  for (const [k, v] of Object.entries(DEFAULT_PTE_LAYOUT.prototype)) assert.deepEqual(v, f('_MMPTE_PROTOTYPE', k), k);
});

function buildTables() {
  const mem = new PageMap();
  const cr3 = 0x1000;
  const va4k = 0xffffe5068d8a3000n;
  // 4 KiB mapping: PML4 (pfn 1) → PDPT (2) → PD (3) → PT (4) → data pfn 0x100
  mem.setEntry(1, idx(va4k, 3), (2n << 12n) | 0x63n);
  mem.setEntry(2, idx(va4k, 2), (3n << 12n) | 0x63n);
  mem.setEntry(3, idx(va4k, 1), (4n << 12n) | 0x63n);
  mem.setEntry(4, idx(va4k, 0), (0x100n << 12n) | 0x863n);
  mem.setEntry(4, idx(va4k + 0x1000n, 0), 0x00003e9800000000n); // next page: freed, as in the walkthrough
  mem.page(0x100).fill(0xab);
  // 2 MiB page at PD level, 1 GiB page at PDPT level
  const va2m = 0xfffff80000000000n;
  mem.setEntry(1, idx(va2m, 3), (5n << 12n) | 0x63n);
  mem.setEntry(5, idx(va2m, 2), (6n << 12n) | 0x63n);
  mem.setEntry(6, idx(va2m, 1), (0x200n << 12n) | 0xe3n);
  mem.page(0x200 + 3).fill(0xcd);
  const va1g = 0xffff900000000000n;
  mem.setEntry(1, idx(va1g, 3), (7n << 12n) | 0x63n);
  mem.setEntry(7, idx(va1g, 2), (0x40000n << 12n) | 0xe3n);
  mem.page(0x40000 + 0x12).fill(0xef);
  return { mem, cr3, va4k, va2m, va1g };
}

test('4-level walk, 2 MiB and 1 GiB pages, freed and missing entries', async () => {
  const { mem, cr3, va4k, va2m, va1g } = buildTables();
  const as = new X64AddressSpace(mem, BigInt(cr3), { pteBase: 0xffffbe8000000000n });
  const t = await as.translate(va4k + 0x10n);
  assert.equal(t.pa, 0x100 * 4096 + 0x10);
  assert.deepEqual(t.levels.map((l) => l.name), ['PXE', 'PPE', 'PDE', 'PTE']);
  assert.equal(t.levels[3].entryVa, selfMapEntry(va4k, 0xffffbe8000000000n));
  assert.deepEqual(await as.read(va4k, 2), new Uint8Array([0xab, 0xab]));
  const freed = await as.translate(va4k + 0x1000n);
  assert.equal(freed.pa, undefined);
  assert.equal(freed.state.kind, 'freed');
  await assert.rejects(as.read(va4k + 0xff0n, 0x20), /Page has been freed/);
  const sparse = await as.readSparse(va4k + 0xff8n, 16);
  assert.deepEqual([...sparse.valid], [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
  const big = await as.translate(va2m + 0x3000n + 5n);
  assert.equal(big.pa, (0x200 + 3) * 4096 + 5);
  assert.equal(big.levels[2].large, true);
  assert.deepEqual(await as.read(va2m + 0x3000n, 1), new Uint8Array([0xcd]));
  const huge = await as.translate(va1g + 0x12000n);
  assert.equal(huge.pa, (0x40000 + 0x12) * 4096);
  assert.equal(huge.levels.length, 2);
  const nc = await as.translate(0x0000900000000000n);
  assert.match(nc.reason!, /not canonical/);
  const missing = await as.translate(0xffff880000000000n);
  assert.equal(missing.state.kind, 'zero');
});

test('5-level paging walks through a PML5 table', async () => {
  const mem = new PageMap();
  const va = 0xff00001234567000n; // LA57: bits 48-56 select the PML5 entry
  mem.setEntry(1, Number((va >> 48n) & 0x1ffn), (2n << 12n) | 0x63n);
  mem.setEntry(2, idx(va, 3), (3n << 12n) | 0x63n);
  mem.setEntry(3, idx(va, 2), (4n << 12n) | 0x63n);
  mem.setEntry(4, idx(va, 1), (5n << 12n) | 0x63n);
  mem.setEntry(5, idx(va, 0), (0x300n << 12n) | 0x63n);
  const as = new X64AddressSpace(mem, 0x1000n, { fiveLevel: true });
  const t = await as.translate(va);
  assert.equal(t.pa, 0x300 * 4096);
  assert.deepEqual(t.levels.map((l) => l.name), ['PML5E', 'PXE', 'PPE', 'PDE', 'PTE']);
});

test('garbage page tables never throw from translate and never loop', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { minLength: 512, maxLength: 512 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), async (entries, va) => {
      const mem = new PageMap();
      // One table that every level points back to (pfn 1): a self-referencing walk.
      for (const [i, e] of entries.entries()) mem.setEntry(1, i, i % 3 === 0 ? (1n << 12n) | 1n : e);
      const as = new X64AddressSpace(mem, 0x1000n);
      const t = await as.translate(va);
      assert.ok(t.levels.length <= 4);
      try {
        await as.read(va, 16);
      } catch (e) {
        assert.ok(e instanceof DumpscopeError);
      }
    }),
    fuzzParams(9, 200, 4),
  );
});

test('random 4 KiB, 2 MiB and 1 GiB mappings translate back to what was mapped (property)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ pml4: fc.integer({ min: 256, max: 511 }), pdpt: fc.nat(511), pd: fc.nat(511), pt: fc.nat(511), size: fc.constantFrom(12, 21, 30), offset: fc.nat(0x3fffffff) }), { minLength: 1, maxLength: 12 }),
      async (maps) => {
        const mem = new PageMap();
        let nextTable = 2;
        const tables = new Map<string, number>();
        const table = (key: string) => {
          let t = tables.get(key);
          if (t === undefined) tables.set(key, (t = nextTable++));
          return t;
        };
        const expected: [bigint, number][] = [];
        const used = new Set<string>();
        for (const m of maps) {
          const slot = `${m.pml4}/${m.pdpt}${m.size < 30 ? `/${m.pd}` : ''}${m.size < 21 ? `/${m.pt}` : ''}`;
          // Skip mappings that would collide with a differently sized one already placed.
          if ([...used].some((u) => u === slot || u.startsWith(`${slot}/`) || slot.startsWith(`${u}/`))) continue;
          used.add(slot);
          const va = (0xffffn << 48n) | (BigInt(m.pml4) << 39n) | (BigInt(m.pdpt) << 30n) | (BigInt(m.pd) << 21n) | (BigInt(m.pt) << 12n);
          const frame = 0x100000 * (expected.length + 1); // a 1 GiB-aligned physical base per mapping
          const pdpt = table(`${m.pml4}`);
          mem.setEntry(1, m.pml4, (BigInt(pdpt) << 12n) | 0x63n);
          const off = BigInt(m.offset) & ((1n << BigInt(m.size)) - 1n);
          const base = m.size === 30 ? va & ~((1n << 30n) - 1n) : m.size === 21 ? va & ~((1n << 21n) - 1n) : va;
          if (m.size === 30) mem.setEntry(pdpt, m.pdpt, (BigInt(frame) << 12n) | 0xe3n);
          else {
            const pd = table(`${m.pml4}/${m.pdpt}`);
            mem.setEntry(pdpt, m.pdpt, (BigInt(pd) << 12n) | 0x63n);
            if (m.size === 21) mem.setEntry(pd, m.pd, (BigInt(frame) << 12n) | 0xe3n);
            else {
              const pt = table(`${m.pml4}/${m.pdpt}/${m.pd}`);
              mem.setEntry(pd, m.pd, (BigInt(pt) << 12n) | 0x63n);
              mem.setEntry(pt, m.pt, (BigInt(frame) << 12n) | 0x63n);
            }
          }
          expected.push([base + off, frame * 4096 + Number(off)]);
        }
        const as = new X64AddressSpace(mem, 0x1000n);
        for (const [va, pa] of expected) assert.equal((await as.translate(va)).pa, pa, va.toString(16));
      },
    ),
    fuzzParams(17, 150, 4),
  );
});
