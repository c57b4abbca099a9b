import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { RegistersResult } from '../../src/commands/builtin/context.js';
import type { FrameResult } from '../../src/commands/builtin/frame.js';
import { registerSlot, withRegister } from '../../src/commands/builtin/register-state.js';
import { X64_GPRS, type X64Registers } from '../../src/target/x64-registers.js';
import { jsonReplacer } from '../../src/cli/commands/run.js';
import { corpus, skipUnlessCorpus } from '../helpers/corpus.js';
import { openSample } from './sample-session.js';

let s: Awaited<ReturnType<typeof openSample>>;
before(async () => {
  s = await openSample();
});
after(() => s?.close());

// The sample's bugcheck 0x50 has Arg3 = the faulting instruction (PAGE_FAULT_IN_NONPAGED_AREA's definition),
// read from the dump header by `.bugcheck`, independently of the unwinder and the register code.
async function faultingIp(): Promise<bigint> {
  const b = await s.one('.bugcheck');
  return BigInt(`0x${b.text.split('\n')[1].split(' ')[3].replace('`', '')}`);
}

test('r REG[, REG…] shows single registers at their width; r zz is a bad register', async () => {
  const full = await s.one('r');
  const rsp = /rsp=([0-9a-f]{16})/.exec(full.text)![1];
  const [one, several, bad] = await s.run('r rsp; r rsp, esp, sp, spl, efl, cs; r zz');
  assert.equal(one.text, `rsp=${rsp}`);
  const efl = /efl=([0-9a-f]{8})/.exec(full.text)![1];
  assert.equal(several.text, `rsp=${rsp} esp=${rsp.slice(8)} sp=${rsp.slice(12)} spl=${rsp.slice(14)} efl=${efl} cs=0010`);
  assert.equal(bad.ok, false);
  assert.equal(bad.text, "Bad register error in 'r zz'");
  const cr3 = await s.one('r cr3');
  // The sample's DirectoryTableBase (dumpscope info): the crashing processor's cr3.
  assert.equal(cr3.text, 'cr3=0000000001000000');
});

test('r REG=EXPR changes only that (sub-)register in the current scope; $t0…$t19 are user variables', async () => {
  const outs = await s.run('r rax=1122334455667788; r eax=0; r rax; r al=ff; r ah=12; r rax, ax; r r9d=0n16; r r9; r $t0=5*2; ? @$t0; ? @$t19; r $t3');
  assert.ok(outs.every((o) => o.ok), outs.map((o) => o.text).join('\n'));
  assert.equal(outs[2].text, 'rax=1122334400000000');
  assert.equal(outs[5].text, 'rax=11223344000012ff ax=12ff');
  assert.equal(outs[7].text.slice(-8), '00000010');
  assert.equal(outs[9].text, 'Evaluate expression: 10 = 00000000`0000000a');
  assert.equal(outs[10].text, 'Evaluate expression: 0 = 00000000`00000000');
  assert.equal(outs[11].text, '$t3=0000000000000000');
  const [bad] = await s.run('? @$t20');
  assert.equal(bad.ok, false);
  await s.run('.cxr');
});

test('withRegister writes the bits of the sub-register only', () => {
  const regs = { ...Object.fromEntries(X64_GPRS.map((r) => [r, 0xffffffffffffffffn])), eflags: 0x246 } as X64Registers;
  assert.equal(withRegister(regs, registerSlot('ch')!, 0n).rcx, 0xffffffffffff00ffn);
  assert.equal(withRegister(regs, registerSlot('r10w')!, 0x1234n).r10, 0xffffffffffff1234n);
  assert.equal(withRegister(regs, registerSlot('efl')!, 0x202n).eflags, 0x202);
  assert.equal(registerSlot('zz'), undefined);
});

test('.frame N sets the local scope: r shows the frame\'s registers; k still walks the whole context', async () => {
  const [k, before] = await s.run('k; r rip');
  const rows = k.text.split('\n').filter((l) => /^[0-9a-f]{2} /.test(l));
  const col = (l: string, i: number) => l.split(/\s+/)[i].replace('`', '');
  const [frame, r, frameAgain, k2] = await s.run('.frame /r 4; r; .frame; k');
  assert.ok(frame.ok, frame.text);
  assert.equal(frame.text.split('\n')[0], rows[4]);
  // Frame 4's instruction is the driver's faulting store; its stack pointer is frame 4's Child-SP.
  const ip = await faultingIp();
  assert.equal(col(rows[3], 2), ip.toString(16).padStart(16, '0'), 'frame 3 returns to the fault');
  assert.match(r.text, new RegExp(`^rip=${ip.toString(16)} rsp=${col(rows[4], 1)} `, 'm'));
  assert.match(r.text, /^Driver!CopyBlocks\+0x15:$/m);
  assert.equal(frameAgain.text, rows[4]);
  assert.equal(k2.text, k.text);
  const fr = frame.result as FrameResult;
  assert.equal(fr.frame.index, 4);
  assert.equal(fr.registers?.registers.rip, ip);
  // Back to the context: .cxr without an address resets the scope.
  const [, r0] = await s.run('.cxr; r rip');
  assert.equal(r0.text, before.text);
  assert.notEqual(r0.text, `rip=${ip.toString(16)}`);
});

test('.frame past the end says so in one radix and keeps the scope', async () => {
  const k = await s.one('k');
  const n = k.text.split('\n').filter((l) => /^[0-9a-f]{2} /.test(l)).length;
  const [, past, cur] = await s.run('.frame 2; .frame 0n30; .frame');
  assert.equal(past.ok, false);
  assert.equal(past.text, `.frame: Frame 0n30 is past the end of the stack (0n${n} frames); previous scope unchanged`);
  assert.match(cur.text, /^02 /);
  await s.run('.cxr');
});

test('r, .cxr and .trap return register data; the display stays WinDbg\'s', async () => {
  const r = await s.one('r');
  const data = r.result as RegistersResult;
  assert.equal(typeof data.state?.registers.rip, 'bigint');
  assert.equal(data.state?.instruction?.address, data.state?.registers.rip);
  assert.equal(data.state?.flags.if, true);
  assert.deepEqual(data.notes, []);
  // The 0x50 walkthrough's first register line layout, and its flag line for efl=...282 (if, sf set).
  assert.match(r.text, /^rax=[0-9a-f]{16} rbx=[0-9a-f]{16} rcx=[0-9a-f]{16}$/m);
  assert.match(r.text, /^iopl=0 {9}nv up ei ng nz na pe nc$/m);
});

test('register JSON: every register value is a "0x…" string, eflags and segments too', async () => {
  const r = await s.one('r');
  const json = JSON.parse(JSON.stringify(r.result, jsonReplacer)) as { state: { registers: Record<string, unknown> } };
  const values = Object.entries(json.state.registers);
  assert.ok(values.length >= 17 + 8, values.map(([k]) => k).join(' '));
  for (const [k, v] of values) assert.match(String(v), /^0x[0-9a-f]+$/, `${k}=${v}`);
  // The same eflags and cs the text shows.
  assert.equal(json.state.registers.eflags, `0x${Number.parseInt(/efl=([0-9a-f]{8})/.exec(r.text)![1], 16).toString(16)}`);
  assert.equal(json.state.registers.cs, '0x10');
});

test('r xmmN reads the CONTEXT record\'s XMM area (at _CONTEXT.Xmm0 by the ISF) and takes :ub/:uq/:ud', { skip: skipUnlessCorpus('kernel/win10-19041-x64-triage-1000007e.dmp') || skipUnlessCorpus('isf') }, async () => {
  const t = await openSample(corpus('kernel/win10-19041-x64-triage-1000007e.dmp'), `${corpus('symbols')};${corpus('isf')}`);
  try {
    // Corpus README: Arg4 FFFF850429891720 is the context record. Where Xmm0/Xmm1 are comes from dt (the ISF).
    const cxr = 0xffff850429891720n;
    const dt = (await t.one('dt nt!_CONTEXT Xmm0')).text;
    const off = BigInt(`0x${/\+0x([0-9a-f]+) Xmm0/.exec(dt)![1]}`);
    const [bytes] = await t.run(`db ${(cxr + off).toString(16)} L20`);
    const b = bytes.text.split('\n').flatMap((l) => l.slice(19, 66).replace('-', ' ').trim().split(/\s+/));
    const [, r, bad] = await t.run(`.cxr ${cxr.toString(16)}; r xmm0:ub, xmm1:uq, xmm1:ud; r xmm0:zz`);
    const x1 = b.slice(16).reverse();
    assert.equal(r.text, `xmm0=${b.slice(0, 16).reverse().join(' ')} xmm1=${x1.slice(0, 8).join('')} ${x1.slice(8).join('')} xmm1=${[0, 4, 8, 12].map((i) => x1.slice(i, i + 4).join('')).join(' ')}`);
    assert.equal(bad.text, "Bad register error in 'r xmm0:zz'");
  } finally {
    await t.close();
  }
});

test('.ecxr: the 0x50 sample has no exception context (its trap frame is not a CONTEXT) and keeps the context', async () => {
  const [, e, k] = await s.run('.cxr; .ecxr; k 1');
  assert.equal(e.text, 'Unable to get exception context, HRESULT 0x8000FFFF');
  // `.cxr; .ecxr ; kb` then shows the stack from nt!KeBugCheckEx, as the 0x50 walkthrough's STACK_TEXT does.
  assert.match(k.text.split('\n')[1], /nt!KeBugCheckEx$/);
});
