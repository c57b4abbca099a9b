import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createEngine } from '../../src/commands/registry.js';
import type { StackResult } from '../../src/commands/builtin/stack.js';
import { openSession } from '../../src/node/open-session.js';
import { corpus, skipUnlessCorpus } from '../helpers/corpus.js';
import { pdbutil, pdbutilMissing } from '../helpers/pdbutil.js';

const DUMP = 'kernel/win10-19041-x64-triage-1000007e.dmp';
const io = { out: () => {}, err: () => {}, stderrIsTty: false, env: {} };
const opts = { sympath: corpus('symbols'), offline: true, json: false, markdown: false, commands: [], rest: [] };

test('after .cxr to Arg4, k walks amdppm → Wdf01000 → nt!IofCallDriver with unwind-exact frames', { skip: skipUnlessCorpus(DUMP) }, async () => {
  const { session, target, close } = await openSession(corpus(DUMP), opts, io);
  try {
    const engine = createEngine();
    const [cxr, k] = await engine.run(session, '.cxr 0xffff850429891720; k');
    assert.ok(cxr.ok, cxr.text);
    assert.match(cxr.text, /^rip=fffff8048b58334c rsp=ffff850429892120/m);
    const rows = (k.result as StackResult).listing.rows;
    // Corpus README: the faulting driver at +0x334c; amdppm.pdb's publics name it.
    assert.equal(rows[0].callSite, 'amdppm!WriteIoMemRawEx+0x70');
    const modules = rows.map((r) => r.callSite.split(/[+!]/)[0]);
    const firstWdf = modules.indexOf('Wdf01000');
    const firstNt = modules.indexOf('nt');
    assert.ok(firstWdf > 0 && firstNt > firstWdf, modules.join(' '));
    assert.ok(modules.slice(0, firstWdf).every((m) => m === 'amdppm'));
    assert.ok(modules.slice(firstWdf, firstNt).every((m) => m === 'Wdf01000'));
    // The nt frame reached through Wdf01000's unwind data is IofCallDriver: its RVA from the kernel's ISF
    // symbol table, read independently of dumpscope.
    const isf = JSON.parse(execFileSync('xz', ['-dc', corpus('isf/ntkrnlmp.pdb/5278AFF86C341677D7D7835C85B7B844-1.json.xz')], { maxBuffer: 1 << 28 }).toString());
    const ntBase = target.modules.byModuleName('nt')!.base;
    const iof = BigInt(isf.symbols.IofCallDriver.address);
    const ntRet = rows[firstNt - 1].retAddr;
    assert.ok(ntRet > ntBase + iof && ntRet < ntBase + iof + 0x100n, `nt frame ${ntRet.toString(16)} is inside IofCallDriver`);
    // Every unwound (not guessed) frame's return address is the qword just below the caller's Child-SP.
    for (let i = 0; i < firstNt; i++) {
      const slot = await target.memory.read(rows[i + 1].childSp - 8n, 8);
      assert.equal(new DataView(slot.buffer, slot.byteOffset).getBigUint64(0, true), rows[i].retAddr, `frame ${i}`);
      assert.ok(!rows[i + 1].guessed);
    }
    // nt's image is not available: the walk says so instead of inventing unverified frames.
    assert.match(k.text, /no unwind data for nt/);
    // .frame /r 2: that frame's line, and registers unwound to it (rsp = its Child-SP, rip = frame 1's return).
    const [frame] = await engine.run(session, '.frame /r 2');
    assert.equal(frame.text.split('\n')[0], k.text.split('\n').find((l) => l.startsWith('02 ')));
    assert.match(frame.text, new RegExp(`rip=${rows[1].retAddr.toString(16)} rsp=${rows[2].childSp.toString(16)}`));
  } finally {
    await close();
  }
});

