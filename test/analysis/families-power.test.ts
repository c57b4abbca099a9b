// 0x9F DRIVER_POWER_STATE_FAILURE on restated scenario dumps: a blocked power IRP (case 3) written by field
// name with the 19041 layouts, and a thread holding the PnP lock (case 4) whose stack waits in a driver.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { symbolAddress } from '../../src/scenario/images.js';
import type { KernelScenario } from '../../src/scenario/kernel-scenario.js';
import { StructWriter } from '../../src/scenario/struct-writer.js';
import { renderAnalysisText } from '../../src/render/analysis.js';
import { analyzeCrash as analyzeRaw, crashKernel, isfSource, isfStruct, LOADER_TAIL, setUnicode, skipUnlessIsf } from '../helpers/family-dumps.js';
import { assertClaimsComplete } from './claims-check.js';

/** Every report these tests make also meets the claims' requirements (evidence with commands, confirm, refute). */
const analyzeCrash = async (...a: Parameters<typeof analyzeRaw>) => assertClaimsComplete(await analyzeRaw(...a), String(a[3]));

const dir = mkdtempSync(join(tmpdir(), 'dumpscope-families-power-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// wdm.h constants, written by the test as a driver would see them.
const IRP_MJ_POWER = 0x16;
const IRP_MN_SET_POWER = 2;
const DEVICE_POWER_STATE = 1;
const POWER_DEVICE_D3 = 4;
const IO_TYPE_IRP = 6;

/** The watchdog's DPC stack of a real 0x9F (all Windows): KeBugCheckEx ← KiExecuteAllDpcs ← KiRetireDpcList ← KiIdleLoop. */
const dpcChain = async (k: KernelScenario) => [
  { image: k.nt, fn: 'KeBugCheckEx', at: 'entry' as const },
  { image: k.nt, fn: 'KiExecuteAllDpcs' },
  { image: k.nt, fn: 'KiRetireDpcList' },
  { image: k.nt, fn: 'KiIdleLoop' },
];

/** A driver object for `image` (DriverStart/DriverSize, DriverName, MajorFunction[IRP_MJ_POWER]) and one device of it. */
async function driverWithDevice(k: KernelScenario, image: string, name: string, powerDispatch?: bigint) {
  const img = k.image(image);
  const drv = await isfStruct(k, '_DRIVER_OBJECT');
  drv.set('Type', 4).set('DriverStart', img.base).set('DriverSize', img.pe.sizeOfImage);
  setUnicode(k, drv, 'DriverName', name);
  if (powerDispatch !== undefined) k.mem.u64(drv.addressOf('MajorFunction') + BigInt(IRP_MJ_POWER * 8), powerDispatch);
  const dev = await isfStruct(k, '_DEVICE_OBJECT');
  dev.set('Type', 3).set('DriverObject', drv.address).set('StackSize', 2);
  return { drv, dev };
}

/** A two-location power IRP (device set-power D3): location 1 for the PDO, location 2 for the FDO; `current` is 1 or 2. */
async function powerIrp(k: KernelScenario, pdo: bigint, fdo: bigint, current: 1 | 2) {
  const isf = isfSource();
  const irpType = (await isf.findType('_IRP'))!;
  const locType = (await isf.findType('_IO_STACK_LOCATION'))!;
  const irp = await isfStruct(k, '_IRP', k.alloc(irpType.size + 2 * locType.size));
  irp.set('Type', IO_TYPE_IRP).set('Size', irpType.size + 2 * locType.size).set('StackCount', 2).set('CurrentLocation', current);
  const locs: StructWriter[] = [];
  for (const [i, device] of [pdo, fdo].entries()) {
    const loc = await isfStruct(k, '_IO_STACK_LOCATION', irp.address + BigInt(irpType.size + i * locType.size));
    loc.set('MajorFunction', IRP_MJ_POWER).set('MinorFunction', IRP_MN_SET_POWER).set('DeviceObject', device);
    loc.set('Parameters.Power.Type', DEVICE_POWER_STATE).set('Parameters.Power.State', POWER_DEVICE_D3);
    locs.push(loc);
  }
  irp.set('Tail.Overlay.CurrentStackLocation', locs[current - 1].address);
  return irp;
}

test('0x9F case 3: the blocked IRP\'s current stack location names the driver holding it (EvilDriver), read by field name', { skip: skipUnlessIsf() }, async () => {
  const c = await crashKernel(['EvilDriver'], dpcChain);
  const { k } = c;
  const dispatch = await symbolAddress(k.image('EvilDriver'), 'RunTest');
  const bus = await driverWithDevice(k, 'ntoskrnl.exe', '\\Driver\\ACPI');
  const evil = await driverWithDevice(k, 'EvilDriver', '\\Driver\\EvilDriver', dispatch);
  const irp = await powerIrp(k, bus.dev.address, evil.dev.address, 2);
  const r = await analyzeCrash(c, 0x9f, [3n, bus.dev.address, 0n, irp.address], join(dir, '9f-3.dmp'), { isf: true });
  const claim = r.rootCause.find((x) => x.rule === 'power-irp-blocked');
  assert.ok(claim, `no power-irp-blocked claim: ${r.rootCause.map((x) => x.rule)} / ${r.limitations.join(' | ')}`);
  assert.match(claim.claim, /IRP_MJ_POWER \/ IRP_MN_SET_POWER \(PowerDeviceD3\)/);
  assert.match(claim.claim, /\\Driver\\EvilDriver \(EvilDriver\.sys\) holds it/);
  assert.equal(claim.confidence, 'high');
  assert.equal(claim.command, `!irp ${irp.address.toString(16)}`);
  assert.ok(claim.evidence.some((e) => e.fact.startsWith('>[2] IRP_MJ_POWER') && e.fact.includes('\\Driver\\EvilDriver')), 'the current location is marked like !irp does');
  assert.ok(claim.evidence.some((e) => e.fact.startsWith(' [1] IRP_MJ_POWER') && e.fact.includes('\\Driver\\ACPI')));
  // Blame: the driver holding the IRP, at its IRP_MJ_POWER dispatch routine, not the all-Windows stack.
  assert.equal(r.moduleName, 'EvilDriver');
  assert.equal(r.imageName, 'EvilDriver.sys');
  assert.equal(r.symbolName, 'EvilDriver!RunTest+0');
  assert.deepEqual(r.extraFields?.find((f) => f.key === 'DRVPOWERSTATE_SUBCODE'), { key: 'DRVPOWERSTATE_SUBCODE', value: '3' });
  assert.ok(r.extraFields?.some((f) => f.key === 'DRIVER_OBJECT' && f.value.replace('`', '') === evil.drv.address.toString(16).padStart(16, '0')));
  assert.match(renderAnalysisText(r), /^IRP_ADDRESS: {2}[0-9a-f]{8}`[0-9a-f]{8}$/m);
  // A set-power IRP to D3 (the test wrote PowerDeviceD3): WinDbg's POWER_DOWN bucket, at the dispatch routine.
  assert.equal(r.failureBucketId, '0x9F_3_POWER_DOWN_EvilDriver!RunTest');
  // EvilDriver is not on the (all-Windows) stack, but the claim names it: SYMBOLS lists it.
  assert.ok(!r.stack.some((f) => f.module === 'EvilDriver'));
  assert.ok(r.symbols.some((x) => x.module === 'EvilDriver'), r.symbols.map((x) => x.module).join());
  assert.match(r.summary, /^\\Driver\\EvilDriver did not finish a power request in time/);
});

test('0x9F case 3: when a Windows driver holds the IRP, the third-party driver that sent it down is blamed', { skip: skipUnlessIsf() }, async () => {
  const c = await crashKernel(['EvilDriver'], dpcChain);
  const { k } = c;
  const bus = await driverWithDevice(k, 'ntoskrnl.exe', '\\Driver\\ACPI');
  const evil = await driverWithDevice(k, 'EvilDriver', '\\Driver\\EvilDriver');
  const irp = await powerIrp(k, bus.dev.address, evil.dev.address, 1);
  const r = await analyzeCrash(c, 0x9f, [3n, bus.dev.address, 0n, irp.address], join(dir, '9f-3-next.dmp'), { isf: true });
  const claim = r.rootCause.find((x) => x.rule === 'power-irp-blocked');
  assert.ok(claim);
  assert.match(claim.claim, /\\Driver\\EvilDriver \(EvilDriver\.sys\) sent it down to \\Driver\\ACPI, which is part of Windows/);
  assert.equal(r.moduleName, 'EvilDriver');
  assert.equal(r.symbolName, 'EvilDriver.sys', 'no dispatch routine recorded: blamed by module');
  // 0x9F_3_RtsPer_IMAGE_pci.sys: the third-party driver, then the image of the Windows driver holding the IRP.
  assert.equal(r.failureBucketId, '0x9F_3_POWER_DOWN_EvilDriver_IMAGE_ntoskrnl.exe');
});

test('0x9F cases 1 and 2: the device object (Arg2 / Arg3) and the driver object (Arg4) name the driver directly', { skip: skipUnlessIsf() }, async () => {
  const c = await crashKernel(['EvilDriver'], dpcChain);
  const { k } = c;
  const evil = await driverWithDevice(k, 'EvilDriver', '\\Driver\\EvilDriver');
  // Case 1: Arg2 is the device object being freed.
  const r1 = await analyzeCrash(c, 0x9f, [1n, evil.dev.address, 0n, 0n], join(dir, '9f-1.dmp'), { isf: true });
  const c1 = r1.rootCause.find((x) => x.rule === 'power-driver-named');
  assert.ok(c1, `${r1.rootCause.map((x) => x.rule)} / ${r1.limitations.join(' | ')}`);
  assert.match(c1.claim, /^The device [0-9a-f`]+ of \\Driver\\EvilDriver \(EvilDriver\.sys\) is being freed while a power request/);
  assert.deepEqual([r1.moduleName, r1.imageName, r1.failureBucketId], ['EvilDriver', 'EvilDriver.sys', '0x9F_1_IMAGE_EvilDriver.sys']);
  // Case 2: Arg4 is the driver object itself.
  const r2 = await analyzeCrash(c, 0x9f, [2n, 0n, evil.dev.address, evil.drv.address], join(dir, '9f-2.dmp'), { isf: true });
  const c2 = r2.rootCause.find((x) => x.rule === 'power-driver-named')!;
  assert.ok(c2.evidence.some((e) => e.fact.startsWith('Arg4 ') && e.command === `dt nt!_DRIVER_OBJECT ${evil.drv.address.toString(16)} DriverName DriverStart`));
  assert.equal(r2.moduleName, 'EvilDriver');
});

test('0x9F case 3 with hostile data: a StackCount of 100 and an IRP pointer into nowhere end in notes, not crashes', { skip: skipUnlessIsf() }, async () => {
  const c = await crashKernel(['EvilDriver'], dpcChain);
  const { k } = c;
  const bus = await driverWithDevice(k, 'ntoskrnl.exe', '\\Driver\\ACPI');
  const evil = await driverWithDevice(k, 'EvilDriver', '\\Driver\\EvilDriver');
  const irp = await powerIrp(k, bus.dev.address, evil.dev.address, 2);
  irp.set('StackCount', 100);
  const r = await analyzeCrash(c, 0x9f, [3n, bus.dev.address, 0n, irp.address], join(dir, '9f-3-bad.dmp'), { isf: true });
  assert.ok(r.limitations.some((l) => /StackCount 100 is outside 1\.\.32/.test(l)), r.limitations.join(' | '));
  assert.ok(!r.rootCause.some((x) => x.rule === 'power-irp-blocked'));
  const r2 = await analyzeCrash(c, 0x9f, [3n, bus.dev.address, 0n, 0xffffb7ff00000000n], join(dir, '9f-3-nowhere.dmp'), { isf: true });
  assert.ok(r2.limitations.some((l) => /IRP ffffb7ff`00000000 \(dt nt!_IRP ffffb7ff00000000\) is not readable/.test(l)), r2.limitations.join(' | '));
});

test('0x9F case 4: the stack of the thread holding the PnP lock (Arg3) is shown and its first non-Windows frame blamed', async () => {
  const c = await crashKernel(['EvilDriver'], dpcChain);
  const { k } = c;
  const evil = k.image('EvilDriver');
  // A thread waiting in KeWaitForSingleObject called from EvilDriver, parked by SwapContext.
  const waiter = await k.addThread('ExpWorkerThread', 5);
  const frames = await k.stack(
    [
      { image: k.nt, fn: 'KiSwapContext', at: 'body' },
      { image: k.nt, fn: 'KeWaitForSingleObject' },
      { image: evil, fn: 'FillAndFree' },
      { image: evil, fn: 'RunTest' },
      { image: evil, fn: 'StartTests' },
      { image: evil, fn: 'DriverEntry' },
      ...LOADER_TAIL.map((fn) => ({ image: k.nt, fn })),
    ],
    waiter.stackBase - 0x900n,
  );
  const sw = await k.types.struct('_KSWITCH_FRAME');
  const kernelStack = frames[0].sp - BigInt(sw.size);
  new StructWriter(k.mem, sw, kernelStack).set('Return', frames[0].ip).set('Rbp', 0);
  waiter.writer.set('Tcb.KernelStack', kernelStack);
  const r = await analyzeCrash(c, 0x9f, [4n, 0x12cn, waiter.ethread, 0n], join(dir, '9f-4.dmp'));
  assert.equal(r.stackCommand, `.thread 0x${waiter.ethread.toString(16)} ; kb`);
  assert.match(r.stack[0].callSite, /^nt!KiSwapContext\+/);
  assert.ok(r.stack.some((s) => s.callSite.startsWith('EvilDriver!FillAndFree+')));
  assert.equal(r.moduleName, 'EvilDriver');
  assert.match(r.symbolName, /^EvilDriver!FillAndFree\+/);
  const claim = r.rootCause.find((x) => x.rule === 'pnp-lock-holder');
  assert.ok(claim);
  assert.match(claim.claim, /timed out \(300 seconds\)/); // 0x12c
  assert.match(claim.claim, /inside EvilDriver!FillAndFree\+0x[0-9a-f]+, the first frame on its stack outside Windows/);
  assert.equal(claim.confidence, 'high');
});
