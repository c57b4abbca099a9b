import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bucketExceptionCode, failureBucket, failureHash, fastFailName } from '../../src/analysis/bucket.js';
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

test('subcode buckets, in the forms public !analyze output shows them', () => {
  const b = (baseCode: number, args: bigint[], module: string, func?: string, extra = {}) => failureBucket({ bugcheckCode: baseCode, baseCode, args, module, func, ...extra });
  // 0x1A: BUGCHECK_STR 0x1a_61941, FAILURE_BUCKET_ID 0x1a_61941_… (the subcode in lower-case hex).
  assert.equal(b(0x1a, [0x61941n, 0n, 0n, 0n], 'nt', 'MiDeleteVa'), '0x1a_61941_nt!MiDeleteVa');
  // Every frame bugcheck machinery: the module with an `unknown` function.
  assert.equal(b(0x1a, [0x41792n, 0n, 0n, 0n], 'nt', undefined, { unknownFunction: true }), '0x1a_41792_nt!unknown');
  // One flipped bit: the whole bucket is MEMORY_CORRUPTION_ONE_BIT (0x1A 0x41792 logs).
  assert.equal(b(0x1a, [0x41792n, 0n, 0n, 0n], 'hardware', undefined, { family: { bucket: 'MEMORY_CORRUPTION_ONE_BIT' } }), 'MEMORY_CORRUPTION_ONE_BIT');
  // 0x139: Arg1 in hex and its FAST_FAIL name (0x139_3_CORRUPT_LIST_ENTRY_PROCMON24!unknown_function,
  // 0x139_1d_INVALID_BALANCED_TREE_Driver!unknown_function in the DebugPrivilege 0x139 walkthrough).
  assert.equal(b(0x139, [3n, 0n, 0n, 0n], 'PROCMON24'), '0x139_3_CORRUPT_LIST_ENTRY_PROCMON24!unknown_function');
  assert.equal(b(0x139, [0x1dn, 0n, 0n, 0n], 'Driver'), '0x139_1d_INVALID_BALANCED_TREE_Driver!unknown_function');
  assert.equal(fastFailName(0x1dn), 'INVALID_BALANCED_TREE');
  // 0xC4: BUGCHECK_STR 0xc4_62.
  assert.equal(b(0xc4, [0x62n, 0n, 0n, 0n], 'scid'), '0xc4_62_scid!unknown_function');
  // Family tags: 0x133_DPC_npcap!NPF_ObjectPoolReturn, 0x9F_3_POWER_DOWN_tcpip!Flp…, 0x9F_3_RtsPer_IMAGE_pci.sys, 0x9F_4_raspppoe!RasPppoeCleanup.
  assert.equal(b(0x133, [0n, 0x501n, 0x500n, 0n], 'npcap', 'NPF_ObjectPoolReturn', { family: { tag: 'DPC' } }), '0x133_DPC_npcap!NPF_ObjectPoolReturn');
  assert.equal(b(0x9f, [3n, 0n, 0n, 0n], 'tcpip', 'FlpWaitForMiniportToReturnTransmittedPackets', { family: { tag: '3_POWER_DOWN' } }), '0x9F_3_POWER_DOWN_tcpip!FlpWaitForMiniportToReturnTransmittedPackets');
  assert.equal(b(0x9f, [3n, 0n, 0n, 0n], 'RtsPer', undefined, { family: { tag: '3', site: 'RtsPer_IMAGE_pci.sys' } }), '0x9F_3_RtsPer_IMAGE_pci.sys');
  assert.equal(b(0x9f, [4n, 0n, 0n, 0n], 'raspppoe', 'RasPppoeCleanup', { family: { tag: '4' } }), '0x9F_4_raspppoe!RasPppoeCleanup');
  // An unloaded driver: the image alone (the IP is in no loaded module, so there is no function).
  assert.equal(b(0xce, [0n, 0n, 0n, 0n], 'OldFilter', undefined, { unloadedImage: 'OldFilter.sys' }), '0xCE_OldFilter.sys');
  // Pool bugchecks bucket by their subcode, code and subcode in lower-case hex, as public logs print them:
  // 0x19_22_Driver!unknown_function and 0x13a_12_Driver!CreateRandomFile (DebugPrivilege walkthroughs),
  // BUGCHECK_STR 0xc2_7_CKBJ (case 7's Arg2 0x4a424b43 is the tag 'CKBJ') and 0xc2_d, 0x7f_8.
  assert.equal(b(0x19, [0x22n, 0xffffc48068d7d000n, 4n, 0n], 'Driver'), '0x19_22_Driver!unknown_function');
  assert.equal(b(0x13a, [0x12n, 0xffffe2808c200140n, 0xffffe2809abee000n, 0n], 'Driver', 'CreateRandomFile'), '0x13a_12_Driver!CreateRandomFile');
  assert.equal(b(0xc2, [7n, 0x4a424b43n, 0x40a0018n, 0xffffa0068e4956f0n], 'Ext2Fsd'), '0xc2_7_CKBJ_Ext2Fsd!unknown_function');
  assert.equal(b(0xc2, [0xdn, 0xffffc50c03936310n, 0x20ab4433n, 0x981276f174f0dba6n], 'usbip', 'f'), '0xc2_d_usbip!f');
  assert.equal(b(0xc2, [7n, 0n, 0n, 0n], 'x', 'f'), '0xc2_7_x!f');
  assert.equal(b(0x7f, [8n, 0n, 0n, 0n], 'nt', 'KiDoubleFaultAbort'), '0x7f_8_nt!KiDoubleFaultAbort');
  // A code with high bits that is not an _M variant keeps them.
  assert.equal(b(0x5454414d, [0n, 0n, 0n, 0n], 'Unknown_Module'), '0x5454414D_Unknown_Module!unknown_function');
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
