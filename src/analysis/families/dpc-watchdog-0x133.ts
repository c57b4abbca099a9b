// 0x133 DPC_WATCHDOG_VIOLATION. Case 0: one DPC or ISR ran past its allotment (Arg2 ticks run, Arg3 ticks
// allowed); the crashing processor was still running it, so its stack's first frame outside Windows is the
// culprit. Case 1: the processor stayed at DISPATCH_LEVEL too long in total; its DPC queue (KPRCB.DpcData,
// by field name, bounded) and the stack show who kept it there.
import type { KernelTarget } from '../../target/kernel-target.js';
import type { KernelTypes } from '../../target/struct-view.js';
import { addr64 } from '../../util/hex.js';
import { isOsModule } from '../os-modules.js';
import type { Evidence } from '../report.js';
import { blameAt, isKernelAddress, optUint, readPointer, typesFor, walkFrames } from './common.js';
import { emptyResult, type Family, type FamilyResult } from './types.js';

const MAX_QUEUED = 64;
const DPC_CALLERS = /^(KiExecuteAllDpcs|KiRetireDpcList|KiExecuteDpc|KxRetireDpcList|KiIdleLoop)/;
const ISR_CALLERS = /^(KiInterruptDispatch|KiCallInterruptServiceRoutine|KiInterruptSubDispatch|HalpInterrupt)/;

export interface QueuedDpc {
  dpc: bigint;
  routine: bigint;
  text: string;
  module?: string;
}

/** The normal DPC queue of a processor: KPRCB.DpcData[0].DpcList, a singly linked list of KDPC.DpcListEntry. */
export async function dpcQueue(t: KernelTarget, kt: KernelTypes, prcb: bigint, res: FamilyResult): Promise<{ depth?: number; queued: QueuedDpc[] } | undefined> {
  const dataOff = await kt.offsetOf('_KPRCB', 'DpcData').catch(() => undefined);
  const linkOff = await kt.offsetOf('_KDPC', 'DpcListEntry').catch(() => undefined);
  if (dataOff === undefined || linkOff === undefined) {
    res.notes.push("nt's types lack KPRCB.DpcData or _KDPC: the DPC queue cannot be read");
    return undefined;
  }
  const data = await kt.read(t.memory, '_KDPC_DATA', prcb + BigInt(dataOff)).catch(() => undefined);
  if (!data) {
    res.notes.push(`the DPC queue of PRCB ${addr64(prcb)} is not readable`);
    return undefined;
  }
  const queued: QueuedDpc[] = [];
  const seen = new Set<bigint>();
  // Older kernels keep a circular LIST_ENTRY: its head ends the walk.
  if (data.has('DpcListHead') && data.address !== undefined) seen.add(data.address + BigInt(data.field('DpcListHead').offset));
  let link = data.has('DpcList.ListHead.Next') ? data.uint('DpcList.ListHead.Next') : optUint(data, 'DpcListHead.Flink');
  while (link && isKernelAddress(link) && queued.length < MAX_QUEUED && !seen.has(link)) {
    seen.add(link);
    const dpc = link - BigInt(linkOff);
    const v = await kt.read(t.memory, '_KDPC', dpc).catch(() => undefined);
    if (!v) break;
    const routine = v.uint('DeferredRoutine');
    queued.push({ dpc, routine, text: (await t.symbolize(routine)) ?? addr64(routine), module: t.modules.at(routine)?.name });
    link = await readPointer(t, link);
  }
  if (link && seen.has(link)) res.notes.push(`DPC queue of PRCB ${addr64(prcb)}: entry ${addr64(link)} links back into the queue; the walk stopped there`);
  if (queued.length >= MAX_QUEUED) res.notes.push(`DPC queue of PRCB ${addr64(prcb)}: stopped after ${MAX_QUEUED} entries`);
  return { depth: data.has('DpcQueueDepth') ? data.int('DpcQueueDepth') : undefined, queued };
}

