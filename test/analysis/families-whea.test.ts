// 0x124 WHEA_UNCORRECTABLE_ERROR: the CPER record (UEFI spec appendix N) laid out byte by byte here from the
// spec's tables, decoded, and blamed on hardware; hostile records (bad signature, absurd counts, sections
// outside the record) give notes or clear errors. MCi_STATUS values decoded per the Intel SDM tables.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { decodeCper } from '../../src/analysis/families/cper.js';
import { decodeMcaStatus } from '../../src/analysis/families/mca-status.js';
import { DumpscopeError } from '../../src/io/errors.js';
import type { KernelScenario } from '../../src/scenario/kernel-scenario.js';
import { analyzeCrash as analyzeRaw, crashKernel } from '../helpers/family-dumps.js';
import { assertClaimsComplete } from './claims-check.js';

/** Every report these tests make also meets the claims' requirements (evidence with commands, confirm, refute). */
const analyzeCrash = async (...a: Parameters<typeof analyzeRaw>) => assertClaimsComplete(await analyzeRaw(...a), String(a[3]));

const dir = mkdtempSync(join(tmpdir(), 'dumpscope-families-124-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** GUID text → its 16 stored bytes: Data1 (4), Data2 (2), Data3 (2) little-endian, then Data4 as written. */
function guidBytes(g: string): number[] {
  const h = g.replace(/-/g, '');
  const le = (s: string) => s.match(/../g)!.reverse().map((x) => parseInt(x, 16));
  return [...le(h.slice(0, 8)), ...le(h.slice(8, 12)), ...le(h.slice(12, 16)), ...h.slice(16).match(/../g)!.map((x) => parseInt(x, 16))];
}

const MCE_NOTIFY = 'e8f56ffe-919c-4cc5-ba88-65abe14913bb';
const MICROSOFT_CREATOR = 'cf07c4bd-b789-4e18-b3c4-1f732cb57131';
const PROCESSOR_GENERIC = '9876ccad-47b4-4bdb-b65e-16f193c4f3db';
const XPF_MCA = '8a1e1d01-42f9-4557-9c33-565e5cc3f7e8';

/** A fatal machine-check record: header (128), two descriptors (72 each), a 192-byte Processor Generic body; 464 bytes. */
function record(): Uint8Array {
  const b = new Uint8Array(464);
  const dv = new DataView(b.buffer);
  b.set([0x43, 0x50, 0x45, 0x52], 0); // 'CPER'
  dv.setUint16(4, 0x0210, true); // revision 2.16
  dv.setUint32(6, 0xffffffff, true);
  dv.setUint16(10, 2, true); // section count
  dv.setUint32(12, 1, true); // severity: fatal
  dv.setUint32(16, 2, true); // validation: timestamp valid
  dv.setUint32(20, 464, true); // record length
  b.set([34, 15, 10, 1, 15, 3, 24, 20], 24); // 2024-03-15 10:15:34, precise
  b.set(guidBytes(MICROSOFT_CREATOR), 64);
  b.set(guidBytes(MCE_NOTIFY), 80);
  dv.setBigUint64(96, 0x01da76cd5a3e1c00n, true); // record id
  // Descriptor 0 at 128: Processor Generic, primary, fatal, body at 272 (192 bytes).
  dv.setUint32(128, 272, true);
  dv.setUint32(132, 192, true);
  dv.setUint16(136, 0x0300, true);
  dv.setUint32(140, 1, true); // flags: primary
  b.set(guidBytes(PROCESSOR_GENERIC), 144);
  dv.setUint32(176, 1, true);
  // Descriptor 1 at 200: Windows' x86/x64 MCA section, no body in this record.
  dv.setUint32(200, 464, true);
  dv.setUint32(204, 0, true);
  b.set(guidBytes(XPF_MCA), 216);
  dv.setUint32(248, 1, true);
  // Processor Generic body: type, ISA, error type, operation valid (bits 0-3); IA32/X64, X64, bus error, data read.
  dv.setBigUint64(272, 0xfn, true);
  b.set([0, 1, 4, 1], 280);
  return b;
}

const windowsOnlyChain = async (k: KernelScenario) => [
  { image: k.nt, fn: 'KeBugCheckEx', at: 'entry' as const },
  { image: k.nt, fn: 'KiExecuteAllDpcs' },
  { image: k.nt, fn: 'KiRetireDpcList' },
  { image: k.nt, fn: 'KiIdleLoop' },
];

test('CPER record: header, descriptors and the Processor Generic section decoded per the UEFI spec', () => {
  const r = decodeCper(record());
  assert.deepEqual([r.revision, r.sectionCount, r.severityName, r.length, r.creatorName, r.notifyName, r.timestamp], [0x210, 2, 'Fatal', 464, 'Microsoft', 'Machine Check Exception', '2024-03-15 10:15:34 (UTC)']);
  assert.equal(r.recordId, 0x01da76cd5a3e1c00n);
  assert.equal(r.sections.length, 2);
  assert.deepEqual([r.sections[0].typeName, r.sections[0].primary, r.sections[0].offset, r.sections[0].length], ['Processor Generic', true, 272, 192]);
  assert.deepEqual(r.sections[0].details, [{ name: 'Proc. Type', value: 'IA32/X64' }, { name: 'Error Type', value: 'Bus Error' }, { name: 'Operation', value: 'Data Read' }]);
  assert.equal(r.sections[1].typeName, 'x86/x64 MCA');
  assert.deepEqual(r.notes, []);
});

test('CPER record, hostile: bad signature and absurd length refused; huge section counts and stray offsets bounded with notes', () => {
  const bad = record();
  bad[0] = 0x58;
  assert.throws(() => decodeCper(bad), (e) => e instanceof DumpscopeError && /signature is not 'CPER'/.test(e.message));
  const long = record();
  new DataView(long.buffer).setUint32(20, 0x7fffffff, true);
  assert.throws(() => decodeCper(long), /record length 2147483647 is outside 128\.\.65536/);
  assert.throws(() => decodeCper(record().subarray(0, 64)), /header needs 128 bytes, got 64/);
  const many = record();
  new DataView(many.buffer).setUint16(10, 0xffff, true);
  const m = decodeCper(many);
  assert.ok(m.notes.some((n) => /announces 65535 sections; only the first 32 were read/.test(n)));
  assert.ok(m.notes.some((n) => /section descriptor 4 at offset 416 lies past the 464 bytes available/.test(n)));
  const stray = record();
  new DataView(stray.buffer).setUint32(128, 0xfffffff0, true);
  const s = decodeCper(stray);
  assert.ok(s.notes.some((n) => /section 0: its body \(offset 4294967280, length 192\) lies outside/.test(n)));
  assert.deepEqual(s.sections[0].details, []);
});

test('MCi_STATUS: architectural bits and compound error codes (Intel SDM vol. 3B)', () => {
  // The value WinDbg's !errrec prints as BUSLG_GENERIC_ERR_*_TIMEOUT_ERR.
  const bus = decodeMcaStatus(0xfa000000n, 0x00070f0fn);
  assert.deepEqual([bus.valid, bus.overflow, bus.uncorrected, bus.enabled, bus.addressValid, bus.pcc, bus.component], [true, true, true, true, false, true, 'bus']);
  assert.match(bus.meaning, /^bus\/interconnect error \(generic, generic, timeout, generic level\)$/);
  // 0000 0001 0011 0110: cache hierarchy, data read (RRRR 0011), data (TT 01), L2 (LL 10).
  assert.equal(decodeMcaStatus(0n, 0x0136n).meaning, 'cache hierarchy error (L2, data, data read)');
  // 0000 0000 1001 0010: memory controller, read (MMM 001), channel 2.
  assert.deepEqual([decodeMcaStatus(0n, 0x0092n).meaning, decodeMcaStatus(0n, 0x0092n).component], ['memory controller error (read, channel 2)', 'memory']);
  // 0000 0000 0001 0101: TLB, data (TT 01), L1 (LL 01); bit 12 (filtering) does not change the class.
  assert.equal(decodeMcaStatus(0n, 0x1015n).meaning, 'TLB error (L1, data)');
  assert.equal(decodeMcaStatus(0n, 0x0400n).meaning, 'internal timer error');
});

test('0x124: the record at Arg2 names the error source, MCi_STATUS is decoded, and hardware is blamed', async () => {
  const c = await crashKernel([], windowsOnlyChain);
  const va = c.k.alloc(464);
  c.k.mem.write(va, record());
  const r = await analyzeCrash(c, 0x124, [0n, va, 0xfa000000n, 0x00070f0fn], join(dir, '124.dmp'));
  const claim = r.rootCause.find((x) => x.rule === 'whea-hardware-error');
  assert.ok(claim, `${r.rootCause.map((x) => x.rule)} / ${r.limitations.join(' | ')}`);
  assert.equal(claim.confidence, 'high');
  assert.match(claim.claim, /^The hardware itself reported a Machine Check Exception, described by its Processor Generic section \(Error Type Bus Error\)\. This is a hardware fault in the processor, not a driver bug/);
  assert.equal(claim.command, `!errrec ${va.toString(16)}`);
  assert.ok(claim.evidence.some((e) => /severity Fatal \(1\), 2 section\(s\), length 464, creator Microsoft, notify type Machine Check Exception, 2024-03-15 10:15:34 \(UTC\)/.test(e.fact)));
  assert.ok(claim.evidence.some((e) => e.fact.startsWith('Section 0: Processor Generic (primary), severity Fatal, offset 272, length 192: Proc. Type IA32/X64, Error Type Bus Error, Operation Data Read')));
  assert.ok(claim.evidence.some((e) => e.fact.startsWith('MCi_STATUS fa00000000070f0f: valid, uncorrected, processor context corrupt, overflow; bus/interconnect error')));
  assert.deepEqual([r.moduleName, r.imageName, r.symbolName], ['hardware', 'hardware', 'hardware']);
  assert.equal(r.extraFields?.find((f) => f.key === 'WHEA_NOTIFY_TYPE')?.value, 'Machine Check Exception');
  // A record that is not a CPER record still blames hardware (the bugcheck says so), with a note.
  const junk = c.k.alloc(464);
  c.k.mem.write(junk, new Uint8Array(464).fill(0x41));
  const r2 = await analyzeCrash(c, 0x124, [4n, junk, 0n, 0n], join(dir, '124-junk.dmp'));
  assert.equal(r2.rootCause.find((x) => x.rule === 'whea-hardware-error')?.confidence, 'medium');
  assert.ok(r2.limitations.some((l) => /cannot be decoded: WHEA error record: signature is not 'CPER' \(bytes 41 41 41 41\)/.test(l)), r2.limitations.join(' | '));
  assert.equal(r2.moduleName, 'hardware');
});

test('0x124 machine check with the CPU vendor known: the bucket WinDbg prints (0x124_0_<vendor>_PROCESSOR_<class>_IMAGE_<vendor>.sys)', async () => {
  const c = await crashKernel([], windowsOnlyChain);
  await c.k.setSystemIdentity({ productType: 1, suiteMask: 0x110, cpu: { vendor: 'AuthenticAMD', family: 0x17, model: 0x71, stepping: 0, mhz: 3600 } });
  const va = c.k.alloc(464);
  c.k.mem.write(va, record());
  // MCi_STATUS low 16 bits 0x0136: a cache hierarchy error (Intel SDM compound code 0000 0001 RRRR TTLL).
  const r = await analyzeCrash(c, 0x124, [0n, va, 0xbe000000n, 0x00000136n], join(dir, '124-amd.dmp'));
  // Public output: Failure.Bucket 0x124_0_AuthenticAMD_PROCESSOR_CACHE_IMAGE_AuthenticAMD.sys.
  assert.equal(r.failureBucketId, '0x124_0_AuthenticAMD_PROCESSOR_CACHE_IMAGE_AuthenticAMD.sys');
  assert.deepEqual([r.moduleName, r.imageName], ['AuthenticAMD', 'AuthenticAMD.sys']);
  // An unclassified MCA code: the empty class word of 0x124_16_GenuineIntel__UNKNOWN_IMAGE_GenuineIntel.sys, Arg1 in decimal.
  const r2 = await analyzeCrash(c, 0x124, [0x10n, va, 0n, 0n], join(dir, '124-amd-16.dmp'));
  assert.equal(r2.failureBucketId, '0x124_16_AuthenticAMD__UNKNOWN_IMAGE_AuthenticAMD.sys');
});
