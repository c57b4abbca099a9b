// The typed-array address index: entries come back sorted by RVA and, among equal RVAs, in the order they
// were added (checked against Array.prototype.sort, which is stable); floor() finds the last entry at or
// below an address (checked against a linear scan).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { RecordCollector } from '../../../src/formats/pdb/address-index.js';
import { fuzzParams } from '../../helpers/fuzz-budget.js';

test('sorted by RVA, stable among equal RVAs, with every field carried along; floor() as a linear scan', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 0xffffffff })), fc.nat(255)), { maxLength: 400 }), fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 20 }), (entries, probes) => {
      const a = new RecordCollector(4, true);
      const b = new RecordCollector(2, true);
      const half = entries.length >> 1;
      for (const [i, [rva, tag]] of entries.entries()) (i < half ? a : b).push(rva, i, tag, i * 3);
      a.append(b);
      const s = a.build();
      const want = entries.map(([rva, tag], i) => ({ rva, tag, i })).sort((x, y) => x.rva - y.rva);
      assert.deepEqual([...s.rva], want.map((w) => w.rva));
      assert.deepEqual([...s.record], want.map((w) => w.i));
      assert.deepEqual([...s.tag], want.map((w) => w.tag));
      assert.deepEqual([...(s.length ?? [])], want.map((w) => w.i * 3));
      for (const p of [...probes, ...entries.map(([r]) => r)]) {
        let expected = -1;
        for (let k = 0; k < want.length; k++) if (want[k].rva <= p) expected = k;
        assert.equal(s.floor(p), expected, `floor(${p})`);
      }
    }),
    fuzzParams(7, 300, 4),
  );
});

test('an already sorted collection keeps its order; an empty one has no floor', () => {
  const c = new RecordCollector(1);
  for (let i = 0; i < 1000; i++) c.push(i * 2, i, 0);
  const s = c.build();
  assert.equal(s.count, 1000);
  assert.equal(s.floor(1), 0);
  assert.equal(s.floor(1999), 999);
  assert.equal(new RecordCollector(0).build().floor(5), -1);
});
