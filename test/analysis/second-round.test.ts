// Issue 6, second audit, on the scenarios and restated crashes: the ROOT CAUSE leads with its conclusion and
// a SUMMARY composed from the claims (the 0x7E walkthrough's own answer), an unloaded driver the faulting IP
// is in takes the blame, 0x3B's non-canonical operand and 0xD1's pageable memory at DISPATCH_LEVEL are
// explained, region words follow the PTE's kind, the NTSTATUS immediate before a return address is found
// where llvm-objdump sees it, and the report's fields are wrapped and named as WinDbg prints them.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { kiBugCheckData } from '../../src/analysis/dump-fields.js';
import { notResidentText } from '../../src/analysis/region.js';
import { scenarioBinDir } from '../../src/node/scenario-files.js';
import { renderAnalysisText } from '../../src/render/analysis.js';
import { analysisJsonText } from '../../src/render/analysis-json.js';
import { renderAnalysisMarkdown } from '../../src/render/analysis-markdown.js';
import { repo } from '../helpers/corpus.js';
import { validate } from '../helpers/json-schema.js';
import { analysisOf, cleanup, restated, scenario, writeRestated } from './restate.js';

after(cleanup);
const schema = JSON.parse(readFileSync(repo('schema/analysis.schema.json'), 'utf8'));
const hasTool = (t: string) => {
  try {
    execFileSync(t, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

test('0x7E: pool corruption leads, the fill pattern and GP detail follow, and the SUMMARY says what the walkthrough concludes', async () => {
  const s = await scenario('0x7e');
  const r = await restated('0x7e', s.facts.bugcheckCode, s.facts.bugcheckArgs);
  assert.equal(r.rootCause[0].rule, 'pool-corruption');
  assert.equal(r.rootCause[0].role, 'cause');
  const order = r.rootCause.map((c) => c.rule);
  assert.ok(order.indexOf('fill-pattern') > 0 && order.indexOf('general-protection') > 0, order.join());
  assert.equal(order.at(-1), 'third-party-frame');
  // The walkthrough's answer: EvilDriver wrote 'A' bytes (RtlFillMemory(…, 'A')) past its 'WrB1' buffer, and
  // the access violation c0000005 came from freeing it (ExFreePoolWithTag on the stack).
  assert.match(r.summary, /^EvilDriver is corrupting pool memory: it wrote 'A' bytes past the end of its 'WrB1' allocation; Windows found the damage while freeing the block \(access violation c0000005\) and stopped the system\./);
  const text = renderAnalysisText(r).split('\n');
  assert.equal(text[text.indexOf('ROOT CAUSE') + 2].slice(0, 9), 'SUMMARY: ');
  assert.match(renderAnalysisMarkdown(r), /^> \*\*Summary:\*\* EvilDriver is corrupting pool memory/m);
  const json = JSON.parse(analysisJsonText(r));
  assert.equal(json.schemaVersion, 3);
  assert.equal(json.summary, r.summary);
  assert.deepEqual(validate(schema, json), []);
});

test('without nt\'s types the 0x7E report says the pool rule did not run, instead of silently dropping it', async () => {
  // A symbol path with the driver's binaries but not the kernel's PDB.
  const only = mkdtempSync(join(tmpdir(), 'dumpscope-no-nt-'));
  try {
    for (const f of ['EvilDriver.sys', 'EvilDriver.pdb']) copyFileSync(join(scenarioBinDir(), f), join(only, f));
    const s = await scenario('0x7e');
    const { report: r } = await analysisOf(await writeRestated(s, s.facts.bugcheckCode, s.facts.bugcheckArgs), only);
    assert.ok(!r.rootCause.some((c) => c.rule.startsWith('pool')));
    assert.ok(r.limitations.some((l) => /^the pool rule did not run: it reads _POOL_HEADER by field name and needs nt's types/.test(l)), r.limitations.join(' | '));
  } finally {
    rmSync(only, { recursive: true, force: true });
  }
});

test('0x50 restated as 0xCE with Arg1 and Arg3 inside OldFilter.sys: the unloaded driver is blamed, citing lm', async () => {
  const s = await scenario('0x50');
  const inOld = 0xfffff80119a01234n; // OldFilter.sys was at [fffff801`19a00000, fffff801`19a0f000)
  const { report: r } = await analysisOf(await writeRestated(s, 0xce, [inOld, 0n, inOld, 0n]));
  assert.deepEqual([r.moduleName, r.imageName], ['OldFilter', 'OldFilter.sys']);
  assert.equal(r.failureBucketId, '0xCE_OldFilter.sys');
  assert.equal(r.symbolName, 'OldFilter.sys+1234');
  const claim = r.rootCause.find((c) => c.rule === 'unloaded-driver')!;
  assert.equal(r.rootCause[0], claim, r.rootCause.map((c) => c.rule).join());
  assert.ok(claim.evidence.every((e) => e.command === 'lm'), JSON.stringify(claim.evidence));
  assert.match(r.summary, /^OldFilter\.sys had been unloaded, yet the crash happened in its old code range/);
});

test('0x3B: the context record\'s operand dead0000`beef0018 is not canonical, so the GP claim is made without an exception record', async () => {
  const s = await scenario('0x3b');
  const r = await restated('0x3b', s.facts.bugcheckCode, s.facts.bugcheckArgs);
  assert.equal(r.exceptionRecord, undefined);
  const gp = r.rootCause.find((c) => c.rule === 'general-protection');
  assert.ok(gp, r.rootCause.map((c) => c.rule).join());
  // rdx = dead0000beef0000 (scenarios.ts) and the instruction reads [rdx+18h]: dead0000beef0000 + 0x18.
  assert.match(gp.claim, /`mov rax,qword ptr \[rdx\+18h\]` targets dead0000`beef0018, which is not canonical/);
  assert.ok(gp.evidence.some((e) => e.command === `u ${r.context!.registers.rip.toString(16)} L1`));
  assert.ok(gp.refute && !/ its memory is not in this dump/.test(gp.evidence.map((e) => e.fact).join()));
});

test('0xD1: pageable memory paged out to the page file, touched at IRQL 2, blames the driver at Arg4 and cites !pte and the IRQL', async () => {
  const s = await scenario('0xd1');
  const r = await restated('0xd1', s.facts.bugcheckCode, s.facts.bugcheckArgs);
  const c = r.rootCause.find((x) => x.rule === 'pageable-at-high-irql');
  assert.ok(c, r.rootCause.map((x) => x.rule).join());
  assert.equal(r.rootCause[0], c);
  // scenarios.ts: PageFileHigh 0x3a2c1 (offset 0x3a2c1000), PageFileLow 0.
  assert.match(c.claim, /^IoctlDriver touched pageable memory that was not resident — ffffc08b`e45a0028 is paged out \(in the page file: PageFile 0, offset 3a2c1000\) — at IRQL 2 \(DISPATCH_LEVEL\)/);
  assert.deepEqual(c.evidence.map((e) => e.command?.split(' ')[0]), ['!pte', '.bugcheck', 'dt', 'u']);
  assert.equal(r.faultingAddress?.region, 'paged out (in the page file: PageFile 0, offset 3a2c1000)');
  // The stack WinDbg prints for a trap-frame bugcheck: KeBugCheckEx, KiBugCheckDispatch, the fault handler, the driver.
  assert.deepEqual(r.stack.slice(0, 2).map((x) => x.callSite.replace(/\+0x[0-9a-f]+$/, '')), ['nt!KeBugCheckEx', 'nt!KiBugCheckDispatch']);
  assert.equal(r.stackCommand, '.cxr; .ecxr ; kb');
  assert.match(r.symbolName, /^IoctlDriver!TimerDpc\+/);
});

test('region words follow the PTE: paged out, in transition, demand-zero, prototype, freed, not mapped', () => {
  assert.equal(notResidentText({ kind: 'pagefile', pageFileNumber: 0, pageFileOffset: 0x3a2c1000, protection: 4 }), 'paged out (in the page file: PageFile 0, offset 3a2c1000)');
  assert.match(notResidentText({ kind: 'transition', pfn: 0x1234, protection: 4 })!, /^in transition \(on a standby or modified list, PFN 1234/);
  assert.match(notResidentText({ kind: 'demand-zero', protection: 4 })!, /^demand-zero/);
  assert.match(notResidentText({ kind: 'prototype', protoAddress: 0xffffa00012345678n })!, /prototype PTE at ffffa000`12345678/);
  assert.equal(notResidentText({ kind: 'freed', raw: 0x00003e9800000000n }), 'freed memory (the PTE says the page was freed)');
  assert.match(notResidentText({ kind: 'zero' }, 'its paging entry is zero')!, /^kernel memory that is not mapped/);
  assert.equal(notResidentText({ kind: 'valid', pfn: 1 }), undefined);
});

test('0x50: STATUS_INSUFFICIENT_RESOURCES set in Driver\'s code before its return address, where llvm-objdump finds `mov ebx, 0xc000009a`', { skip: hasTool('llvm-objdump-14') ? false : 'llvm-objdump-14 is not installed' }, async () => {
  const r = await restated('0x50', 0x50, (await scenario('0x50')).facts.bugcheckArgs);
  const c = r.rootCause.find((x) => x.rule === 'ntstatus-in-code');
  assert.ok(c, r.rootCause.map((x) => x.rule).join());
  const at = /^([0-9a-f]{8})`([0-9a-f]{8}) mov ebx,0C000009Ah/.exec(c.evidence[0].fact);
  assert.ok(at, c.evidence[0].fact);
  const dis = execFileSync('llvm-objdump-14', ['-d', '--no-show-raw-insn', join(scenarioBinDir(), 'Driver.sys')], { encoding: 'utf8' });
  const movs = [...dis.matchAll(/^\s*([0-9a-f]+):\s+movl\s+\$\d+, %ebx\s+# imm = 0xC000009A$/gm)].map((m) => BigInt(`0x${m[1]}`));
  assert.ok(movs.includes(BigInt(`0x${at[1]}${at[2]}`)), `${at[0]} not among ${movs.map((m) => m.toString(16))}`);
  // It is within the 8 instructions `ub` lists before the return address into FillBuffer.
  assert.match(c.evidence[0].command!, /^ub Driver!FillBuffer\+0x[0-9a-f]+$/);
  assert.match(r.summary, /STATUS_INSUFFICIENT_RESOURCES \(0xc000009a\)/);
});

test('the header wraps like WinDbg: explanation and argument lines within 79 columns, continuation lines start with a TAB', async () => {
  const r = await restated('0x50', 0x50, (await scenario('0x50')).facts.bugcheckArgs);
  const lines = renderAnalysisText(r).split('\n');
  const header = lines.slice(lines.indexOf('PAGE_FAULT_IN_NONPAGED_AREA (50)'), lines.indexOf('Debugging Details:'));
  const cols = (l: string) => l.replace(/\t/g, ' '.repeat(8)).length;
  for (const l of header) assert.ok(cols(l) <= 79, `${cols(l)}: ${l}`);
  const arg2 = header.findIndex((l) => l.startsWith('Arg2: '));
  assert.ok(header[arg2 + 1].startsWith('\t'), header[arg2 + 1]);
  // The decoded value sits on its own line, not glued to the last sub-case (0xF) of Arg4's text.
  assert.ok(header.includes('\tIn this dump: PTE marked free'), header.join('\n'));
  assert.doesNotMatch(header.join('\n'), /\)\s*\(/);
});

test('0x9F case 3 restated: the selected sub-case is the argument\'s meaning, without doubled parentheses', async () => {
  const r = await restated('0x50', 0x9f, [3n, 0n, 0n, 0n]);
  assert.equal(r.bugcheck.args[0].meaning, 'A device held a power IRP for too long.');
  assert.ok(renderAnalysisText(r).split('\n').includes('Arg1: 0000000000000003, A device held a power IRP for too long.'));
});

test('KEY_VALUES sorted as WinDbg sorts them, with the elapsed time and WER keys; FILE_IN_CAB and DUMP_FILE_ATTRIBUTES from the header', async () => {
  const s = await scenario('0x50');
  // The walkthroughs' dumps carry Attributes 0x800 (DUMP_FILE_ATTRIBUTES: 0x800, Dump.Attributes.AsUlong 800).
  const { report: r } = await analysisOf(await writeRestatedWithAttributes(s, 0x800));
  const keys = r.keyValues.map((k) => k.key);
  assert.deepEqual(keys, [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  assert.ok(keys.indexOf('AV.Type') < keys.indexOf('Analysis.Elapsed.mSec'), 'byte order: AV. before Analysis.');
  assert.equal(r.keyValues.find((k) => k.key === 'Dump.Attributes.AsUlong')?.value, '800');
  assert.equal(r.keyValues.find((k) => k.key === 'WER.OS.Version')?.value, r.osVersion);
  assert.equal(r.keyValues.find((k) => k.key === 'WER.OS.Branch')?.value, r.buildLabStr);
  const text = renderAnalysisText(r).split('\n');
  assert.ok(text.includes('DUMP_FILE_ATTRIBUTES: 0x800'));
  assert.ok(text.indexOf('FILE_IN_CAB:  ' + r.fileInCab) > text.indexOf('BUGCHECK_P4: 0'));
  // 0x8 is KernelGeneratedTriageDump in the public DUMP_FILE_ATTRIBUTES union.
  const { report: t } = await analysisOf(await writeRestatedWithAttributes(s, 0x8));
  assert.deepEqual(t.dumpFileAttributes?.flags.map((f) => f.key), ['KernelGeneratedTriageDump']);
  assert.ok(renderAnalysisText(t).split('\n').includes('  Kernel Generated Triage Dump'));
});

async function writeRestatedWithAttributes(s: Awaited<ReturnType<typeof scenario>>, attributes: number): Promise<string> {
  return writeRestated({ ...s, facts: { ...s.facts, attributes } }, s.facts.bugcheckCode, s.facts.bugcheckArgs);
}

test('KiBugCheckData: the ULONG at nt!KiBugCheckData is reported, a zero (filled-in) page and a missing symbol are not', async () => {
  const at = 0xfffff80116c00000n;
  const stub = (value: number | undefined, symbol = true) =>
    ({
      resolveSymbol: async (name: string) => (symbol && name === 'nt!KiBugCheckData' ? at : undefined),
      memory: { readSparse: async (_va: bigint, n: number) => ({ bytes: Uint8Array.from({ length: n }, (_, i) => ((value ?? 0) >>> (8 * i)) & 0xff), valid: new Uint8Array(n).fill(value === undefined ? 0 : 1) }) },
    }) as unknown as Parameters<typeof kiBugCheckData>[0];
  assert.equal(await kiBugCheckData(stub(0x50)), 0x50);
  assert.equal(await kiBugCheckData(stub(0x1000007e)), 0x1000007e);
  assert.equal(await kiBugCheckData(stub(0)), undefined);
  assert.equal(await kiBugCheckData(stub(undefined)), undefined);
  assert.equal(await kiBugCheckData(stub(0x50, false)), undefined);
});

test('0x139 keeps WinDbg\'s order (TRAP_FRAME, then EXCEPTION_RECORD with its fail-fast subcode) and its bucket names the FAST_FAIL code', async () => {
  const s = await scenario('0x7e');
  const rec = s.records!;
  const r = await restated('0x7e', 0x139, [3n, rec.trapFrame!, rec.exceptionRecord!, 0n]);
  assert.match(r.failureBucketId, /^0x139_3_CORRUPT_LIST_ENTRY_EvilDriver!/);
  const text = renderAnalysisText(r).split('\n');
  const trap = text.findIndex((l) => l.startsWith('TRAP_FRAME:'));
  const exr = text.findIndex((l) => l.startsWith('EXCEPTION_RECORD:'));
  assert.ok(trap > 0 && exr > trap, `TRAP_FRAME ${trap}, EXCEPTION_RECORD ${exr}`);
  assert.equal(r.keyValues.find((k) => k.key === 'FailFast.Name')?.value, 'CORRUPT_LIST_ENTRY');
  assert.equal(r.stackCommand, '.cxr; .ecxr ; kb');
});
