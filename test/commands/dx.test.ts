// dx through the command engine: expressions (arithmetic, casts inside parentheses, globals, arrays),
// errors with one prefix, -r depth and the output bounds. Expected values come from other commands reading
// the same bytes (dq, dd, !process), the raw ISF JSON and hand-computed counts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { createEngine } from '../../src/commands/registry.js';
import { openSession } from '../../src/node/open-session.js';
import { corpus, repo, skipUnlessCorpus } from '../helpers/corpus.js';
import { pdbutil, pdbutilMissing } from '../helpers/pdbutil.js';
import { openSample } from './sample-session.js';

const TRIAGE = 'kernel/win10-19041-x64-triage-1000007e.dmp';
const ISF = 'isf/ntkrnlmp.pdb/5278AFF86C341677D7D7835C85B7B844-1.json.xz';
const io = { out: () => {}, err: () => {}, stderrIsTty: false, env: {} };

const qwords = (text: string) => text.trim().split(/\s+/).slice(1).map((w) => BigInt(`0x${w.replace('`', '')}`));

test('dx evaluates plain C++ arithmetic (decimal by default) and prints `EXPR : value`', async () => {
  const s = await openSample();
  try {
    const [a, b, c, bad, hex] = await s.run('dx 1+2; dx (0x10 + 0n16) * 2; dx 7/2-5; dx ffff; dx 1 +');
    assert.equal(a.text, '1+2              : 3');
    assert.equal(b.text, '(0x10 + 0n16) * 2 : 64');
    assert.equal(c.text, '7/2-5            : -2');
    // Errors carry the engine's one `dx: ` prefix (they used to read `dx: dx: …`).
    assert.equal(bad.ok, false);
    assert.match(bad.text, /^dx: 'ffff' is not a number|^dx: Unable to bind name 'ffff'/);
    assert.doesNotMatch(bad.text + hex.text, /dx: dx:/);
    assert.equal(hex.ok, false);
  } finally {
    await s.close();
  }
});

test('dx on a typed global and a cast inside parentheses; -r5 on a linked list is bounded by its depth', async () => {
  const s = await openSample();
  try {
    const [dq, g, cast, deep, huge, proc] = await s.run('dq nt!PsLoadedModuleList L2; dx nt!PsLoadedModuleList; dx ((nt!_LIST_ENTRY*)&nt!PsLoadedModuleList)->Flink; dx -r5 &nt!PsLoadedModuleList; dx -r16 &nt!PsLoadedModuleList; dx ((nt!_EPROCESS*)@$proc)->ImageFileName');
    const [flink, blink] = qwords(dq.text);
    assert.equal(
      g.text,
      ['nt!PsLoadedModuleList                 [Type: _LIST_ENTRY]', `    [+0x000] Flink            : 0x${flink.toString(16)} [Type: _LIST_ENTRY *]`, `    [+0x008] Blink            : 0x${blink.toString(16)} [Type: _LIST_ENTRY *]`].join('\n'),
    );
    assert.match(cast.text, new RegExp(`^\\(\\(nt!_LIST_ENTRY\\*\\)&nt!PsLoadedModuleList\\)->Flink {17}: 0x${flink.toString(16)} \\[Type: _LIST_ENTRY \\*\\]$`, 'm'));
    // Every entry of the module list is in the dump, so -r5 shows a full binary tree of links below the
    // pointer: 2 + 4 + 8 + 16 + 32 children, each indented four spaces per level.
    const lines = deep.text.split('\n');
    assert.equal(lines.length, 1 + 2 + 4 + 8 + 16 + 32);
    assert.equal(Math.max(...lines.map((l) => /^ */.exec(l)![0].length)), 5 * 4);
    // -r16 would be 2^17 lines: the display stops at its limit and says so.
    const hl = huge.text.split('\n');
    assert.ok(hl.length <= 20_002, `${hl.length} lines`);
    assert.match(hl.at(-1)!, /^\(output truncated after 20000 lines: use a smaller -r\)$/);
    assert.match(proc.text, /^\(\(nt!_EPROCESS\*\)@\$proc\)->ImageFileName {17}: "System" \[Type: unsigned char \[15\]\]$/m);
  } finally {
    await s.close();
  }
});

async function openTriage() {
  const opened = await openSession(corpus(TRIAGE), { sympath: `${corpus('symbols')};${corpus('isf')}`, offline: true, json: false, markdown: false, commands: [], rest: [] }, io);
  const engine = createEngine();
  return { ...opened, run: (line: string) => engine.run(opened.session, line) };
}

test('dx with the ISF: C-order array dimensions, bitfield bit positions, 100 elements then [...]', { skip: skipUnlessCorpus(TRIAGE) || skipUnlessCorpus(ISF) }, async () => {
  const raw = JSON.parse(execFileSync('xz', ['-dc', corpus(ISF)], { maxBuffer: 1 << 28 }).toString());
  const s = await openTriage();
  try {
    const misc = raw.user_types._KTHREAD.fields.AutoBoostActive;
    assert.deepEqual([misc.offset, misc.type.bit_position, misc.type.bit_length], [0x74, 0, 1]);
    const [cycles, tcb, dd, irq, r0, cur] = await s.run('dx @$prcb->Cycles; dx @$thread->Tcb; dd @$thread+74 L1; dx @$prcb->InterruptObject; dx -r0 @$thread; dx @$curprocess');
    assert.match(cycles.text, /^@\$prcb->Cycles {17}\[Type: unsigned __int64 \[4\]\[2\]\]$/m);
    assert.match(cycles.text, /^ {4}\[0\] {14}\[Type: unsigned __int64 \[2\]\]$/m);
    // AutoBoostActive is bit 0 of the dword at +0x74: dd reads the same dword.
    const dword = BigInt(`0x${dd.text.trim().split(/\s+/)[1]}`);
    assert.match(tcb.text, new RegExp(`^ {4}\\[\\+0x074 \\( 0: 0\\)\\] AutoBoostActive  : 0x${(dword & 1n).toString(16)} \\[Type: unsigned long\\]$`, 'm'));
    // InterruptObject is void *[256]: 100 elements, then the rest counted.
    assert.equal(raw.user_types._KPRCB.fields.InterruptObject.type.count, 256);
    const il = irq.text.split('\n');
    assert.equal(il.filter((l) => /^ {4}\[\d+\] +: /.test(l)).length, 100);
    assert.equal(il.at(-1), '    [...]            (156 more elements not shown; index the array to see one)');
    assert.match(r0.text, /^@\$thread {17}: 0x[0-9a-f]+ \[Type: _ETHREAD \*\]$/);
    assert.equal(cur.ok, false);
    assert.match(cur.text, /^dx: @\$curprocess is the data model's process object, which is not built in/);
  } finally {
    await s.close();
  }
});

test('dx sizeof(TYPE) gives the PDB\'s size (llvm-pdbutil); comparisons print `true [Type: bool]` as WinDbg does', { skip: pdbutilMissing() }, async () => {
  const s = await openSample();
  try {
    const types = pdbutil(['dump', '-types', repo('fixtures/scenario/bin/ntkrnlmp.pdb')]);
    const size = Number(/LF_STRUCTURE \[size = \d+\] `_EPROCESS`\n.*\n\s+options: [^\n]*sizeof (\d+)/.exec(types.replace(/options: forward ref[^\n]*/g, 'X'))?.[1]);
    assert.ok(size > 0);
    const [so, ptr, int, eq, lt, not, qq] = await s.run('dx sizeof(nt!_EPROCESS); dx sizeof(nt!_EPROCESS *); dx sizeof(int); dx 1 == 1; dx 2 < 1; dx !0; ?? 2 > 1');
    assert.equal(so.text, `sizeof(nt!_EPROCESS) : 0x${size.toString(16)} [Type: unsigned int]`);
    assert.match(ptr.text, / : 0x8 \[Type: unsigned int\]$/);
    assert.match(int.text, / : 0x4 \[Type: unsigned int\]$/);
    assert.equal(eq.text, '1 == 1           : true [Type: bool]');
    assert.equal(lt.text, '2 < 1            : false [Type: bool]');
    assert.equal(not.text, '!0               : true [Type: bool]');
    assert.equal(qq.text, 'bool true');
    assert.equal((await s.one('dx sizeof()')).ok, false);
  } finally {
    await s.close();
  }
});
