import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { isReproducibleBuild, readExports, readImports, readVersionInfo } from '../../../src/formats/pe/pe-directories.js';
import { PeImage } from '../../../src/formats/pe/pe-image.js';
import { DumpscopeError, MemoryNotPresentError } from '../../../src/io/errors.js';
import { scenarioBinDir } from '../../../src/node/scenario-files.js';
import { ExportSymbolSource } from '../../../src/symbols/export-symbols.js';
import { corpus, skipUnlessCorpus } from '../../helpers/corpus.js';
import { fuzzParams } from '../../helpers/fuzz-budget.js';

function readobjMissing(): false | string {
  try {
    execFileSync('llvm-readobj-14', ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'llvm-readobj-14 is not installed (apt install llvm-14)';
  }
}

const images: string[] = [
  ...['ntoskrnl.exe', 'Driver.sys', 'EvilDriver.sys', 'IoctlDriver.sys'].map((f) => join(scenarioBinDir(), f)),
  ...(skipUnlessCorpus('symbols') ? [] : readdirSync(corpus('symbols')).filter((d) => /\.(exe|sys)$/.test(d)).map((d) => join(corpus('symbols'), d, readdirSync(corpus(`symbols/${d}`))[0], d))),
];

async function open(path: string): Promise<PeImage> {
  const b = new Uint8Array(readFileSync(path));
  return PeImage.open(async (o, n) => (o >= 0 && o + n <= b.length ? b.subarray(o, o + n) : undefined), false, path.split('/').pop() as string);
}

for (const path of images) {
  const name = path.split('/').pop() as string;
  test(`${name}: exports and imports equal llvm-readobj's, every entry`, { skip: readobjMissing() }, async () => {
    const pe = await open(path);
    const exportsText = execFileSync('llvm-readobj-14', ['--coff-exports', path], { encoding: 'utf8' });
    // llvm-readobj also lists empty slots of the address table (RVA 0); they are not exports.
    const want = [...exportsText.matchAll(/Export \{\n\s+Ordinal: (\d+)\n\s+Name: (.*)\n\s+RVA: 0x([0-9A-F]+)/g)].filter((m) => m[3] !== '0').map((m) => `${m[1]}|${m[2]}|${Number.parseInt(m[3], 16)}`);
    const exp = await readExports(pe);
    const got = (exp?.entries ?? []).map((e) => `${e.ordinal}|${e.name ?? ''}|${e.rva}`);
    assert.deepEqual(got.sort(), want.sort());
    const importsText = execFileSync('llvm-readobj-14', ['--coff-imports', path], { encoding: 'utf8' });
    const wantImports = [...importsText.matchAll(/Import \{\n\s+Name: (.*)\n[\s\S]*?\n\}/g)].map((m) => [m[1], [...m[0].matchAll(/Symbol: (\S*) \((\d+)\)/g)].map((s) => `${s[1]}|${s[2]}`)]);
    const imps = await readImports(pe);
    assert.deepEqual(imps.map((i) => [i.dll, i.functions.map((f) => `${f.name ?? ''}|${f.name ? f.hint : f.ordinal}`)]), wantImports);
  });
}

test('scenario kernel exports answer symbol lookups (the fallback when no PDB matches)', async () => {
  const pe = await open(join(scenarioBinDir(), 'ntoskrnl.exe'));
  const exp = await readExports(pe);
  assert.ok(exp && exp.entries.length > 20);
  assert.equal(exp.dllName, 'ntoskrnl.exe');
  const src = new ExportSymbolSource('nt exports', exp);
  const ke = await src.lookup('KeBugCheckEx');
  assert.ok(ke);
  const hit = await src.symbolAt(ke.rva + 5);
  assert.equal(hit?.symbol.name, 'KeBugCheckEx');
  assert.equal(hit?.displacement, 5);
});

test('amdppm.sys version resource: fixed file info and string table', { skip: skipUnlessCorpus('symbols/amdppm.sys') }, async () => {
  const path = images.find((p) => p.endsWith('amdppm.sys')) as string;
  const v = await readVersionInfo(await open(path));
  assert.ok(v);
  assert.equal(v.strings.CompanyName, 'Microsoft Corporation');
  assert.equal(v.strings.OriginalFilename, 'amdppm.sys');
  // The fixed version equals the leading numbers of the FileVersion string (independent parts of the resource).
  assert.equal(v.fileVersion, v.strings.FileVersion.split(' ')[0]);
  // The strings are also visible to `strings -el` in the raw file.
  const raw = execFileSync('strings', ['-el', path], { encoding: 'utf8' });
  assert.ok(raw.includes('Processor Device Driver') && v.strings.FileDescription === 'Processor Device Driver');
  assert.equal(await isReproducibleBuild(await open(path)), true);
});

test('directories of a mapped image with missing pages degrade to clear errors', async () => {
  const b = new Uint8Array(readFileSync(join(scenarioBinDir(), 'ntoskrnl.exe')));
  const file = await open(join(scenarioBinDir(), 'ntoskrnl.exe'));
  // A mapped view where everything past the headers is missing, as in a small dump.
  const mapped = await PeImage.open(
    async (o, n) => {
      if (o + n > 0x1000) throw new MemoryNotPresentError('virtual', BigInt(o), 'paged out');
      return b.subarray(o, o + n);
    },
    true,
    'nt',
  );
  await assert.rejects(readExports(mapped), DumpscopeError);
  assert.deepEqual(await readImports(mapped).catch((e) => (e instanceof DumpscopeError ? [] : e)), []);
  assert.equal(await readVersionInfo(mapped).catch((e) => (e instanceof DumpscopeError ? undefined : e)), undefined);
  void file;
});

test('directories of bit-flipped images: only typed errors', { skip: skipUnlessCorpus('symbols/amdppm.sys') }, async () => {
  const good = new Uint8Array(readFileSync(images.find((p) => p.endsWith('amdppm.sys')) as string));
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 }), async (flips) => {
      const b = good.slice();
      for (const [at, x] of flips) b[at] ^= x;
      try {
        const pe = await PeImage.open(async (o, n) => (o >= 0 && o + n <= b.length ? b.subarray(o, o + n) : undefined), false, 'fuzz');
        await readExports(pe);
        await readImports(pe);
        await readVersionInfo(pe);
      } catch (e) {
        assert.ok(e instanceof DumpscopeError, String(e));
      }
    }),
    fuzzParams(5, 200, 4),
  );
});
