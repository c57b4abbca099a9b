// 0xC4 DRIVER_VERIFIER_DETECTED_VIOLATION on restated scenario dumps: the rule named from Arg1 and the
// offending driver taken from the argument the rule documents (caller address, driver name) or the stack.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { symbolAddress } from '../../src/scenario/images.js';
import type { KernelScenario } from '../../src/scenario/kernel-scenario.js';
import { analyzeCrash as analyzeRaw, crashKernel, LOADER_TAIL } from '../helpers/family-dumps.js';
import { assertClaimsComplete } from './claims-check.js';

/** Every report these tests make also meets the claims' requirements (evidence with commands, confirm, refute). */
const analyzeCrash = async (...a: Parameters<typeof analyzeRaw>) => assertClaimsComplete(await analyzeRaw(...a), String(a[3]));

const dir = mkdtempSync(join(tmpdir(), 'dumpscope-families-c4-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const windowsOnlyChain = async (k: KernelScenario) => [
  { image: k.nt, fn: 'KeBugCheckEx', at: 'entry' as const },
  { image: k.nt, fn: 'KiExecuteAllDpcs' },
  { image: k.nt, fn: 'KiRetireDpcList' },
  { image: k.nt, fn: 'KiIdleLoop' },
];
/** Verifier's thunk raising the bugcheck from inside EvilDriver's call. */
const driverChain = async (k: KernelScenario) => {
  const drv = k.image('EvilDriver');
  return [
    { image: k.nt, fn: 'KeBugCheckEx', at: 'entry' as const },
    { image: k.nt, fn: 'KiDispatchException' },
    { image: drv, fn: 'FillAndFree' },
    { image: drv, fn: 'RunTest' },
    { image: drv, fn: 'StartTests' },
    { image: drv, fn: 'DriverEntry' },
    ...LOADER_TAIL.map((fn) => ({ image: k.nt, fn })),
  ];
};

test('0xC4 0x2000 (code integrity): Arg2 is the caller\'s code address, so EvilDriver is blamed although the stack is all Windows', async () => {
  const c = await crashKernel(['EvilDriver'], windowsOnlyChain);
  const caller = (await symbolAddress(c.k.image('EvilDriver'), 'FillAndFree')) + 0x10n;
  const r = await analyzeCrash(c, 0xc4, [0x2000n, caller, 0n, 0x31427257n], join(dir, 'c4-2000.dmp'));
  const claim = r.rootCause.find((x) => x.rule === 'verifier-violation');
  assert.ok(claim, `${r.rootCause.map((x) => x.rule)} / ${r.limitations.join(' | ')}`);
  // The rule's meaning is the knowledge base's; the driver comes from Arg2.
  // Microsoft's 0xC4 table: 0x2000 is an executable pool type; Arg2 the address in the driver, Arg3 the pool type, Arg4 the tag.
  assert.match(claim.claim, /^Driver Verifier caught EvilDriver breaking a rule \(0x2000\): Code integrity: an executable pool type was requested \(NonPagedPoolNx was expected\)\./);
  assert.deepEqual(r.bugcheck.args.map((a) => a.meaning.split(' ')[0]), ['Code', 'Address', 'Pool', 'Pool']);
  assert.match(r.bugcheck.args[1].meaning, /^Address in the driver's code where the violation was detected$/);
  assert.equal(claim.confidence, 'high');
  assert.ok(claim.evidence.some((e) => e.fact.endsWith('is EvilDriver!FillAndFree+10') && e.command === `ln ${caller.toString(16)}`));
  assert.equal(r.moduleName, 'EvilDriver');
  assert.equal(r.symbolName, 'EvilDriver!FillAndFree+10');
});

test('0xC4 DDI rule 0x20004: the violated condition is read from Arg2 and the driver from the stack', async () => {
  const c = await crashKernel(['EvilDriver'], driverChain);
  const text = 'ExAllocatePoolWithTagPriority should only be called at IRQL <= DISPATCH_LEVEL.';
  const str = c.k.alloc(text.length + 1);
  c.k.mem.write(str, new TextEncoder().encode(`${text}\0`));
  const r = await analyzeCrash(c, 0xc4, [0x20004n, str, 0n, 0n], join(dir, 'c4-ddi.dmp'));
  assert.equal(r.extraFields?.find((f) => f.key === 'DV_VIOLATED_CONDITION')?.value, text);
  const claim = r.rootCause.find((x) => x.rule === 'verifier-violation')!;
  // 0x20004 is the IrqlExAllocatePool rule; its Arg2 is the condition string.
  assert.ok(claim.claim.includes(`the DDI compliance rule IrqlExAllocatePool: "${text}"`), claim.claim);
  assert.match(r.bugcheck.args[1].meaning, /^The violated condition, as a string/);
  assert.equal(claim.command, '!ruleinfo 20004 0 0');
  assert.ok(claim.evidence.some((e) => /^EvilDriver!FillAndFree\+0x[0-9a-f]+ is the first frame outside Windows/.test(e.fact)));
  assert.equal(r.moduleName, 'EvilDriver');
  assert.match(r.symbolName, /^EvilDriver!FillAndFree\+/);
});

test('0xC4 0x62 (pool leaked at unload): Arg2 names the driver; an unreadable name falls back to the stack', async () => {
  const c = await crashKernel(['EvilDriver'], windowsOnlyChain);
  const us = await c.k.struct('_UNICODE_STRING');
  const name = 'EvilDriver.sys';
  const buf = c.k.alloc(name.length * 2);
  c.k.mem.write(buf, new Uint8Array([...name].flatMap((ch) => [ch.charCodeAt(0), 0])));
  us.set('Length', name.length * 2).set('MaximumLength', name.length * 2).set('Buffer', buf);
  const r = await analyzeCrash(c, 0xc4, [0x62n, us.address, 0xffffa50840fff000n, 4n], join(dir, 'c4-62.dmp'));
  assert.equal(r.extraFields?.find((f) => f.key === 'VERIFIER_DRIVER')?.value, 'EvilDriver.sys');
  assert.equal(r.moduleName, 'EvilDriver');
  assert.equal(r.imageName, 'EvilDriver.sys');
  assert.match(r.rootCause.find((x) => x.rule === 'verifier-violation')!.claim, /The driver is unloading without freeing its pool allocations \(a leak/);
  // Microsoft's 0xC4 table for 0x62: Arg2 the driver's name, Arg3 reserved, Arg4 the allocations not freed.
  assert.match(r.bugcheck.args[1].meaning, /^The driver's name \(a UNICODE_STRING; dS shows it\)$/);
  assert.match(r.bugcheck.args[2].meaning, /^Reserved/);
  assert.match(r.bugcheck.args[3].meaning, /^Allocations not freed, paged and nonpaged together$/);
  assert.ok(r.rootCause.find((x) => x.rule === 'verifier-violation')!.evidence.some((e) => e.command === `dS ${us.address.toString(16)}`));
  // Arg2 into unmapped memory: no name, no driver in the arguments, an all-Windows stack: medium confidence, blame stays on the stack.
  const r2 = await analyzeCrash(c, 0xc4, [0x62n, 0xffffb7ff00000000n, 0n, 4n], join(dir, 'c4-62-bad.dmp'));
  const claim2 = r2.rootCause.find((x) => x.rule === 'verifier-violation')!;
  assert.equal(claim2.confidence, 'medium');
  assert.match(claim2.claim, /^Driver Verifier caught a verified driver/);
  assert.equal(r2.moduleName, 'nt');
});
