// The committed scenario binaries (fixtures/scenario/bin) and the sample built from them: they rebuild byte
// for byte from a copy of the sources anywhere, their kernel types agree with the 19041 ISF field by field,
// and the drivers' compiled code (read with llvm-objdump-14 and llvm-pdbutil) matches what the scenarios
// put in the faulting registers.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { analyzeWithDisplay } from '../../src/commands/builtin/analyze.js';
import { createEngine } from '../../src/commands/registry.js';
import { openIsf } from '../../src/formats/isf/open-isf.js';
import { PdbFile } from '../../src/formats/pdb/pdb.js';
import { BufferSource } from '../../src/io/buffer-source.js';
import { openSession } from '../../src/node/open-session.js';
import { scenarioBinDir, writeScenarioDump } from '../../src/node/scenario-files.js';
import type { Type, UdtType } from '../../src/symbols/types.js';
import { resolveField } from '../../src/target/struct-view.js';
import { corpus, repo, skipUnlessCorpus } from '../helpers/corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'dumpscope-binaries-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const BIN = repo('fixtures/scenario/bin');
const io = { out: () => {}, err: () => {}, stderrIsTty: false, env: {} };
const opts = { sympath: scenarioBinDir(), offline: true, json: false, markdown: false, commands: [], rest: [] };

const has = (tool: string) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;
const skipUnless = (...tools: string[]) => (tools.every(has) ? false : `${tools.filter((t) => !has(t)).join(', ')} not installed`);

test('the scenario binaries rebuild byte for byte from a copy of the sources in another directory', { skip: skipUnless('clang-14', 'lld-link-14') }, () => {
  // A tree at a different depth and name than the repository, run from yet another directory.
  const tree = join(dir, 'elsewhere', 'a-much-longer-name');
  mkdirSync(join(tree, 'scripts'), { recursive: true });
  cpSync(repo('scripts/make-scenario-binaries.sh'), join(tree, 'scripts/make-scenario-binaries.sh'));
  cpSync(repo('fixtures/scenario/src'), join(tree, 'fixtures/scenario/src'), { recursive: true });
  const out = join(dir, 'out');
  execFileSync('bash', [join(tree, 'scripts/make-scenario-binaries.sh'), out], { cwd: dir, stdio: 'pipe' });
  const committed = readdirSync(BIN).sort();
  assert.deepEqual(readdirSync(out).sort(), committed);
  for (const f of committed) assert.ok(readFileSync(join(out, f)).equals(readFileSync(join(BIN, f))), `${f} differs from the committed one: rerun scripts/make-scenario-binaries.sh`);
});

test('the shipped sample is what scripts/make-sample.ts builds from the committed binaries', async () => {
  const path = join(dir, 'sample.dmp');
  await writeScenarioDump('0x50', 'kernel-bitmap', path);
  assert.ok(readFileSync(path).equals(readFileSync(repo('samples/walkthrough-0x50.dmp'))), 'rerun node --import tsx scripts/make-sample.ts');
});

async function scenarioPdb(): Promise<PdbFile> {
  return PdbFile.open(new BufferSource(new Uint8Array(readFileSync(join(BIN, 'ntkrnlmp.pdb'))), 'ntkrnlmp.pdb'));
}

/** Every named field path of `t` (into nested unnamed types, not into named ones), padding left out. */
function paths(t: UdtType, prefix = '', depth = 0): string[] {
  const out: string[] = [];
  for (const f of t.fields) {
    if (/^_(pad|fill)\d+$/.test(f.name)) continue;
    out.push(prefix + f.name);
    if (f.type.kind === 'udt' && /<unnamed|<anonymous|^__anonymous_/.test(f.type.name) && depth < 8) out.push(...paths(f.type, `${prefix}${f.name}.`, depth + 1));
  }
  return out;
}
const shape = (x: { offset: number; type: Type; bitPosition?: number; bitLength?: number }) => `+0x${x.offset.toString(16)} ${x.type.size} bytes${x.bitLength !== undefined ? ` bits ${x.bitPosition}:${x.bitLength}` : ''}`;

