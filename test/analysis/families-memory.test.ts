// 0xEF CRITICAL_PROCESS_DIED and 0x1A MEMORY_MANAGEMENT on restated scenario dumps: the dead process named
// from its _EPROCESS (Arg1); memory-manager subcodes with their addresses examined (!pte on the VA, a PTE
// address mapped back to its VA, a PFN entry) and hardware-or-software judged (a one-bit difference = RAM).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { KernelScenario } from '../../src/scenario/kernel-scenario.js';
import { renderAnalysisText } from '../../src/render/analysis.js';
import { analyzeCrash as analyzeRaw, crashKernel, isfStruct, skipUnlessIsf } from '../helpers/family-dumps.js';
import { assertClaimsComplete } from './claims-check.js';

/** Every report these tests make also meets the claims' requirements (evidence with commands, confirm, refute). */
const analyzeCrash = async (...a: Parameters<typeof analyzeRaw>) => assertClaimsComplete(await analyzeRaw(...a), String(a[3]));

const dir = mkdtempSync(join(tmpdir(), 'dumpscope-families-mem-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const windowsOnlyChain = async (k: KernelScenario) => [
  { image: k.nt, fn: 'KeBugCheckEx', at: 'entry' as const },
  { image: k.nt, fn: 'KiExecuteAllDpcs' },
  { image: k.nt, fn: 'KiRetireDpcList' },
  { image: k.nt, fn: 'KiIdleLoop' },
];
const FREED_PTE = 0x00003e9800000000n; // the software PTE the 0x50 walkthrough's !pte reads as "Page has been freed"

test('0xEF: PROCESS_NAME and CRITICAL_PROCESS come from Arg1\'s _EPROCESS (nt\'s types without ExitStatus: a note)', async () => {
  const c = await crashKernel([], windowsOnlyChain);
  const p = await c.k.struct('_EPROCESS');
  // Pcb.Header.Type 3 (ProcessObject): a process object's dispatcher header, which !process checks.
  p.set('Pcb.Header.Type', 3).set('UniqueProcessId', 0x2a8).bytes('ImageFileName', new TextEncoder().encode('csrss.exe\0'));
  const r = await analyzeCrash(c, 0xef, [p.address, 0n, 0n, 0n], join(dir, 'ef.dmp'), { without: ['_EPROCESS.ExitStatus'] });
  assert.equal(r.processName, 'csrss.exe', 'the crashing thread belongs to System; PROCESS_NAME is the dead process');
  assert.equal(r.extraFields?.find((f) => f.key === 'CRITICAL_PROCESS')?.value, 'csrss.exe');
  const claim = r.rootCause.find((x) => x.rule === 'critical-process-died');
  assert.ok(claim);
  assert.match(claim.claim, /^The critical process csrss\.exe \(PID 2a8\) ended, and Windows cannot run without it\. /);
  assert.equal(claim.confidence, 'medium');
  assert.ok(r.limitations.some((l) => /no _EPROCESS\.ExitStatus/.test(l)));
  assert.match(renderAnalysisText(r), /^PROCESS_NAME: {2}csrss\.exe$/m);
  // Arg1 that is not a process address: a note, and PROCESS_NAME falls back to the crashing thread's process.
  const bad = await analyzeCrash(c, 0xef, [0x1000n, 0n, 0n, 0n], join(dir, 'ef-bad.dmp'));
  assert.equal(bad.processName, 'System');
  assert.ok(bad.limitations.some((l) => /00000000`00001000 is not a kernel address, so it cannot be a _EPROCESS/.test(l)), bad.limitations.join(' | '));
});

test('0xEF with the 19041 layout: ExitStatus 0xC0000005 says the process died of an access violation', { skip: skipUnlessIsf() }, async () => {
  const c = await crashKernel([], windowsOnlyChain);
  const p = await isfStruct(c.k, '_EPROCESS');
  p.set('Pcb.Header.Type', 3).set('UniqueProcessId', 0x2a8).set('ExitStatus', 0xc0000005).bytes('ImageFileName', new TextEncoder().encode('wininit.exe\0'));
  const r = await analyzeCrash(c, 0xef, [p.address, 0n, 0n, 0n], join(dir, 'ef-isf.dmp'), { isf: true });
  assert.equal(r.processName, 'wininit.exe');
  assert.equal(r.extraFields?.find((f) => f.key === 'EXIT_STATUS')?.value, '0xc0000005');
  const claim = r.rootCause.find((x) => x.rule === 'critical-process-died')!;
  assert.equal(claim.confidence, 'high');
  assert.match(claim.claim, /ended on an error \(STATUS_ACCESS_VIOLATION\)/);
  assert.ok(claim.evidence.some((e) => e.command === '!error c0000005'));
});

test('0x1A 0x403: Arg3 and Arg4 differ in one bit: failing RAM, blamed on hardware', async () => {
  const c = await crashKernel([], windowsOnlyChain);
  // 0x...456867 ^ 0x...476867 = 0x20000: bit 17 only.
  const r = await analyzeCrash(c, 0x1a, [0x403n, 0xffffbe8000001000n, 0x8a00000123456867n, 0x8a00000123476867n], join(dir, '1a-403.dmp'));
  const claim = r.rootCause.find((x) => x.rule === 'memory-one-bit');
  assert.ok(claim, r.rootCause.map((x) => x.rule).join());
  assert.equal(claim.confidence, 'high');
  assert.match(claim.claim, /^MEMORY_MANAGEMENT 0x403: A page table and the PFN database disagree; if arguments 3 and 4 differ by one bit, suspect RAM\. Two values that must agree differ in a single bit/);
  assert.ok(claim.evidence.some((e) => /differ in 1 bit\(s\) \(only bit 17\)/.test(e.fact)));
  assert.deepEqual([r.moduleName, r.imageName, r.symbolName], ['hardware', 'memory_corruption', 'MEMORY_CORRUPTION_ONE_BIT']);
  // Public 0x1A/0x41792 output: FAILURE_BUCKET_ID MEMORY_CORRUPTION_ONE_BIT, MEMORY_CORRUPTOR: ONE_BIT.
  assert.equal(r.failureBucketId, 'MEMORY_CORRUPTION_ONE_BIT');
  assert.equal(r.extraFields?.find((f) => f.key === 'MEMORY_CORRUPTOR')?.value, 'ONE_BIT');
  // Many bits apart: no hardware verdict, blame stays with the stack — not nt!KeBugCheckEx but the first
  // frame past the bugcheck machinery (the chain: KeBugCheckEx ← KiExecuteAllDpcs ← …), bucketed with the subcode.
  const r2 = await analyzeCrash(c, 0x1a, [0x403n, 0n, 0x8a00000123456867n, 0x0a000001ffff0863n], join(dir, '1a-403-many.dmp'));
  assert.equal(r2.rootCause.find((x) => x.rule === 'memory-management')?.confidence, 'medium');
  assert.equal(r2.moduleName, 'nt');
  assert.match(r2.symbolName, /^nt!KiExecuteAllDpcs\+/);
  assert.equal(r2.failureBucketId, '0x1a_403_nt!KiExecuteAllDpcs');
  // The claim does not say the same thing twice (its meaning and its reason).
  const text = r2.rootCause.find((x) => x.rule === 'memory-management')!.claim;
  const sentences = text.split(/(?<=\.) /).map((x) => x.toLowerCase().replace(/^.*?: /, ''));
  assert.equal(new Set(sentences).size, sentences.length, text);
});

test('0x1A 0x41792 (a corrupt PTE): the claim states the finding once', async () => {
  const c = await crashKernel([], windowsOnlyChain);
  const r = await analyzeCrash(c, 0x1a, [0x41792n, 0xffffbee045f22d00n, 0x00003e9800000000n, 0n], join(dir, '1a-41792.dmp'));
  const claim = r.rootCause.find((x) => x.rule.startsWith('memory-'))!;
  assert.equal(claim.claim.match(/a corrupt PTE was found/gi)?.length, 1, claim.claim);
});

test('0x1A 0x61941 and 0x41284: !pte on the virtual address argument reports the freed page', async () => {
  const c = await crashKernel([], windowsOnlyChain);
  const va = 0xffffc08be45a0000n;
  c.k.mem.setPte(va, FREED_PTE);
  const r = await analyzeCrash(c, 0x1a, [0x61941n, va + 0x28n, 0xdn, 0xffffc08be459f000n], join(dir, '1a-61941.dmp'));
  const claim = r.rootCause.find((x) => x.rule === 'memory-management')!;
  assert.match(claim.claim, /The paging hierarchy is corrupt\. Software is the likely cause/);
  assert.equal(claim.command, '!pte ffffc08be45a0000');
  assert.ok(claim.evidence.some((e) => e.fact === 'ffffc08b`e45a0000 is not mapped: the PTE says the page was freed' && e.command === '!pte ffffc08be45a0000'), claim.evidence.map((e) => e.fact).join(' | '));
  // 0x41284: Arg2 carries flags in its low bits (a real dump: fffff980`323a6001); the page is what matters.
  const r2 = await analyzeCrash(c, 0x1a, [0x41284n, va + 1n, 0xd283n, 0xfffff780c0000000n], join(dir, '1a-41284.dmp'));
  assert.equal(r2.rootCause.find((x) => x.rule === 'memory-management')!.command, '!pte ffffc08be45a0000');
});

test('0x1A 0x41201: Arg2 is a PTE address, mapped back to its VA through the self-map; the PTE in the dump differs from Arg3 by one bit', async () => {
  const c = await crashKernel([], windowsOnlyChain);
  const va = 0xffffc08be45a0000n;
  c.k.mem.setPte(va, FREED_PTE);
  // PTE address = MmPteBase + ((va >> 12) & 0xfffffffff) * 8, with the scenario's MmPteBase FFFFBE8000000000.
  const pteAddr = 0xffffbe8000000000n + ((va >> 12n) & 0xfffffffffn) * 8n;
  const r = await analyzeCrash(c, 0x1a, [0x41201n, pteAddr, FREED_PTE | (1n << 32n), 0xffffa50840000000n], join(dir, '1a-41201.dmp'));
  const claim = r.rootCause.find((x) => x.rule === 'memory-one-bit')!;
  assert.ok(claim, r.rootCause.map((x) => x.rule).join());
  assert.ok(claim.evidence.some((e) => e.fact === `Arg2 ffffbee0\`45f22d00 is the PTE of ffffc08b\`e45a0000`), claim.evidence.map((e) => e.fact).join(' | '));
  assert.ok(claim.evidence.some((e) => e.fact === 'the PTE in the dump holds 00003e9800000000; Arg3 says 00003e9900000000 (1 bit(s) differ)'));
  assert.equal(pteAddr, 0xffffbee045f22d00n);
  // A PTE address outside the self-map is refused with a note.
  const r2 = await analyzeCrash(c, 0x1a, [0x41201n, 0xffffa50840000000n, 0n, 0n], join(dir, '1a-41201-bad.dmp'));
  assert.ok(r2.limitations.some((l) => /is not inside the page-table self-map/.test(l)));
});

test('0x1A 0x41790: the PFN entry (Arg2) is read by field name and its PteAddress checked against the page tables', { skip: skipUnlessIsf() }, async () => {
  const c = await crashKernel([], windowsOnlyChain);
  const { k } = c;
  const pfnDb = 0xffffb90000000000n;
  k.mem.u64(await k.global('MmPfnDatabase'), pfnDb);
  const pfn = 0x7ffffn;
  const entry = await isfStruct(k, '_MMPFN', pfnDb + pfn * 0x30n); // sizeof(_MMPFN) is 0x30 on 19041 x64
  // Its PteAddress names the PTE of the first PRCB's page, which maps some other frame.
  const prcbPte = 0xffffbe8000000000n + ((k.prcbs[0] >> 12n) & 0xfffffffffn) * 8n;
  entry.set('PteAddress', prcbPte).set('u2.ShareCount', 1).set('u3.e2.ReferenceCount', 1);
  const r = await analyzeCrash(c, 0x1a, [0x41790n, entry.address, 0n, 1n], join(dir, '1a-41790.dmp'), { isf: true });
  const claim = r.rootCause.find((x) => x.rule === 'memory-management')!;
  assert.match(claim.claim, /A page table page is corrupt \(its count of valid entries is wrong\)\. Hardware or software/);
  assert.ok(claim.evidence.some((e) => e.fact.startsWith(`PFN 7ffff (entry ${'ffffb900`017fffd0'}): PteAddress ${prcbPte.toString(16).replace(/^(.{8})/, '$1`')}, ShareCount 1, ReferenceCount 1`)), claim.evidence.map((e) => e.fact).join(' | '));
  assert.ok(claim.evidence.some((e) => /maps PFN [0-9a-f]+, not 7ffff: the PFN entry and the page table disagree/.test(e.fact)));
  // An address that is not a whole entry away from MmPfnDatabase is refused.
  const r2 = await analyzeCrash(c, 0x1a, [0x41790n, entry.address + 8n, 0n, 1n], join(dir, '1a-41790-bad.dmp'), { isf: true });
  assert.ok(r2.limitations.some((l) => /is not a PFN entry: it is not a whole number of 48-byte entries/.test(l)), r2.limitations.join(' | '));
});
