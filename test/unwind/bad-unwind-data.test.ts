import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createEngine } from '../../src/commands/registry.js';
import { openSession } from '../../src/node/open-session.js';
import { scenarioBinDir } from '../../src/node/scenario-files.js';
import { writePatchedScenario } from './scenario-patch.js';

// The 0x7E scenario with EvilDriver!FillAndFree's UNWIND_INFO damaged three ways. Where the record is and
// what it holds comes from llvm-readobj and llvm-pdbutil (independent readers of the image and its PDB);
// the expected frames are the scenario's call chain as scenarios.ts builds it, up to the damaged function.
const dir = mkdtempSync(join(tmpdir(), 'dumpscope-badunwind-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const io = { out: () => {}, err: () => {}, stderrIsTty: false, env: {} };
const opts = { sympath: scenarioBinDir(), offline: true, json: false, markdown: false, commands: [], rest: [] };
const DRIVER = join(scenarioBinDir(), 'EvilDriver.sys');

function tool(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  } catch {
    return undefined;
  }
}
const readobjHeaders = tool('llvm-readobj-14', ['--file-headers', '--sections', DRIVER]);
const readobjUnwind = tool('llvm-readobj-14', ['--unwind', DRIVER]);
const publics = tool('llvm-pdbutil', ['dump', '-publics', join(scenarioBinDir(), 'EvilDriver.pdb')]);
const skip = readobjHeaders && readobjUnwind && publics ? false : 'llvm-readobj-14 or llvm-pdbutil is not installed';

/** FillAndFree's RUNTIME_FUNCTION and UNWIND_INFO as the independent tools read them. */
function fillAndFree() {
  const base = BigInt(/ImageBase: (0x[0-9A-F]+)/.exec(readobjHeaders!)![1]);
  const text = BigInt(/Name: \.text[\s\S]*?VirtualAddress: (0x[0-9A-F]+)/.exec(readobjHeaders!)![1]);
  const off = Number.parseInt(/`FillAndFree`\n\s+flags = function, addr = 0001:(\d+)/.exec(publics!)![1], 10);
  const start = base + text + BigInt(off);
  const block = readobjUnwind!.split('RuntimeFunction {').slice(1).find((b) => BigInt(/StartAddress: \((0x[0-9A-F]+)\)/.exec(b)![1]) === start)!;
  return {
    base,
    begin: Number(start - base),
    end: Number(BigInt(/EndAddress: \((0x[0-9A-F]+)\)/.exec(block)![1]) - base),
    info: BigInt(/UnwindInfoAddress: \((0x[0-9A-F]+)\)/.exec(block)![1]),
    codes: Number(/UnwindCodeCount: (\d+)/.exec(block)![1]),
  };
}

const le32 = (v: number) => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];
// The bugcheck stack and the interrupted context of the scenario, innermost first, up to FillAndFree.
// (The 0x7E walkthrough's frames 0 to 0xb: the exception path, the free path, the driver.)
const GOOD_FRAMES = ['nt!KeBugCheckEx', 'nt!PspSystemThreadStartup$filt$0', 'nt!_C_specific_handler', 'nt!RtlpExecuteHandlerForException', 'nt!RtlDispatchException', 'nt!KiDispatchException', 'nt!KiExceptionDispatch', 'nt!KiGeneralProtectionFault', 'nt!RtlpHpVsFreeChunkInsert', 'nt!RtlpHpFreeHeap', 'nt!ExFreePoolWithTag', 'EvilDriver!FillAndFree'];

