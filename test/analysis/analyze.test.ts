import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeWithDisplay } from '../../src/commands/builtin/analyze.js';
import { runRules, fillPattern } from '../../src/analysis/rules.js';
import { openSession } from '../../src/node/open-session.js';
import { ModuleTable } from '../../src/target/modules.js';
import { X64_GPRS, type X64Registers } from '../../src/target/x64-registers.js';
import { renderAnalysisText } from '../../src/render/analysis.js';
import { analysisJsonText } from '../../src/render/analysis-json.js';
import { renderAnalysisMarkdown } from '../../src/render/analysis-markdown.js';
import { readFileSync } from 'node:fs';
import { validate } from '../helpers/json-schema.js';
import { corpus, repo, skipUnlessCorpus } from '../helpers/corpus.js';

const DUMP = 'kernel/win10-19041-x64-triage-1000007e.dmp';
const io = { out: () => {}, err: () => {}, stderrIsTty: false, env: {} };

for (const sympath of [corpus('symbols'), '']) {
  test(`analyze the x64 triage dump ${sympath ? 'with' : 'without'} images: blame amdppm.sys`, { skip: skipUnlessCorpus(DUMP) }, async () => {
    const { session, close } = await openSession(corpus(DUMP), { sympath, offline: true, json: false, markdown: false, commands: [], rest: [] }, io);
    try {
      const r = await analyzeWithDisplay(session);
      // Corpus README and issue 6: 0x1000007E explained, records from the arguments, AV in amdppm.
      assert.equal(r.bugcheck.name, 'SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M');
      assert.equal(r.exceptionRecord?.code, 0xc0000005);
      assert.equal(r.exceptionRecord?.address, 0xffff850429891ee8n);
      assert.equal(r.context?.address, 0xffff850429891720n);
      assert.equal(r.context?.registers.rip, 0xfffff8048b58334cn);
      assert.equal(r.imageName, 'amdppm.sys');
      assert.equal(r.moduleName, 'amdppm');
      // Issue 6: with the corpus symbols SYMBOL_NAME is amdppm!WriteIoMemRawEx+70; without, blame by module.
      assert.equal(r.symbolName, sympath ? 'amdppm!WriteIoMemRawEx+70' : 'amdppm+334c');
      assert.equal(r.failureBucketId, sympath ? 'AV_amdppm!WriteIoMemRawEx' : 'AV_amdppm!unknown_function');
      assert.equal(r.symbols.find((s) => s.module === 'amdppm')?.status, sympath ? 'pdb' : 'none');
      assert.equal(r.stackCommand, '.cxr 0xffff850429891720 ; kb');
      assert.equal(r.stack[0].callSite, sympath ? 'amdppm!WriteIoMemRawEx+0x70' : 'amdppm+0x334c');
      if (sympath) assert.ok(r.stack.some((s) => s.module === 'Wdf01000'));
      else assert.ok(r.stack.length > 1 && r.stack.slice(1).every((s) => s.guessed), 'without images every caller is a marked guess');
      const text = renderAnalysisText(r);
      assert.match(text, new RegExp(`^FAILURE_BUCKET_ID: {2}${r.failureBucketId}$`, 'm'));
      assert.match(text, /^Attempt to write to address ffffffffffffffff$/m);
      assert.ok(r.rootCause.some((c) => c.rule === 'general-protection'));
      const json = JSON.parse(analysisJsonText(r));
      assert.deepEqual(validate(JSON.parse(readFileSync(repo('schema/analysis.schema.json'), 'utf8')), json), []);
      assert.equal(json.bugcheck.code, '0x1000007e');
      assert.equal(json.bugcheck.name, 'SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M');
      const md = renderAnalysisMarkdown(r);
      assert.match(md, /^## SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M \(0x1000007E\)$/m);
      assert.match(md, new RegExp(`\\| Failure bucket \\| \`${r.failureBucketId.replace(/[!()]/g, '\\$&')}\` \\|`));
      assert.equal(json.faultingIp.address, '0xfffff8048b58334c');
      // Neither symbol path holds nt's types (the ISF): the dump's EPROCESS copy cannot be read by field name.
      assert.equal(r.processName, undefined);
      assert.ok(r.limitations.some((l) => l.startsWith("PROCESS_NAME needs nt's types")), r.limitations.join('\n'));
      assert.doesNotMatch(md, /\(\)/);
    } finally {
      await close();
    }
  });
}

test('the x64 triage dump with nt\'s ISF: PROCESS_NAME from the EPROCESS copy, no PROCESS_NAME limitation', { skip: skipUnlessCorpus(DUMP) || skipUnlessCorpus('isf') }, async () => {
  const { session, close } = await openSession(corpus(DUMP), { sympath: `${corpus('symbols')};${corpus('isf')}`, offline: true, json: false, markdown: false, commands: [], rest: [] }, io);
  try {
    const r = await analyzeWithDisplay(session);
    assert.equal(r.processName, 'System');
    assert.ok(!r.limitations.some((l) => l.startsWith('PROCESS_NAME')), r.limitations.join('\n'));
    assert.equal(r.failureBucketId, 'AV_amdppm!WriteIoMemRawEx');
  } finally {
    await close();
  }
});

test('rules: fill pattern and NTSTATUS in registers (the 0x7E walkthrough\'s context)', () => {
  const regs = { ...Object.fromEntries(X64_GPRS.map((r) => [r, 0n])), rax: 0x4141414141414139n, rdx: 0x4141414141414141n, rdi: 0xc000009an } as X64Registers;
  assert.equal(fillPattern(0x4141414141414139n), "0x41 ('A') repeated");
  assert.equal(fillPattern(0xffffe009a68dc000n), undefined);
  const claims = runRules({ registers: regs, registersCommand: '.cxr 0xffffa1088a4ae410', addresses: [], modules: new ModuleTable([]), faultAddress: 0x4141414141414139n, access: 'read' });
  const rules = claims.map((c) => c.rule);
  assert.ok(rules.includes('fill-pattern'));
  assert.ok(rules.includes('ntstatus-in-register'));
  assert.ok(rules.includes('bad-address'));
  assert.match(claims.find((c) => c.rule === 'ntstatus-in-register')!.claim, /STATUS_INSUFFICIENT_RESOURCES/);
});

test('the shipped 0x50 sample: write past a valid page filled with A into a freed page', async () => {
  const { session, close } = await openSession(repo('samples/walkthrough-0x50.dmp'), { offline: true, json: false, markdown: false, commands: [], rest: [] }, io);
  try {
    const r = await analyzeWithDisplay(session);
    assert.equal(r.bugcheck.name, 'PAGE_FAULT_IN_NONPAGED_AREA');
    assert.equal(r.avType, 'Write');
    // The walkthrough prints a 0x50 write fault under READ_ADDRESS too.
    assert.deepEqual(r.faultingAddress, { address: 0xffffe5068d8a4000n, access: 'write', field: 'READ_ADDRESS', region: 'freed memory (the PTE says the page was freed)' });
    const claim = r.rootCause.find((c) => c.rule === 'overflow-into-freed-page')!;
    assert.equal(claim.confidence, 'high');
    assert.equal(claim.command, '!pte ffffe5068d8a4000');
    assert.match(claim.evidence.map((e) => e.fact).join(' '), /Page has been freed.*0x41 \('A'\) repeated/);
    assert.match(r.failureBucketId, /^AV_W_\(null\)_/);
    const schema = JSON.parse(readFileSync(repo('schema/analysis.schema.json'), 'utf8'));
    const json = JSON.parse(analysisJsonText(r));
    assert.deepEqual(validate(schema, json), []);
    // The checker does find problems: a wrong code format, a missing field, an unknown key.
    const broken = { ...json, bugcheck: { ...json.bugcheck, code: 80 }, extra: 1 };
    delete broken.failureBucketId;
    assert.equal(validate(schema, broken).length, 3);
  } finally {
    await close();
  }
});

const ARM64 = 'kernel/win11-22000-arm64-triage-1c8.dmp';
test('the ARM64 triage dump: an empty STACK_TEXT is explained, and the captured registers are shown', { skip: skipUnlessCorpus(ARM64) }, async () => {
  const { session, close } = await openSession(corpus(ARM64), { sympath: '', offline: true, json: false, markdown: false, commands: [], rest: [] }, io);
  try {
    const r = await analyzeWithDisplay(session);
    // Corpus README: bugcheck 0x1C8 with args 1B58, FFFFF803F3A20860, 0, 0.
    assert.equal(r.bugcheck.code, 0x1c8);
    assert.equal(r.stack.length, 0);
    assert.ok(r.limitations.some((l) => /^ARM64 stack walking is not supported/.test(l)), r.limitations.join(' | '));
    // ARM64_NT_CONTEXT at header offset 0x348 (ContextFlags 0x00400007, then Cpsr, X0…): pc and sp are kernel addresses.
    const regs = Object.fromEntries((r.capturedRegisters?.registers ?? []).map((x) => [x.name, x.value]));
    assert.ok(regs.pc >= 0xffff800000000000n && regs.sp >= 0xffff800000000000n, JSON.stringify(Object.keys(regs)));
    assert.match(renderAnalysisText(r), /^CONTEXT \(arm64, as captured in the dump; not walked\):$/m);
    assert.deepEqual(validate(JSON.parse(readFileSync(repo('schema/analysis.schema.json'), 'utf8')), JSON.parse(analysisJsonText(r))), []);
  } finally {
    await close();
  }
});

const MATT = 'kernel/win10-19045-x64-full-first16k.dmp';
test("the live-acquisition dump: bugcheck 'MATT' is flagged as not a crash", { skip: skipUnlessCorpus(MATT) }, async () => {
  const { session, close } = await openSession(corpus(MATT), { sympath: '', offline: true, json: false, markdown: false, commands: [], rest: [] }, io);
  try {
    const r = await analyzeWithDisplay(session);
    // Corpus README: the bugcheck field holds the tool's marker 'MATT' (0x5454414D).
    assert.equal(r.bugcheck.code, 0x5454414d);
    assert.match(r.limitations[0], /^not a crash: bugcheck code 0x5454414D is not a bugcheck \('MATT', the marker a live-acquisition tool writes/);
    assert.match(r.failureBucketId, /^0x5454414D_/, 'the high bits are not an _M variant');
  } finally {
    await close();
  }
});
