import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { bugcheckInfo, bugcheckName, documentedBugchecks, knownBugcheckCodes } from '../../src/knowledge/bugchecks/index.js';
import { pageFaultAccess } from '../../src/knowledge/bugchecks/docs-memory.js';
import { fuzzParams } from '../helpers/fuzz-budget.js';

const BUGCODES_H = '/usr/share/mingw-w64/include/bugcodes.h';

// Where mingw-w64's bugcodes.h disagrees with Microsoft's current reference: the reference (and WinDbg)
// spell 0x1D NO_SPIN_LOCK_AVAILABLE, and give 0xFA to HTTP_DRIVER_CORRUPTED (IMPERSONATING_WORKER_THREAD is
// 0xDF there).
const HEADER_DISAGREES = new Map<number, string>([
  [0x1d, 'NO_SPIN_LOCK_AVAILABLE'],
  [0xfa, 'HTTP_DRIVER_CORRUPTED'],
]);

test('every bugcheck in bugcodes.h is known under the same name', { skip: existsSync(BUGCODES_H) ? false : 'mingw-w64-common headers are not installed' }, () => {
  let checked = 0;
  for (const line of readFileSync(BUGCODES_H, 'utf8').split('\n')) {
    const m = /^#define\s+([A-Z0-9_]+)\s+\(\(ULONG\)(0x[0-9A-Fa-f]+)\)/.exec(line);
    if (!m) continue;
    const code = Number(m[2]) >>> 0;
    if (code >= 0x10000 && code !== 0xdeaddead) continue; // 0x4000xxxx/0x8000xxxx are blue screen message ids
    assert.equal(bugcheckName(code), HEADER_DISAGREES.get(code) ?? m[1], `0x${code.toString(16)}`);
    checked++;
  }
  assert.ok(checked > 150, `${checked} codes checked`);
});

test('several hundred codes have names; facts from the walkthroughs and the corpus README', () => {
  assert.ok(knownBugcheckCodes().length >= 300, `${knownBugcheckCodes().length} codes`);
  assert.equal(bugcheckName(0x50), 'PAGE_FAULT_IN_NONPAGED_AREA');
  assert.equal(bugcheckName(0x7e), 'SYSTEM_THREAD_EXCEPTION_NOT_HANDLED');
  assert.equal(bugcheckName(0x1000007e), 'SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M');
  assert.equal(bugcheckName(0x1c8), 'MANUALLY_INITIATED_POWER_BUTTON_HOLD');
  assert.equal(bugcheckName(0x100000ea), 'THREAD_STUCK_IN_DEVICE_DRIVER_M');
  assert.equal(bugcheckName(0x1000000a), 'IRQL_NOT_LESS_OR_EQUAL_M');
  assert.equal(bugcheckName(0x10000050), 'PAGE_FAULT_IN_NONPAGED_AREA_M');
  assert.equal(bugcheckName(0xc000021a), 'WINLOGON_FATAL_ERROR');
  assert.equal(bugcheckName(0x5454414d), undefined); // the 'MATT' marker of the live-acquisition dump
});

const KEY = [0x0a, 0x1a, 0x1e, 0x3b, 0x50, 0x7e, 0x7f, 0x8e, 0x9f, 0xa0, 0xc2, 0xc4, 0xc5, 0xd1, 0xef, 0xf4, 0x101, 0x116, 0x117, 0x119, 0x124, 0x133, 0x139, 0x13a, 0x154, 0x19, 0x24, 0x44, 0x4e, 0x7a, 0xbe, 0xc1, 0xc9, 0xca, 0xce, 0xd5, 0xd6, 0xe2, 0xea, 0xfc, 0x109, 0x10d, 0x10e, 0x113, 0x1c8, 0x1000007e];

test('the key codes (and at least 80 in all) have a summary and four argument meanings', () => {
  assert.ok(documentedBugchecks().length >= 80, `${documentedBugchecks().length} documented`);
  for (const code of [...KEY, ...documentedBugchecks()]) {
    const info = bugcheckInfo(code);
    assert.equal(info.documented, true, `0x${code.toString(16)}`);
    assert.ok(info.name, `0x${code.toString(16)} has a name`);
    assert.ok(info.summary.length > 20);
    assert.equal(info.args.length, 4);
    for (const a of info.args) assert.ok(a.meaning.length > 0);
  }
});

