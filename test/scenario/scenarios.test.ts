import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { analyzeWithDisplay } from '../../src/commands/builtin/analyze.js';
import { createEngine } from '../../src/commands/registry.js';
import { analysisToJson } from '../../src/render/analysis-json.js';
import { openSession } from '../../src/node/open-session.js';
import { scenarioBinDir, writeScenarioDump } from '../../src/node/scenario-files.js';
import { SCENARIOS } from '../../src/scenario/scenarios.js';
import { corpus, skipUnlessCorpus } from '../helpers/corpus.js';
import type { WriteLayout } from '../../src/formats/kernel-dump/writer.js';

const dir = mkdtempSync(join(tmpdir(), 'dumpscope-scenario-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const io = { out: () => {}, err: () => {}, stderrIsTty: false, env: {} };
const opts = { sympath: scenarioBinDir(), offline: true, json: false, markdown: false, commands: [], rest: [] };
const LAYOUTS: WriteLayout[] = ['full', 'kernel-bitmap', 'full-bitmap'];

/** The analysis without its timing, for comparing layouts. */
async function analysisOf(path: string) {
  const { session, close } = await openSession(path, opts, io);
  try {
    const r = await analyzeWithDisplay(session);
    const j = analysisToJson(r) as Record<string, unknown>;
    delete j.elapsedMs;
    // The file's own name and the analysis' timing differ between copies of the same crash.
    delete j.fileInCab;
    j.keyValues = (j.keyValues as { key: string }[]).filter((k) => k.key !== 'Analysis.Elapsed.mSec');
    return { report: r, json: JSON.stringify(j) };
  } finally {
    await close();
  }
}

const expectations: Record<string, { symbol: RegExp; rules: string[]; stackCommand: RegExp }> = {
  // 0x50: the trap frame does not hold rbx (`.trap` shows 0, as in the walkthrough), so the status is found in
  // the driver's code (`mov ebx,0C000009Ah` before its call), as the walkthrough's author found it with `ub`.
  '0x50': { symbol: /^Driver!CopyBlocks\+/, rules: ['overflow-into-freed-page', 'ntstatus-in-code', 'third-party-frame'], stackCommand: /^\.cxr; \.ecxr ; kb$/ },
  '0x7e': { symbol: /^EvilDriver!FillAndFree\+/, rules: ['pool-corruption', 'fill-pattern', 'general-protection', 'ntstatus-in-code'], stackCommand: /^\.cxr 0x[0-9a-f]+ ; kb$/ },
  '0xd1': { symbol: /^IoctlDriver!TimerDpc\+/, rules: ['pageable-at-high-irql', 'third-party-frame'], stackCommand: /^\.cxr; \.ecxr ; kb$/ },
  '0x3b': { symbol: /^IoctlDriver!HandleIoctl\+/, rules: ['general-protection', 'third-party-frame'], stackCommand: /^\.cxr 0x[0-9a-f]+ ; kb$/ },
};

for (const name of SCENARIOS) {
  test(`scenario ${name}: every layout analyzes to the same bugcheck, context, stack, module and bucket`, async () => {
    const results = [];
    for (const layout of LAYOUTS) {
      const path = join(dir, `${name}-${layout}.dmp`);
      const built = await writeScenarioDump(name, layout, path);
      const a = await analysisOf(path);
      assert.equal(a.report.bugcheck.code, built.expect.bugcheck);
      assert.equal(a.report.moduleName, built.expect.module, `${layout}: ${a.report.moduleName}`);
      assert.ok(a.report.failureBucketId.startsWith(built.expect.bucketStart), a.report.failureBucketId);
      const e = expectations[name];
      assert.match(a.report.symbolName, e.symbol);
      assert.match(a.report.stackCommand, e.stackCommand);
      for (const rule of e.rules) assert.ok(a.report.rootCause.some((c) => c.rule === rule), `${name}/${layout}: rule ${rule} missing (${a.report.rootCause.map((c) => c.rule)})`);
      assert.equal(a.report.processName, 'System');
      assert.deepEqual(a.report.limitations.filter((l) => !/small dump/.test(l)), []);
      assert.ok(a.report.stack.every((s) => !s.guessed), 'every frame comes from unwind data');
      results.push(a.json);
    }
    for (const r of results.slice(1)) assert.equal(r, results[0]);
  });
}

test('scenario 0x7E: the walkthrough\'s conclusion — EvilDriver corrupted pool tagged WrB1, rax=4141414141414139', async () => {
  const path = join(dir, '0x7e-check.dmp');
  await writeScenarioDump('0x7e', 'full', path);
  const { report } = await analysisOf(path);
  const c = report.rootCause.find((x) => x.rule === 'pool-corruption');
  assert.ok(c);
  assert.equal(c.confidence, 'high');
  assert.match(c.claim, /'WrB1'.*EvilDriver/);
  assert.equal(report.context?.registers.rax, 0x4141414141414139n);
  assert.equal(report.rootCause[0].confidence, 'high');
});

test('scenario stacks: every frame size equals what llvm-readobj reads from the images\' unwind data', { skip: hasReadobj() ? false : 'llvm-readobj-14 is not installed' }, async () => {
  const path = join(dir, '0x50-frames.dmp');
  await writeScenarioDump('0x50', 'full', path);
  const sizes = new Map<string, number>();
  for (const f of ['ntoskrnl.exe', 'Driver.sys']) {
    const text = execFileSync('llvm-readobj-14', ['--unwind', join(scenarioBinDir(), f)], { encoding: 'utf8' });
    for (const m of text.matchAll(/StartAddress: (?:[\w@]+ )?\(0x([0-9A-F]+)\)[\s\S]*?UnwindCodes \[([\s\S]*?)\]/g)) {
      let size = 0;
      for (const c of m[2].matchAll(/(ALLOC_SMALL|ALLOC_LARGE) size=(\d+)|(PUSH_NONVOL)/g)) size += c[3] ? 8 : Number(c[2]);
      sizes.set(m[1].toLowerCase(), size);
    }
  }
  const { session, target, close } = await openSession(path, opts, io);
  try {
    const [k] = await createEngine().run(session, 'k');
    assert.ok(k.ok, k.text);
    const frames = await target.walk((await target.defaultRegisters())!, { maxFrames: 64 });
    let checked = 0;
    for (let i = 1; i + 1 < frames.length; i++) {
      const f = frames[i];
      if (f.method === 'machine-frame') continue;
      const m = target.modules.at(f.ip)!;
      const img = await target.image(m);
      const fn = await img.image!.functionAt(Number(f.ip - m.base));
      if (!fn) continue;
      const start = (m.base + BigInt(fn.begin)).toString(16);
      const expected = sizes.get(start);
      assert.notEqual(expected, undefined, `no llvm-readobj entry for ${start}`);
      // Child-SP of the caller = this frame's SP + its allocation + the return address.
      assert.equal(Number(frames[i + 1].sp - f.sp), expected! + 8, `frame ${i} (${await target.symbolize(f.ip)})`);
      checked++;
    }
    assert.ok(checked >= 8, `only ${checked} frames checked`);
  } finally {
    await close();
  }
});

test('full-memory model: module list, processes, threads (waiting ones unwound from their switch frames), !pte, dt', async () => {
  const path = join(dir, '0x50-model.dmp');
  await writeScenarioDump('0x50', 'kernel-bitmap', path, { extraThreads: 5 });
  const { session, target, close } = await openSession(path, opts, io);
  try {
    const engine = createEngine();
    const [lm, procs, pte, dt, trap] = await engine.run(session, 'lm; !process 0 7; !pte ffffe5068d8a4000; dt nt!_EPROCESS @$proc ImageFileName; .trap @$thread');
    assert.match(lm.text, /^fffff801`16200000 fffff801`162[0-9a-f]{5} {3}nt /m);
    assert.match(lm.text, /^fffff801`197f0000 fffff801`197[0-9a-f]{5} {3}Driver /m);
    assert.equal(target.modules.modules.length, 2);
    assert.equal(target.modules.modules[1].imageName, 'Driver.sys');
    assert.match(procs.text, /Image: System/);
    const threads = procs.text.match(/^ +THREAD /gm) ?? [];
    assert.equal(threads.length, 5 + 1); // five waiting threads and the crashing one
    // Waiting threads: KeWaitForSingleObject → ExpWorkerThread … from the switch frame at KernelStack.
    assert.equal((procs.text.match(/nt!KeWaitForSingleObject\+0x/g) ?? []).length, 5);
    assert.match(pte.text, /Page has been freed/);
    assert.match(pte.text, /PXE at FFFFBEDF6FB7DE50/);
    assert.match(dt.text, /ImageFileName +: \[15\] {2}"System"/);
    assert.equal(trap.ok, true);
  } finally {
    await close();
  }
});

function hasReadobj(): boolean {
  try {
    execFileSync('llvm-readobj-14', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('convert: scenario dumps rewritten in every layout (and a 16 GiB address space) analyze identically; bad requests are refused', async () => {
  const { convertCommand } = await import('../../src/cli/commands/convert.js');
  const out: string[] = [];
  const cio = { out: (t: string) => out.push(t), err: (t: string) => out.push(t), stderrIsTty: false, env: {} };
  const src = join(dir, 'conv-src.dmp');
  await writeScenarioDump('0x7e', 'full', src);
  const base = await analysisOf(src);
  for (const to of ['kernel-bitmap', 'full-bitmap', 'full']) {
    const dst = join(dir, `conv-${to}.dmp`);
    assert.equal(await convertCommand.run([src, dst, '--to', to, ...(to === 'full' ? [] : ['--physical-size', '16G'])], cio), 0);
    const back = join(dir, `conv-${to}-back.dmp`);
    assert.equal(await convertCommand.run([dst, back, '--to', 'full'], cio), 0);
    assert.equal((await analysisOf(dst)).json, base.json, to);
    assert.equal((await analysisOf(back)).json, base.json, `${to} and back`);
  }
  await assert.rejects(convertCommand.run([src, src, '--to', 'full'], cio), /refusing to overwrite/);
  await assert.rejects(convertCommand.run([src, join(dir, 'x.dmp'), '--to', 'nonsense'], cio), /--to must be/);
});

test('a 16 GiB sparse scenario dump analyzes in a child process with peak RSS under 200 MB', async () => {
  const path = join(dir, 'big.dmp');
  await writeScenarioDump('0x50', 'kernel-bitmap', path, { physicalPages: (16 * 1024 ** 3) / 4096 });
  const script = `
    const { openSession } = await import('./src/node/open-session.ts');
    const { analyzeWithDisplay } = await import('./src/commands/builtin/analyze.ts');
    const io = { out() {}, err() {}, stderrIsTty: false, env: {} };
    const { session, close } = await openSession(${JSON.stringify(path)}, { sympath: ${JSON.stringify(scenarioBinDir())}, offline: true, json: false, markdown: false, commands: [], rest: [] }, io);
    const r = await analyzeWithDisplay(session);
    await close();
    console.log(JSON.stringify({ module: r.moduleName, rss: process.resourceUsage().maxRSS }));`;
  const res = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', cwd: join(scenarioBinDir(), '..', '..', '..') }).trim().split('\n').pop() as string);
  assert.equal(res.module, 'Driver');
  assert.ok(res.rss / 1024 < 200, `peak RSS ${Math.round(res.rss / 1024)} MB`);
});

test('the 0x7E walkthrough\'s session: prompt on the crashing processor, !t, !p, !us FUNCTION, .thread', async () => {
  const path = join(dir, '0x7e-session.dmp');
  await writeScenarioDump('0x7e', 'full', path, { extraThreads: 4 });
  const { session, close } = await openSession(path, opts, io);
  try {
    assert.equal(session.processor, 3, 'the crash happened on processor 3');
    const [t, p, us, all, th, k] = await createEngine().run(session, '!t; !p; !us nt!RtlpHpVsFreeChunkInsert; !us; .thread @$thread; k 2');
    assert.match(t.text, /^System \([0-9a-f]{16}\) [0-9a-f]{16} \(E\|K\|W\|R\|V\) 4\.[0-9a-f]+ .*Running on processor 3$/m);
    // The walkthrough's frame numbers: 8 is the faulting function, after the 8 frames of the exception path.
    assert.match(t.text, /^ 8 [0-9a-f]{16} [0-9a-f]{16} nt!RtlpHpVsFreeChunkInsert\+0x[0-9a-f]+$/m);
    assert.match(t.text, /EvilDriver!FillAndFree\+0x/);
    assert.match(p.text, /^System [0-9a-f]{16} \(E\|K\|O\) {3}0 4 \(0n4\)/m);
    assert.match(us.text, /^1 thread \[stats\]: /m);
    assert.match(us.text, /Threads matching filter: 1 out of 5$/m);
    assert.match(all.text, /^4 threads \[stats\]:/m);
    assert.match(all.text, /nt!KeWaitForSingleObject\+0x/);
    assert.match(th.text, /^Implicit thread is now /);
    assert.match(k.text, /nt!KeBugCheckEx/);
  } finally {
    await close();
  }
});

test('!vm and !pool on the shipped sample: the walkthrough\'s counters, the overrun block and its tag', async () => {
  const { readFileSync, existsSync } = await import('node:fs');
  const { repo } = await import('../helpers/corpus.js');
  const { session, close } = await openSession(repo('samples/walkthrough-0x50.dmp'), opts, io);
  try {
    const [vm, pool, freed] = await createEngine().run(session, '!vm 1; !pool ffffe5068d8a3c00; !pool ffffe5068d8a4000');
    const lines = ['******* 73746 kernel stack PTE allocations have failed ******', 'Physical Memory:          2844914 (   11379656 Kb)', 'Available Pages:           666710 (    2666840 Kb)', 'ResAvail Pages:           2714282 (   10857128 Kb)', 'Shared Commit:            1417735 (    5670940 Kb)', 'Driver Commit:              13223 (      52892 Kb)'];
    const walkthrough = repo('../shared/reference/walkthrough-bugcheck-0x50-000_00f47b712fb2cc93.md');
    // The same lines appear, character for character, in the walkthrough's `!vm 1`.
    if (existsSync(walkthrough)) for (const l of lines) assert.ok(readFileSync(walkthrough, 'utf8').includes(`\n${l}\n`), l);
    for (const l of lines) assert.ok(vm.text.split('\n').includes(l), l);
    assert.match(pool.text, /^\*ffffe5068d8a3b80 size: {2}480 previous size: {4}0 {2}\(Allocated\) \*WrB1$/m);
    assert.equal(freed.ok, false);
    assert.match(freed.error ?? freed.text, /not in this dump/);
  } finally {
    await close();
  }
});

test('faulting context per bugcheck: 0x8E and 0x139 take the trap frame from their arguments, 0x1E its exception from them', async () => {
  const { buildScenario } = await import('../../src/scenario/scenarios.js');
  const { readScenarioBinaries } = await import('../../src/node/scenario-files.js');
  const { writeKernelDump } = await import('../../src/formats/kernel-dump/writer.js');
  const { FileSink } = await import('../../src/node/file-sink.js');
  const s = await buildScenario('0x7e', await readScenarioBinaries());
  const trap = s.records?.trapFrame as bigint;
  const exr = s.records?.exceptionRecord as bigint;
  const faultIp = s.facts.bugcheckArgs[1];
  const cases: [number, bigint[], (r: Awaited<ReturnType<typeof analysisOf>>['report']) => void][] = [
    [0x8e, [0xc0000005n, faultIp, trap, 0n], (r) => assert.equal(r.trapFrame?.address, trap)],
    [0x139, [3n, trap, exr, 0n], (r) => {
      assert.equal(r.trapFrame?.address, trap);
      assert.equal(r.exceptionRecord?.address, exr);
    }],
    [0x1e, [0xc0000005n, faultIp, 0n, 0xffffffffffffffffn], (r) => assert.match(r.exceptionRecord?.accessLine ?? '', /Attempt to read from address ffffffffffffffff/)],
    // BAD_POOL_CALLER 7 (double free): Arg4 is the pool block; the tag and its owner come from there.
    [0xc2, [7n, 0x1200n, 0n, 0xffffe009a68dc010n], (r) => assert.match(r.rootCause.find((c) => c.rule.startsWith('pool'))?.claim ?? '', /'WrB1'.*EvilDriver/)],
  ];
  for (const [code, args, check] of cases) {
    const path = join(dir, `restated-${code.toString(16)}.dmp`);
    const sink = await FileSink.create(path);
    await writeKernelDump(sink, { ...s.facts, bugcheckCode: code, bugcheckArgs: args }, s.pages, { layout: 'full' });
    await sink.commit();
    const { report } = await analysisOf(path);
    check(report);
    assert.equal(report.moduleName, 'EvilDriver', `0x${code.toString(16)}`);
  }
});

test('hostile kernel lists: a process list that loops and a thread list that points into nowhere end with notes, not hangs', async () => {
  const { KernelScenario, zeroRegisters } = await import('../../src/scenario/kernel-scenario.js');
  const { readScenarioBinaries } = await import('../../src/node/scenario-files.js');
  const { writeKernelDump } = await import('../../src/formats/kernel-dump/writer.js');
  const { FileSink } = await import('../../src/node/file-sink.js');
  const k = new KernelScenario(await readScenarioBinaries(), 1);
  await k.init(['Driver'], 3);
  // The System process's ActiveProcessLinks.Flink points back at itself (never reaching the list head),
  // and its first thread's list entry points into unmapped memory.
  const links = k.systemProcess + BigInt(await k.types.offsetOf('_EPROCESS', 'ActiveProcessLinks'));
  k.mem.u64(links, links);
  const threadHead = k.systemProcess + BigInt(await k.types.offsetOf('_EPROCESS', 'ThreadListHead'));
  const first = new DataView(k.mem.read(threadHead, 8).buffer).getBigUint64(0, true);
  k.mem.u64(first, 0xffffa5087fff0000n);
  const path = join(dir, 'hostile-lists.dmp');
  const sink = await FileSink.create(path);
  await writeKernelDump(sink, k.facts(0xe2, [0n, 0n, 0n, 0n], { ...zeroRegisters() }, 'hostile lists'), k.mem.pages, { layout: 'full' });
  await sink.commit();
  const { target, close } = await openSession(path, opts, io);
  try {
    const p = await target.processes();
    assert.equal(p.processes.length, 1);
    assert.match(p.note ?? '', /loops back/);
    const t = await target.threadsOf(p.processes[0]);
    assert.match(t.note ?? '', /unreadable/);
    assert.ok(t.threads.length >= 1);
  } finally {
    await close();
  }
});

test('IRQL from the KPCR and unloaded drivers from MmUnloadedDrivers, both read by field name', async () => {
  const d1 = join(dir, 'irql.dmp');
  await writeScenarioDump('0xd1', 'full', d1);
  const a = await analysisOf(d1);
  assert.equal(a.report.currentIrql, 2);
  const p50 = join(dir, 'unloaded.dmp');
  await writeScenarioDump('0x50', 'full', p50);
  const { session, target, close } = await openSession(p50, opts, io);
  try {
    assert.deepEqual(target.modules.unloaded.map((u) => [u.imageName, u.base, u.end]), [['OldFilter.sys', 0xfffff80119a00000n, 0xfffff80119a0f000n]]);
    const [lm] = await createEngine().run(session, 'lm');
    assert.match(lm.text, /Unloaded modules:\nfffff801`19a00000 fffff801`19a0f000 {3}OldFilter\.sys$/);
  } finally {
    await close();
  }
});

test('!poolused reads the tracker table by field name; a small dump says it does not have it', async () => {
  const path = join(dir, 'poolused.dmp');
  await writeScenarioDump('0x7e', 'kernel-bitmap', path);
  const { session, close } = await openSession(path, opts, io);
  try {
    const [np, paged] = await createEngine().run(session, '!poolused 2; !poolused 4 WrB*');
    assert.match(np.text, /^ File {7}4010 {6}1283000 {10}0 {12}0\tnt!io, File objects$/m);
    assert.ok(np.text.indexOf(' File') < np.text.indexOf(' Irp '), 'sorted by nonpaged bytes');
    assert.match(paged.text, /^ WrB1 {10}0 {12}0 {10}1 {9}9488\tUNKNOWN pooltag 'WrB1'/m);
    assert.equal(paged.text.split('\n').filter((l) => l.startsWith(' WrB1')).length, 1);
  } finally {
    await close();
  }
});

test('convert --to triage: every scenario shrinks to a small dump that analyzes the same (but for saying it is small)', async () => {
  const { convertCommand } = await import('../../src/cli/commands/convert.js');
  const cio = { out: () => {}, err: () => {}, stderrIsTty: false, env: {} };
  for (const name of SCENARIOS) {
    const full = join(dir, `tri-src-${name}.dmp`);
    await writeScenarioDump(name, 'full', full);
    const small = join(dir, `tri-${name}.dmp`);
    assert.equal(await convertCommand.run([full, small, '--to', 'triage', '-y', scenarioBinDir(), '--offline'], cio), 0);
    const a = JSON.parse((await analysisOf(full)).json);
    const b = JSON.parse((await analysisOf(small)).json);
    assert.deepEqual(b.limitations, ['small dump: only the crashing thread, its process and captured memory are present']);
    delete a.limitations;
    delete b.limitations;
    // VIRTUAL_MACHINE comes from the SMBIOS table in physical memory, which a small dump does not hold.
    assert.equal(b.virtualMachine, undefined);
    delete a.virtualMachine;
    assert.deepEqual(b, a, name);
  }
  // And back up to every full-memory layout: the rebuilt dump analyzes like the original, and `!pte` prints
  // the same for every page the small dump captured (freed and paged-out PTEs, and the PXE..PDE above them).
  const pteTexts = async (path: string, vas: bigint[]) => {
    const { session, close } = await openSession(path, opts, io);
    try {
      return (await createEngine().run(session, vas.map((v) => `!pte ${v.toString(16)}`).join('; '))).map((r) => r.text);
    } finally {
      await close();
    }
  };
  for (const name of SCENARIOS) {
    const original = JSON.parse((await analysisOf(join(dir, `tri-src-${name}.dmp`))).json);
    delete original.limitations;
    delete original.virtualMachine; // SMBIOS is physical memory the small dump did not keep
    const small = await openSession(join(dir, `tri-${name}.dmp`), opts, io);
    const captured = [...new Set(small.target.dump.triage!.blocks.flatMap((b) => Array.from({ length: Math.ceil(Number((b.va & 0xfffn) + BigInt(b.size)) / 0x1000) }, (_, i) => (b.va & ~0xfffn) + BigInt(i) * 0x1000n)))];
    await small.close();
    const ptes = await pteTexts(join(dir, `tri-src-${name}.dmp`), captured);
    for (const layout of LAYOUTS) {
      const up = join(dir, `tri-${name}-up-${layout}.dmp`);
      assert.equal(await convertCommand.run([join(dir, `tri-${name}.dmp`), up, '--to', layout, '-y', scenarioBinDir(), '--offline'], cio), 0);
      const c = JSON.parse((await analysisOf(up)).json);
      delete c.limitations;
      assert.deepEqual(c, original, `${name} up to ${layout}`);
      assert.deepEqual(await pteTexts(up, captured), ptes, `${name} up to ${layout}: !pte of every captured page`);
      for (const rule of expectations[name].rules) assert.ok(c.rootCause.some((x: { rule: string }) => x.rule === rule), `${name} up to ${layout}: rule ${rule}`);
    }
  }
  // Unloaded drivers survive the way up through MmUnloadedDrivers (written by field name); the small dump
  // format keeps 12 characters of a name (DUMP_UNLOADED_DRIVERS64.DriverName is WCHAR[12]).
  const rebuilt = await openSession(join(dir, 'tri-0x50-up-kernel-bitmap.dmp'), opts, io);
  assert.deepEqual(rebuilt.target.modules.unloaded.map((u) => [u.imageName, u.base, u.end]), [['OldFilter.sy', 0xfffff80119a00000n, 0xfffff80119a0f000n]]);
  await rebuilt.close();
  // The walkthrough's own !pte of the freed page, on the 0x50 dump rebuilt from its small dump.
  const [pte] = await pteTexts(join(dir, 'tri-0x50-up-full.dmp'), [0xffffe5068d8a4000n]);
  assert.match(pte, /contains 0A00000107400863 {2}contains 0A00000005DC8863 {2}contains 1A0000025754A863 {2}contains 00003E9800000000\n/);
  assert.match(pte, /Page has been freed/);
});

test('the real x64 triage dump converted up to full and kernel-bitmap, and back to triage, analyzes the same', { skip: skipUnlessCorpus('kernel/win10-19041-x64-triage-1000007e.dmp') || skipUnlessCorpus('isf') }, async () => {
  const { convertCommand } = await import('../../src/cli/commands/convert.js');
  const cio = { out: () => {}, err: () => {}, stderrIsTty: false, env: {} };
  const sym = `${corpus('symbols')};${corpus('isf')}`;
  const analyzeWith = async (path: string) => {
    const { session, close } = await openSession(path, { ...opts, sympath: sym }, io);
    try {
      const j = analysisToJson(await analyzeWithDisplay(session)) as Record<string, unknown>;
      delete j.elapsedMs;
      delete j.fileInCab;
      j.keyValues = (j.keyValues as { key: string }[]).filter((k) => k.key !== 'Analysis.Elapsed.mSec');
      delete j.limitations; // a small dump says it is small; a rebuilt full one notes what its types lack
      return j;
    } finally {
      await close();
    }
  };
  const original = await analyzeWith(corpus('kernel/win10-19041-x64-triage-1000007e.dmp'));
  for (const to of ['full', 'kernel-bitmap', 'full-bitmap']) {
    const up = join(dir, `corpus-${to}.dmp`);
    const said: string[] = [];
    assert.equal(await convertCommand.run([corpus('kernel/win10-19041-x64-triage-1000007e.dmp'), up, '--to', to, '-y', sym, '--offline'], { ...cio, out: (t: string) => said.push(t) }), 0);
    // Its 4 unloaded drivers are written as _UNLOADED_DRIVERS with the built-in public x64 layout (the 19041
    // ISF lacks the type); test/formats/kernel-dump/convert-corpus.test.ts checks they survive in `lm`.
    assert.ok(!said.some((l) => l.includes('unloaded drivers are not written')), said.join('\n'));
    assert.deepEqual(await analyzeWith(up), original, `up to ${to}`);
    const back = join(dir, `corpus-${to}-back.dmp`);
    assert.equal(await convertCommand.run([up, back, '--to', 'triage', '-y', sym, '--offline'], cio), 0);
    assert.deepEqual(await analyzeWith(back), original, `${to} and back to triage`);
  }
});
