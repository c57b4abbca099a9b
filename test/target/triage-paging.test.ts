// Captured self-map entries put back into page tables: classification by self-map range, frames kept or
// replaced, and bounded work on hostile input. Expected addresses and values are the 0x50 walkthrough's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DumpscopeError } from '../../src/io/errors.js';
import { PageMapPhysicalMemory } from '../../src/memory/page-map-physical.js';
import { X64AddressSpace } from '../../src/memory/x64-paging.js';
import { MemoryBuilder } from '../../src/scenario/memory-builder.js';
import { capturedEntries, placeCapturedEntries, selfMapBases } from '../../src/target/triage-paging.js';
import { fuzzParams } from '../helpers/fuzz-budget.js';

const PTE_BASE = 0xffffbe8000000000n; // the walkthrough's MmPteBase, self-map slot 0x17d
const VA = 0xffffe5068d8a4000n;
// `!pte ffffe5068d8a4000` in the walkthrough: entry addresses and contents.
const WALK: [bigint, bigint][] = [
  [0xffffbedf6fb7de50n, 0x0a00000107400863n],
  [0xffffbedf6fbca0d0n, 0x0a00000005dc8863n],
  [0xffffbedf7941a360n, 0x1a0000025754a863n],
  [0xffffbef28346c520n, 0x00003e9800000000n],
];

function block(va: bigint, value: bigint) {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, value, true);
  return { va, bytes };
}

test('self-map bases and the level and address of each captured entry', () => {
  assert.deepEqual(selfMapBases(PTE_BASE), [0xffffbedf6fb7d000n, 0xffffbedf6fa00000n, 0xffffbedf40000000n, PTE_BASE]);
  const got = capturedEntries(WALK.map(([e, v]) => block(e, v)), PTE_BASE);
  assert.deepEqual(
    got.map((e) => [e.level, e.va, e.value]),
    [
      [0, 0xffffe50000000000n, WALK[0][1]], // PML4 slot 0x1ca
      [1, 0xffffe50680000000n, WALK[1][1]],
      [2, 0xffffe5068d800000n, WALK[2][1]],
      [3, VA, WALK[3][1]],
    ],
  );
});

test('placed entries translate exactly as captured: frames kept, the freed PTE verbatim', async () => {
  const mem = new MemoryBuilder(0x17d, 0x1000, 0x1ad);
  assert.equal(placeCapturedEntries(mem, capturedEntries(WALK.map(([e, v]) => block(e, v)), PTE_BASE), 0x17d), 0);
  const t = await new X64AddressSpace(new PageMapPhysicalMemory(mem.pages), 0x1ad000n).translate(VA);
  assert.deepEqual(t.levels.map((l) => l.value), WALK.map(([, v]) => v));
  assert.equal(t.state.kind, 'freed');
  // The frames the entries name hold the tables; fresh allocations avoid them.
  assert.ok(mem.pages.has(0x107400) && mem.pages.has(0x5dc8) && mem.pages.has(0x25754a));
  for (let i = 0; i < 16; i++) assert.ok(![0x107400, 0x5dc8, 0x25754a, 0x1ad].includes(mem.allocPfn()));
});

test('a data frame that is also a table frame gets a fresh one; entries under a not-present one are left out', async () => {
  const mem = new MemoryBuilder(0x17d, 0x1000, 0x1ad);
  const entries = capturedEntries(
    [
      ...WALK.slice(0, 3).map(([e, v]) => block(e, v)),
      block(WALK[3][0], 0x0a00000005dc8863n), // a "data" page at the PPE's table frame
      block(0xffffbef28346c000n - 8n, 0n), // a zero PTE in the neighbouring page table (its tables are created)
    ],
    PTE_BASE,
  );
  placeCapturedEntries(mem, entries, 0x17d);
  const t = await new X64AddressSpace(new PageMapPhysicalMemory(mem.pages), 0x1ad000n).translate(VA);
  const pte = t.levels[3].value as bigint;
  assert.equal(pte & ~0x000ffffffffff000n, 0x0a00000000000863n, 'flags kept');
  assert.notEqual((pte >> 12n) & 0xfffffffffn, 0x5dc8n, 'frame replaced');
  // A PTE below a PDE that is present but not a table (a freed PDE) cannot be placed.
  const m2 = new MemoryBuilder(0x17d, 0x1000, 0x1ad);
  const under = capturedEntries([block(WALK[2][0], 0x00003e9800000000n), block(WALK[3][0], 0x0a00000012345863n)], PTE_BASE);
  assert.equal(placeCapturedEntries(m2, under, 0x17d), 1);
});

test('hostile entries (random values anywhere in the self-map) place or fail cleanly, with bounded work', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.bigInt({ min: 0n, max: 0x8000000000n / 8n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })), { minLength: 1, maxLength: 300 }), (list) => {
      const mem = new MemoryBuilder(0x17d, 0x1000, 0x1ad);
      mem.maxPages = 2000;
      try {
        placeCapturedEntries(mem, capturedEntries(list.map(([i, v]) => block(PTE_BASE + i * 8n, v)), PTE_BASE), 0x17d);
      } catch (e) {
        assert.ok(e instanceof DumpscopeError, String(e));
      }
      assert.ok(mem.pages.size <= 2000);
    }),
    fuzzParams(21, 60, 40),
  );
});
