// 0x133 DPC_WATCHDOG_VIOLATION on restated scenario dumps: the 0xD1 scenario's DPC stack (IoctlDriver's
// TimerDpc interrupted at DISPATCH_LEVEL) restated as a single-DPC timeout, and an all-Windows stack with
// a DPC queue (KPRCB.DpcData, _KDPC) written by field name for the cumulative case.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { symbolAddress } from '../../src/scenario/images.js';
import type { KernelScenario } from '../../src/scenario/kernel-scenario.js';
import { analyzeCrash as analyzeRaw, crashKernel, isfSource, isfStruct, skipUnlessIsf } from '../helpers/family-dumps.js';
import { assertClaimsComplete } from './claims-check.js';

/** Every report these tests make also meets the claims' requirements (evidence with commands, confirm, refute). */
const analyzeCrash = async (...a: Parameters<typeof analyzeRaw>) => assertClaimsComplete(await analyzeRaw(...a), String(a[3]));

const dir = mkdtempSync(join(tmpdir(), 'dumpscope-families-133-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The 0xD1 scenario's stack: the DPC routine interrupted (trap), then the DPC retire loop. */
const timerDpcChain = async (k: KernelScenario) => {
  const drv = k.image('IoctlDriver');
  return [
    { image: k.nt, fn: 'KeBugCheckEx', at: 'entry' as const },
    { image: k.nt, fn: 'KiBugCheckDispatch' },
    { image: k.nt, fn: 'KiPageFault', trap: true },
    { image: drv, fn: 'TimerDpc', at: 'body' as const },
    { image: k.nt, fn: 'KiExecuteAllDpcs' },
    { image: k.nt, fn: 'KiRetireDpcList' },
    { image: k.nt, fn: 'KiIdleLoop' },
  ];
};
const windowsOnlyChain = async (k: KernelScenario) => [
  { image: k.nt, fn: 'KeBugCheckEx', at: 'entry' as const },
  { image: k.nt, fn: 'KiExecuteAllDpcs' },
  { image: k.nt, fn: 'KiRetireDpcList' },
  { image: k.nt, fn: 'KiIdleLoop' },
];

test('0x133 case 0: the DPC routine running on the crashing processor (IoctlDriver!TimerDpc) is blamed, times reported in ticks', async () => {
  const c = await crashKernel(['IoctlDriver'], timerDpcChain, { processor: 1 });
  const r = await analyzeCrash(c, 0x133, [0n, 0x501n, 0x500n, 0xfffff80116c0f0b0n], join(dir, '133-0.dmp'));
  const claim = r.rootCause.find((x) => x.rule === 'dpc-timeout');
  assert.ok(claim, `${r.rootCause.map((x) => x.rule)} / ${r.limitations.join(' | ')}`);
  assert.match(claim.claim, /while IoctlDriver!TimerDpc\+0x[0-9a-f]+, a DPC routine in IoctlDriver, was running/);
  assert.match(claim.claim, /It had run 1281 ticks against an allotment of 1280 ticks/); // 0x501, 0x500
  assert.equal(claim.confidence, 'high');
  assert.ok(claim.evidence.some((e) => /called from nt!KiExecuteAllDpcs\+0x/.test(e.fact)));
  assert.equal(r.moduleName, 'IoctlDriver');
  assert.match(r.symbolName, /^IoctlDriver!TimerDpc\+/);
  // Public 0x133 output: 0x133_DPC_npcap!NPF_ObjectPoolReturn — DPC for a DPC routine (called from KiExecuteAllDpcs).
  assert.equal(r.failureBucketId, '0x133_DPC_IoctlDriver!TimerDpc');
  const f = Object.fromEntries((r.extraFields ?? []).map((x) => [x.key, x.value]));
  assert.deepEqual([f.DPC_TIMEOUT_TYPE, f.DPC_RUNTIME, f.DPC_TIMELIMIT], ['SINGLE_DPC_TIMEOUT_EXCEEDED', '1281', '1280']);
});

test('0x133 case 0: KPRCB.CurrentDpcRoutine and the DPC counters are read by field name', { skip: skipUnlessIsf() }, async () => {
  const c = await crashKernel(['IoctlDriver'], timerDpcChain, { processor: 1 });
  const { k } = c;
  const timer = await symbolAddress(k.image('IoctlDriver'), 'TimerDpc');
  (await isfStruct(k, '_KPRCB', k.prcbs[1])).set('CurrentDpcRoutine', timer).set('DpcTimeCount', 0x501).set('DpcTimeLimit', 0x500);
  const r = await analyzeCrash(c, 0x133, [0n, 0x501n, 0x500n, 0n], join(dir, '133-0-prcb.dmp'), { isf: true });
  const claim = r.rootCause.find((x) => x.rule === 'dpc-timeout')!;
  assert.ok(claim.evidence.some((e) => e.fact === 'KPRCB.CurrentDpcRoutine = IoctlDriver!TimerDpc'), claim.evidence.map((e) => e.fact).join(' | '));
  assert.ok(claim.evidence.some((e) => e.fact.startsWith('DpcTimeCount = 1281, DpcTimeLimit = 1280')));
});

test('0x133 case 1: cumulative timeout with an all-Windows stack: the DPC queue names IoctlDriver\'s routine; a looping queue stays bounded', { skip: skipUnlessIsf() }, async () => {
  const c = await crashKernel(['IoctlDriver'], windowsOnlyChain, { processor: 1 });
  const { k } = c;
  const timer = await symbolAddress(k.image('IoctlDriver'), 'TimerDpc');
  const idle = await symbolAddress(k.nt, 'KiIdleLoop');
  const dataOff = BigInt((await import('../../src/target/struct-view.js')).resolveField((await isfSource().findType('_KPRCB')) as never, 'DpcData')!.offset);
  const data = await isfStruct(k, '_KDPC_DATA', k.prcbs[1] + dataOff);
  const d1 = await isfStruct(k, '_KDPC');
  const d2 = await isfStruct(k, '_KDPC');
  const d3 = await isfStruct(k, '_KDPC');
  d1.set('Type', 0x13).set('DeferredRoutine', timer).set('DpcListEntry.Next', d2.addressOf('DpcListEntry'));
  d2.set('Type', 0x13).set('DeferredRoutine', idle).set('DpcListEntry.Next', d3.addressOf('DpcListEntry'));
  d3.set('Type', 0x13).set('DeferredRoutine', timer).set('DpcListEntry.Next', 0);
  data.set('DpcList.ListHead.Next', d1.addressOf('DpcListEntry')).set('DpcQueueDepth', 3);
  const r = await analyzeCrash(c, 0x133, [1n, 0x1e00n, 0xfffff80116c0f0b0n, 0n], join(dir, '133-1.dmp'), { isf: true });
  const q = r.rootCause.find((x) => x.rule === 'dpc-queue');
  assert.ok(q, `${r.rootCause.map((x) => x.rule)} / ${r.limitations.join(' | ')}`);
  assert.match(q.claim, /3 DPC\(s\) still queued on the crashing processor \(DpcQueueDepth 3\): IoctlDriver!TimerDpc, nt!KiIdleLoop\. IoctlDriver queued 2 of them\./);
  assert.equal(q.evidence.length, 3);
  assert.equal(r.moduleName, 'IoctlDriver', 'no third-party frame on the stack: the queued third-party DPC is blamed');
  assert.equal(r.failureBucketId, '0x133_DPC_IoctlDriver!TimerDpc');
  assert.equal(r.extraFields?.find((x) => x.key === 'DPC_TIMEOUT_TYPE')?.value, 'DPC_QUEUE_EXECUTION_TIMEOUT_EXCEEDED');
  // Hostile: the last entry links back to the first; the walk stops at the repeat.
  d3.set('DpcListEntry.Next', d1.addressOf('DpcListEntry'));
  const looped = await analyzeCrash(c, 0x133, [1n, 0x1e00n, 0n, 0n], join(dir, '133-1-loop.dmp'), { isf: true });
  assert.match(looped.rootCause.find((x) => x.rule === 'dpc-queue')!.claim, /^Cumulative DPC watchdog: 3 DPC\(s\)/);
  assert.ok(looped.limitations.some((l) => /links back into the queue; the walk stopped there/.test(l)), looped.limitations.join(' | '));
});
