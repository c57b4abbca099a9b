import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PeImage } from '../../src/formats/pe/pe-image.js';
import { FormatError } from '../../src/io/errors.js';

// A minimal mapped PE32+ image built by hand (headers as the PE/COFF specification lays them out), with
// UNWIND_INFO records written below; every expectation follows from the bytes written here.
const SIZE = 0x3000;
function image(records: [number, number[]][]): Promise<PeImage> {
  const b = new Uint8Array(SIZE);
  const dv = new DataView(b.buffer);
  b.set([0x4d, 0x5a]);
  dv.setUint32(0x3c, 0x40, true);
  dv.setUint32(0x40, 0x4550, true); // PE\0\0
  dv.setUint16(0x44, 0x8664, true);
  dv.setUint16(0x54, 0xf0, true); // SizeOfOptionalHeader
  const opt = 0x58;
  dv.setUint16(opt, 0x20b, true);
  dv.setUint32(opt + 0x38, SIZE, true); // SizeOfImage
  dv.setUint32(opt + 0x6c, 16, true); // NumberOfRvaAndSizes
  for (const [rva, bytes] of records) b.set(bytes, rva);
  return PeImage.open(async (o, n) => (o >= 0 && o + n <= SIZE ? b.subarray(o, o + n) : undefined), true, 'T');
}
const le32 = (v: number) => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];
/** UNWIND_INFO: version 1, flags, prolog size, codes (pairs of bytes), then an optional chained RUNTIME_FUNCTION. */
function info(flags: number, prolog: number, codes: number[][], chain?: [number, number, number]): number[] {
  const out = [1 | (flags << 3), prolog, codes.length, 0, ...codes.flat()];
  if (codes.length & 1) out.push(0, 0);
  if (chain) out.push(...le32(chain[0]), ...le32(chain[1]), ...le32(chain[2]));
  return out;
}

test('a valid chain decodes both records; the parent\'s operations come through `chained`', async () => {
  // child at 0x2000: sub rsp,28h (ALLOC_SMALL, info 4) chained to parent at 0x2100: push rbx (reg 3).
  const pe = await image([[0x2000, info(4, 4, [[4, 0x42]], [0x1000, 0x1100, 0x2100])], [0x2100, info(0, 1, [[1, 0x30]])]]);
  const u = (await pe.unwindInfo({ begin: 0x1100, end: 0x1180, unwindRva: 0x2000 }))!;
  assert.deepEqual(u.ops, [{ op: 'alloc', prologOffset: 4, size: 0x28 }]);
  assert.equal(u.unwindRva, 0x2000);
  assert.deepEqual(u.chained?.ops, [{ op: 'push_nonvol', prologOffset: 1, reg: 3 }]);
  assert.equal(u.chained?.begin, 0x1000);
});

const bad: [string, [number, number[]][], RegExp][] = [
  ['a record chained to itself', [[0x2000, info(4, 4, [[4, 0x42]], [0x1000, 0x1100, 0x2000])]], /chained unwind information loops.*\(at offset 0x2000\)/],
  ['two records chained to each other', [[0x2000, info(4, 0, [], [0x1000, 0x1100, 0x2100])], [0x2100, info(4, 0, [], [0x1000, 0x1100, 0x2000])]], /loops.*\(at offset 0x2000\)/],
  ['an unknown operation 15', [[0x2000, info(0, 4, [[4, 0x4f]])]], /unknown unwind operation 15 \(at offset 0x2004\)/],
  ['operation 11 (UWOP_SET_FPREG_LARGE)', [[0x2000, info(0, 4, [[4, 0x0b], [0, 0], [0, 0]])]], /operation 11 \(UWOP_SET_FPREG_LARGE.*not part of Windows x64 unwind data/],
  ['a large allocation whose size slot is past CountOfCodes', [[0x2000, info(0, 7, [[7, 0x01]])]], /operation 1 needs 2 slots but only 1 .*remain/],
  ['a chained record outside the image', [[0x2000, info(4, 0, [], [0x1000, 0x1100, 0x7ffffff0])]], /outside the image/],
];
for (const [what, records, re] of bad) {
  test(`${what}: a FormatError naming the record`, async () => {
    const pe = await image(records);
    await assert.rejects(pe.unwindInfo({ begin: 0x1100, end: 0x1180, unwindRva: 0x2000 }), (e: unknown) => e instanceof FormatError && re.test(e.message));
  });
}