const cases: { name: string; patch: (f: ReturnType<typeof fillAndFree>) => [bigint, number[]][]; expect: RegExp }[] = [
  {
    name: 'chained to itself',
    // UNW_FLAG_CHAININFO (flags 4, version 1) and, after the codes, a RUNTIME_FUNCTION naming the same record.
    // (It overwrites the next function's record, which the walk never reaches.)
    patch: (f) => [
      [f.info, [1 | (4 << 3)]],
      [f.info + 4n + BigInt(((f.codes + 1) & ~1) * 2), [...le32(f.begin), ...le32(f.end), ...le32(Number(f.info - f.base))]],
    ],
    expect: /chained unwind information loops/,
  },
  { name: 'unknown operation 15', patch: (f) => [[f.info + 5n, [0x5f]]], expect: /unknown unwind operation 15/ },
  { name: 'UWOP_SET_FPREG_LARGE (11)', patch: (f) => [[f.info + 5n, [0x5b]]], expect: /operation 11 \(UWOP_SET_FPREG_LARGE.*not part of Windows x64 unwind data/ },
];

for (const c of cases) {
  test(`0x7E with FillAndFree's unwind record ${c.name}: every command keeps the good frames and names the bad record`, { skip }, async () => {
    const f = fillAndFree();
    const path = join(dir, `${c.name.replace(/\W+/g, '-')}.dmp`);
    await writePatchedScenario('0x7e', path, async (write) => {
      for (const [va, bytes] of c.patch(f)) await write(va, bytes);
    });
    const { session, close } = await openSession(path, opts, io);
    try {
      const [k, frame, us, t, an] = await createEngine().run(session, 'k; .frame b; !us; !t; !analyze -v');
      for (const r of [k, frame, us, t, an]) assert.ok(r.ok, `${r.command}: ${r.text}`);
      const rows = k.text.split('\n').filter((l) => /^[0-9a-f]{2} /.test(l));
      assert.deepEqual(rows.map((l) => l.split(/\s+/)[3].replace(/\+0x[0-9a-f]+$/, '')), GOOD_FRAMES);
      // The walk ends with a note naming the function, its RUNTIME_FUNCTION and the UNWIND_INFO's RVA.
      const note = k.text.split('\n').at(-1)!;
      assert.match(note, /^\(stack walk stopped: bad unwind data in EvilDriver/);
      assert.match(note, c.expect);
      assert.ok(note.includes('EvilDriver!FillAndFree'), note);
      assert.ok(note.includes(`RUNTIME_FUNCTION 0x${f.begin.toString(16)}-0x${f.end.toString(16)}`), note);
      assert.ok(note.includes(`UNWIND_INFO at RVA 0x${(f.info - f.base).toString(16)}`), note);
      assert.match(frame.text, /^0b [0-9a-f`]+ [0-9a-f`]+ +EvilDriver!FillAndFree\+0x/);
      for (const r of [us, t, an]) assert.match(r.text, /EvilDriver!FillAndFree\+0x/, r.command);
      assert.match(an.text, c.expect);
    } finally {
      await close();
    }
  });
}

/** Where FillAndFree's RUNTIME_FUNCTION is: .pdata's address (llvm-readobj) + 12 × its position in the table. */
function fillAndFreeEntry(): bigint {
  const f = fillAndFree();
  const pdata = BigInt(/Name: \.pdata[\s\S]*?VirtualAddress: (0x[0-9A-F]+)/.exec(readobjHeaders!)![1]);
  const starts = readobjUnwind!.split('RuntimeFunction {').slice(1).map((b) => BigInt(/StartAddress: \((0x[0-9A-F]+)\)/.exec(b)![1]));
  const index = starts.indexOf(f.base + BigInt(f.begin));
  assert.ok(index >= 0);
  return f.base + pdata + BigInt(index * 12);
}

const entryCases: { name: string; patch: (f: ReturnType<typeof fillAndFree>, entry: bigint) => [bigint, number[]][]; expect: (f: ReturnType<typeof fillAndFree>) => string }[] = [
  {
    // Read as a signed int, 0x80001000 & ~1 was negative and slipped past the image-size check.
    name: 'an UnwindInfoAddress of 0x80001000',
    patch: (_f, e) => [[e + 8n, le32(0x80001000)]],
    expect: (f) => `RUNTIME_FUNCTION 0x${f.begin.toString(16)}-0x${f.end.toString(16)}, UNWIND_INFO at RVA 0x80001000) is unusable: UNWIND_INFO RVA 0x80001000 is outside the image`,
  },
  {
    name: 'an EndAddress before its BeginAddress',
    patch: (f, e) => [[e + 4n, le32(f.begin - 0x10)]],
    expect: (f) => `its RUNTIME_FUNCTION 0x${f.begin.toString(16)}-0x${(f.begin - 0x10).toString(16)} is unusable: its end 0x${(f.begin - 0x10).toString(16)} is not after its begin`,
  },
];

for (const c of entryCases) {
  test(`0x7E with FillAndFree's RUNTIME_FUNCTION holding ${c.name}: the walk stops there with a bad-data note, not as a leaf`, { skip }, async () => {
    const f = fillAndFree();
    const entry = fillAndFreeEntry();
    const path = join(dir, `${c.name.replace(/\W+/g, '-')}.dmp`);
    await writePatchedScenario('0x7e', path, async (write) => {
      for (const [va, bytes] of c.patch(f, entry)) await write(va, bytes);
    });
    const { session, close } = await openSession(path, opts, io);
    try {
      const [k] = await createEngine().run(session, 'k');
      assert.ok(k.ok, k.text);
      const rows = k.text.split('\n').filter((l) => /^[0-9a-f]{2} /.test(l));
      assert.deepEqual(rows.map((l) => l.split(/\s+/)[3].replace(/\+0x[0-9a-f]+$/, '')), GOOD_FRAMES);
      const note = k.text.split('\n').at(-1)!;
      assert.match(note, /^\(stack walk stopped: bad unwind data in EvilDriver/);
      assert.ok(note.includes(c.expect(f)), note);
    } finally {
      await close();
    }
  });
}
