// Chained unwind entries (UNW_FLAG_CHAININFO) of the real corpus drivers, which llvm-readobj cannot print
// (it aborts on them). The test reads .pdata and the UNWIND_INFO headers itself, straight from the file
// bytes (section table → RVA → file offset), and checks PeImage's decoding against that and against the
// structural invariants a linker guarantees: the parent a chained entry names is a real .pdata entry, the
// fragment lies outside the parent's range, and the decoded chain carries the parent's own operations.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { PeImage } from '../../../src/formats/pe/pe-image.js';
import { corpus, skipUnlessCorpus } from '../../helpers/corpus.js';

interface Raw {
  pdata: { begin: number; end: number; unwind: number }[];
  /** Per .pdata index: the chained parent's RUNTIME_FUNCTION, when the entry is chained. */
  parents: Map<number, { begin: number; end: number; unwind: number }>;
}

/** An independent reading of the PE/COFF tables (Microsoft PE format and x64 exception-handling docs). */
function readRaw(b: Buffer): Raw {
  const nt = b.readUInt32LE(0x3c);
  const sections = b.readUInt16LE(nt + 6);
  const optSize = b.readUInt16LE(nt + 20);
  const opt = nt + 24;
  assert.equal(b.readUInt16LE(opt), 0x20b, 'PE32+');
  const exceptionDir = opt + 112 + 3 * 8; // data directory 3 of a PE32+ optional header
  const [dirRva, dirSize] = [b.readUInt32LE(exceptionDir), b.readUInt32LE(exceptionDir + 4)];
  const table = opt + optSize;
  const toFile = (rva: number) => {
    for (let i = 0; i < sections; i++) {
      const s = table + i * 40;
      const va = b.readUInt32LE(s + 12);
      const raw = Math.max(b.readUInt32LE(s + 8), b.readUInt32LE(s + 16));
      if (rva >= va && rva < va + raw) return b.readUInt32LE(s + 20) + (rva - va);
    }
    throw new Error(`RVA ${rva.toString(16)} is in no section`);
  };
  const pdata = [];
  for (let o = toFile(dirRva), i = 0; i < dirSize / 12; i++, o += 12) pdata.push({ begin: b.readUInt32LE(o), end: b.readUInt32LE(o + 4), unwind: b.readUInt32LE(o + 8) });
  const parents = new Map<number, { begin: number; end: number; unwind: number }>();
  pdata.forEach((f, i) => {
    const u = toFile(f.unwind & ~1);
    const flags = b[u] >> 3;
    if (!(flags & 0x4)) return; // UNW_FLAG_CHAININFO
    const codes = b[u + 2];
    const at = u + 4 + ((codes + 1) & ~1) * 2; // codes are padded to an even count
    parents.set(i, { begin: b.readUInt32LE(at), end: b.readUInt32LE(at + 4), unwind: b.readUInt32LE(at + 8) });
  });
  return { pdata, parents };
}

for (const file of ['amdppm.sys/C9C030003b000/amdppm.sys', 'Wdf01000.sys/A9A9D36Ed1000/Wdf01000.sys']) {
  test(`${file.split('/')[0]}: chained unwind entries decode to their parents, which are real .pdata entries`, { skip: skipUnlessCorpus(`symbols/${file}`) }, async () => {
    const bytes = readFileSync(corpus(`symbols/${file}`));
    const raw = readRaw(bytes);
    // An audit of these files counted 19 (amdppm) and 607 (Wdf01000) chained entries.
    assert.equal(raw.parents.size, file.startsWith('amdppm') ? 19 : 607);
    const img = await PeImage.open(async (o, n) => (o >= 0 && o + n <= bytes.length ? new Uint8Array(bytes.buffer, bytes.byteOffset + o, n) : undefined), false, file);
    const fns = await img.runtimeFunctions();
    assert.equal(fns.length, raw.pdata.length);
    const byBegin = new Map(fns.map((f) => [f.begin, f]));
    let decodedChains = 0;
    for (const [i, parent] of raw.parents) {
      const child = raw.pdata[i];
      // The parent is the function's primary entry: listed in .pdata with the same range and unwind RVA.
      const listed = byBegin.get(parent.begin);
      assert.ok(listed, `parent ${parent.begin.toString(16)} of ${child.begin.toString(16)} is in .pdata`);
      assert.deepEqual([listed.end, listed.unwindRva], [parent.end, parent.unwind]);
      // A fragment never overlaps the code of the entry it chains to.
      assert.ok(child.end <= parent.begin || child.begin >= parent.end, `fragment ${child.begin.toString(16)} overlaps its parent`);
      const ours = await img.unwindInfo(byBegin.get(child.begin)!);
      assert.ok(ours?.chained, `entry ${child.begin.toString(16)} decodes as chained`);
      assert.deepEqual([ours.chained.begin, ours.chained.end], [parent.begin, parent.end]);
      // The chain carries the parent's own decoding (which may itself be chained, never looping).
      const direct = await img.unwindInfo(listed);
      assert.deepEqual(ours.chained.ops, direct?.ops);
      decodedChains++;
    }
    assert.equal(decodedChains, raw.parents.size);
    // Entries without the flag decode without a chain.
    for (const [i, f] of raw.pdata.entries()) {
      if (raw.parents.has(i) || i % 7) continue;
      assert.equal((await img.unwindInfo(byBegin.get(f.begin)!))?.chained, undefined);
    }
  });
}