test('every field of the scenario kernel\'s types lies where the 19041 ISF puts it', { skip: skipUnlessCorpus('isf/ntkrnlmp.pdb') }, async () => {
  const isfDir = corpus('isf/ntkrnlmp.pdb');
  const isf = openIsf(new Uint8Array(readFileSync(join(isfDir, readdirSync(isfDir)[0]))), 'ntkrnlmp');
  const pdb = await scenarioPdb();
  let checked = 0;
  for (const name of await pdb.typeNames()) {
    const mine = await pdb.findType(name);
    const ref = isf.typeByName(name);
    if (mine?.kind !== 'udt' || ref?.kind !== 'udt') continue; // _KSWITCH_FRAME, _UNLOADED_DRIVERS: public layouts not in the ISF
    assert.equal(mine.size, ref.size, `sizeof ${name}`);
    for (const p of paths(mine)) {
      // Members of the 22621 kernel the 0x50 walkthrough's `!ddt nt!_KTRAP_FRAME` shows, absent in 19041.
      if (name === '_KTRAP_FRAME' && (p === 'ShadowStackFrame' || p === 'Spare')) continue;
      const a = resolveField(mine, p);
      const b = resolveField(ref, p);
      assert.ok(b, `${name}.${p} is not in the ISF`);
      assert.equal(shape(a!), shape(b), `${name}.${p}`);
      checked++;
    }
  }
  assert.ok(checked > 700, `${checked} fields checked`);
});

test('the scenario kernel\'s PDB has the fields the per-bugcheck analyses and the region map read', async () => {
  const pdb = await scenarioPdb();
  const want: Record<string, string[]> = {
    _IRP: ['Type', 'Size', 'StackCount', 'CurrentLocation', 'Tail.Overlay.CurrentStackLocation', 'Tail.Overlay.Thread', 'Tail.Apc'],
    _IO_STACK_LOCATION: ['MajorFunction', 'MinorFunction', 'Flags', 'Control', 'Parameters.Power.Type', 'Parameters.Power.State', 'Parameters.DeviceIoControl.IoControlCode', 'DeviceObject', 'FileObject', 'CompletionRoutine', 'Context'],
    _DEVICE_OBJECT: ['DriverObject', 'StackSize'],
    _DRIVER_OBJECT: ['DriverStart', 'DriverSize', 'DriverName.Buffer', 'MajorFunction'],
    _KDPC: ['Type', 'DpcListEntry.Next', 'DeferredRoutine'],
    _KDPC_DATA: ['DpcList.ListHead.Next', 'DpcList.LastEntry', 'DpcQueueDepth'],
    _KPRCB: ['DpcData', 'CurrentDpcRoutine', 'DpcTimeCount', 'DpcTimeLimit'],
    _EPROCESS: ['ExitStatus'],
    _MMPFN: ['PteAddress', 'u2.ShareCount', 'u3.e2.ReferenceCount', 'u4.PteFrame', 'OriginalPte.u.Soft.PageFileHigh'],
    _MI_VISIBLE_STATE: ['SystemVaType', 'SystemVaTypeCount', 'SystemVaRegions'],
  };
  for (const [type, fields] of Object.entries(want)) {
    const t = await pdb.findType(type);
    assert.equal(t?.kind, 'udt', type);
    for (const f of fields) assert.ok(resolveField(t as UdtType, f), `${type}.${f}`);
  }
  // Unions are unions: every member of _IRP.Tail starts at its beginning.
  const tail = resolveField((await pdb.findType('_IRP')) as UdtType, 'Tail')!;
  assert.equal(tail.type.kind === 'udt' && tail.type.udtKind, 'union');
  const va = await pdb.findType('_MI_SYSTEM_VA_TYPE');
  assert.equal(va?.kind, 'enum');
  // _MI_SYSTEM_VA_TYPE's constants as WinDbg names them (wdm-era public names): paged pool is 6.
  assert.equal(va?.kind === 'enum' && va.enumerators.find((e) => e.name === 'MiVaPagedPool')?.value, 6n);
});

