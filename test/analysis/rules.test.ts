// The root-cause rules on hand-made inputs: fill patterns, NTSTATUS values (never a bugcheck argument),
// general-protection wording, bad addresses, unloaded drivers, pool tags, de-duplication, Markdown escaping.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plausibleTag } from '../../src/analysis/pool-page.js';
import { dedupeClaims, fillPattern, runRules } from '../../src/analysis/rules.js';
import { codeSpan, inline } from '../../src/render/analysis-markdown.js';
import { ModuleTable } from '../../src/target/modules.js';
import { X64_GPRS, type X64Registers } from '../../src/target/x64-registers.js';

const zero = () => Object.fromEntries(X64_GPRS.map((r) => [r, 0n])) as unknown as X64Registers;
const none = new ModuleTable([]);

test('fill patterns: repeated bytes, 16/32-bit words, a 32-bit fill in a 64-bit register; not ordinary values', () => {
  const yes: [bigint, string][] = [
    [0x4141414141414141n, "0x41 ('A') repeated"],
    [0x4141414141414139n, "0x41 ('A') repeated"], // a pointer advanced into the fill (the 0x7E walkthrough's rax)
    [0xccccccccccccccccn, '0xcc repeated'],
    [0xdeadbeefdeadbeefn, '0xdeadbeef repeated'],
    [0xbaadf00dbaadf00dn, '0xbaadf00d repeated'],
    [0xbaadbaadbaadbaadn, '0xbaad repeated'],
    [0x41414141n, "0x41 ('A') repeated in the low 32 bits"],
  ];
  for (const [v, text] of yes) assert.equal(fillPattern(v), text, v.toString(16));
  const no = [0n, 0xffffffffffffffffn, 0xffffffffn, 0x10n, 0x474n, 0xc000009an, 0xffffe009a68dc000n, 0xfffff80116200000n, 0x00007ff60c14159en, 0x0000000100000001n, 0x0101010101010101n, 0x8080808080808080n, 0xfefefefefefefeffn, 0x7f7f7f7f7f7f7f7fn, 0x01010101n];
  for (const v of no) assert.equal(fillPattern(v), undefined, v.toString(16));
});

test('NTSTATUS in a register: reported from the faulting context, never when the value is a bugcheck argument', () => {
  const regs = { ...zero(), rdx: 0xffffffffc0000005n, rdi: 0xc000009an, rcx: 0xc0000005n };
  const args = [0xffffffffc0000005n, 0xfffff8076624f3d4n, 0n, 0n];
  const claims = runRules({ registers: regs, registersCommand: '.cxr 0x1', bugcheckArgs: args, addresses: [], modules: none });
  const nt = claims.filter((c) => c.rule === 'ntstatus-in-register');
  assert.deepEqual(nt.map((c) => c.claim.split(' ')[0]), ['rdi']);
  assert.match(nt[0].claim, /0xc000009a \(STATUS_INSUFFICIENT_RESOURCES\)/);
  assert.equal(nt[0].command, '!error c000009a');
});

test('general protection: the confirm text follows whether the operand is canonical', () => {
  const base = { registersCommand: '.cxr 0x1', exceptionCommand: '.exr 0x2', faultAddress: 0xffffffffffffffffn, access: 'read' as const, addresses: [], modules: none };
  const bad = runRules({ ...base, operand: { text: 'xor eax,dword ptr [rax]', address: 0x4141414141414139n, readable: false } }).find((c) => c.rule === 'general-protection')!;
  assert.match(bad.claim, /not canonical: the pointer is corrupt/);
  assert.doesNotMatch(bad.confirm ?? '', /MMIO|read-only/);
  const ok = runRules({ ...base, operand: { text: 'mov dword ptr [r9+r8],edx', address: 0xffff9b000336004cn, readable: false } }).find((c) => c.rule === 'general-protection')!;
  assert.match(ok.claim, /a canonical address/);
  assert.match(ok.confirm ?? '', /!pte ffff9b000336004c.*MMIO/);
  // A write to a read-only page is a page fault (0x50/0xBE), never this #GP: not offered as confirmation.
  assert.doesNotMatch(ok.confirm ?? '', /read-only mapping/);
});