test('lm lists all 151 drivers; u at the fault decodes what llvm-objdump sees in amdppm.sys', { skip: skipUnlessCorpus(DUMP) }, async () => {
  const { session, close } = await openSession(corpus(DUMP), opts, io);
  try {
    const [lm, u] = await createEngine().run(session, 'lm; u amdppm+0x334c L1');
    const lines = lm.text.split('\n');
    assert.equal(lines.slice(1, lines.indexOf('')).length, 151);
    // llvm-objdump-14 -d amdppm.sys at 0x1c000334c: "43 89 14 01  movl %edx, (%r9,%r8)" (AT&T syntax).
    assert.match(u.text, /^fffff804`8b58334c 43891401 {8}mov {5}dword ptr \[r9\+r8\],edx$/m);
  } finally {
    await close();
  }
});

test('crashing thread, process and processor from the small dump copies, read through the ISF types', { skip: skipUnlessCorpus(DUMP) || skipUnlessCorpus('isf') }, async () => {
  const { session, target, close } = await openSession(corpus(DUMP), { ...opts, sympath: `${corpus('symbols')};${corpus('isf')}` }, io);
  try {
    const nt = target.modules.byModuleName('nt');
    const syms = await target.moduleSymbols(nt!);
    assert.equal(syms.status, 'isf', syms.detail);
    assert.match(syms.detail, /agree with the debugger data block/);
    const c = await target.crashState();
    assert.ok(c.prcb && c.thread && c.process, c.notes.join('; '));
    // Three separately copied structures must link up: PRCB.CurrentThread is the thread, the thread's
    // process is the process copy, and both carry the same process id.
    assert.equal(c.thread.address, c.prcb.currentThread);
    assert.equal(c.process.address, c.thread.processAddress);
    assert.equal(c.thread.processId, c.process.processId);
    assert.equal(c.process.name, 'System');
    assert.equal(c.process.processId, 4n); // the System process is always PID 4
    // The exception context's stack pointer lies inside the thread's kernel stack.
    const rsp = 0xffff850429892120n;
    assert.ok(c.thread.stackLimit! <= rsp && rsp < c.thread.stackBase!);
    const engine = createEngine();
    const [th, p, run, an] = await engine.run(session, '!thread; !process 0 0; !running; !analyze -v');
    assert.ok(th.ok, th.text);
    assert.match(th.text, /^THREAD ffffc08bde9e1640 {2}Cid 0004\.0108 .*RUNNING on processor 0/m);
    assert.match(th.text, /Image: +System/);
    assert.match(th.text, /amdppm!WriteIoMemRawEx\+0x70/);
    assert.match(th.text, /nt!IofCallDriver\+0x55/);
    assert.match(p.text, /PROCESS ffffc08bdce94180\n\s+SessionId: none {2}Cid: 0004/); // System belongs to no session
    assert.match(p.text, /only the crashing process is present/);
    // The dump's data blocks hold KiProcessorBlock and every PRCB: 16 processors (corpus README: 16 CPUs).
    assert.match(run.text, /System Processors: {2}\(000000000000ffff\)/);
    assert.match(run.text, /^ {2}0 {4}fffff804782d4180 {2}ffffc08bde9e1640 \(13\) /m); // Priority 13: the thread copy's
    const procs = await target.processors();
    assert.equal(procs.length, 16);
    assert.deepEqual(procs.map((p) => p.number), [...Array(16).keys()]);
    assert.match(an.text, /^PROCESS_NAME: {2}System$/m);
  } finally {
    await close();
  }
});

test('dt and dx read kernel structures from the ISF layouts; the dump copies are memory', { skip: skipUnlessCorpus(DUMP) || skipUnlessCorpus('isf') }, async () => {
  const { session, close } = await openSession(corpus(DUMP), { ...opts, sympath: `${corpus('symbols')};${corpus('isf')}` }, io);
  try {
    const engine = createEngine();
    const [layout, proc, filt, dx1, dx2, bad, rec] = await engine.run(
      session,
      'dt nt!_KTRAP_FRAME; dt ntkrnlmp!_EPROCESS @$proc; dt nt!_ETHREAD @$thread Cid; dx @$p = (ntkrnlmp!_EPROCESS*) 0xffffc08bdce94180; dx @$p->Pcb.DirectoryTableBase; dt nt!_NO_SUCH_TYPE; dt -r9 nt!_KPRCB',
    );
    assert.ok(layout.ok, layout.text);
    // Offsets of _KTRAP_FRAME on 19041 x64 (the ISF): Rip at 0x168, Rsp at 0x180, EFlags at 0x178.
    assert.match(layout.text, /^ {3}\+0x168 Rip {14}: Uint8B$/m);
    assert.match(layout.text, /^ {3}\+0x180 Rsp {14}: Uint8B$/m);
    assert.match(layout.text, /^ {3}\+0x178 EFlags {11}: Uint4B$/m);
    assert.match(layout.text, /^ {3}\+0x000 P1Home {11}: Uint8B$/m);
    assert.match(proc.text, /\+0x5a8 ImageFileName {4}: \[15\] {2}"System"/);
    assert.match(proc.text, /\+0x440 UniqueProcessId {2}: 0x00000000`00000004 Void/);
    assert.match(filt.text, /^ {3}\+0x478 Cid {14}: _CLIENT_ID$/m);
    assert.equal(filt.text.split('\n').length, 1);
    // An object with children: 16 spaces after the expression, as the 0x7E walkthrough's first dx line.
    assert.match(dx1.text, /^@\$p = \(ntkrnlmp!_EPROCESS\*\) 0xffffc08bdce94180 {17}: 0xffffc08bdce94180 \[Type: _EPROCESS \*\]/);
    assert.match(dx1.text, /\[\+0x5a8\] ImageFileName {4}: "System" \[Type: unsigned char \[15\]\]/);
    // The System process's page-table base equals the dump header's DirectoryTableBase (the crash ran in System).
    assert.equal(dx2.text, `@$p->Pcb.DirectoryTableBase : 0x${(session.target as unknown as { dump: { header: { directoryTableBase: bigint } } }).dump.header.directoryTableBase.toString(16)} [Type: unsigned __int64]`);
    assert.equal(bad.ok, false);
    assert.match(bad.text + (bad.error ?? ''), /not found/);
    assert.ok(rec.ok && rec.text.split('\n').length <= 20_002, 'deep recursion is bounded');
  } finally {
    await close();
  }
});

