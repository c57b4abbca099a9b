import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MAX_UNLIMITED_ELEMENTS, type MemoryResult, renderMemory } from '../../src/commands/builtin/memory.js';
import { execFileSync } from 'node:child_process';
import { OBJDUMP, objdumpInstructions, objdumpMissing } from '../disasm/objdump.js';
import { corpus, skipUnlessCorpus } from '../helpers/corpus.js';
import { DRIVER_SYS, openSample } from './sample-session.js';

let s: Awaited<ReturnType<typeof openSample>>;
before(async () => {
  s = await openSample();
});
after(() => s?.close());

test('db layout: WinDbg\'s line from the brief, two spaces before the characters', () => {
  // `fffff801`197f2060  10 d1 aa 16 01 f8 ff ff-00 00 00 00 00 00 00 00  ................` (WinDbg)
  const bytes = [0x10, 0xd1, 0xaa, 0x16, 0x01, 0xf8, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0].map(BigInt);
  const r: MemoryResult = { kind: 'memory', format: 'db', address: 0xfffff801197f2060n, unitSize: 1, count: 16, rows: [{ address: 0xfffff801197f2060n, values: bytes, ascii: '................' }] };
  assert.equal(renderMemory(r), 'fffff801`197f2060  10 d1 aa 16 01 f8 ff ff-00 00 00 00 00 00 00 00  ................');
  // dps of the 0x50 walkthrough: `fffff801`197f2060  fffff801`16aad110 nt!ExFreePoolWithTag`
  const p: MemoryResult = { kind: 'memory', format: 'dps', address: 0xfffff801197f2060n, unitSize: 8, count: 1, rows: [{ address: 0xfffff801197f2060n, values: [0xfffff80116aad110n], symbol: 'nt!ExFreePoolWithTag' }] };
  assert.equal(renderMemory(p), 'fffff801`197f2060  fffff801`16aad110 nt!ExFreePoolWithTag');
  // A short line keeps the character column where a full line has it; missing bytes are ?? and ?.
  const short: MemoryResult = { ...r, count: 3, rows: [{ address: 0n, values: [0x41n, undefined, 0x42n], ascii: 'A?B' }] };
  assert.equal(renderMemory(short), `00000000\`00000000  41 ?? 42${' '.repeat(47 - 8)}  A?B`);
});

test('db shows the code bytes llvm-objdump sees; data per row, with validity', { skip: objdumpMissing() }, async () => {
  const od = objdumpInstructions(DRIVER_SYS);
  const want = od.map((l) => l.bytes).join('').slice(0, 32);
  const r = await s.one('db Driver!CopyBlocks L10');
  assert.ok(r.ok, r.text);
  const hex = want.match(/../g)!;
  const ascii = hex.map((h) => Number.parseInt(h, 16)).map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
  assert.equal(r.text, `fffff801\`197f1000  ${hex.slice(0, 8).join(' ')}-${hex.slice(8).join(' ')}  ${ascii}`);
  const m = r.result as MemoryResult;
  assert.deepEqual(m.rows[0].values, hex.map((h) => BigInt(`0x${h}`)));
  // Page 0 is never mapped: values are undefined, shown as ??.
  const z = (await s.one('db 0 L2')).result as MemoryResult;
  assert.deepEqual(z.rows[0].values, [undefined, undefined]);
});

test('address ranges are inclusive; without an address d* continues after the last display', async () => {
  const [a, b, c, d] = await s.run('dd Driver!CopyBlocks Driver!CopyBlocks+7; db Driver!CopyBlocks Driver!CopyBlocks+0x1f; db Driver!CopyBlocks L10; db L10');
  assert.equal((a.result as MemoryResult).count, 2);
  assert.equal((b.result as MemoryResult).rows.length, 2);
  assert.equal(c.text.split('\n')[0], b.text.split('\n')[0]);
  assert.equal(d.text, b.text.split('\n')[1]);
  const [back] = await s.run('db Driver+0x10 Driver');
  assert.match(back.text, /^Range error in 'db Driver\+0x10 Driver'/);
});

