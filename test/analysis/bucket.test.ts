import assert from 'node:assert/strict';
import { test } from 'node:test';
import { failureBucket, failureHash } from '../../src/analysis/bucket.js';
import { isOsModule } from '../../src/analysis/os-modules.js';

test('buckets follow the walkthroughs and the issue examples', () => {
  // 0x50 walkthrough: write fault, no symbols for Driver.
  assert.equal(failureBucket({ bugcheckCode: 0x50, baseCode: 0x50, access: 'W', module: 'Driver' }), 'AV_W_(null)_Driver!unknown_function');
  // 0x7E walkthrough: access violation, blamed EvilDriver without symbols.
  assert.equal(failureBucket({ bugcheckCode: 0x7e, baseCode: 0x7e, exceptionCode: 0xc0000005, module: 'EvilDriver' }), 'AV_EvilDriver!unknown_function');
  // Issue 6: the corpus triage dump with symbols.
  assert.equal(failureBucket({ bugcheckCode: 0x1000007e, baseCode: 0x7e, exceptionCode: 0xc0000005, module: 'amdppm', func: 'WriteIoMemRawEx' }), 'AV_amdppm!WriteIoMemRawEx');
  assert.equal(failureBucket({ bugcheckCode: 0x7e, baseCode: 0x7e, exceptionCode: 0xc0000096, module: 'x', func: 'f' }), '0x7E_c0000096_x!f');
});

test('the failure hash is stable, case-insensitive and GUID-shaped', () => {
  const h = failureHash('AV_EvilDriver!unknown_function');
  assert.match(h, /^\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}$/);
  assert.equal(h, failureHash('av_evildriver!UNKNOWN_FUNCTION'));
  assert.notEqual(h, failureHash('AV_Driver!unknown_function'));
  // FNV-1a-128 of the empty string is its offset basis (a published constant).
  assert.equal(failureHash(''), '{6c62272e-07bb-0142-62b8-21756295c58d}');
});

test('OS module list: Windows modules yes, third-party no', () => {
  for (const m of ['nt', 'ntoskrnl.exe', 'Wdf01000', 'ntfs.sys', 'tcpip', 'hal']) assert.ok(isOsModule(m), m);
  for (const m of ['Driver', 'EvilDriver.sys', 'nvlddmkm', 'aswSP']) assert.ok(!isOsModule(m), m);
});