/** Function start addresses of an image from its PDB's publics, read with llvm-pdbutil. */
function publics(pdb: string, base: bigint): Map<string, bigint> {
  const text = execFileSync('llvm-pdbutil', ['dump', '-publics', '-section-headers', pdb], { encoding: 'utf8' });
  const sections = [...text.matchAll(/([0-9A-F]+) virtual address/gi)].map((m) => BigInt(`0x${m[1]}`));
  const out = new Map<string, bigint>();
  for (const m of text.matchAll(/`([^`]+)`\n\s+flags = function, addr = (\d+):(\d+)/g)) out.set(m[1], base + sections[Number(m[2]) - 1] + BigInt(m[3]));
  return out;
}

/** The instructions of an image, in AT&T syntax: address → text. */
function disassemble(image: string): { at: bigint; text: string }[] {
  const text = execFileSync('llvm-objdump-14', ['-d', '--no-show-raw-insn', image], { encoding: 'utf8' });
  return [...text.matchAll(/^([0-9a-f]+):\s+(.+)$/gm)].map((m) => ({ at: BigInt(`0x${m[1]}`), text: m[2].trim() }));
}

/** The instructions of the function at `start` (up to the next function in `starts`). */
function body(all: { at: bigint; text: string }[], start: bigint, starts: bigint[]): { at: bigint; text: string }[] {
  const end = starts.filter((s) => s > start).sort((a, b) => (a < b ? -1 : 1))[0] ?? 1n << 64n;
  return all.filter((i) => i.at >= start && i.at < end);
}

test('0x50: FillBuffer keeps STATUS_INSUFFICIENT_RESOURCES in ebx across the copy, and the analysis finds it in its code', { skip: skipUnless('llvm-objdump-14', 'llvm-pdbutil') }, async () => {
  const fns = publics(join(BIN, 'Driver.pdb'), 0xfffff801197f0000n);
  const code = disassemble(join(BIN, 'Driver.sys'));
  const fill = body(code, fns.get('FillBuffer')!, [...fns.values()]);
  const call = fill.findIndex((i) => i.text === `callq\t0x${fns.get('CopyBlocks')!.toString(16)} <.text>`);
  assert.ok(call > 8, fill.map((i) => i.text).join('\n'));
  // WinDbg's `ub` shows the 8 instructions before the return address: the constant is among them.
  assert.ok(fill.slice(call - 7, call + 1).some((i) => i.text === 'movl\t$3221225626, %ebx # imm = 0xC000009A'), fill.slice(call - 7, call + 1).map((i) => i.text).join('\n'));
  // CopyBlocks, where the fault happens, never touches rbx: its value is FillBuffer's.
  const copy = body(code, fns.get('CopyBlocks')!, [...fns.values()]);
  assert.ok(copy.length > 3 && copy.every((i) => !/%[re]?bx|%bl/.test(i.text)));
  const { session, close } = await openSession(repo('samples/walkthrough-0x50.dmp'), opts, io);
  try {
    const r = await analyzeWithDisplay(session);
    // The trap frame does not hold rbx (`.trap` shows 0, as in the walkthrough): the status is found in the code.
    const claim = r.rootCause.find((c) => c.rule === 'ntstatus-in-code');
    assert.match(claim?.evidence[0].fact ?? '', /mov ebx,0C000009Ah/);
    // The walkthrough's `ub Driver+0x1176` layout, at our FillBuffer's return address from CopyBlocks.
    const ret = fill[call + 1].at;
    const [ub] = await createEngine().run(session, `ub ${ret.toString(16)}`);
    assert.match(ub.text, /^fffff801`[0-9a-f]{8} bb9a0000c0 {6}mov {5}ebx,0C000009Ah$/m);
    assert.match(ub.text, /call {4}Driver!CopyBlocks \(fffff801`197f1000\)$/m);
  } finally {
    await close();
  }
});

test('0x7E: FillAndFree keeps its status in edi across the free, as the walkthrough\'s driver; the kernel path saves what it changes, so unwinding gives each frame its registers', { skip: skipUnless('llvm-objdump-14', 'llvm-pdbutil', 'llvm-readobj-14') }, async () => {
  const fns = publics(join(BIN, 'EvilDriver.pdb'), 0xfffff80784da0000n);
  const code = disassemble(join(BIN, 'EvilDriver.sys'));
  const f = body(code, fns.get('FillAndFree')!, [...fns.values()]);
  const frees = f.map((i, n) => ({ i, n })).filter(({ i }) => /^callq\t\*/.test(i.text));
  const free = frees.at(-1)!.n; // the imported ExFreePoolWithTag, the call on the crashing stack
  const status = f.findIndex((i) => i.text === 'movl\t$3221225626, %edi # imm = 0xC000009A');
  assert.ok(status >= 0 && status < free && free - status <= 24, 'three `ub`s from the return address reach it, as in the walkthrough');
  assert.equal(f[free - 1].text, 'movl\t%eax, %edi', 'the write\'s status replaces it in edi just before the free');
  // The failure path jumps to the free call's return address (the walkthrough's `jmp EvilDriver+0x115b`).
  assert.equal(f[status + 1].text, `jmp\t0x${f[free + 1].at.toString(16)} <.text+0x${(f[free + 1].at - 0xfffff80784da1000n).toString(16)}>`);
  // The kernel's free path: ExFreePoolWithTag and RtlpHpFreeHeap leave rbx alone; RtlpHpVsFreeChunkInsert
  // pushes every non-volatile register it then loads (llvm-readobj's reading of its unwind codes).
  const nt = publics(join(BIN, 'ntkrnlmp.pdb'), 0xfffff80116200000n);
  const ntCode = disassemble(join(BIN, 'ntoskrnl.exe'));
  for (const fn of ['ExFreePoolWithTag', 'RtlpHpFreeHeap']) assert.ok(body(ntCode, nt.get(fn)!, [...nt.values()]).every((i) => !/%[re]?bx/.test(i.text)), fn);
  const unwind = execFileSync('llvm-readobj-14', ['--unwind', join(BIN, 'ntoskrnl.exe')], { encoding: 'utf8' });
  const codesOf = (fn: string) => {
    const block = unwind.split('RuntimeFunction {').find((x) => BigInt(/StartAddress: \((0x[0-9A-F]+)\)/.exec(x)?.[1] ?? '0') === nt.get(fn))!;
    return [...block.matchAll(/(PUSH_NONVOL|SAVE_NONVOL) reg=(\w+)/g)].map((m) => m[2].toLowerCase()).sort();
  };
  assert.deepEqual(codesOf('RtlpHpVsFreeChunkInsert'), ['r12', 'r13', 'r14', 'r15', 'rbx', 'rdi', 'rsi']);
  // KiExceptionDispatch saves all eight into its exception frame, as Windows' does.
  assert.deepEqual(codesOf('KiExceptionDispatch'), ['r12', 'r13', 'r14', 'r15', 'rbp', 'rbx', 'rdi', 'rsi']);
  const path = join(dir, '7e.dmp');
  await writeScenarioDump('0x7e', 'full', path);
  const { session, close } = await openSession(path, opts, io);
  try {
    const [k] = await createEngine().run(session, 'k');
    const n = k.text.split('\n').filter((l) => /^[0-9a-f]{2} /.test(l)).findIndex((l) => l.includes('EvilDriver!FillAndFree+'));
    const [fr] = await createEngine().run(session, `.frame /r ${n.toString(16)}`);
    // Unwound from the bugcheck context through the exception path and the trap: FillAndFree's own rdi.
    assert.match(fr.text, /\brdi=00000000c000009a\b/);
    const r = await analyzeWithDisplay(session);
    assert.match(r.rootCause.find((c) => c.rule === 'ntstatus-in-code')?.evidence[0].fact ?? '', /mov edi,0C000009Ah/);
  } finally {
    await close();
  }
});

test('0x50: the kernel\'s region map says the faulting address is paged pool (SystemVaType[0xca])', async () => {
  const { session, close } = await openSession(repo('samples/walkthrough-0x50.dmp'), opts, io);
  try {
    const r = await analyzeWithDisplay(session);
    // (ffffe506`8d8a4000 - ffff8000`00000000) / 512 GB = 0xca, hand-computed; the walkthrough says "Paged pool".
    assert.match(r.faultingAddress?.region ?? '', /^Paged pool/);
    assert.equal(r.faultingAddress?.regionEvidence?.fact, 'MiVisibleState->SystemVaType[0xca] = MiVaPagedPool (the kernel\'s region map)');
  } finally {
    await close();
  }
});
