// The text report's layout against the two WinDbg walkthroughs: the banner character for character, and
// the order of the fields WinDbg prints for each bugcheck family (0x50: the image before PROCESS_NAME and
// TRAP_FRAME; 0x7E: EXCEPTION_RECORD and CONTEXT before PROCESS_NAME, READ_ADDRESS and ERROR_CODE).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { buildBranch } from '../../src/analysis/analyze.js';
import { analyzeWithDisplay } from '../../src/commands/builtin/analyze.js';
import { openSession } from '../../src/node/open-session.js';
import { renderAnalysisText } from '../../src/render/analysis.js';
import { repo } from '../helpers/corpus.js';
import { analysisOf, cleanup, io, restated, scenario, scenarioOpts, writeRestated } from './restate.js';

after(cleanup);
const WALK_50 = repo('../shared/reference/walkthrough-bugcheck-0x50-000_00f47b712fb2cc93.md');
const WALK_7E = repo('../shared/reference/walkthrough-bugcheck-0x7e-001_cbe3b53bd4d35d2f.md');
const skip = (p: string) => (existsSync(p) ? false : `${p} is not present`);

/** The `!analyze -v` block of a walkthrough: from the banner to `Followup:`. */
function analyzeBlock(path: string): string[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const start = lines.findIndex((l) => l.endsWith('!analyze -v'));
  const end = lines.findIndex((l, i) => i > start && l.startsWith('Followup:'));
  return lines.slice(start + 1, end + 1);
}

/** The top-level field names (`READ_ADDRESS:`, `TRAP_FRAME:`) after the bugcheck arguments, in order. */
function fieldOrder(lines: string[]): string[] {
  const from = lines.findIndex((l) => l.startsWith('BUGCHECK_P4:'));
  return lines.slice(from + 1).flatMap((l) => /^([A-Z][A-Z0-9_]+):/.exec(l)?.[1] ?? []);
}

function assertSameOrder(ours: string[], theirs: string[], min: number) {
  const common = theirs.filter((k) => ours.includes(k));
  assert.ok(common.length >= min, `only ${common.length} fields in common: ${common}`);
  assert.deepEqual(ours.filter((k) => common.includes(k)), common);
}

test('banner and 0x50 field order as in the 0x50 walkthrough (the shipped sample)', { skip: skip(WALK_50) }, async () => {
  const { session, close } = await openSession(repo('samples/walkthrough-0x50.dmp'), scenarioOpts, io);
  try {
    const ours = renderAnalysisText(await analyzeWithDisplay(session)).split('\n');
    const theirs = analyzeBlock(WALK_50);
    assert.deepEqual(ours.slice(0, 5), theirs.slice(0, 5));
    assertSameOrder(fieldOrder(ours), fieldOrder(theirs), 14);
    // FILE_IN_CAB (the file's name), READ_ADDRESS for this write fault, MM_INTERNAL_CODE from Arg4, the image right after them.
    const o = fieldOrder(ours);
    assert.deepEqual(o.slice(0, 7), ['FILE_IN_CAB', 'VIRTUAL_MACHINE', 'READ_ADDRESS', 'MM_INTERNAL_CODE', 'IMAGE_NAME', 'MODULE_NAME', 'FAULTING_MODULE']);
    assert.ok(ours.includes('FILE_IN_CAB:  walkthrough-0x50.dmp'));
    // The sample's SMBIOS says Microsoft Corporation / Virtual Machine, as the walkthrough's !di does.
    assert.ok(theirs.includes('VIRTUAL_MACHINE:  HyperV') && ours.includes('VIRTUAL_MACHINE:  HyperV'));
    // STACK_TEXT from the KeBugCheckEx call through the fault handlers into the driver, named as WinDbg names it.
    const walkStack = (ls: string[]) => ls.slice(ls.indexOf('STACK_TEXT:  ') + 1, ls.indexOf('STACK_TEXT:  ') + 6).map((l) => l.split(' : ').at(-1)!.replace(/\+0x[0-9a-f]+$/, '').replace(/^Driver(!CopyBlocks)?$/, 'Driver'));
    assert.deepEqual(walkStack(ours), walkStack(theirs));
    assert.deepEqual(walkStack(theirs), ['nt!KeBugCheckEx', 'nt!MiSystemFault', 'nt!MmAccessFault', 'nt!KiPageFault', 'Driver']);
    assert.ok(ours.includes('STACK_COMMAND:  .cxr; .ecxr ; kb') && theirs.includes('STACK_COMMAND:  .cxr; .ecxr ; kb'));
    // The trap frame is still shown, and the blame is the driver's frame, not nt!KeBugCheckEx.
    assert.ok(ours.some((l) => /^TRAP_FRAME: {2}[0-9a-f]+ -- \(\.trap 0x[0-9a-f]+\)$/.test(l)));
    assert.match(ours.find((l) => l.startsWith('SYMBOL_NAME:')) ?? '', /^SYMBOL_NAME: {2}Driver!CopyBlocks\+15$/);
    assert.ok(ours.includes('MM_INTERNAL_CODE:  0'));
    assert.ok(ours.includes('OSNAME:  Windows 10'));
  } finally {
    await close();
  }
});

