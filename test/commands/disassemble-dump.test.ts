import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { corpus, repo, skipUnlessCorpus } from '../helpers/corpus.js';
import { type ImageCode, imageCode } from '../disasm/image-code.js';
import { objdumpMissing } from '../disasm/objdump.js';
import { openSample } from './sample-session.js';

// u/ub on dumps: code bytes come from the dump wherever it has them (Windows rewrites import calls when it
// loads a driver, so memory and file differ), the image file only fills what the dump lacks. Expected
// instructions: llvm-objdump-14 on the image files; the rewritten call's bytes as the third audit read them
// from the dump (and as `db` shows them).
const TRIAGE = 'kernel/win10-19041-x64-triage-1000007e.dmp';
const AMDPPM = 'symbols/amdppm.sys/C9C030003b000/amdppm.sys';
const WDF = 'symbols/Wdf01000.sys/A9A9D36Ed1000/Wdf01000.sys';
const skipCorpus = objdumpMissing() || skipUnlessCorpus(TRIAGE) || skipUnlessCorpus('isf') || skipUnlessCorpus(AMDPPM) || skipUnlessCorpus(WDF);
const skipSample = objdumpMissing();

/** [address, bytes] of every instruction line of a listing. */
function lines(text: string): [bigint, string][] {
  const out: [bigint, string][] = [];
  for (const m of text.matchAll(/^([0-9a-f]{8})`([0-9a-f]{8}) ([0-9a-f]+) /gm)) out.push([BigInt(`0x${m[1]}${m[2]}`), m[3]]);
  return out;
}

/** objdump's instructions of `img` in [from, to) as [address, bytes], rebased to where the dump loaded it. */
function objdumpRange(img: ImageCode, loadedAt: bigint, from: bigint, to: bigint): [bigint, string][] {
  return img.objdump.filter((l) => l.address >= from && l.address < to).map((l) => [l.address - img.base + loadedAt, l.bytes]);
}

let t: Awaited<ReturnType<typeof openSample>> | undefined;
let wdf: ImageCode;
let amd: ImageCode;
before(async () => {
  if (skipCorpus) return;
  t = await openSample(corpus(TRIAGE), `${corpus('symbols')};${corpus('isf')}`);
  wdf = imageCode(corpus(WDF));
  amd = imageCode(corpus(AMDPPM));
});
after(() => t?.close());

async function moduleBase(name: string): Promise<bigint> {
  const r = await t!.one(`? ${name}`);
  return BigInt(`0x${/= ([0-9a-f]{8})`([0-9a-f]{8})/.exec(r.text)!.slice(1).join('')}`);
}

test('u shows the dump\'s rewritten import call, also when the listing starts on a page the dump lacks', { skip: skipCorpus }, async () => {
  const base = await moduleBase('Wdf01000');
  const call = base + 0x7c022n;
  const [fromPage, fromMissing, db] = await t!.run('u Wdf01000+0x7c000 L10; u Wdf01000+0x7bffe L13; db Wdf01000+0x7c022 L6');
  // The file has `call qword ptr [Wdf01000+0xb7758]` there; the dump a direct call and a nop.
  assert.deepEqual(objdumpRange(wdf, base, 0x1c007c022n, 0x1c007c023n), [[call, 'ff1530b70300']]);
  assert.match(db.text, /^fffff804`799cc022 {2}e8 79 52 05 00 90 /m);
  for (const u of [fromPage, fromMissing]) {
    assert.ok(u.ok, u.text);
    assert.deepEqual(lines(u.text).find(([a]) => a === call), [call, 'e879520500'], u.text);
  }
  // Before the rewritten call, the file and the dump agree: objdump's instructions.
  assert.deepEqual(lines(fromMissing.text).slice(0, 12), objdumpRange(wdf, base, 0x1c007bffen, 0x1c007c022n));
});

test('ub of frame 06\'s return address gives 8 instructions ending on it (the dump\'s bytes)', { skip: skipCorpus }, async () => {
  const base = await moduleBase('Wdf01000');
  const u = await t!.one('ub fffff804`799cc027');
  assert.ok(u.ok, u.text);
  const got = lines(u.text);
  assert.equal(got.length, 8, u.text);
  assert.deepEqual(got.slice(0, 7), objdumpRange(wdf, base, 0x1c007c00an, 0x1c007c022n));
  assert.deepEqual(got[7], [base + 0x7c022n, 'e879520500']);
  assert.doesNotMatch(u.text, /Note:/);
});

test('ub of an address inside an instruction lists the asked count before it, with a note', { skip: skipCorpus }, async () => {
  const base = await moduleBase('amdppm');
  const [mid, exact] = await t!.run('ub amdppm+0x334e L4; ub amdppm+0x334c L20');
  assert.ok(mid.ok, mid.text);
  // objdump: 1c000334c `43 89 14 01` (4 bytes) contains +0x334e.
  assert.deepEqual(lines(mid.text), objdumpRange(amd, base, 0x1c0003341n, 0x1c000334cn));
  assert.match(mid.text, /^Note: fffff804`8b58334e is inside the instruction at fffff804`8b58334c/m);
  const want = objdumpRange(amd, base, 0x1c0003200n, 0x1c000334cn).slice(-0x20);
  assert.deepEqual(lines(exact.text), want);
  assert.doesNotMatch(exact.text, /Note:/);
});

test('ub in the zero padding past the kernel\'s .text (as nt!KeBugCheckEx+0x2d was) gives all 0x20 instructions', { skip: skipSample }, async (t2) => {
  const s = await openSample();
  try {
    const nt = imageCode(repo('fixtures/scenario/bin/ntoskrnl.exe'));
    const text = nt.sections.find((x) => x.name === '.text')!;
    // .text ends at VirtualSize; the rest of its page is zeros, which decode as `00 00 add byte ptr [rax],al`
    // from there on. An odd distance puts the target inside the last pair.
    const textEnd = nt.base + BigInt(text.rva + text.virtualSize);
    // The sample must have been built from these binaries (make-sample.ts): compare the code's first bytes.
    const first = nt.objdump[0];
    const shown = lines((await s.one(`u ${first.address.toString(16)} L1`)).text)[0];
    if (shown?.[1] !== first.bytes) {
      t2.skip('samples/walkthrough-0x50.dmp was built from other scenario binaries than fixtures/scenario/bin (regenerate it)');
      return;
    }
    for (const back of [0x13n, 0x14n]) {
      const target = textEnd + back;
      const u = await s.one(`ub ${target.toString(16)} L20`);
      assert.ok(u.ok, u.text);
      const zeros: [bigint, string][] = [];
      for (let a = textEnd; a + 2n <= target; a += 2n) zeros.push([a, '0000']);
      const code = objdumpRange(nt, nt.base, nt.base, textEnd).slice(-(0x20 - zeros.length));
      assert.deepEqual(lines(u.text), [...code, ...zeros], `ub ${target.toString(16)} L20`);
      if (back % 2n) assert.match(u.text, new RegExp(`^Note: \\S+ is inside the instruction at ${fmt(target - 1n)}`, 'm'));
      else assert.doesNotMatch(u.text, /Note:/);
    }
  } finally {
    await s.close();
  }
});

function fmt(a: bigint): string {
  const h = a.toString(16).padStart(16, '0');
  return `${h.slice(0, 8)}\`${h.slice(8)}`;
}