test('vertarget, .bugcheck, .lastevent, ln, x and uf agree with the corpus facts and independent tools', { skip: skipUnlessCorpus(DUMP) || skipUnlessCorpus('isf') }, async () => {
  const { session, close } = await openSession(corpus(DUMP), { ...opts, sympath: `${corpus('symbols')};${corpus('isf')}` }, io);
  try {
    const engine = createEngine();
    const [ver, bug, last, ln, x, uf] = await engine.run(session, 'vertarget; .bugcheck; .lastevent; ln fffff8048b58334c; x amdppm!WriteIo*; uf amdppm!WriteIoMemRawEx');
    // Corpus README: build 19041, 16 CPUs, nt base FFFFF8047BA00000, bugcheck 0x1000007E with these arguments.
    assert.match(ver.text, /^Windows 10 Kernel Version 19041 MP \(16 procs\) Free x64$/m);
    assert.match(ver.text, /^Kernel base = 0xfffff804`7ba00000 /m);
    assert.match(ver.text, /^Edition build lab: 19041\./m);
    assert.equal(bug.text, 'Bugcheck code 1000007E\nArguments ffffffff`c0000005 fffff804`8b58334c ffff8504`29891ee8 ffff8504`29891720');
    // WinDbg's event line for a dump, as published logs print it: "(d60.ef8): Unknown exception - code 00000000
    // (first/second chance not available)" (a zeroed header record, qemu-devel 2022-08-02), and 80000003 as
    // "Break instruction exception - code 80000003". A kernel dump's event is its header's EXCEPTION_RECORD64
    // at 0xF00: this one holds 80000003 (its first four bytes, read here with fs, not by our parser).
    assert.equal(readFileSync(corpus(DUMP)).readUInt32LE(0xf00), 0x80000003);
    assert.match(last.text, /^Last event: [0-9a-f]+\.0: Break instruction exception - code 80000003 \(first\/second chance not available\)$/m);
    assert.match(last.text, /^ {2}debugger time: \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{3} \d{4} \(UTC/m);
    assert.match(ln.text, /^\(fffff804`8b5832dc\) {3}amdppm!WriteIoMemRawEx\+0x70 {3}\| {2}\(fffff804`8b583370\) {3}amdppm!WriteIoMemRawHidden$/m);
    // x and ln against llvm-pdbutil's public symbols of amdppm.pdb (section:offset → RVA via .text at 0x1000).
    if (!pdbutilMissing()) {
      const pdbDir = corpus('symbols/amdppm.pdb');
      const text = pdbutil(['dump', '-publics', `${pdbDir}/1C19FDDB27BB3399D9B45973EFEAFCF31/amdppm.pdb`]);
      const want = [...text.matchAll(/S_PUB32 \[size = \d+\] `(WriteIo[^`]*)`\n\s+flags = [^,]+, addr = 0001:(\d+)/g)].map((m) => `${(0xfffff8048b580000n + 0x1000n + BigInt(m[2])).toString(16)} amdppm!${m[1]}`);
      const got = x.text.split('\n').map((l) => l.replace('`', '').split(' ').slice(0, 2).join(' '));
      assert.deepEqual(got.sort(), want.sort());
    }
    // uf ends with the function's ret and contains the faulting store.
    assert.match(uf.text, /^fffff804`8b58334c 43891401 {8}mov {5}dword ptr \[r9\+r8\],edx$/m);
    assert.match(uf.text, /^fffff804`8b583366 c3 {14}ret$/m);
    assert.match(uf.text, /^amdppm!WriteIoMemRawEx:$/m);
  } finally {
    await close();
  }
});