test('0x7E field order as in the 0x7E walkthrough (the 0x7E scenario), with the ERROR_CODE block', { skip: skip(WALK_7E) }, async () => {
  const s = await scenario('0x7e');
  const { report } = await analysisOf(await writeRestated(s, s.facts.bugcheckCode, s.facts.bugcheckArgs));
  const ours = renderAnalysisText(report).split('\n');
  const theirs = analyzeBlock(WALK_7E);
  assert.deepEqual(ours.slice(0, 5), theirs.slice(0, 5));
  assertSameOrder(fieldOrder(ours), fieldOrder(theirs), 18);
  // The walkthrough's lines that do not depend on the crash's addresses, verbatim.
  for (const l of ['   ExceptionCode: c0000005 (Access violation)', 'READ_ADDRESS:  ffffffffffffffff ', 'EXCEPTION_CODE_STR:  c0000005', 'EXCEPTION_PARAMETER1:  0000000000000000', 'EXCEPTION_PARAMETER2:  ffffffffffffffff', 'EXCEPTION_STR:  0xc0000005', 'Attempt to read from address ffffffffffffffff']) {
    assert.ok(theirs.includes(l), `walkthrough: ${l}`);
    assert.ok(ours.includes(l), `ours: ${l}`);
  }
  assert.match(ours.find((l) => l.startsWith('ERROR_CODE:')) ?? '', /^ERROR_CODE: \(NTSTATUS\) 0xc0000005 - \S/);
});

test('BUILDLAB_STR is the branch of the build lab string (the walkthroughs\' !di and !analyze agree)', { skip: skip(WALK_50) }, () => {
  const text = readFileSync(WALK_50, 'utf8');
  const lab = /^Edition build lab: (\S+)$/m.exec(text)?.[1];
  const branch = /^BUILDLAB_STR: {2}(\S+)$/m.exec(text)?.[1];
  assert.equal(lab, '22621.1928.amd64fre.ni_release_svc_prod3.230622-0951');
  assert.equal(buildBranch(lab), branch);
  assert.equal(buildBranch(undefined), undefined);
});

test('the sample prints BUILDLAB_STR as the branch of the scenario kernel\'s build lab', async () => {
  const r = await restated('0x50', 0x50, (await scenario('0x50')).facts.bugcheckArgs);
  assert.ok(r.buildLab, 'the scenario kernel has a build lab string');
  assert.equal(r.buildLabStr, r.buildLab?.split('.')[3]);
  assert.ok(renderAnalysisText(r).split('\n').includes(`BUILDLAB_STR:  ${r.buildLab?.split('.')[3]}`));
});