test('bad addresses carry the command that shows them', () => {
  const c = runRules({ registersCommand: '.trap 0xfffff90fb6d8ede0', faultAddress: 0x28n, faultAddressCommand: '.bugcheck', access: 'write', addresses: [], modules: none }).find((x) => x.rule === 'bad-address')!;
  assert.match(c.claim, /NULL page/);
  assert.equal(c.command, '.trap 0xfffff90fb6d8ede0');
  assert.equal(c.evidence[0].command, '.bugcheck');
});

test('unloaded drivers: the faulting IP, the address, arguments and the stack are all checked; one claim per driver', () => {
  const modules = new ModuleTable([], [{ imageName: 'OldFilter.sys', base: 0xfffff80119a00000n, end: 0xfffff80119a0f000n, unloadTime: '2023-09-23T12:14:13.000Z' }]);
  const at = 0xfffff80119a01234n;
  const claims = runRules({ addresses: [{ label: 'the faulting IP', value: at }, { label: 'Arg1', value: at, command: '.bugcheck' }, { label: 'the stack return address', value: 0xfffff80119a00010n }, { label: 'Arg2', value: 0xfffff80119a0f000n }], modules });
  const u = claims.filter((c) => c.rule === 'unloaded-driver');
  assert.equal(u.length, 1);
  assert.equal(u[0].evidence.filter((e) => / lies in \[/.test(e.fact)).length, 3, 'the end address is outside the range');
  assert.deepEqual(u[0].evidence.at(-1), { fact: 'lm lists OldFilter.sys under its unloaded modules', command: 'lm' });
  assert.equal(u[0].confidence, 'high', 'the faulting IP is in its range');
  assert.equal(runRules({ addresses: [{ label: 'the stack return address', value: at }], modules }).find((c) => c.rule === 'unloaded-driver')?.confidence, 'medium', 'only an old return address');
  assert.match(u[0].evidence[1].fact, /^Arg1 fffff801`19a01234 lies in \[fffff801`19a00000, fffff801`19a0f000\), the range of the unloaded driver OldFilter\.sys \(unloaded at 2023-09-23 12:14:13 UTC\)$/);
  assert.equal(runRules({ addresses: [{ label: 'Arg1', value: 0xfffff80119a0f000n }], modules }).filter((c) => c.rule === 'unloaded-driver').length, 0);
});

test('pool tags: printable and not one byte repeated', () => {
  assert.ok(plausibleTag(0x31427257)); // 'WrB1'
  assert.ok(plausibleTag(0x656c6946 | 0x80000000)); // 'File', protected
  assert.ok(!plausibleTag(0x41414141)); // 'AAAA': an overrun's fill
  assert.ok(!plausibleTag(0x00000000));
  assert.ok(!plausibleTag(0x41c14141)); // a byte with its top bit set
});

test('claims with the same rule and text are merged', () => {
  const c = { rule: 'pool-block', claim: 'x', confidence: 'medium' as const, evidence: [{ fact: 'a' }] };
  const out = dedupeClaims([c, { ...c, evidence: [{ fact: 'a' }, { fact: 'b' }] }, { ...c, rule: 'other' }]);
  assert.equal(out.length, 2);
  assert.deepEqual(out[0].evidence.map((e) => e.fact), ['a', 'b']);
});

test('Markdown: WinDbg addresses become code spans, stray backticks are escaped', () => {
  assert.equal(codeSpan('AV_W_(null)_Driver!unknown_function'), '`AV_W_(null)_Driver!unknown_function`');
  assert.equal(codeSpan('ffffffff`ffffffff'), '`` ffffffff`ffffffff ``');
  assert.equal(inline("The address ffffffff`ffffffff: `mov rbx,qword ptr [rax+10h]` targets 41414141`41414149."), 'The address `` ffffffff`ffffffff ``: `mov rbx,qword ptr [rax+10h]` targets `` 41414141`41414149 ``.');
  assert.equal(inline('a ` b * c'), 'a \\` b \\* c');
});