export const dpcWatchdog: Family = async (x) => {
  const res = emptyResult();
  const { t, args } = x;
  const single = args[0] === 0n;
  res.fields.push({ key: 'DPC_TIMEOUT_TYPE', value: single ? 'SINGLE_DPC_TIMEOUT_EXCEEDED' : 'DPC_QUEUE_EXECUTION_TIMEOUT_EXCEEDED' });
  if (single) res.fields.push({ key: 'DPC_RUNTIME', value: args[1].toString() }, { key: 'DPC_TIMELIMIT', value: args[2].toString() });
  else res.fields.push({ key: 'DPC_WATCHDOG_PERIOD', value: args[1].toString() });
  const evidence: Evidence[] = [];
  // What the crashing processor's PRCB says, by field name: the DPC it was running and its watchdog counters.
  const kt = await typesFor(t, res, 'reading the processor\'s DPC state');
  const prcb = (await t.crashState().catch(() => undefined))?.prcb?.address;
  const pv = kt && prcb ? await kt.read(t.memory, '_KPRCB', prcb).catch(() => undefined) : undefined;
  let currentDpc: bigint | undefined;
  if (pv) {
    currentDpc = optUint(pv, 'CurrentDpcRoutine') || undefined;
    if (currentDpc) evidence.push({ fact: `KPRCB.CurrentDpcRoutine = ${(await t.symbolize(currentDpc)) ?? addr64(currentDpc)}`, command: `dt nt!_KPRCB ${prcb!.toString(16)} CurrentDpcRoutine` });
    const counters = ['DpcTimeCount', 'DpcTimeLimit', 'DpcWatchdogCount', 'DpcWatchdogPeriod'].filter((f) => pv.has(f));
    if (counters.length) evidence.push({ fact: counters.map((f) => `${f} = ${pv.int(f)}`).join(', '), command: `dt nt!_KPRCB ${prcb!.toString(16)} ${counters.join(' ')}` });
  }
  const walk = x.registers ? await walkFrames(t, x.registers) : undefined;
  const o = walk?.outside;
  if (o) {
    const caller = walk!.frames.slice(o.index + 1).find((f) => f.module && isOsModule(f.module));
    const kind = caller && DPC_CALLERS.test(caller.text.split('!')[1] ?? '') ? 'a DPC routine' : caller && ISR_CALLERS.test(caller.text.split('!')[1] ?? '') ? 'an interrupt service routine' : 'code';
    // Public buckets: 0x133_DPC_npcap!NPF_ObjectPoolReturn, 0x133_ISR_nvlddmkm!… (whatever Arg1 is).
    if (kind !== 'code') res.bucket = { tag: kind === 'a DPC routine' ? 'DPC' : 'ISR' };
    evidence.unshift({ fact: `the crashing processor was running ${o.text}${caller ? `, called from ${caller.text}` : ''}`, command: 'k' });
    const ticks = single ? ` It had run ${args[1]} ticks against an allotment of ${args[2]} ticks.` : ` The processor had stayed at DISPATCH_LEVEL or above past the watchdog period (${args[1]} ticks).`;
    res.claims.push({
      rule: single ? 'dpc-timeout' : 'dpc-cumulative-timeout',
      claim: `${single ? 'A single DPC or ISR ran too long' : 'The processor spent too long at DISPATCH_LEVEL in total'}: the watchdog fired while ${o.text}, ${kind} in ${o.module}, was running.${ticks} ${o.module} is the most likely cause.`,
      confidence: single ? 'high' : 'medium',
      evidence,
      command: 'k',
      confirm: `${o.text.split('+')[0]} loops, spins on a lock or polls hardware at raised IRQL (uf on it; a second dump stops in the same place).`,
      refute: single ? 'The routine was itself interrupted for a long time (an interrupt storm below it on the stack).' : 'Many short DPCs from different drivers add up; the queue below names them.',
      ...(o.module ? { modules: [o.module] } : {}),
      facts: { summary: `${o.module} ran too long at DISPATCH_LEVEL: the DPC watchdog fired while ${o.text} (${kind}) was running${single ? `, ${args[1]} ticks against an allotment of ${args[2]}` : ''}, and Windows stopped the system (DPC_WATCHDOG_VIOLATION).` },
    });
  } else if (single) {
    evidence.unshift({ fact: walk?.frames.length ? `all ${walk.frames.length} frames of the crashing processor's stack are part of Windows` : "the crashing processor's stack could not be walked", command: 'kb' }, { fact: `Arg2 ${args[1]} ticks run, Arg3 ${args[2]} ticks allowed`, command: '.bugcheck' });
    res.claims.push({
      rule: 'dpc-timeout',
      claim: `A single DPC or ISR ran ${args[1]} ticks against an allotment of ${args[2]}, but every frame on the crashing processor's stack is part of Windows${currentDpc ? `; the PRCB names ${(await t.symbolize(currentDpc)) ?? addr64(currentDpc)} as the DPC being run` : ''}.`,
      confidence: 'low',
      evidence,
      command: 'k',
      confirm: currentDpc ? 'The routine KPRCB.CurrentDpcRoutine names loops or waits at DISPATCH_LEVEL (uf on it); a second dump names the same one.' : 'A second dump, or an ETW DPC/ISR trace (xperf -on PROC_THREAD+LOADER+DPC+INTERRUPT), names the long-running routine.',
      refute: 'The time went to interrupts the stack does not show (an interrupt storm from a device), not to one DPC.',
    });
    if (currentDpc && t.modules.at(currentDpc) && !isOsModule(t.modules.at(currentDpc)!.name)) {
      res.blame = await blameAt(t, currentDpc);
      res.bucket = { tag: 'DPC' };
    }
  }
  if (!single && kt && prcb) {
    const q = await dpcQueue(t, kt, prcb, res);
    if (q) {
      const third = q.queued.filter((d) => d.module && !isOsModule(d.module));
      const names = [...new Set(q.queued.map((d) => d.text))];
      res.claims.push({
        rule: 'dpc-queue',
        claim: `Cumulative DPC watchdog: ${q.queued.length} DPC(s) still queued on the crashing processor${q.depth !== undefined ? ` (DpcQueueDepth ${q.depth})` : ''}${names.length ? `: ${names.slice(0, 6).join(', ')}` : ''}.${third.length ? ` ${third[0].module} queued ${third.filter((d) => d.module === third[0].module).length} of them.` : ''}`,
        confidence: third.length && !o ? 'medium' : 'low',
        evidence: q.queued.length ? q.queued.slice(0, 8).map((d) => ({ fact: `KDPC ${addr64(d.dpc)}: DeferredRoutine ${d.text}`, command: `dt nt!_KDPC ${d.dpc.toString(16)} DeferredRoutine` })) : [{ fact: `the DPC queue of PRCB ${addr64(prcb)} is empty`, command: '!dpcs' }],
        command: '!dpcs',
        confirm: 'The same routine dominates the queue in several dumps, or an ETW DPC trace shows it running long.',
        refute: 'The queued DPCs are each short and only waited behind an interrupt storm or one long DPC already run.',
        ...(third.length ? { modules: [third[0].module!] } : {}),
      });
      if (!o && third.length) {
        res.blame = await blameAt(t, third[0].routine);
        res.bucket = { tag: 'DPC' };
      }
    }
  }
  return res;
};
