// dt through the command engine: on the shipped sample (PDB types: globals with their types, declaration
// order) and on the real triage dump (ISF types). Expected values come from llvm-pdbutil, the scenario's C
// type source, the raw ISF JSON, other commands that read the same bytes (dq, dd) and the walkthroughs.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { structRows } from '../../src/commands/builtin/dt-rows.js';
import { createEngine } from '../../src/commands/registry.js';
import { PdbFile } from '../../src/formats/pdb/pdb.js';
import { FileSource } from '../../src/node/file-source.js';
import { renderDt } from '../../src/render/dt.js';
import { openSession } from '../../src/node/open-session.js';
import { corpus, repo, skipUnlessCorpus } from '../helpers/corpus.js';
import { pdbutil, pdbutilMissing } from '../helpers/pdbutil.js';
import { openSample } from './sample-session.js';

const TRIAGE = 'kernel/win10-19041-x64-triage-1000007e.dmp';
const io = { out: () => {}, err: () => {}, stderrIsTty: false, env: {} };
const ISF = 'isf/ntkrnlmp.pdb/5278AFF86C341677D7D7835C85B7B844-1.json.xz';

async function openTriage() {
  const opened = await openSession(corpus(TRIAGE), { sympath: `${corpus('symbols')};${corpus('isf')}`, offline: true, json: false, markdown: false, commands: [], rest: [] }, io);
  const engine = createEngine();
  return { ...opened, run: (line: string) => engine.run(opened.session, line) };
}

let isfJson: { user_types: Record<string, { fields: Record<string, { offset: number; type: Record<string, unknown> }> }> } | undefined;
function rawIsf() {
  isfJson ??= JSON.parse(execFileSync('xz', ['-dc', corpus(ISF)], { maxBuffer: 1 << 28 }).toString());
  return isfJson!;
}

