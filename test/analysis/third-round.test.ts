// Third audit: trap-frame non-volatiles are never evidence (WinDbg shows them as 0: a page-fault trap frame
// does not save them), the SUMMARY follows the general-protection claim's canonical flag, says when a dump
// is not a crash, and always says what stopped the system.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { faultingContext, fullRegister, TRAP_UNSAVED } from '../../src/analysis/faulting-context.js';
import { registerCandidates } from '../../src/analysis/pool-rules.js';
import type { RootCauseClaim } from '../../src/analysis/report.js';
import { runRules } from '../../src/analysis/rules.js';
import { composeSummary } from '../../src/analysis/summary.js';
import { analyzeWithDisplay } from '../../src/commands/builtin/analyze.js';
import { ModuleTable } from '../../src/target/modules.js';
import { X64_GPRS, type X64Registers } from '../../src/target/x64-registers.js';
import { openSample } from '../commands/sample-session.js';
import { corpus, skipUnlessCorpus } from '../helpers/corpus.js';
import { skipUnlessWalkthroughs, WALK50 } from '../helpers/walkthrough.js';
import { analysisOf, cleanup, fieldOf, patchPages, restated, scenario, u64le, writeRestated } from './restate.js';

after(cleanup);
const zero = () => Object.fromEntries(X64_GPRS.map((r) => [r, 0n])) as unknown as X64Registers;
const none = new ModuleTable([]);

