import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import type { DisasmResult } from '../../src/commands/builtin/disassemble.js';
import { type ObjdumpLine, objdumpInstructions, objdumpMissing } from '../disasm/objdump.js';
import { DRIVER_PDB, DRIVER_SYS, openSample } from './sample-session.js';

// Expected instruction boundaries and bytes come from llvm-objdump-14 on Driver.sys (its preferred base is
// where the sample maps it); function starts from llvm-pdbutil's S_GPROC32 records of Driver.pdb.
const skip = objdumpMissing();
let s: Awaited<ReturnType<typeof openSample>>;
let od: ObjdumpLine[] = [];
const fn = new Map<string, { start: bigint; size: number }>();
before(async () => {
  s = await openSample();
  if (skip) return;
  od = objdumpInstructions(DRIVER_SYS);
  const pdb = execFileSync('llvm-pdbutil-14', ['dump', '-symbols', DRIVER_PDB], { encoding: 'utf8' });
  for (const m of pdb.matchAll(/S_GPROC32 \[size = \d+\] `(\w+)`\n\s+parent = \d+, end = \d+, addr = 0001:(\d+), code size = (\d+)/g)) {
    fn.set(m[1], { start: 0xfffff801197f1000n + BigInt(m[2]), size: Number(m[3]) });
  }
});
after(() => s?.close());

/** `fffff801`197f1000 4983f810` — address and bytes of a listing line, or undefined for labels. */
function addressAndBytes(line: string): [bigint, string] | undefined {
  const m = /^([0-9a-f]{8})`([0-9a-f]{8}) ([0-9a-f]+) /.exec(line);
  return m ? [BigInt(`0x${m[1]}${m[2]}`), m[3]] : undefined;
}
const ins = (text: string) => text.split('\n').map(addressAndBytes).filter((x) => x !== undefined);
const odAt = (a: bigint) => od.findIndex((l) => l.address === a);

test('ub in a leaf function (no .pdata) keeps instruction boundaries: decoding starts at the PDB symbol', { skip }, async () => {
  const copy = fn.get('CopyBlocks')!;
  const u = await s.one('ub Driver!CopyBlocks+0x15');
  assert.ok(u.ok, u.text);
  const got = ins(u.text);
  assert.equal(got.length, 8);
  // Every instruction from the function's start on is llvm-objdump's, ending right before +0x15.
  const inFn = got.filter(([a]) => a >= copy.start);
  const want = od.filter((l) => l.address >= copy.start && l.address < copy.start + 0x15n).map((l) => [l.address, l.bytes]);
  assert.deepEqual(inFn, want);
  assert.match(u.text, /^Driver!CopyBlocks:\nfffff801`197f1000 4983f810 {8}cmp {5}r8,10h$/m);
  // Nothing decoded before the function runs across its first byte.
  const before = got.filter(([a]) => a < copy.start);
  for (const [a, b] of before) assert.ok(a + BigInt(b.length / 2) <= copy.start, `${a.toString(16)} overlaps CopyBlocks`);
});

test('ub; ub; ub walks backwards, each listing ending where the previous one began (as in the 0x7E walkthrough)', { skip }, async () => {
  const fill = fn.get('FillBuffer')!;
  const end = fill.start + BigInt(fill.size) - 1n; // its ret
  const outs = await s.run(`ub 0x${end.toString(16)} L3; ub L3; ub L3`);
  let next = odAt(end);
  for (const o of outs) {
    assert.ok(o.ok, o.text);
    const want = od.slice(next - 3, next).map((l) => [l.address, l.bytes]);
    assert.deepEqual(ins(o.text), want);
    next -= 3;
  }
});

test('u L2; u L2 continues after the last instruction; u A B lists the range; a new function gets its label', { skip }, async () => {
  const copy = fn.get('CopyBlocks')!;
  const [a, b] = await s.run('u Driver!CopyBlocks L2; u L2');
  const i = odAt(copy.start);
  assert.deepEqual(ins(a.text), od.slice(i, i + 2).map((l) => [l.address, l.bytes]));
  assert.deepEqual(ins(b.text), od.slice(i + 2, i + 4).map((l) => [l.address, l.bytes]));
  assert.equal(b.text.split('\n')[0], 'Driver!CopyBlocks+0x6:');
  // Across the end of CopyBlocks: FillBuffer's first instruction is preceded by its label.
  const fill = fn.get('FillBuffer')!;
  const r = await s.one(`u Driver!CopyBlocks+0x1e 0x${(fill.start + 5n).toString(16)}`);
  assert.ok(r.ok, r.text);
  const want = od.filter((l) => l.address >= copy.start + 0x1en && l.address <= fill.start + 5n).map((l) => [l.address, l.bytes]);
  assert.deepEqual(ins(r.text), want);
  const lines = r.text.split('\n');
  assert.equal(lines[lines.findIndex((l) => l.startsWith('fffff801`197f1030')) - 1], 'Driver!FillBuffer:');
  assert.equal((r.result as DisasmResult).blocks.length, 2);
});

test('uf follows branches into basic blocks with labels, without the padding after ret', { skip }, async () => {
  const copy = fn.get('CopyBlocks')!;
  const r = await s.one('uf Driver!CopyBlocks+0x15');
  assert.ok(r.ok, r.text);
  const body = od.filter((l) => l.address >= copy.start && l.address < copy.start + BigInt(copy.size));
  assert.deepEqual(ins(r.text), body.map((l) => [l.address, l.bytes]));
  // Blocks begin at the start, at every branch target and after every conditional branch (objdump's view).
  const leaders = new Set<bigint>([copy.start]);
  for (const [k, l] of body.entries()) {
    if (l.target !== undefined && l.mnemonic.startsWith('j')) leaders.add(l.target);
    if (/^j(?!mp)/.test(l.mnemonic) && body[k + 1]) leaders.add(body[k + 1].address);
  }
  const labels = [...leaders].sort((x, y) => (x < y ? -1 : 1)).map((a) => `Driver!CopyBlocks${a === copy.start ? '' : `+0x${(a - copy.start).toString(16)}`}:`);
  assert.deepEqual(r.text.split('\n').filter((l) => l.endsWith(':')), labels);
  assert.equal(r.text.split('\n\n').length, labels.length, 'blocks are separated by an empty line');
  assert.doesNotMatch(r.text, /int\s+3|nop word ptr \[rax\+rax\]/);
});

test('.frame scope: u and ub start from the frame\'s instruction', { skip }, async () => {
  const [, u] = await s.run('.frame 4; u L1');
  // Frame 4 is the driver's faulting store: the bugcheck's Arg3 (the sample's header, see `info`).
  assert.match(u.text, /^fffff801`197f1015 0f294401f0 /m);
  const [, b] = await s.run('.frame 4; ub L1');
  assert.deepEqual(ins(b.text), [[0xfffff801197f1010n, od[odAt(0xfffff801197f1010n)].bytes]]);
  await s.run('.cxr');
});

test('u and ub check their counts and ranges', async () => {
  const [big, q, back] = await s.run('u Driver L1001; u Driver L?20000; ub Driver+0x1010 Driver+0x1020');
  assert.equal(big.text, "Range error in 'u Driver L1001': at most 0n4096 instructions (L? allows up to 0x10000)");
  assert.match(q.text, /^Range error in 'u Driver L\?20000': at most 0n65536 instructions$/);
  assert.match(back.text, /ub takes an address and a count/);
});
