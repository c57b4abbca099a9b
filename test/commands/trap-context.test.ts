// `.trap` shows only what a trap frame saves. The 0x50 walkthrough: `!ddt nt!_KTRAP_FRAME` lists Rbx 0x474,
// Rdi 0x30, Rsi 0x4141414141414141, yet `.trap` prints rbx, rsi, rdi (and r12–r15) as zero under
// "NOTE: The trap frame does not contain all registers." The sample's trap frame likewise has a stale
// Rbx field (the scenario writes 0xc000009a there).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { corpus, skipUnlessCorpus } from '../helpers/corpus.js';
import { openSample } from './sample-session.js';

let s: Awaited<ReturnType<typeof openSample>>;
before(async () => {
  s = await openSample();
});
after(() => s.close());

const reg = (text: string, name: string) => BigInt(`0x${new RegExp(`\\b${name}=([0-9a-f]{16})`).exec(text)![1]}`);
const field = (text: string, name: string) => {
  const m = new RegExp(`^ +\\+0x[0-9a-f]+ ${name} +: (.*)$`, 'm').exec(text)![1].replace(/`/g, '').replace(/ .*/, '');
  return BigInt(m.startsWith('0x') ? m : m === '0' ? 0 : `0x${m}`);
};

test('.trap: volatile registers, rbp, rsp and rip from the frame; non-volatile ones zero, whatever stale fields hold', async () => {
  const an = (await s.one('!analyze -v')).text;
  const trap = /^TRAP_FRAME: {2}([0-9a-f]+)/m.exec(an)![1];
  const [dt, tr] = await s.run(`dt nt!_KTRAP_FRAME ${trap}; .trap ${trap}`);
  assert.ok(tr.ok, tr.text);
  // The stale field is there (the test would prove nothing otherwise)…
  assert.notEqual(field(dt.text, 'Rbx'), 0n);
  // …and is not shown, as in the walkthrough's `.trap` block.
  assert.deepEqual(tr.text.split('\n').slice(0, 2), ['NOTE: The trap frame does not contain all registers.', 'Some register values may be zeroed or incorrect.']);
  for (const r of ['rbx', 'rsi', 'rdi', 'r12', 'r13', 'r14', 'r15']) assert.equal(reg(tr.text, r), 0n, r);
  for (const [r, f] of [['rax', 'Rax'], ['rcx', 'Rcx'], ['rdx', 'Rdx'], ['r8', 'R8'], ['r9', 'R9'], ['r10', 'R10'], ['r11', 'R11'], ['rbp', 'Rbp'], ['rip', 'Rip'], ['rsp', 'Rsp']]) {
    assert.equal(reg(tr.text, r), field(dt.text, f), r);
  }
  await s.run('.cxr');
});

test('.frame /r on the interrupted frame: the trap frame\'s volatile registers, the unwound non-volatile ones (not the stale fields)', async () => {
  const an = (await s.one('!analyze -v')).text;
  const trap = /^TRAP_FRAME: {2}([0-9a-f]+)/m.exec(an)![1];
  const [, k, dt, tr] = await s.run(`.cxr; kv; dt nt!_KTRAP_FRAME ${trap}; .trap ${trap}`);
  // The frame right after the one kv marks `(TrapFrame @ …)` is the interrupted one.
  const lines = k.text.split('\n').filter((l) => /^[0-9a-f]{2} /.test(l));
  const n = lines.findIndex((l) => l.includes('(TrapFrame @')) + 1;
  assert.ok(n > 0, k.text);
  const [, fr] = await s.run(`.cxr; .frame /r ${n.toString(16)}`);
  for (const r of ['rax', 'rcx', 'rdx', 'r8', 'r9', 'r10', 'r11', 'rip', 'rsp']) assert.equal(reg(fr.text, r), reg(tr.text, r), r);
  assert.notEqual(reg(fr.text, 'rbx'), field(dt.text, 'Rbx'));
  assert.equal(reg(fr.text, 'rbx'), reg(tr.text, 'rbx'));
  await s.run('.cxr');
});

test('.exr names the access of an access violation as WinDbg does: Parameter[0] 0 read, 1 write, 8 execute non-executable', async () => {
  const { exrCommand } = await import('../../src/commands/builtin/context.js');
  const text = (p0: bigint) => exrCommand.renderText({ kind: 'exception-record', record: { code: 0xc0000005, flags: 0, record: 0n, address: 0xfffff8011620000an, parameters: [p0, 0xfffff80116200000n] }, codeName: 'Access violation' });
  assert.match(text(0n), /^Attempt to read from address fffff80116200000$/m);
  assert.match(text(1n), /^Attempt to write to address fffff80116200000$/m);
  assert.match(text(8n), /^Attempt to execute non-executable address fffff80116200000$/m);
});

test('.frame on guessed frames of the real triage dump: the k line keeps its (guessed …) mark; /r says which registers are unknown', { skip: skipUnlessCorpus('kernel/win10-19041-x64-triage-1000007e.dmp') || skipUnlessCorpus('isf') }, async () => {
  const t = await openSample(corpus('kernel/win10-19041-x64-triage-1000007e.dmp'), `${corpus('symbols')};${corpus('isf')}`);
  try {
    // Corpus README: Arg4 FFFF850429891720 is the context record; `k` from it marks the frames past nt!IofCallDriver.
    const [, k] = await t.run('.cxr 0xffff850429891720; k');
    const rows = k.text.split('\n').filter((l) => /^[0-9a-f]{2} /.test(l));
    const epilog = rows.find((l) => l.endsWith('(guessed: found by running the epilog code)'))!;
    const scan = rows.find((l) => / \(guessed: found by stack scan[^)]*\)$/.test(l))!;
    const exact = rows[rows.indexOf(epilog) - 1];
    const [e, sc, ex] = await t.run(`.frame /r ${epilog.slice(0, 2)}; .frame /r ${scan.slice(0, 2)}; .frame /r ${exact.slice(0, 2)}`);
    assert.equal(e.text.split('\n')[0], epilog);
    assert.match(e.text, /only as good as that guess\)$/);
    assert.equal(sc.text.split('\n')[0], scan);
    assert.match(sc.text, /the non-volatile registers \(rbx rbp rsi rdi r12-r15\) are unknown/);
    assert.equal(ex.text.split('\n')[0], exact);
    assert.doesNotMatch(ex.text, /unknown|guess/);
  } finally {
    await t.close();
  }
});