test('L is held to 1 MiB, L? to 0x100000 elements; beyond, a range error', async () => {
  const [big, q, huge, ok] = await s.run('db 0 L100001; dq 0 L?100001; db 0 L?ffffffffffff; dq 0 L?10');
  assert.equal(big.text, "Range error in 'db 0 L100001': more than 0x100000 bytes (L? allows up to 0x100000 elements)");
  assert.equal(q.text, "Range error in 'dq 0 L?100001': L? allows at most 0x100000 elements");
  assert.match(huge.text, /^Range error in 'db 0 L\?ffffffffffff'/);
  assert.ok(ok.ok && (ok.result as MemoryResult).count === 0x10, ok.text);
  assert.equal(MAX_UNLIMITED_ELEMENTS, 0x100000);
  // L? lifts the byte limit: 0x100000 qwords are 8 MiB.
  const [wide] = await s.run('dq 0 L?100000');
  assert.equal((wide.result as MemoryResult).rows.length, 0x80000);
});

test('code the triage dump lacks comes from the image on the symbol path, as u shows it; data sections stay ??', { skip: skipUnlessCorpus('kernel/win10-19041-x64-triage-1000007e.dmp') || skipUnlessCorpus('symbols') || objdumpMissing() }, async () => {
  const t = await openSample(corpus('kernel/win10-19041-x64-triage-1000007e.dmp'), `${corpus('symbols')};${corpus('isf')}`);
  try {
    // amdppm.sys's .text as llvm-objdump reads it from the file (ImageBase 0x1c0000000, so +0x5000 is 1c0005000).
    const image = corpus('symbols/amdppm.sys/C9C030003b000/amdppm.sys');
    const dump = execFileSync(OBJDUMP, ['-s', '-j', '.text', image], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const words = ['1c0005000', '1c0005010'].flatMap((a) => new RegExp(`^ ${a} ((?:[0-9a-f]{8} ?){4})`, 'm').exec(dump)![1].trim().split(/\s+/));
    const want = words.join('').match(/../g)!;
    const r = await t.one('db amdppm+0x5000 L20');
    assert.ok(r.ok, r.text);
    const m = r.result as MemoryResult;
    assert.deepEqual(m.rows.flatMap((row) => row.values), want.map((h) => BigInt(`0x${h}`)));
    assert.equal(m.imageBytes, 0x20);
    // .data (+0x13000) is writable: the file holds only its initial values, so nothing is taken from it.
    const data = (await t.one('db amdppm+0x13000 L10')).result as MemoryResult;
    assert.ok(data.rows[0].values.every((v) => v === undefined));
  } finally {
    await t.close();
  }
});

test('r on an indirect call names the function the pointer leads to, as WinDbg does', async () => {
  // Driver!FillBuffer calls ExFreePoolWithTag through its import slot: `call qword ptr [Driver!_imp_ExFreePoolWithTag (…)]`.
  const uf = (await s.one('uf Driver!FillBuffer')).text;
  const call = /^(\S+) ff15\S+ +call +qword ptr \[Driver!_imp_ExFreePoolWithTag \((\S+)\)\]$/m.exec(uf);
  assert.ok(call, uf);
  const [slot, target] = await s.run(`dq ${call[2]} L1; x nt!ExFreePoolWithTag`);
  const pointer = slot.text.split(/\s+/)[1];
  assert.equal(target.text.split(' ')[0], pointer, 'the import slot holds nt!ExFreePoolWithTag');
  const [, r] = await s.run(`r rip=${call[1]}; r`);
  assert.ok(r.text.endsWith(`ds:002b:${call[2]}={nt!ExFreePoolWithTag (${pointer})}`), r.text.split('\n').pop());
  await s.run('.cxr');
});