test('.sympath shows and changes the symbol path; .reload forgets what was loaded', { skip: skipUnlessCorpus(DUMP) }, async () => {
  const { session, target, close } = await openSession(corpus(DUMP), { ...opts, sympath: '/nonexistent-dir' }, io);
  try {
    const engine = createEngine();
    // `.sympath` takes the rest of its line, `;` included (WinDbg's rule): it runs on a line of its own.
    const [show] = await engine.run(session, '.sympath');
    const [, k1] = await engine.run(session, '.cxr 0xffff850429891720; k 1');
    assert.equal(show.text, 'Symbol search path is: /nonexistent-dir\nExpanded Symbol search path is: /nonexistent-dir');
    assert.match(k1.text, /amdppm\+0x334c/); // no PDB on that path
    const [set] = await engine.run(session, `.sympath ${corpus('symbols')}`);
    const [, k2, rel] = await engine.run(session, '.cxr 0xffff850429891720; k 1; .reload');
    assert.match(set.text, /Symbol search path is: .*corpus\/symbols/);
    assert.match(k2.text, /amdppm!WriteIoMemRawEx\+0x70/);
    assert.ok(rel.ok);
    assert.equal(target.symbolsIfLoaded(target.modules.byModuleName('amdppm')!), undefined, 'forgotten after .reload');
  } finally {
    await close();
  }
});

test('!us on the triage dump marks the scanned nt frames (the stale KeRemovePriQueue+0x1a7 among them) and says why', { skip: skipUnlessCorpus(DUMP) || skipUnlessCorpus('isf') }, async () => {
  const { session, close } = await openSession(corpus(DUMP), { ...opts, sympath: `${corpus('symbols')};${corpus('isf')}` }, io);
  try {
    const [us] = await createEngine().run(session, '!us');
    assert.ok(us.ok, us.text);
    const lines = us.text.split('\n');
    // nt's image is not in the corpus: its frames past IofCallDriver are guesses, every one marked.
    assert.ok(lines.some((l) => /^ {4}[0-9a-f]{16} nt!KeRemovePriQueue\+0x1a7 \(guessed: found by stack scan/.test(l)), us.text);
    assert.ok(lines.some((l) => /nt!PnpAsynchronousCall\+0xea \(guessed: found by running the epilog code\)$/.test(l)), us.text);
    assert.ok(lines.filter((l) => / nt!/.test(l) && !/IofCallDriver/.test(l)).every((l) => l.includes('(guessed: ')), us.text);
    assert.ok(lines.some((l) => /^\(frames marked \(guessed: …\) were found without unwind data and may be wrong: no unwind data for nt /.test(l)), us.text);
  } finally {
    await close();
  }
});
