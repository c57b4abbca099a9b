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

test('nt is the entry at KernBase (else the one named like the kernel image), never the first by position; it is put first', async () => {
  const { nameModules } = await import('../../src/target/modules.js');
  const entries = [
    { imageName: 'hal.dll', base: 0x1000n },
    { imageName: 'krnl.exe', base: 0x8000n }, // the kernel under an unusual file name, found by its base
    { imageName: 'ntoskrnl.exe', base: 0x20000n }, // a file named like the kernel that is not at KernBase
  ];
  const byBase = nameModules(entries, 0x8000n);
  assert.deepEqual(byBase.map((m) => [m.name, m.base]), [['nt', 0x8000n], ['hal', 0x1000n], ['ntoskrnl', 0x20000n]]);
  assert.equal(new ModuleTable(byBase.map((m) => ({ ...m, size: 0x10 }))).kernel?.base, 0x8000n);
  // Without KernBase: by the kernel's image name.
  assert.deepEqual(nameModules(entries).map((m) => m.name), ['nt', 'hal', 'krnl']);
  // Neither: nothing is named nt, and ModuleTable.kernel says so.
  const none = nameModules([{ imageName: 'first.sys', base: 0x1000n }, { imageName: 'hal.dll', base: 0x2000n }]);
  assert.deepEqual(none.map((m) => m.name), ['first', 'hal']);
  assert.equal(new ModuleTable(none.map((m) => ({ ...m, size: 0x10 }))).kernel, undefined);
});

test('the dispatcher header check: Tcb.Header.Type must be ThreadObject, Pcb.Header.Type ProcessObject; no field, no check', async () => {
  const { objectTypeMismatch } = await import('../../src/target/kernel-objects.js');
  const { StructView } = await import('../../src/target/struct-view.js');
  const u8 = { kind: 'base', name: 'unsigned char', size: 1, signed: false } as const;
  const header = { kind: 'udt', udtKind: 'struct', name: '_DISPATCHER_HEADER', size: 0x18, fields: [{ name: 'Type', offset: 0, type: u8 }] } as const;
  const kthread = { kind: 'udt', udtKind: 'struct', name: '_KTHREAD', size: 0x20, fields: [{ name: 'Header', offset: 0, type: header }] } as const;
  const ethread = { kind: 'udt', udtKind: 'struct', name: '_ETHREAD', size: 0x20, fields: [{ name: 'Tcb', offset: 0, type: kthread }] } as const;
  const bare = { kind: 'udt', udtKind: 'struct', name: '_ETHREAD', size: 0x20, fields: [] } as const;
  const bytes = (type: number) => Uint8Array.from({ length: 0x20 }, (_, i) => (i === 0 ? type : 0));
  const names = new Map([[6, 'ThreadObject'], [3, 'ProcessObject']]);
  assert.equal(objectTypeMismatch(new StructView(ethread, bytes(6), 0xffff1000n), 'thread', names), undefined);
  assert.equal(objectTypeMismatch(new StructView(ethread, bytes(3), 0xffff1000n), 'thread', names), 'TYPE mismatch for thread object at 00000000ffff1000');
  // The enumeration's own value wins over the documented one.
  assert.equal(objectTypeMismatch(new StructView(ethread, bytes(9), 0xffff1000n), 'thread', new Map([[9, 'ThreadObject']])), undefined);
  // Types without the field (the scenario kernel's) are not checked; nor is a header not in the dump.
  assert.equal(objectTypeMismatch(new StructView(bare, bytes(3), 0xffff1000n), 'thread', names), undefined);
  assert.equal(objectTypeMismatch(new StructView(ethread, new Uint8Array(0), 0xffff1000n), 'thread', names), undefined);
});
