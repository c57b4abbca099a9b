// What the scenario kernel holds besides the crash, checked against sources other than dumpscope: the 0x7E
// block in nt!PoolBigPageTable (0x2510 bytes: the walkthrough's ExFreePoolWithTag arguments, `kb` line
// `00000000`57724231 … 00000000`00002510`), the dump header's exception record as Windows writes it (the
// corpus triage dump's bytes at 0xF00), the dispatcher headers of threads and processes (_KOBJECTS
// ThreadObject 6, ProcessObject 3), and the 0x50 block's segment-heap chunk header.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { analyzeWithDisplay } from '../../src/commands/builtin/analyze.js';
import { writeScenarioDump } from '../../src/node/scenario-files.js';
import { openSample, SAMPLE } from '../commands/sample-session.js';
import { corpus, repo, skipUnlessCorpus } from '../helpers/corpus.js';
import { pdbutil, pdbutilMissing } from '../helpers/pdbutil.js';

const dir = mkdtempSync(join(tmpdir(), 'dumpscope-scenario-contents-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function open7e() {
  const path = join(dir, '0x7e.dmp');
  await writeScenarioDump('0x7e', 'kernel-bitmap', path);
  return openSample(path);
}

test("0x7E: !pool @rsi names the big-page allocation — 0x2510 bytes, tag WrB1 — not the 8-bit BlockSize's 0x510", async () => {
  const s = await open7e();
  try {
    const [, pool, entry] = await s.run('.ecxr; !pool @rsi; dt nt!_POOL_TRACKER_BIG_PAGES poi(nt!PoolBigPageTable)');
    // rsi is the allocation at ffffe009`a68dc000 (the walkthrough's .cxr).
    assert.match(pool.text, /^Pool page ffffe009a68dc000 region is Paged pool$/m);
    assert.match(pool.text, /^\*ffffe009a68dc000 : large page allocation, Tag is WrB1, size is 0x2510 bytes$/m);
    assert.doesNotMatch(pool.text, /size: +510/);
    // The table's slot, by field name: 'WrB1' is 0x31427257 little-endian, PoolType 1 is PagedPool.
    assert.match(entry.text, /^ {3}\+0x000 Va +: 0xffffe009`a68dc000$/m);
    assert.match(entry.text, /^ {3}\+0x008 Key +: 0x31427257$/m);
    assert.match(entry.text, /^ {3}\+0x00c PoolType +: 0y000000000001$/m);
    assert.match(entry.text, /^ {3}\+0x010 NumberOfBytes +: 0x2510$/m);
  } finally {
    await s.close();
  }
});

test("0x7E: the pool rule reads a big-page block's data at its address (no header) and still blames EvilDriver for 'WrB1'", async () => {
  const s = await open7e();
  try {
    const r = await analyzeWithDisplay(s.session);
    assert.match(r.summary, /^EvilDriver is corrupting pool memory: it wrote 'A' bytes past the end of its 'WrB1' allocation; /);
    const c = r.rootCause.find((x) => x.rule === 'pool-corruption');
    assert.ok(c, r.rootCause.map((x) => x.rule).join());
    assert.match(c.claim, /'WrB1' pool block allocated by EvilDriver/);
    const commands = c.evidence.map((e) => e.command);
    // A big allocation's data is the allocation itself: header address + 0x10 would be ffffe009a68dc010.
    assert.ok(commands.includes('!pool ffffe009a68dc000'), commands.join(' | '));
    assert.ok(commands.includes('db ffffe009a68dc000 L40'), commands.join(' | '));
    // What it overran is the page after its three pages (0x2510 rounded up to 0x3000), full of 'A'.
    const next = c.evidence.find((e) => e.fact.startsWith('the page after the block'));
    assert.ok(next, c.evidence.map((e) => e.fact).join(' | '));
    assert.match(next.fact, /at ffffe009`a68df000, is 41 41 41 41 41 41 41 41/);
  } finally {
    await s.close();
  }
});

test('the sample: .lastevent is the breakpoint Windows records at nt!KeBugCheckEx, as in a real dump header', async () => {
  const s = await openSample();
  try {
    const [last] = await s.run('.lastevent');
    assert.match(last.text, /^Last event: 0\.0: Break instruction exception - code 80000003 \(first\/second chance not available\)$/m);
  } finally {
    await s.close();
  }
  // The header's EXCEPTION_RECORD64, read with fs: code 0x80000003, flags 1 (EXCEPTION_NONCONTINUABLE), no
  // chained record, no parameters.
  const h = readFileSync(SAMPLE);
  assert.equal(h.readUInt32LE(0xf00), 0x80000003);
  assert.equal(h.readUInt32LE(0xf04), 1);
  assert.equal(h.readBigUInt64LE(0xf08), 0n);
  assert.equal(h.readUInt32LE(0xf18), 0);
  if (!pdbutilMissing()) {
    // Its address is KeBugCheckEx by llvm-pdbutil's publics (section 1 = .text) and llvm-objdump's .text address.
    const pub = /`KeBugCheckEx`\n\s+flags = function, addr = 0001:(\d+)/.exec(pdbutil(['dump', '-publics', repo('fixtures/scenario/bin/ntkrnlmp.pdb')]));
    const text = /^\s+\d+ \.text\s+[0-9a-f]+ ([0-9a-f]+) TEXT$/m.exec(execFileSync('llvm-objdump-14', ['-h', repo('fixtures/scenario/bin/ntoskrnl.exe')], { encoding: 'utf8' }));
    assert.ok(pub && text);
    assert.equal(h.readBigUInt64LE(0xf10), BigInt(`0x${text[1]}`) + BigInt(pub[1]));
  }
});

test("the corpus triage dump's header record is the pattern the scenarios copy", { skip: skipUnlessCorpus('kernel/win10-19041-x64-triage-1000007e.dmp') }, () => {
  const h = readFileSync(corpus('kernel/win10-19041-x64-triage-1000007e.dmp'));
  assert.equal(h.readUInt32LE(0xf00), 0x80000003);
  assert.equal(h.readUInt32LE(0xf04), 1);
  assert.equal(h.readBigUInt64LE(0xf08), 0n);
  // nt base FFFFF8047BA00000 (corpus README) + 0x3F5A80, KeBugCheckEx's RVA in the matching ISF table.
  assert.equal(h.readBigUInt64LE(0xf10), 0xfffff8047ba00000n + 0x3f5a80n);
  assert.equal(h.readUInt32LE(0xf18), 0);
});

test('the sample: !thread of a process and !process of a thread say TYPE mismatch; real threads and processes pass', async () => {
  const s = await openSample();
  try {
    const crash = await s.target.crashState();
    const proc = crash.process?.address;
    const thread = crash.thread?.address;
    assert.ok(proc && thread && crash.process);
    const hex = (v: bigint) => v.toString(16).padStart(16, '0');
    const [asThread, asProcess] = await s.run(`!thread ${hex(proc)}; !process ${hex(thread)}`);
    assert.equal(asThread.ok, false);
    assert.equal(asThread.text, `!thread: TYPE mismatch for thread object at ${hex(proc)}`);
    assert.equal(asProcess.ok, false);
    assert.equal(asProcess.text, `!process: TYPE mismatch for process object at ${hex(thread)}`);
    // The dispatcher headers by field name: ThreadObject 6, ProcessObject 3 (_KOBJECTS, wdm.h).
    const [kt, kp] = await s.run(`dt nt!_KTHREAD ${hex(thread)} Header.Type; dt nt!_KPROCESS ${hex(proc)} Header.Type`);
    assert.match(kt.text, /Type +: 0x6 ''/);
    assert.match(kp.text, /Type +: 0x3 ''/);
    // Another System thread, read from memory (not the crash state's copy), passes the check.
    const others = (await s.target.threadsOf(crash.process)).threads.filter((t) => t.address !== thread);
    assert.ok(others.length > 0);
    const [ok] = await s.run(`!thread ${hex(others[0].address as bigint)}`);
    assert.ok(ok.ok, ok.text);
    assert.match(ok.text, new RegExp(`^THREAD ${hex(others[0].address as bigint)} `, 'm'));
  } finally {
    await s.close();
  }
});

test("the sample: the 0x50 block's segment-heap chunk header decodes with nt!RtlpHpHeapGlobals.HeapKey", async () => {
  const s = await openSample();
  try {
    const [pool] = await s.run('!pool ffffe5068d8a3c00');
    // The chunk header sits 0x10 before the pool header at …3b80 and spans itself, the header and the data:
    // 0x10 + 0x480 = 0x490 bytes.
    assert.match(pool.text, /^\(segment heap: the VS chunk header at ffffe5068d8a3b70 says allocated, size 490, previous size 0\)$/m);
  } finally {
    await s.close();
  }
});
