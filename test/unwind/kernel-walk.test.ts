import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createEngine } from '../../src/commands/registry.js';
import { openSession } from '../../src/node/open-session.js';
import { scenarioBinDir, writeScenarioDump } from '../../src/node/scenario-files.js';
import { corpus, skipUnlessCorpus } from '../helpers/corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'dumpscope-kwalk-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const io = { out: () => {}, err: () => {}, stderrIsTty: false, env: {} };
const scenarioOpts = { sympath: scenarioBinDir(), offline: true, json: false, markdown: false, commands: [], rest: [] };

/** `dt`'s value column (0x41414141`41414139 → bigint). */
function dtValue(text: string, field: string): bigint {
  const m = new RegExp(`\\+0x[0-9a-f]+ ${field} +: (0x[0-9a-f\`]+|\\d+)$`, 'm').exec(text);
  assert.ok(m, `${field} in ${text}`);
  return BigInt(m[1].replace('`', ''));
}

test('0x7E scenario: .frame /r past KiGeneralProtectionFault shows the faulting registers from its KTRAP_FRAME', async () => {
  const path = join(dir, '0x7e.dmp');
  await writeScenarioDump('0x7e', 'full', path);
  const { session, close } = await openSession(path, scenarioOpts, io);
  try {
    const engine = createEngine();
    const [kv] = await engine.run(session, 'kv');
    const lines = kv.text.split('\n');
    const handler = lines.findIndex((l) => /nt!KiGeneralProtectionFault\+0x[0-9a-f]+ \(TrapFrame @ /.test(l));
    assert.ok(handler > 0, kv.text);
    const trap = /\(TrapFrame @ ([0-9a-f`]+)\)/.exec(lines[handler])![1];
    const n = Number.parseInt(lines[handler + 1].slice(0, 2), 16);
    // The trap frame's own fields, read by dt (the type reader), not by the unwinder.
    const [dt, frame] = await engine.run(session, `dt nt!_KTRAP_FRAME ${trap} Rax Rcx Rdx R8 R9 R10 R11 Rbp EFlags Rip; .frame /r ${n.toString(16)}`);
    assert.ok(dt.ok && frame.ok, dt.text + frame.text);
    // The 0x7E walkthrough's `.frame /r` past the trap: rax=4141414141414139.
    assert.match(frame.text, /^rax=4141414141414139 /m);
    const hex = (v: bigint) => v.toString(16).padStart(16, '0');
    assert.match(frame.text, new RegExp(`rcx=${hex(dtValue(dt.text, 'Rcx'))}`));
    assert.match(frame.text, new RegExp(`^rdx=${hex(dtValue(dt.text, 'Rdx'))}`, 'm'));
    assert.match(frame.text, new RegExp(`^ r8=${hex(dtValue(dt.text, 'R8'))}`, 'm'));
    assert.match(frame.text, new RegExp(`rip=${hex(dtValue(dt.text, 'Rip'))}`));
    assert.match(frame.text, new RegExp(`efl=${hex(dtValue(dt.text, 'EFlags')).slice(8)}$`, 'm'));
    // Before the fix frame n carried KeBugCheckEx's rcx (the bugcheck code).
    assert.doesNotMatch(frame.text, /rcx=000000001000007e/);
  } finally {
    await close();
  }
});

test('k after .cxr says the stack is for the set context; `k N` stops without a note, as WinDbg does', async () => {
  const path = join(dir, '0x3b.dmp');
  const built = await writeScenarioDump('0x3b', 'full', path);
  const { session, close } = await openSession(path, scenarioOpts, io);
  try {
    const [k0, , k, k2] = await createEngine().run(session, `k; .cxr 0x${built.facts.bugcheckArgs[2].toString(16)}; k; k 2`);
    assert.ok(!k0.text.includes('Stack trace for last set context'));
    assert.equal(k.text.split('\n')[0], '  *** Stack trace for last set context - .thread/.cxr resets it');
    assert.deepEqual(k2.text.split('\n').slice(0, 2), ['  *** Stack trace for last set context - .thread/.cxr resets it', ' # Child-SP          RetAddr               Call Site']);
    assert.equal(k2.text.split('\n').length, 4, k2.text);
    assert.doesNotMatch(k2.text, /stopped after/);
  } finally {
    await close();
  }
});

const TRIAGE = 'kernel/win10-19041-x64-triage-1000007e.dmp';
const ISF = 'isf/ntkrnlmp.pdb/5278AFF86C341677D7D7835C85B7B844-1.json.xz';

test('triage dump: past nt!IofCallDriver (no nt image) the guessed chain has the real return addresses on the stack', { skip: skipUnlessCorpus(TRIAGE) || skipUnlessCorpus(ISF) }, async () => {
  const { session, target, close } = await openSession(corpus(TRIAGE), { ...scenarioOpts, sympath: `${corpus('symbols')};${corpus('isf')}` }, io);
  try {
    const [, k, dps] = await createEngine().run(session, '.cxr 0xffff850429891720; k; dps ffff8504`29892730 L10');
    assert.ok(k.ok, k.text);
    // Independent facts: the ISF's RVAs (parsed here from the JSON) and the stack qwords as dps prints them.
    const isf = JSON.parse(execFileSync('xz', ['-dc', corpus(ISF)], { maxBuffer: 1 << 28 }).toString());
    const ntBase = target.modules.byModuleName('nt')!.base;
    const rva = (name: string) => BigInt(isf.symbols[name].address);
    const slot = (a: string) => BigInt(`0x${new RegExp(`^${a} {2}([0-9a-f\`]+)`, 'm').exec(dps.text)![1].replace('`', '')}`);
    const real = slot('ffff8504`29892768');
    assert.equal(real, ntBase + rva('PnpAsynchronousCall') + 0xean, 'the slot at …768 holds PnpAsynchronousCall+0xea');
    const stale = slot('ffff8504`29892758');
    const lines = k.text.split('\n');
    const rows = lines.filter((l) => /^[0-9a-f]{2} /.test(l));
    const iof = rows.findIndex((l) => l.includes('nt!IofCallDriver+0x55'));
    assert.ok(iof > 0, k.text);
    const retOf = (l: string) => BigInt(`0x${l.split(/\s+/)[2].replace('`', '')}`);
    assert.equal(retOf(rows[iof]), real, 'IofCallDriver returns to PnpAsynchronousCall+0xea, not to the stale value at …758');
    assert.ok(!rows.some((l) => retOf(l) === stale), 'the stale value is not in the chain');
    assert.match(rows[iof + 1], /^11 ffff8504`29892770 .* nt!PnpAsynchronousCall\+0xea \(guessed/);
    // WinDbg's warning right before the first frame not found through unwind data.
    assert.equal(lines[lines.indexOf(rows[iof + 1]) - 1], 'WARNING: Stack unwind information not available. Following frames may be wrong.');
    assert.equal(lines.filter((l) => l.startsWith('WARNING: Stack unwind')).length, 1);
    // Further up, return addresses that are on this stack (ISF RVA + offset), each a marked guess.
    for (const [fn, off] of [['PnpSendIrp', 0x9en], ['PnpStartDevice', 0x88n], ['ExpWorkerThread', 0x105n]] as const) {
      const want = ntBase + rva(fn) + off;
      const row = rows.find((l) => l.includes(`nt!${fn}+0x${off.toString(16)} `));
      assert.ok(row, `${fn}+0x${off.toString(16)} in ${k.text}`);
      assert.ok(rows.some((l) => retOf(l) === want), `a frame returns to ${fn}+0x${off.toString(16)}`);
      assert.match(row, /\(guessed/);
    }
    // Only the last frame returns to 0, and the walk never read past the thread's stack base.
    assert.ok(rows.slice(0, -1).every((l) => retOf(l) !== 0n));
    assert.ok(rows.every((l) => BigInt(`0x${l.split(/\s+/)[1].replace('`', '')}`) < 0xffff850429893000n));
    assert.match(k.text, /no unwind data for nt/);
  } finally {
    await close();
  }
});

test('triage dump: stackBoundsFor gives the crashing thread\'s StackLimit/StackBase, read by field name from the ISF', { skip: skipUnlessCorpus(TRIAGE) || skipUnlessCorpus(ISF) }, async () => {
  const { target, close } = await openSession(corpus(TRIAGE), { ...scenarioOpts, sympath: `${corpus('symbols')};${corpus('isf')}` }, io);
  try {
    const isf = JSON.parse(execFileSync('xz', ['-dc', corpus(ISF)], { maxBuffer: 1 << 28 }).toString());
    const field = (t: string, f: string) => Number(isf.user_types[t].fields[f].offset);
    const thread = (await target.crashState()).thread!;
    const q = async (off: number) => {
      const b = await target.memory.read(thread.address! + BigInt(field('_ETHREAD', 'Tcb') + off), 8);
      return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
    };
    const limit = await q(field('_KTHREAD', 'StackLimit'));
    const base = await q(field('_KTHREAD', 'StackBase'));
    const b = await target.stackBoundsFor(thread, 0xffff850429892120n);
    assert.equal(b?.stackLimit, limit);
    assert.equal(b?.stackBase, base);
    assert.ok(b!.stacks!.some((s) => /DPC stack/.test(s.name)), 'the processors\' DPC stacks are known too (KPRCB.DpcStack)');
    // An rsp on no known stack: a window of one kernel stack's size above it, and a note saying why.
    const off = await target.stackBoundsFor(thread, 0xffff850400000000n);
    assert.deepEqual([off?.stackLimit, off?.stackBase], [0xffff850400000000n, 0xffff850400006000n]);
    assert.match(off?.note ?? '', /^rsp ffff8504`00000000 is outside the thread's stack \(ffff8504`[0-9a-f]{8}-ffff8504`[0-9a-f]{8}\) and on no processor's DPC or ISR stack: the walk is bounded to /);
    assert.equal(await target.stackBoundsFor(thread, 0x000000ca7d680000n), undefined, 'a user-mode rsp gets no kernel bounds');
  } finally {
    await close();
  }
});

test('k letters and forms: kvn, kbn, knL resolve; kc shows call sites only; k = SP IP N starts where it is told', async () => {
  const path = join(dir, '0x3b-forms.dmp');
  await writeScenarioDump('0x3b', 'full', path);
  const { session, close } = await openSession(path, scenarioOpts, io);
  try {
    const [k, kvn, kbn, knl, kc] = await createEngine().run(session, 'k; kvn; kbn; knL; kc');
    for (const r of [k, kvn, kbn, knl, kc]) assert.ok(r.ok, `${r.command}: ${r.text}`);
    const rows = (t: string) => t.split('\n').filter((l) => /^[0-9a-f]{2} /.test(l));
    const kRows = rows(k.text);
    assert.match(kvn.text, /: Args to Child/);
    assert.match(kbn.text, /: Args to Child/);
    assert.deepEqual(rows(knl.text), kRows);
    // kc: WinDbg's ` # Call Site` and `NN module!function+offset`, nothing else.
    assert.equal(kc.text.split('\n')[0], ' # Call Site');
    assert.deepEqual(rows(kc.text), kRows.map((l) => `${l.slice(0, 2)} ${l.split(/\s+/).slice(3).join(' ')}`));
    // k = Child-SP RetAddr of frame 1 (as k printed them) 2: frames 1 and 2 again, numbered from 0.
    const [, sp1] = kRows[1].split(/\s+/);
    const ret0 = kRows[0].split(/\s+/)[2];
    const [from] = await createEngine().run(session, `k = ${sp1} ${ret0} 2`);
    assert.ok(from.ok, from.text);
    assert.doesNotMatch(from.text, /Stack trace for last set context/);
    const f = rows(from.text);
    assert.equal(f.length, 2, from.text);
    assert.equal(f[0].slice(3), kRows[1].slice(3));
    assert.equal(f[1].slice(3), kRows[2].slice(3));
  } finally {
    await close();
  }
});
