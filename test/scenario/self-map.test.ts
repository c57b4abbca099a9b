// Each scenario's page tables map themselves at their own PML4 slot (Windows picks one at random per boot),
// and the 0x7E scenario carries the 0x7E walkthrough's bugcheck code. Expected addresses are computed by
// hand from each slot: MmPteBase = 0xffff000000000000 | slot << 39; an entry's address is
// base + ((va >> 9) & 0x7ffffffff8), applied once per level (PTE, PDE, PPE, PXE).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { analyzeWithDisplay } from '../../src/commands/builtin/analyze.js';
import { createEngine } from '../../src/commands/registry.js';
import { openSession } from '../../src/node/open-session.js';
import { scenarioBinDir, writeScenarioDump } from '../../src/node/scenario-files.js';
import { MemoryBuilder } from '../../src/scenario/memory-builder.js';
import type { ScenarioName } from '../../src/scenario/scenarios.js';
import { skipUnlessWalkthroughs, WALK7E, walkthroughBlock } from '../helpers/walkthrough.js';

const dir = mkdtempSync(join(tmpdir(), 'dumpscope-selfmap-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const io = { out: () => {}, err: () => {}, stderrIsTty: false, env: {} };
const opts = { sympath: scenarioBinDir(), offline: true, json: false, markdown: false, commands: [], rest: [] };

/** `!pte fffff80116200000` (nt's base, mapped in every scenario): the entries' addresses per slot, by hand. */
const NT_PTE_LINE: Record<ScenarioName, string> = {
  // slot 0x17d, base FFFFBE8000000000 (the 0x50 walkthrough's)
  '0x50': 'PXE at FFFFBEDF6FB7DF80    PPE at FFFFBEDF6FBF0020    PDE at FFFFBEDF7E004588    PTE at FFFFBEFC008B1000',
  // slot 0x1b6, base FFFFDB0000000000
  '0x7e': 'PXE at FFFFDB6DB6DB6F80    PPE at FFFFDB6DB6DF0020    PDE at FFFFDB6DBE004588    PTE at FFFFDB7C008B1000',
  // slot 0x13e, base FFFF9F0000000000
  '0xd1': 'PXE at FFFF9F4FA7D3EF80    PPE at FFFF9F4FA7DF0020    PDE at FFFF9F4FBE004588    PTE at FFFF9F7C008B1000',
  // slot 0x159, base FFFFAC8000000000
  '0x3b': 'PXE at FFFFACD66B359F80    PPE at FFFFACD66B3F0020    PDE at FFFFACD67E004588    PTE at FFFFACFC008B1000',
};

async function run(path: string, line: string) {
  const { session, close } = await openSession(path, opts, io);
  try {
    return await createEngine().run(session, line);
  } finally {
    await close();
  }
}

async function analysis(path: string) {
  const { session, close } = await openSession(path, opts, io);
  try {
    return await analyzeWithDisplay(session);
  } finally {
    await close();
  }
}

for (const name of Object.keys(NT_PTE_LINE) as ScenarioName[]) {
  test(`scenario ${name}: !pte walks through its own self-map base, and an entry address reads back to its VA`, async () => {
    const path = join(dir, `${name}.dmp`);
    await writeScenarioDump(name, 'full', path);
    const pteAt = NT_PTE_LINE[name].split(' ').pop() as string;
    const [va, entry] = await run(path, `!pte fffff80116200000; !pte ${pteAt}`);
    assert.equal(va.text.split('\n')[1], NT_PTE_LINE[name], va.text);
    assert.ok(entry.ok, entry.text);
    assert.equal(entry.text.split('\n')[1], NT_PTE_LINE[name], entry.text);
    assert.match(entry.text, /VA fffff80116200000$/m);
  });
}

test('0x7E (slot 0x1b6): full → triage → full keeps its self-map and analyzes the same', async () => {
  const { convertCommand } = await import('../../src/cli/commands/convert.js');
  const full = join(dir, 'rt-7e.dmp');
  const small = join(dir, 'rt-7e-small.dmp');
  const up = join(dir, 'rt-7e-up.dmp');
  await writeScenarioDump('0x7e', 'full', full);
  assert.equal(await convertCommand.run([full, small, '--to', 'triage', '-y', scenarioBinDir(), '--offline'], io), 0);
  const said: string[] = [];
  assert.equal(await convertCommand.run([small, up, '--to', 'full', '-y', scenarioBinDir(), '--offline'], { ...io, out: (t: string) => said.push(t) }), 0);
  assert.ok(!said.some((l) => /MmPteBase/.test(l)), said.join('\n'));
  const [a, b] = [await analysis(full), await analysis(up)];
  assert.deepEqual([b.bugcheck.code, b.moduleName, b.symbolName, b.failureBucketId], [a.bugcheck.code, a.moduleName, a.symbolName, a.failureBucketId]);
  for (const path of [small, up]) {
    const [pte] = await run(path, '!pte fffff80116200000');
    assert.equal(pte.text.split('\n')[1], NT_PTE_LINE['0x7e'], `${path}: ${pte.text}`);
  }
});

// A base that is missing (zero) or names no 512 GiB-aligned kernel slot: no self-map is guessed.
for (const [label, bad, note] of [
  ['without MmPteBase', 0n, /^note: MmPteBase is not known .*no self-map in the rebuilt page tables/],
  ['whose MmPteBase is no self-map slot', 0xffffdb0000001000n, /^note: MmPteBase 0xffffdb0000001000 is not the base of a kernel self-map slot: .*no self-map in the rebuilt page tables/],
] as const) {
  test(`a small dump ${label} converts up without a self-map, says so, and still analyzes`, async () => {
    const { convertCommand } = await import('../../src/cli/commands/convert.js');
    const tag = bad.toString(16);
    const full = join(dir, `nb-${tag}.dmp`);
    const small = join(dir, `nb-${tag}-small.dmp`);
    const up = join(dir, `nb-${tag}-up.dmp`);
    await writeScenarioDump('0x7e', 'full', full);
    assert.equal(await convertCommand.run([full, small, '--to', 'triage', '-y', scenarioBinDir(), '--offline'], io), 0);
    // KDDEBUGGER_DATA64.PteBase (offset 0x360, the fixed x64 layout) in the small dump's debugger data copy.
    const { target, close } = await openSession(small, opts, io);
    const kd = target.dump.triage!.header.debuggerDataOffset;
    await close();
    const bytes = readFileSync(small);
    assert.equal(bytes.readBigUInt64LE(kd + 0x360), 0xffffdb0000000000n, "the copy holds the 0x7E scenario's base (slot 0x1b6)");
    bytes.writeBigUInt64LE(bad, kd + 0x360);
    writeFileSync(small, bytes);
    const said: string[] = [];
    assert.equal(await convertCommand.run([small, up, '--to', 'full', '-y', scenarioBinDir(), '--offline'], { ...io, out: (t: string) => said.push(t) }), 0);
    assert.ok(said.some((l) => note.test(l)), said.join('\n'));
    const b = await analysis(up);
    assert.equal(b.bugcheck.code, 0x7e);
    assert.equal(b.moduleName, 'EvilDriver');
    if (bad !== 0n) return; // the debugger data copy still names the bad base
    // No slot of the rebuilt PML4 points back at it, so no base is found there either: `!pte` walks the
    // tables by physical address, and an entry address is refused.
    const [pte, entry] = await run(up, '!pte fffff80116200000; !pte FFFFDB7C008B1000 1');
    assert.match(pte.text.split('\n')[1], /^PXE at PA [0-9a-f]+ +PPE at PA /, pte.text);
    assert.equal(entry.ok, false, entry.text);
    assert.match(entry.error ?? entry.text, /MmPteBase\) is not known/);
  });
}

test("0x7E: the analysis names the walkthrough's bugcheck — SYSTEM_THREAD_EXCEPTION_NOT_HANDLED (7e), BUGCHECK_CODE 7e, LegacyAPI and KiBugCheckData 0x7e, bucket AV_EvilDriver!…", { skip: skipUnlessWalkthroughs() }, async () => {
  const theirs = walkthroughBlock(WALK7E, '!analyze -v');
  const path = join(dir, 'name-7e.dmp');
  await writeScenarioDump('0x7e', 'full', path);
  const [short, verbose, bugcheck] = await run(path, '!analyze; !analyze -v; .bugcheck');
  const mine = verbose.text.split('\n').map((l) => l.trimEnd());
  const title = (ls: string[]) => ls.find((l) => /^[A-Z_]+ \([0-9a-f]+\)$/.test(l));
  assert.equal(title(mine), title(theirs));
  assert.equal(title(theirs), 'SYSTEM_THREAD_EXCEPTION_NOT_HANDLED (7e)');
  const line = (ls: string[], re: RegExp) => ls.find((l) => re.test(l));
  assert.equal(line(mine, /^BUGCHECK_CODE:/), line(theirs, /^BUGCHECK_CODE:/));
  const key = (ls: string[], k: string) => ls[ls.findIndex((l) => l.trim() === `Key  : ${k}`) + 1]?.trim();
  for (const k of ['Bugcheck.Code.LegacyAPI', 'Bugcheck.Code.KiBugCheckData']) assert.equal(key(mine, k), key(theirs, k), k);
  assert.equal(key(theirs, 'Bugcheck.Code.KiBugCheckData'), 'Value: 0x7e');
  // The walkthrough's driver had no symbols (AV_EvilDriver!unknown_function); ours has its PDB.
  const bucket = (ls: string[]) => line(ls, /^FAILURE_BUCKET_ID:/)?.replace(/!.*/, '!');
  assert.equal(bucket(mine), bucket(theirs));
  assert.match(short.text, /^BugCheck 7E, \{ffffffffc0000005, /m);
  assert.match(bugcheck.text, /^Bugcheck code 0000007E$/m);
});

test('the memory builder takes kernel self-map slots only and maps nothing inside the self-map', () => {
  assert.throws(() => new MemoryBuilder(0x80), /not a kernel PML4 slot/);
  assert.throws(() => new MemoryBuilder(0x1ff), /not a kernel PML4 slot/);
  const m = new MemoryBuilder(0x1b6);
  assert.equal(m.pteBase, 0xffffdb0000000000n);
  assert.throws(() => m.u64(0xffffdb0000001000n, 1n), /lies in the page-table self-map \(PML4 slot 0x1b6\)/);
  m.u64(0xffffdb8000000000n, 1n); // the next slot is ordinary memory
  assert.equal(new MemoryBuilder(undefined).pteBase, undefined);
});
