import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backwardListing } from '../../src/disasm/backward.js';
import { corpus, repo, skipUnlessCorpus } from '../helpers/corpus.js';
import { type ImageCode, imageCode } from './image-code.js';
import { objdumpMissing } from './objdump.js';

// `ub` against llvm-objdump-14's linear disassembly of real images (the corpus's amdppm.sys and Wdf01000.sys,
// the scenario kernel and driver): for targets inside a .pdata function, the instructions before them.
// Function starts come from the files' .pdata records, read by hand (image-code.ts).
const tool = objdumpMissing();
const AMDPPM = 'symbols/amdppm.sys/C9C030003b000/amdppm.sys';
const WDF = 'symbols/Wdf01000.sys/A9A9D36Ed1000/Wdf01000.sys';
const images: [string, string, false | string][] = [
  ['amdppm.sys', corpus(AMDPPM), tool || skipUnlessCorpus(AMDPPM)],
  ['Wdf01000.sys', corpus(WDF), tool || skipUnlessCorpus(WDF)],
  ['scenario ntoskrnl.exe', repo('fixtures/scenario/bin/ntoskrnl.exe'), tool],
  ['scenario Driver.sys', repo('fixtures/scenario/bin/Driver.sys'), tool],
];
const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');

interface Case {
  target: bigint;
  /** objdump's instructions before the target: [address, bytes]. */
  want: [bigint, string][];
}

/**
 * Up to `max` targets spread over the image, inside a .pdata function, whose `count` preceding instructions
 * objdump decodes without a gap and in step with every function start among them.
 */
function cases(img: ImageCode, count: number, max: number): Case[] {
  const od = img.objdump;
  const starts = new Set(od.map((l) => l.address));
  const out: Case[] = [];
  const step = Math.max(1, Math.floor(od.length / max));
  for (let i = count; i < od.length && out.length < max; i += step) {
    const prev = od.slice(i - count, i);
    const target = od[i].address;
    if (!img.functions.some((f) => f.begin < target && target <= f.end)) continue;
    const inStep = img.functions.every((f) => f.begin < prev[0].address || f.begin >= target || starts.has(f.begin));
    const contiguous = prev.every((l, k) => l.address + BigInt(l.bytes.length / 2) === (k + 1 < prev.length ? prev[k + 1].address : target));
    if (inStep && contiguous) out.push({ target, want: prev.map((l) => [l.address, l.bytes]) });
  }
  return out;
}

function window(img: ImageCode, lo: bigint, target: bigint): Uint8Array {
  return img.mapped.subarray(Number(lo - img.base), Number(target - img.base) + 16);
}

for (const [name, path, skip] of images) {
  test(`ub with .pdata function starts gives llvm-objdump's instructions before targets in ${name}`, { skip }, async () => {
    const img = imageCode(path);
    for (const count of [8, 0x20]) {
      const all = cases(img, count, 120);
      assert.ok(all.length >= 5, `only ${all.length} targets in ${name}`);
      for (const c of all) {
        const fn = img.functions.find((f) => f.begin < c.target && c.target <= f.end)!;
        const span = BigInt(count * 15 + 64);
        let lo = (fn.begin < c.target - span ? fn.begin : c.target - span) - span;
        if (lo < img.base + 0x1000n) lo = img.base + 0x1000n;
        const anchors = img.functions.filter((f) => f.begin >= lo && f.begin < c.target).map((f) => f.begin);
        const got = await backwardListing(window(img, lo, c.target), lo, c.target, count, undefined, anchors);
        assert.equal(got.note, undefined, `${name} ${c.target.toString(16)}`);
        assert.deepEqual(got.instructions.map((d) => [d.address, hex(d.bytes)]), c.want, `${name} ub ${c.target.toString(16)} L${count}`);
      }
    }
  });

  test(`ub without function starts always gives the asked count ending on the target, mostly objdump's, in ${name}`, { skip }, async () => {
    const img = imageCode(path);
    const all = cases(img, 8, 200);
    let agree = 0;
    for (const c of all) {
      const lo = c.target - BigInt(8 * 15 + 64);
      const got = await backwardListing(window(img, lo, c.target), lo, c.target, 8);
      assert.equal(got.instructions.length, 8, `${name} ${c.target.toString(16)}`);
      const last = got.instructions[7];
      assert.equal(last.address + BigInt(last.bytes.length), c.target);
      assert.equal(got.note, undefined);
      if (JSON.stringify(got.instructions.map((d) => [d.address.toString(), hex(d.bytes)])) === JSON.stringify(c.want.map(([a, b]) => [a.toString(), b]))) agree++;
    }
    // Decodings resynchronise within a few instructions; a wrong first one or two happens, rarely.
    console.log(`# ${name}: ${agree} of ${all.length} heuristic listings agree with objdump`);
    assert.ok(all.length >= 20 && agree >= all.length * 0.9, `${agree} of ${all.length} agree with objdump`);
  });

  test(`ub of an address inside an instruction lists the instructions before that one, with a note, in ${name}`, { skip }, async () => {
    const img = imageCode(path);
    const od = img.objdump;
    let tried = 0;
    for (const c of cases(img, 9, 60)) {
      // The containing instruction is the last of objdump's nine; aim one byte into it when it has two or more.
      const [inside, bytes] = c.want[8];
      if (bytes.length < 4) continue;
      const target = inside + 1n;
      const fn = img.functions.find((f) => f.begin <= inside && inside < f.end)!;
      const lo = fn.begin - 200n > img.base + 0x1000n ? fn.begin - 200n : img.base + 0x1000n;
      const anchors = img.functions.filter((f) => f.begin >= lo && f.begin < target).map((f) => f.begin);
      const got = await backwardListing(window(img, lo, target), lo, target, 8, undefined, anchors);
      assert.deepEqual(got.instructions.map((d) => [d.address, hex(d.bytes)]), c.want.slice(0, 8), `${name} ub ${target.toString(16)}`);
      assert.match(got.note ?? '', /is inside the instruction at/);
      assert.ok(od.some((l) => l.address === inside));
      tried++;
    }
    assert.ok(tried >= 5, `only ${tried} mid-instruction targets in ${name}`);
  });
}
