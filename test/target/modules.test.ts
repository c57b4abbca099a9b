import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ModuleTable, windbgModuleName } from '../../src/target/modules.js';
import { fuzzParams } from '../helpers/fuzz-budget.js';

test('WinDbg module names: nt for the kernel, hal, file name without extension, unique', () => {
  const taken = new Set<string>();
  assert.equal(windbgModuleName('ntoskrnl.exe', true, taken), 'nt');
  assert.equal(windbgModuleName('hal.dll', false, taken), 'hal');
  assert.equal(windbgModuleName('amdppm.sys', false, taken), 'amdppm');
  assert.equal(windbgModuleName('Wdf01000.sys', false, taken), 'Wdf01000');
  assert.equal(windbgModuleName('amdppm.sys', false, taken), 'amdppm_2');
});

test('address lookup agrees with a linear search', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(1000), fc.integer({ min: 1, max: 50 })), { maxLength: 40 }), fc.nat(1100), (specs, probe) => {
      // Build non-overlapping modules from the random specs.
      let next = 0;
      const mods = specs.map(([gap, size], i) => {
        const base = BigInt(next + gap);
        next += gap + size;
        return { name: `m${i}`, imageName: `m${i}.sys`, base, size };
      });
      const table = new ModuleTable(mods);
      const a = BigInt(probe * 20);
      const linear = mods.find((m) => a >= m.base && a < m.base + BigInt(m.size));
      assert.equal(table.at(a), linear);
    }),
    fuzzParams(3, 500, 4),
  );
});