test("the 0x50 walkthrough: .trap shows rbx, rsi, rdi as 0 although the _KTRAP_FRAME's fields hold values", { skip: skipUnlessWalkthroughs() }, () => {
  const text = readFileSync(WALK50, 'utf8');
  assert.match(text, /^ {3}\+0x140 Rbx +: 0x474 \(0n1140\)$/m);
  assert.match(text, /^ {3}\+0x150 Rsi +: 0x41414141`41414141 /m);
  assert.match(text, /^rax=ffffe5068d8a3db0 rbx=0000000000000000 rcx=ffffe5068d8a4040$/m);
  assert.match(text, /^rdx=000000000033f4d0 rsi=0000000000000000 rdi=0000000000000000$/m);
  // The registers this analysis refuses from a trap frame are the ones WinDbg blanks (and r12–r15, never saved).
  assert.deepEqual([...TRAP_UNSAVED].sort(), ['r12', 'r13', 'r14', 'r15', 'rbx', 'rdi', 'rsi']);
});

test('rules: registers a trap frame does not save give no NTSTATUS, fill or pool claim', () => {
  const regs = { ...zero(), rbx: 0xc000009an, rsi: 0x4141414141414141n, r12: 0xc0000005n, rax: 0xc0000022n };
  const claims = runRules({ registers: regs, unsavedRegisters: TRAP_UNSAVED, registersCommand: '.trap 0x1', bugcheckArgs: [], addresses: [], modules: none });
  assert.deepEqual(claims.filter((c) => c.rule === 'ntstatus-in-register').map((c) => c.claim.split(' ')[0]), ['rax']);
  assert.ok(!claims.some((c) => c.rule === 'fill-pattern'));
  // The same registers from a context record (all saved) are evidence.
  const all = runRules({ registers: regs, registersCommand: '.cxr 0x1', bugcheckArgs: [], addresses: [], modules: none });
  assert.deepEqual(all.filter((c) => c.rule === 'ntstatus-in-register').map((c) => c.claim.split(' ')[0]).sort(), ['r12', 'rax', 'rbx']);
  assert.ok(all.some((c) => c.rule === 'fill-pattern'));
  assert.deepEqual(registerCandidates(regs, TRAP_UNSAVED).map((c) => c.label), ['rax', 'rcx', 'rdx', 'rbp', 'r8', 'r9', 'r10', 'r11']);
  assert.deepEqual(['ebx', 'r12d', 'R15', 'rsi', 'esp', 'r9b'].map(fullRegister), ['rbx', 'r12', 'r15', 'rsi', 'rsp', 'r9']);
});

test("the sample: the trap frame's non-volatiles are not evidence; the NTSTATUS is still found in the code (ub), as the walkthrough found it", async () => {
  const s = await openSample();
  try {
    const fc = await faultingContext(s.target, []);
    assert.equal(fc.trapFrame?.kind, 'trap');
    assert.deepEqual(fc.unsaved, TRAP_UNSAVED);
    const r = await analyzeWithDisplay(s.session);
    for (const c of r.rootCause) {
      for (const e of c.evidence) assert.doesNotMatch(e.fact, /\b(rbx|rsi|rdi|r1[2-5])=/, `${c.rule}: ${e.fact}`);
      assert.doesNotMatch(c.claim, /^(rbx|rsi|rdi|r1[2-5]) holds/, c.claim);
    }
    const code = r.rootCause.find((c) => c.rule === 'ntstatus-in-code');
    assert.ok(code, r.rootCause.map((c) => c.rule).join(', '));
    assert.ok(code.evidence.some((e) => /mov ebx,0C000009Ah/.test(e.fact)));
    assert.match(r.summary, /STATUS_INSUFFICIENT_RESOURCES \(0xc000009a\)/);
  } finally {
    await s.close();
  }
});

const gp = (canonical: boolean): RootCauseClaim => ({ rule: 'general-protection', claim: 'x.', confidence: 'high', evidence: [], role: 'observation', facts: { operand: canonical ? 'ffff9b00`0336004c' : 'dead0000`beef0018', instruction: 'mov dword ptr [r9+r8],edx', canonical: canonical ? 'yes' : 'no' } });
const ctx = { bugcheckName: 'SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M', bugcheckCode: 0x1000007e, exception: { name: 'Access violation', code: 0xc0000005 }, module: 'amdppm', symbol: 'amdppm!WriteIoMemRawEx+70' };

test('SUMMARY of a general-protection claim follows its canonical flag', () => {
  const ok = composeSummary([gp(true)], ctx);
  assert.doesNotMatch(ok, /used a corrupt pointer/);
  assert.match(ok, /canonical.*general-protection fault \(access violation c0000005\).*not a corrupt pointer/s);
  const bad = composeSummary([gp(false)], ctx);
  assert.match(bad, /^amdppm used a corrupt pointer: .*which no x64 pointer can be/);
});

test('SUMMARY: no rule, not a crash, and a lead that does not name the stop', () => {
  const base = { bugcheckName: 'PAGE_FAULT_IN_NONPAGED_AREA', bugcheckCode: 0x50, module: 'Unknown_Module', symbol: 'Unknown' };
  assert.match(composeSummary([], base), /^No rule matched and no module could be blamed from this dump \(bugcheck 0x50, PAGE_FAULT_IN_NONPAGED_AREA\)\./);
  assert.match(composeSummary([gp(false)], { ...base, notACrash: "its bugcheck code 0x5454414D is the 'MATT' marker a live-acquisition tool writes" }), /^This dump was not written by a crash: .*'MATT'.*Nothing stopped the system/);
  const third: RootCauseClaim = { rule: 'third-party-frame', claim: 'Driver is first.', confidence: 'medium', evidence: [], role: 'context', facts: { module: 'Driver' } };
  assert.match(composeSummary([third], { ...base, module: 'Driver', symbol: 'Driver!CopyBlocks+15' }), /The system stopped with bugcheck 0x50 \(PAGE_FAULT_IN_NONPAGED_AREA\)\.$/);
  const status: RootCauseClaim = { rule: 'ntstatus-in-code', claim: "Driver's code sets 0xc000009a. More.", confidence: 'medium', evidence: [], role: 'observation', facts: { status: '0xc000009a', statusName: 'STATUS_INSUFFICIENT_RESOURCES' } };
  assert.match(composeSummary([status], ctx), /^Driver's code sets 0xc000009a\. The system stopped with bugcheck 0x1000007E \(SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M\) after an access violation \(c0000005\)\.$/);
});

const TRIAGE = 'kernel/win10-19041-x64-triage-1000007e.dmp';
test('the real triage dump: the SUMMARY agrees with the canonical operand of its general-protection claim', { skip: skipUnlessCorpus(TRIAGE) || skipUnlessCorpus('isf') }, async () => {
  const s = await openSample(corpus(TRIAGE), `${corpus('symbols')};${corpus('isf')}`);
  try {
    const r = await analyzeWithDisplay(s.session);
    assert.equal(r.rootCause[0].rule, 'general-protection');
    assert.equal(r.rootCause[0].facts?.canonical, 'yes');
    assert.doesNotMatch(r.summary, /used a corrupt pointer/);
    assert.match(r.summary, /ffff9b00`0336004c, a valid-looking \(canonical\) address/);
  } finally {
    await s.close();
  }
});