test('_M variants share the base code\'s meaning', () => {
  const m = bugcheckInfo(0x1000007e, [0xffffffffc0000005n, 0xfffff8048b58334cn, 0xffff850429891ee8n, 0xffff850429891720n]);
  const base = bugcheckInfo(0x7e);
  assert.equal(m.baseCode, 0x7e);
  assert.equal(m.isMVariant, true);
  assert.equal(m.summary, base.summary);
  assert.equal(m.args[0].value, 0xffffffffc0000005n);
  assert.equal(bugcheckInfo(0xc000021a).isMVariant, false);
});

test('sub-cases are picked from the actual arguments', () => {
  assert.match(bugcheckInfo(0x139, [3n, 0n, 0n, 0n]).subcode?.meaning ?? '', /LIST_ENTRY/);
  const dpc = bugcheckInfo(0x133, [0n, 0x501n, 0x500n, 0xfffff80000000000n]);
  assert.equal(dpc.subcode?.arg, 1);
  assert.match(dpc.subcode?.meaning ?? '', /single DPC/);
  assert.match(dpc.args[1].meaning, /ticks/);
  assert.match(bugcheckInfo(0x133, [1n]).subcode?.meaning ?? '', /in total/);
  assert.match(bugcheckInfo(0x1a, [0x41790n]).subcode?.meaning ?? '', /page table page/);
  assert.match(bugcheckInfo(0xc4, [0x62n]).subcode?.meaning ?? '', /unloading/);
  assert.match(bugcheckInfo(0x9f, [3n]).args[3].meaning, /blocked IRP/);
  assert.match(bugcheckInfo(0x124, [0n]).subcode?.meaning ?? '', /machine check/);
  assert.match(bugcheckInfo(0x19, [0x20n]).subcode?.meaning ?? '', /size is corrupt/);
  assert.match(bugcheckInfo(0xc2, [0x7n]).subcode?.meaning ?? '', /already freed/);
  assert.match(bugcheckInfo(0x13a, [0x11n]).subcode?.meaning ?? '', /double free/);
  assert.match(bugcheckInfo(0x109, [0n, 0n, 0n, 0x1n]).subcode?.meaning ?? '', /function/);
  assert.equal(bugcheckInfo(0x1a, [0x12345678n]).subcode, undefined); // an unlisted sub-case is not guessed
});

test('0x50 / 0x0A / 0xD1 access bits (the 0x50 walkthrough: Arg2 = 2 on a freed page)', () => {
  const w = bugcheckInfo(0x50, [0xffffe5068d8a4000n, 2n, 0xfffff801197f1d1en, 0n]);
  assert.equal(w.args[1].note, 'write of a not-present page');
  assert.equal(w.args[3].note, 'PTE marked free');
  // Intel SDM page-fault error code: P = bit 0, W/R = bit 1, U/S = bit 2, RSVD = bit 3, I/D = bit 4.
  assert.equal(pageFaultAccess(0x0n), 'read of a not-present page');
  assert.equal(pageFaultAccess(0x11n), 'instruction fetch (execute) of a present page (protection violation)');
  assert.equal(pageFaultAccess(0xbn), 'write of a present page (protection violation) with reserved PTE bits set (corrupt PTE)');
  assert.equal(bugcheckInfo(0x0a, [0n, 2n, 1n, 0n]).args[2].note, 'write');
  assert.equal(bugcheckInfo(0x0a, [0n, 2n, 8n, 0n]).args[2].note, 'execute');
  assert.equal(bugcheckInfo(0xd1, [0n, 2n, 0n, 0n]).args[2].note, 'read');
  assert.equal(bugcheckInfo(0xd1, [0n, 2n, 8n, 0n]).args[2].note, 'execute');
});

test('property: any code and arguments give a well-formed answer', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.array(fc.bigInt({ min: -(1n << 63n), max: (1n << 64n) - 1n }), { maxLength: 4 }), (code, args) => {
      const info = bugcheckInfo(code, args);
      assert.equal(info.args.length, 4);
      assert.equal(info.code, code);
      for (const [i, v] of args.entries()) assert.equal(info.args[i].value, BigInt.asUintN(64, v));
    }),
    fuzzParams(8, 1000),
  );
});
