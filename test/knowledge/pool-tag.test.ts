import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { PeImage } from '../../src/formats/pe/pe-image.js';
import { describePoolTag, poolTagFromLiteral, poolTagFromText, poolTagLiteral, poolTagText } from '../../src/knowledge/pool-tag.js';
import { findPoolTagInImage, imagesUsingPoolTag } from '../../src/knowledge/pool-tag-search.js';
import { knownPoolTag, knownPoolTags } from '../../src/knowledge/pool-tags-known.js';
import { corpus, skipUnlessCorpus } from '../helpers/corpus.js';
import { fuzzParams } from '../helpers/fuzz-budget.js';

function has(tool: string): boolean {
  try {
    execFileSync(tool, ['--version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}
const toolsSkip = has('clang-14') && has('lld-link-14') && has('llvm-objdump-14') ? false : 'clang-14, lld-link-14 or llvm-objdump-14 is not installed';

function fileImage(bytes: Uint8Array, name: string): Promise<PeImage> {
  return PeImage.open(async (off, len) => (off + len <= bytes.length ? bytes.subarray(off, off + len) : undefined), false, name);
}

/** `movl $imm, %reg` instructions in llvm-objdump's disassembly: address of the imm32 field, value, register. */
function objdumpMoves(path: string, base: bigint): { rva: number; value: number; reg: string }[] {
  const out: { rva: number; value: number; reg: string }[] = [];
  for (const line of execFileSync('llvm-objdump-14', ['-d', path], { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n')) {
    const m = /^\s*([0-9a-f]+):\s+((?:[0-9a-f]{2} )+)\s*movl\s+\$(\d+), %(\w+)\s*(?:#.*)?$/.exec(line);
    if (!m) continue;
    const bytes = m[2].trim().split(' ');
    const value = Number(m[3]) >>> 0;
    out.push({ rva: Number(BigInt(`0x${m[1]}`) - base) + bytes.length - 4, value, reg: m[4] });
  }
  return out;
}

test('the walkthrough\'s tag: C literal \'WrB1\' = 0x57724231, shown by !pool as "1BrW"', () => {
  assert.equal(poolTagFromLiteral('WrB1'), 0x57724231);
  assert.equal(poolTagLiteral(0x57724231), 'WrB1'); // what .formats prints in its Chars line
  assert.equal(poolTagText(0x57724231), '1BrW'); // memory bytes 31 42 72 57
  assert.equal(poolTagFromText('1BrW'), 0x57724231);
  assert.equal(poolTagFromText('Irp'), poolTagFromText('Irp '));
  // Microsoft's ExAllocatePoolWithTag page: a driver passing 'Fred' sees "derF" when pool is dumped.
  assert.equal(poolTagText(poolTagFromLiteral('Fred')), 'derF');
  const p = describePoolTag(0xe56c6946);
  assert.deepEqual(p, { value: 0xe56c6946, text: 'File', literal: 'eliF', protected: true });
  assert.throws(() => poolTagFromText('toolong'), RangeError);
});

test('clang\'s MSVC multi-char constants and the bytes in the image agree; the PE search finds them', { skip: toolsSkip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dumpscope-pooltag-'));
  try {
    writeFileSync(
      join(dir, 'tag.c'),
      [
        'typedef unsigned long ULONG;',
        'volatile ULONG last;',
        'void *ExAllocatePool2(unsigned long long f, unsigned long long s, ULONG tag) { last = tag; return (void *)(f + s); }',
        'void ExFreePoolWithTag(void *p, ULONG tag) { last = tag ^ (ULONG)(unsigned long long)p; }',
        "int entry(void) { void *p = ExAllocatePool2(0x100, 64, 'WrB1'); ExFreePoolWithTag(p, 'WrB1'); ExFreePoolWithTag(p, 'eliF' | 0x80000000u); return 0; }",
      ].join('\n'),
    );
    execFileSync('clang-14', ['--target=x86_64-pc-windows-msvc', '-O0', '-Wno-multichar', '-Wno-four-char-constants', '-c', join(dir, 'tag.c'), '-o', join(dir, 'tag.obj')]);
    execFileSync('lld-link-14', ['/nologo', '/entry:entry', '/subsystem:native', '/nodefaultlib', `/out:${join(dir, 'tag.sys')}`, join(dir, 'tag.obj')]);
    const moves = objdumpMoves(join(dir, 'tag.sys'), 0x140000000n);
    // The compiler's values of the literals, in source order: 'WrB1' (r8d), 'WrB1' (edx), 'eliF'|bit 31 (edx).
    const tagMoves = moves.filter((m) => m.value > 0xffff);
    assert.deepEqual(tagMoves.map((m) => m.reg), ['r8d', 'edx', 'edx']);
    const [wrb1, , file] = tagMoves.map((m) => m.value);
    assert.equal(poolTagLiteral(wrb1), 'WrB1');
    assert.equal(poolTagFromLiteral('WrB1'), wrb1);
    // Memory order is what the image holds: read the four bytes back from the linked file.
    const bytes = new Uint8Array(readFileSync(join(dir, 'tag.sys')));
    const pe = await fileImage(bytes, 'tag.sys');
    const imm = await pe.readRva(tagMoves[0].rva, 4);
    assert.equal(String.fromCharCode(...(imm ?? [])), poolTagText(wrb1));
    assert.deepEqual(describePoolTag(file), { value: file, text: 'File', literal: 'eliF', protected: true });
    // The search finds exactly the instructions llvm-objdump shows.
    const hits = await findPoolTagInImage(pe, wrb1);
    assert.deepEqual(hits.map((h) => [h.rva, h.instruction]), [
      [tagMoves[0].rva, 'mov r8d, imm32'],
      [tagMoves[1].rva, 'mov edx, imm32'],
    ]);
    const prot = await findPoolTagInImage(pe, poolTagFromText('File'));
    assert.deepEqual(prot.map((h) => [h.rva, h.protected]), [[tagMoves[2].rva, true]]);
    assert.deepEqual(await findPoolTagInImage(pe, poolTagFromText('Zzzz')), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const AMDPPM = 'symbols/amdppm.sys/C9C030003b000/amdppm.sys';
const WDF = 'symbols/Wdf01000.sys/A9A9D36Ed1000/Wdf01000.sys';

test('real driver: every register load of amdppm\'s tag that llvm-objdump shows is found, and no other', { skip: skipUnlessCorpus(AMDPPM) || toolsSkip }, async () => {
  const pe = await fileImage(new Uint8Array(readFileSync(corpus(AMDPPM))), 'amdppm.sys');
  const tag = poolTagFromText('Prcr'); // amdppm's tag, seen as `mov r8d, 72637250h` in its allocation calls
  const expected = objdumpMoves(corpus(AMDPPM), pe.imageBase).filter((m) => m.value === tag).map((m) => `${m.rva.toString(16)} mov ${m.reg}, imm32`);
  assert.ok(expected.length >= 10, `${expected.length} loads of the tag`);
  const hits = await findPoolTagInImage(pe, tag);
  assert.deepEqual(hits.filter((h) => h.instruction).map((h) => `${h.rva.toString(16)} ${h.instruction}`), expected);
  const wdf = await fileImage(new Uint8Array(readFileSync(corpus(WDF))), 'Wdf01000.sys');
  const ranked = await imagesUsingPoolTag([wdf, pe], tag);
  assert.equal(ranked[0]?.image, 'amdppm.sys');
});

test('known tags: at least 100, each in memory order, with owners', () => {
  const all = knownPoolTags();
  assert.ok(all.length >= 100, `${all.length} tags`);
  for (const t of all) assert.equal(t.tag.length, 4, t.tag);
  assert.equal(knownPoolTag('Irp')?.owner, 'nt!io');
  assert.equal(knownPoolTag('MmSt')?.owner, 'nt!mm');
  assert.equal(knownPoolTag('NtFs')?.owner, 'ntfs.sys');
  assert.equal(knownPoolTag('AfdQ')?.owner, 'afd.sys'); // via the Afd? family entry
  assert.equal(knownPoolTag('Zzzz'), undefined);
});

test('property: text, literal and value convert both ways', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), (v) => {
      const info = describePoolTag(v);
      assert.equal(info.literal, [...info.text].reverse().join(''));
      if (!info.text.includes('.')) {
        assert.equal(poolTagFromText(info.text), (v & 0x7fffffff) >>> 0);
        assert.equal(poolTagFromLiteral(info.literal), (v & 0x7fffffff) >>> 0);
      }
    }),
    fuzzParams(8, 2000),
  );
});