const MATT = 'kernel/win10-19045-x64-full-first16k.dmp';
test("the live-acquisition dump ('MATT'): the SUMMARY says it is not a crash", { skip: skipUnlessCorpus(MATT) }, async () => {
  const s = await openSample(corpus(MATT), '');
  try {
    const r = await analyzeWithDisplay(s.session);
    assert.match(r.summary, /^This dump was not written by a crash: its bugcheck code 0x5454414D is the 'MATT' marker/);
  } finally {
    await s.close();
  }
});

test('0x139 whose trap frame holds rip=0 and rsp=0: rejected, the bugcheck thread\'s stack is shown', async () => {
  const s = await scenario('0x7e');
  const rec = s.records!;
  const rip = await fieldOf('0x7e', '_KTRAP_FRAME', 'Rip');
  const rsp = await fieldOf('0x7e', '_KTRAP_FRAME', 'Rsp');
  const pages = await patchPages('0x7e', async () => [
    { va: rec.trapFrame! + BigInt(rip.offset), bytes: u64le(0n) },
    { va: rec.trapFrame! + BigInt(rsp.offset), bytes: u64le(0n) },
  ]);
  const { report: r } = await analysisOf(await writeRestated(s, 0x139, [3n, rec.trapFrame!, rec.exceptionRecord!, 0n], pages));
  assert.equal(r.trapFrame, undefined);
  assert.ok(r.limitations.some((l) => l.includes('holds rip=0 and rsp=0')), r.limitations.join('\n'));
  assert.equal(r.stack[0]?.callSite, 'nt!KeBugCheckEx');
  // The walk runs through the fault handlers up to the (zeroed) machine frame, where nothing more is known.
  assert.ok(r.stack.some((f) => f.callSite.startsWith('nt!KiGeneralProtectionFault')), r.stack.map((f) => f.callSite).join(', '));
  assert.equal(r.stackCommand, '.cxr; .ecxr ; kb');
  // With the frame as written (rip and rsp saved), it is used.
  const ok = await restated('0x7e', 0x139, [3n, rec.trapFrame!, rec.exceptionRecord!, 0n]);
  assert.equal(ok.trapFrame?.address, rec.trapFrame);
});

test("the sample: !vm 1's kernel stack PTE failures (the walkthrough's count) back STATUS_INSUFFICIENT_RESOURCES; VIRTUAL_MACHINE from SMBIOS", { skip: skipUnlessWalkthroughs() }, async () => {
  const walk = readFileSync(WALK50, 'utf8');
  const count = /^\*{7} (\d+) kernel stack PTE allocations have failed \*{6}$/m.exec(walk)?.[1];
  assert.equal(count, '73746');
  const s = await openSample();
  try {
    const r = await analyzeWithDisplay(s.session);
    const c = r.rootCause.find((x) => x.rule === 'kernel-stack-pte-failures');
    assert.ok(c, r.rootCause.map((x) => x.rule).join(', '));
    assert.equal(c.confidence, 'medium');
    assert.match(c.claim, new RegExp(`^${count} kernel stack PTE allocations had failed.*STATUS_INSUFFICIENT_RESOURCES \\(0xc000009a\\)`));
    assert.deepEqual(c.evidence, [{ fact: `******* ${count} kernel stack PTE allocations have failed ******`, command: '!vm 1' }]);
    // The same line as `!vm 1` prints it.
    const vm = (await s.run('!vm 1')).map((o) => o.text).join('\n');
    assert.ok(vm.split('\n').includes(c.evidence[0].fact), vm);
    assert.match(walk, /^VIRTUAL_MACHINE: {2}HyperV$/m);
    assert.equal(r.virtualMachine, 'HyperV');
  } finally {
    await s.close();
  }
});

test('stackPteClaim: none without a count; low confidence without an insufficient-resources status', async () => {
  const { stackPteClaim } = await import('../../src/analysis/stack-pte-rule.js');
  assert.deepEqual(stackPteClaim(undefined, []), []);
  assert.deepEqual(stackPteClaim(0, []), []);
  assert.equal(stackPteClaim(5, [])[0].confidence, 'low');
  const { virtualMachine } = await import('../../src/analysis/dump-fields.js');
  assert.equal(virtualMachine({ manufacturer: 'Microsoft Corporation', productName: 'Virtual Machine' }), 'HyperV');
  assert.equal(virtualMachine({ manufacturer: 'Dell Inc.', productName: 'Latitude 7420' }), undefined);
  assert.equal(virtualMachine(undefined), undefined);
});