const qwords = (text: string) => text.trim().split(/\s+/).slice(1).map((w) => BigInt(`0x${w.replace('`', '')}`));
const tick = (v: bigint) => `0x${v.toString(16).padStart(16, '0').replace(/^(.{8})/, '$1`')}`;

test('dt nt!PsLoadedModuleList: a global is shown with its PDB type, as WinDbg does', async () => {
  const s = await openSample();
  try {
    if (!pdbutilMissing()) {
      // llvm-pdbutil: the scenario kernel's PDB records PsLoadedModuleList as a _LIST_ENTRY.
      const globals = pdbutil(['dump', '-globals', repo('fixtures/scenario/bin/ntkrnlmp.pdb')]);
      assert.match(globals, /S_GDATA32 \[size = \d+\] `PsLoadedModuleList`\n\s+type = 0x[0-9A-F]+ \(_LIST_ENTRY\)/);
    }
    const [dt, dq, scalar, dqScalar, fn] = await s.run('dt nt!PsLoadedModuleList; dq nt!PsLoadedModuleList L2; dt nt!NtBuildLab; dq nt!MmNumberOfPhysicalPages L1; dt nt!KeBugCheckEx');
    assert.ok(dt.ok, dt.text);
    const [flink, blink] = qwords(dq.text);
    const lines = dt.text.split('\n');
    assert.equal(lines[0], ` [ ${tick(flink)} - ${tick(blink)} ]`);
    assert.match(lines[1], new RegExp(`^ {3}\\+0x000 Flink {12}: ${tick(flink)} _LIST_ENTRY \\[ 0x[0-9a-f]{8}\`[0-9a-f]{8} - 0x[0-9a-f]{8}\`[0-9a-f]{8} \\]$`));
    assert.match(lines[2], new RegExp(`^ {3}\\+0x008 Blink {12}: ${tick(blink)} _LIST_ENTRY`));
    assert.equal(lines.length, 3);
    // NtBuildLab is a char array in the scenario kernel (ntstub.c); its text is the build lab string.
    assert.match(scalar.text, /^\[\d+\] {2}"19041\.[^"]+"$/);
    assert.ok(dqScalar.ok);
    assert.equal(fn.ok, false);
    assert.match(fn.text, /^dt: nt!KeBugCheckEx is a function/);
  } finally {
    await s.close();
  }
});

test('dt nt!_KT*: lists the matching types, one per line, as WinDbg does', async () => {
  const s = await openSample();
  try {
    // The scenario kernel's types are the structures its C source defines.
    const src = readFileSync(repo('fixtures/scenario/src/nt-types.h'), 'utf8');
    const want = [...src.matchAll(/^struct (_KT\w*) \{/gm)].map((m) => `          nt!${m[1]}`).sort();
    assert.ok(want.length >= 2, want.join());
    const [kt, none] = await s.run('dt nt!_KT*; dt nt!_NO_SUCH*');
    assert.equal(kt.text, want.join('\n'));
    assert.equal(none.ok, false);
    assert.match(none.text, /^dt: Symbol nt!_NO_SUCH\* not found\.$/);
  } finally {
    await s.close();
  }
});

test('dt on the trap frame: WinDbg\'s number spellings, field filters and paths, -a, -v', async () => {
  const s = await openSample();
  try {
    const an = (await s.run('!analyze -v'))[0].text;
    const trap = /^TRAP_FRAME: {2}([0-9a-f]+)/m.exec(an)![1];
    const [dt, r, few, arr, verbose, nofield] = await s.run(`dt nt!_KTRAP_FRAME ${trap}; .trap ${trap}; dt nt!_KTRAP_FRAME ${trap} Rip SegCs Fill0; dt -a nt!_KTRAP_FRAME ${trap} Fill1; dt -v nt!_LIST_ENTRY; dt nt!_KTRAP_FRAME ${trap} NoSuchField`);
    assert.ok(dt.ok, dt.text);
    const rip = BigInt(`0x${/rip=([0-9a-f]{16})/.exec(r.text)![1]}`);
    assert.match(dt.text, new RegExp(`^ {3}\\+0x168 Rip {14}: ${tick(rip)}$`, 'm'));
    // Unsigned chars: 0 is `0 ''` (the walkthrough's Fill0), never `0x0 ''`.
    assert.match(dt.text, /^ {3}\+0x172 Fill0 {12}: 0 ''$/m);
    assert.doesNotMatch(dt.text, /0x0 ''/);
    // Small values bare, larger ones hex (the walkthrough's `R9 : 7`, `SegCs : 0x10 (0n16)` without mex's decimal).
    assert.match(dt.text, /^ {3}\+0x050 R9 {15}: 7$/m);
    assert.match(dt.text, /^ {3}\+0x170 SegCs {12}: 0x10$/m);
    assert.match(dt.text, /^ {3}\+0x174 Fill1 {12}: \[2\] 0$/m);
    assert.deepEqual(few.text.split('\n').map((l) => l.trim().split(/\s+/)[1]), ['Rip', 'SegCs', 'Fill0']);
    assert.equal(arr.text, '   +0x174 Fill1            : [2] 0\n    [00] 0\n    [01] 0');
    assert.equal(verbose.text, 'nt!_LIST_ENTRY\nstruct _LIST_ENTRY, 2 elements, 0x10 bytes\n   +0x000 Flink            : Ptr64 to struct _LIST_ENTRY, 2 elements, 0x10 bytes\n   +0x008 Blink            : Ptr64 to struct _LIST_ENTRY, 2 elements, 0x10 bytes');
    assert.equal(nofield.text, 'dt: nt!_KTRAP_FRAME has no field NoSuchField');
    // !ddt (mex): the command line as a header, 20-column names, decimals.
    const [ddt] = await s.run(`!ddt nt!_KTRAP_FRAME ${trap}`);
    const head = `dt nt!_KTRAP_FRAME ${trap} () Recursive: [ -r1 -r2 -r ] Verbose Normal dt`;
    assert.deepEqual(ddt.text.split('\n').slice(0, 3), ['', head, '='.repeat(head.length)]);
    assert.match(ddt.text, new RegExp(`^ {3}\\+0x168 Rip {18}: ${tick(rip)} \\(0n${BigInt.asIntN(64, rip)}\\)$`, 'm'));
  } finally {
    await s.close();
  }
});

test('dt with the ISF: anonymous types are <unnamed-tag>, bitfield runs stay together, arrays outermost first', { skip: skipUnlessCorpus(TRIAGE) || skipUnlessCorpus(ISF) }, async () => {
  const s = await openTriage();
  try {
    const raw = rawIsf().user_types;
    // _RTL_HP_VS_CONFIG.Flags has the ISF type __anonymous_…: WinDbg calls it <unnamed-tag> (0x7E walkthrough).
    assert.match(JSON.stringify(raw._RTL_HP_VS_CONFIG.fields.Flags.type), /__anonymous_/);
    const [cfg, kthread, cycles, list, global] = await s.run('dt nt!_RTL_HP_VS_CONFIG; dt nt!_KTHREAD; dt nt!_KPRCB Cycles; dt nt!_KTRAP*; dt nt!PsLoadedModuleList');
    assert.equal(cfg.text, 'nt!_RTL_HP_VS_CONFIG\n   +0x000 Flags            : <unnamed-tag>');
    // _KTHREAD at 0x74: the bitfields (by the ISF's bit positions) form one run, MiscFlags follows it
    // (before, MiscFlags sat between AutoBoostActive and ReadyTransition).
    const at74 = Object.entries(raw._KTHREAD.fields).filter(([, f]) => f.offset === 0x74);
    const bits = at74.filter(([, f]) => f.type.kind === 'bitfield').sort((a, b) => (a[1].type.bit_position as number) - (b[1].type.bit_position as number)).map(([n]) => n);
    const others = at74.filter(([, f]) => f.type.kind !== 'bitfield').map(([n]) => n);
    assert.ok(bits.length > 10 && others.includes('MiscFlags'));
    const shown = kthread.text.split('\n').filter((l) => l.startsWith('   +0x074 ')).map((l) => l.trim().split(/\s+/)[1]);
    assert.deepEqual(shown, [...bits, ...others]);
    // ULONG64 Cycles[4][2] in the ISF: an array of 4 arrays of 2.
    assert.deepEqual([raw._KPRCB.fields.Cycles.type.count, (raw._KPRCB.fields.Cycles.type.subtype as { count: number }).count], [4, 2]);
    assert.match(cycles.text, /^ {3}\+0x[0-9a-f]+ Cycles {11}: \[4\] \[2\] Uint8B$/m);
    const ktrap = Object.keys(raw).filter((n) => n.startsWith('_KTRAP'));
    assert.equal(list.text, ktrap.sort().map((n) => `          nt!${n}`).join('\n'));
    // The ISF has no symbol types: the global is found, and the message says why it cannot be shown.
    assert.equal(global.ok, false);
    assert.match(global.text, /^dt: nt!PsLoadedModuleList is at fffff8047c62a390, but .* records no type for it/);
  } finally {
    await s.close();
  }
});

test('dt bounds: -a on a 505-element array stops at 256 with a note; -r9 on _KPRCB stays under the row limit', { skip: skipUnlessCorpus(TRIAGE) || skipUnlessCorpus(ISF) }, async () => {
  const s = await openTriage();
  try {
    const count = rawIsf().user_types._KPRCB.fields.PrcbPad140.type.count as number;
    assert.equal(count, 505);
    const [a, r9] = await s.run('dt -a nt!_KPRCB @$prcb PrcbPad140; dt -r9 nt!_KPRCB');
    const lines = a.text.split('\n');
    assert.equal(lines.filter((l) => /^ {4}\[\d+\] /.test(l)).length, 256);
    assert.equal(lines.at(-1), `    [...] ${count - 256} more elements not shown`);
    assert.ok(r9.ok && r9.text.split('\n').length <= 20_002, 'deep recursion is bounded');
  } finally {
    await s.close();
  }
});

test('dt layouts from a PDB: union members in declaration order, bitfields as `Pos N, M Bits`', async () => {
  // Expected from fixtures/pdb/src/types.c: `union value { unsigned char bytes[8]; u64 q; double d; struct {…} halves; }`
  // and `struct flags { unsigned char a : 1; unsigned char b : 3; unsigned char : 2; unsigned char c : 2; … }`.
  const src = await FileSource.open(repo('fixtures/pdb/bin/types.pdb'));
  try {
    const types = await (await PdbFile.open(src)).types();
    const show = async (name: string) => {
      const t = types.findType(name);
      assert.ok(t?.kind === 'udt', name);
      const { rows } = await structRows(t, undefined, undefined, { depth: 0, verbose: false }, []);
      return renderDt({ kind: 'dt', style: 'dt', module: 'types', type: name, rows, truncated: 0 }).split('\n');
    };
    const value = await show('value');
    assert.deepEqual(value.slice(0, 4), ['types!value', '   +0x000 bytes            : [8] UChar', '   +0x000 q                : Uint8B', '   +0x000 d                : Float']);
    assert.match(value[4], /^ {3}\+0x000 halves {11}: (value::)?<unnamed-tag>$/);
    const flags = await show('flags');
    assert.deepEqual(flags.slice(1, 4), ['   +0x000 a                : Pos 0, 1 Bit', '   +0x000 b                : Pos 1, 3 Bits', '   +0x000 c                : Pos 6, 2 Bits']);
  } finally {
    await src.close();
  }
});
