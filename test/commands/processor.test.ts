// `!irql`, `!pcr`, `!prcb` and `@$pcr`: layouts from Microsoft's documentation of these commands, values
// from what the thread fixture wrote (test/helpers/thread-fixture.ts) and from the corpus ISF's offsets.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createEngine } from '../../src/commands/registry.js';
import { openSession } from '../../src/node/open-session.js';
import { scenarioBinDir } from '../../src/node/scenario-files.js';
import { corpus, skipUnlessCorpus } from '../helpers/corpus.js';
import { type ThreadFixture, writeThreadFixture } from '../helpers/thread-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'dumpscope-processor-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const io = { out: () => {}, err: () => {}, stderrIsTty: false, env: {} };
const opts = { sympath: scenarioBinDir(), offline: true, json: false, markdown: false, commands: [], rest: [] };
const h16 = (v: bigint) => v.toString(16).padStart(16, '0');
let fx: ThreadFixture;

before(async () => {
  fx = await writeThreadFixture(join(dir, 'threads.dmp'));
});

async function run(path: string, commands: string, sympath = opts.sympath) {
  const { session, close } = await openSession(path, { ...opts, sympath }, io);
  try {
    return await createEngine().run(session, commands);
  } finally {
    await close();
  }
}

test('!prcb N and !pcr N: the threads each processor runs, has next and idles with, as the fixture set them', async () => {
  const [p1, p0, pcr2, bad, irql] = await run(fx.path, '!prcb 1; !prcb; !pcr 2; !prcb 7; !irql');
  assert.ok(p1.ok && p0.ok && pcr2.ok, [p1, p0, pcr2].map((o) => o.error ?? o.text).join('\n'));
  const l = p1.text.split('\n');
  assert.match(l[0], /^PRCB for Processor 1 at [0-9a-f]{16}:$/);
  assert.ok(l.includes(`Threads--  Current ${h16(fx.running1)} Next 0000000000000000 Idle ${h16(fx.idle[1])}`), p1.text);
  // Without a number: processor 0 (documented), the crashing one here.
  assert.ok(p0.text.includes(`Threads--  Current ${h16(fx.crash)} Next 0000000000000000 Idle ${h16(fx.idle[0])}`), p0.text);
  // !pcr: labels right-aligned to column 25 as in the documented example.
  assert.match(pcr2.text, /^KPCR for Processor 2 at [0-9a-f]{16}:$/m);
  assert.ok(pcr2.text.includes(`            CurrentThread: ${h16(fx.idle[2])}\n               NextThread: ${h16(fx.standby)}\n               IdleThread: ${h16(fx.idle[2])}`), pcr2.text);
  assert.equal(bad.ok, false);
  assert.match(bad.error ?? '', /^Cannot get PRCB address/);
  // The scenario kernel's types have no DebuggerSavedIRQL: said, not guessed.
  assert.equal(irql.ok, false);
  assert.match(irql.error ?? '', /no DebuggerSavedIRQL/);
});

const TRIAGE = 'kernel/win10-19041-x64-triage-1000007e.dmp';
const ISF = 'isf/ntkrnlmp.pdb/5278AFF86C341677D7D7835C85B7B844-1.json.xz';

test('the real triage dump: !irql reads KPRCB.DebuggerSavedIRQL at the ISF\'s offset; @$pcr is @$prcb less _KPCR.Prcb\'s', { skip: skipUnlessCorpus(TRIAGE) || skipUnlessCorpus(ISF) }, async () => {
  const isf = JSON.parse(execFileSync('xz', ['-dc', corpus(ISF)], { maxBuffer: 1 << 28 }).toString());
  const saved = BigInt(isf.user_types._KPRCB.fields.DebuggerSavedIRQL.offset);
  const prcbInPcr = BigInt(isf.user_types._KPCR.fields.Prcb.offset);
  const [prcb, pcr, irql, prcbText] = await run(corpus(TRIAGE), '? @$prcb; ? @$pcr; !irql; !prcb', `${corpus('symbols')};${corpus('isf')}`);
  const value = (o: { text: string }) => BigInt(`0x${/= ([0-9a-f`]+)$/.exec(o.text)![1].replace('`', '')}`);
  assert.equal(value(pcr), value(prcb) - prcbInPcr);
  const [db] = await run(corpus(TRIAGE), `db ${(value(prcb) + saved).toString(16)} L1`, `${corpus('symbols')};${corpus('isf')}`);
  const byte = Number.parseInt(/^[0-9a-f`]+ {2}([0-9a-f]{2})/.exec(db.text)![1], 16);
  const names: Record<number, string> = { 0: 'LOW_LEVEL', 1: 'APC_LEVEL', 2: 'DISPATCH_LEVEL' };
  assert.equal(irql.text, `Debugger saved IRQL for processor 0x0 -- ${byte}${names[byte] ? ` (${names[byte]})` : ''}`);
  assert.match(prcbText.text, new RegExp(`^PRCB for Processor 0 at ${h16(value(prcb))}:$`, 'm'));
  assert.match(prcbText.text, /^Processor Index 0 Number \(0, 0\) GroupSetMember 1$/m);
});
