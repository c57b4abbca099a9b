// Export tables where names outnumber functions: several names may point at one ordinal (legal in PE, and
// what a .def file's aliases produce). The image is crafted here byte by byte, so every expected value is
// known by construction; the name count is bounded by the directory's size, not by the function count.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readExports } from '../../../src/formats/pe/pe-directories.js';
import { PeImage } from '../../../src/formats/pe/pe-image.js';
import { DumpscopeError } from '../../../src/io/errors.js';
import { ExportSymbolSource } from '../../../src/symbols/export-symbols.js';

const EXPORT_DIR = 0x1000;

/**
 * A mapped (RVA-addressed) PE32+ image whose export directory has `fns` address-table entries and the names
 * given, each with the address-table index it names; `nNamesField` overrides NumberOfNames.
 */
function craft(fns: number[], names: [string, number][], opts: { nNamesField?: number; dirSize?: number } = {}): Uint8Array {
  const b = new Uint8Array(0x3000);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, 0x5a4d, true); // MZ
  dv.setUint32(0x3c, 0x40, true); // e_lfanew
  dv.setUint32(0x40, 0x4550, true); // PE\0\0
  dv.setUint16(0x44, 0x8664, true); // machine x64
  dv.setUint16(0x46, 0, true); // no sections (mapped: offsets are RVAs)
  dv.setUint16(0x54, 0xf0, true); // SizeOfOptionalHeader
  const opt = 0x58;
  dv.setUint16(opt, 0x20b, true); // PE32+
  dv.setUint32(opt + 0x38, b.length, true); // SizeOfImage
  dv.setUint32(opt + 0x6c, 16, true); // NumberOfRvaAndSizes
  // Layout inside the export directory: header, address table, name pointers, ordinals, strings.
  const eat = EXPORT_DIR + 40;
  const enpt = eat + fns.length * 4;
  const eot = enpt + names.length * 4;
  let str = eot + names.length * 2;
  const put = (s: string) => {
    const at = str;
    for (let i = 0; i < s.length; i++) b[str++] = s.charCodeAt(i);
    b[str++] = 0;
    return at;
  };
  const dllName = put('aliases.dll');
  for (const [i, rva] of fns.entries()) dv.setUint32(eat + i * 4, rva, true);
  names.forEach(([n, idx], i) => {
    dv.setUint32(enpt + i * 4, put(n), true);
    dv.setUint16(eot + i * 2, idx, true);
  });
  dv.setUint32(opt + 0x70, EXPORT_DIR, true); // export directory RVA
  dv.setUint32(opt + 0x74, opts.dirSize ?? str - EXPORT_DIR, true); // and size
  dv.setUint32(EXPORT_DIR + 12, dllName, true);
  dv.setUint32(EXPORT_DIR + 16, 1, true); // ordinal base
  dv.setUint32(EXPORT_DIR + 20, fns.length, true);
  dv.setUint32(EXPORT_DIR + 24, opts.nNamesField ?? names.length, true);
  dv.setUint32(EXPORT_DIR + 28, eat, true);
  dv.setUint32(EXPORT_DIR + 32, enpt, true);
  dv.setUint32(EXPORT_DIR + 36, eot, true);
  return b;
}

const open = (b: Uint8Array) => PeImage.open(async (o, n) => (o >= 0 && o + n <= b.length ? b.subarray(o, o + n) : undefined), true, 'aliases.dll');

test('three names for two functions: every name kept, the first one names the address', async () => {
  // The name table is sorted (as the PE format requires): Alpha and Beta both name index 0, Gamma index 1.
  const pe = await open(craft([0x2000, 0x2100], [['Alpha', 0], ['Beta', 0], ['Gamma', 1]]));
  const exp = await readExports(pe);
  assert.ok(exp);
  assert.equal(exp.dllName, 'aliases.dll');
  assert.deepEqual(exp.entries, [
    { ordinal: 1, rva: 0x2000, name: 'Alpha', aliases: ['Beta'] },
    { ordinal: 2, rva: 0x2100, name: 'Gamma' },
  ]);
  const src = new ExportSymbolSource('aliases exports', exp);
  assert.equal((await src.lookup('Beta'))?.rva, 0x2000);
  assert.equal((await src.lookup('Alpha'))?.rva, 0x2000);
  const at = await src.symbolAt(0x2005);
  assert.deepEqual([at?.symbol.name, at?.displacement], ['Alpha', 5]);
  assert.deepEqual((await src.symbols()).map((s) => s.name).sort(), ['Alpha', 'Beta', 'Gamma']);
});

test('a name whose ordinal is outside the address table is left out, not fatal', async () => {
  const exp = await readExports(await open(craft([0x2000], [['Alpha', 0], ['Stray', 7]])));
  assert.deepEqual(exp?.entries, [{ ordinal: 1, rva: 0x2000, name: 'Alpha' }]);
});

test('NumberOfNames beyond what the directory can hold is refused clearly', async () => {
  const pe = await open(craft([0x2000], [['Alpha', 0]], { nNamesField: 0x1000000 }));
  await assert.rejects(readExports(pe), (e: Error) => e instanceof DumpscopeError && /16777216 export names .* do not fit in the \d+-byte export directory/.test(e.message));
});
