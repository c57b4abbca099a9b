import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bucketExceptionCode, failureBucket, failureHash } from '../../src/analysis/bucket.js';
import { isOsModule } from '../../src/analysis/os-modules.js';

test('buckets follow the walkthroughs and the issue examples', () => {
  // 0x50 walkthrough: write fault, no symbols for Driver.
  assert.equal(failureBucket({ bugcheckCode: 0x50, baseCode: 0x50, access: 'W', module: 'Driver' }), 'AV_W_(null)_Driver!unknown_function');
  // 0x7E walkthrough: access violation, blamed EvilDriver without symbols.
  assert.equal(failureBucket({ bugcheckCode: 0x7e, baseCode: 0x7e, exceptionCode: 0xc0000005, module: 'EvilDriver' }), 'AV_EvilDriver!unknown_function');
  // Issue 6: the corpus triage dump with symbols.
  assert.equal(failureBucket({ bugcheckCode: 0x1000007e, baseCode: 0x7e, exceptionCode: 0xc0000005, module: 'amdppm', func: 'WriteIoMemRawEx' }), 'AV_amdppm!WriteIoMemRawEx');
  // Other exception codes: 0x{BUGCHECK}_{CODE}_site, the code in upper case as public buckets spell it
  // (0x3B_C000001D_WUDFRd!RdFdoDevice::RdIoReply, 0x1E_C000001D_nwifi!NwfReadMsg, 0x7E_C0000002_nvlddmkm!…).
  assert.equal(failureBucket({ bugcheckCode: 0x7e, baseCode: 0x7e, exceptionCode: 0xc0000096, module: 'x', func: 'f' }), '0x7E_C0000096_x!f');
  assert.equal(failureBucket({ bugcheckCode: 0x3b, baseCode: 0x3b, exceptionCode: 0xc000001d, module: 'WUDFRd', func: 'RdFdoDevice::RdIoReply' }), '0x3B_C000001D_WUDFRd!RdFdoDevice::RdIoReply');
  assert.equal(failureBucket({ bugcheckCode: 0x1e, baseCode: 0x1e, exceptionCode: 0xc000001d, module: 'nwifi', func: 'NwfReadMsg' }), '0x1E_C000001D_nwifi!NwfReadMsg');
  // A read fault in 0x50 (public output: AV_R_(null)_win32kbase!WmsgpConnect); 0xD1: AV_ and the site.
  assert.equal(failureBucket({ bugcheckCode: 0x50, baseCode: 0x50, access: 'R', module: 'win32kbase', func: 'WmsgpConnect' }), 'AV_R_(null)_win32kbase!WmsgpConnect');
  assert.equal(failureBucket({ bugcheckCode: 0xd1, baseCode: 0xd1, access: 'W', module: 'fileinfo', func: 'FIPfFileFSOpPostCreate' }), 'AV_fileinfo!FIPfFileFSOpPostCreate');
});

test('the exception code to bucket on: the record first, else Arg1 of an exception bugcheck', () => {
  assert.equal(bucketExceptionCode(0x3b, [0xc000001dn, 0n, 0n, 0n]), 0xc000001d);
  assert.equal(bucketExceptionCode(0x7e, [0xffffffffc0000094n, 0n, 0n, 0n]), 0xc0000094);
  assert.equal(bucketExceptionCode(0x7e, [0xc0000094n, 0n, 0n, 0n], 0xc0000005), 0xc0000005);
  assert.equal(bucketExceptionCode(0x50, [0xc0000094n, 0n, 0n, 0n]), undefined);
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
