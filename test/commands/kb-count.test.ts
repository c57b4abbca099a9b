// `kb N`: the last listed frame's "Args to Child" are its home space, the four qwords at its caller's
// Child-SP, which only a walk one frame further can name. So `kb N` must agree with `kb` on every line it
// lists, and the values must be the bytes read directly at the next frame's Child-SP.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildStackListing, type StackResult } from '../../src/commands/builtin/stack.js';
import { corpus, skipUnlessCorpus } from '../helpers/corpus.js';
import { openSample } from './sample-session.js';

type Session = Awaited<ReturnType<typeof openSample>>;

async function listing(s: Session, line: string): Promise<StackResult['listing']> {
  const outs = await s.run(line);
  const last = outs[outs.length - 1];
  assert.ok(last.ok, `${line}: ${last.text}`);
  return (last.result as StackResult).listing;
}

async function qwordsAt(s: Session, at: bigint): Promise<bigint[]> {
  const b = await s.target.memory.read(at, 32);
  const dv = new DataView(b.buffer, b.byteOffset, 32);
  return [0, 1, 2, 3].map((k) => dv.getBigUint64(k * 8, true));
}

/** `kb N` for each N lists N frames whose args are `kb`'s, the last one included, and says nothing about a limit. */
async function assertCountsAgree(s: Session, prefix: string, counts: number[]) {
  const full = await listing(s, `${prefix}kb`);
  for (const n of counts) {
    const part = await listing(s, `${prefix}kb ${n.toString(16)}`);
    assert.equal(part.rows.length, n, `kb ${n}`);
    for (let i = 0; i < n; i++) assert.deepEqual(part.rows[i].args, full.rows[i].args, `kb ${n}, frame ${i}`);
    // The home space of the last listed frame, read independently at the next frame's Child-SP.
    assert.deepEqual(part.rows[n - 1].args, await qwordsAt(s, full.rows[n].childSp), `kb ${n}: last frame's args`);
    assert.ok(!part.notes.some((l) => /stopped after/.test(l)), `kb ${n} asked for the count: ${part.notes.join(' ')}`);
  }
  return full;
}

test('the sample: kb 3 and kb 4 agree with kb, KiPageFault\'s first arg is the driver\'s return address', async () => {
  const s = await openSample();
  try {
    const full = await assertCountsAgree(s, '', [1, 3, 4]);
    // The walkthrough's relation: KiPageFault (frame 03) is handed the driver frame's return address.
    assert.match(full.rows[3].callSite, /^nt!KiPageFault/);
    const kb4 = await listing(s, 'kb 4');
    assert.equal(kb4.rows[3].args?.[0], full.rows[4].retAddr);
    // A listing cut at its limit without a count having been asked for (!thread's) still says so.
    const cut = await buildStackListing(s.target, (await s.session.currentRegisters())!, true, 3);
    assert.equal(cut.rows.length, 3);
    assert.ok(cut.notes.includes('(stack walk stopped: stopped after 3 frames)'), cut.notes.join(' '));
    const k3 = await listing(s, 'k 3');
    assert.equal(k3.rows.length, 3);
    assert.equal(k3.rows[2].args, undefined);
  } finally {
    await s.close();
  }
});

const TRIAGE = 'kernel/win10-19041-x64-triage-1000007e.dmp';
test('the real triage dump after .cxr: kb 3 and kb 9 agree with kb on the last line too', { skip: skipUnlessCorpus(TRIAGE) || skipUnlessCorpus('isf') }, async () => {
  const s = await openSample(corpus(TRIAGE), `${corpus('symbols')};${corpus('isf')}`);
  try {
    const full = await assertCountsAgree(s, '.cxr 0xffff850429891720; ', [3, 9]);
    // Frame 02 (WriteGenAddrMaybeHiddenEx) has its caller InitAcpiCpc at Child-SP ffff8504`298921b0, whose
    // second qword is ffffc08b`e4da6240 (read from the dump; before the fix kb 3 showed Child-SP+8's bytes).
    assert.equal(full.rows[3].childSp, 0xffff8504298921b0n);
    assert.equal(full.rows[2].args?.[1], 0xffffc08be4da6240n);
  } finally {
    await s.close();
  }
});
