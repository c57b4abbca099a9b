import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { openDump } from '../../../src/formats/open-dump.js';
import type { KernelDump } from '../../../src/formats/kernel-dump/kernel-dump.js';
import { BufferSource } from '../../../src/io/buffer-source.js';
import { DumpscopeError, FormatError, MemoryNotPresentError } from '../../../src/io/errors.js';
import type { RunsPhysicalMemory } from '../../../src/formats/kernel-dump/runs-memory.js';
import { FileSource } from '../../../src/node/file-source.js';
import { corpus, skipUnlessCorpus } from '../../helpers/corpus.js';

// Every expected value below comes from ../shared/corpus/README.md (facts read from the bytes) or from the
// symbol store's own keys (image TimeDateStamp + SizeOfImage), not from this reader.
const X64 = 'kernel/win10-19041-x64-triage-1000007e.dmp';
const ARM = 'kernel/win11-22000-arm64-triage-1c8.dmp';
const FULL = 'kernel/win10-19045-x64-full-first16k.dmp';

// Every file a test opens is closed when the file's tests are done.
const opened: FileSource[] = [];
after(() => Promise.all(opened.map((s) => s.close())));
async function fileSource(path: string): Promise<FileSource> {
  const s = await FileSource.open(path);
  opened.push(s);
  return s;
}

async function open(rel: string): Promise<KernelDump> {
  const d = await openDump(await fileSource(corpus(rel)));
  assert.equal(d.format, 'kernel');
  return d as KernelDump;
}

test('x64 triage dump: header facts', { skip: skipUnlessCorpus(X64) }, async () => {
  const d = await open(X64);
  const h = d.header;
  assert.equal(h.dumpTypeValue, 4);
  assert.equal(h.dumpType, 'triage');
  assert.equal(h.machine, 'x64');
  assert.equal(h.ntBuild, 19041);
  assert.equal(h.processors, 16);
  assert.equal(h.bugcheckCode, 0x1000007e);
  assert.deepEqual(h.bugcheckArgs, [0xffffffffc0000005n, 0xfffff8048b58334cn, 0xffff850429891ee8n, 0xffff850429891720n]);
  assert.equal(h.kdDebuggerDataBlock, 0xfffff8047c600b20n);
});

test('x64 triage dump: 151 drivers with names, nt base and amdppm matching its image key', { skip: skipUnlessCorpus(X64) }, async () => {
  const t = (await open(X64)).triage!;
  assert.equal(t.drivers.length, 151);
  assert.equal(t.drivers[0].name, 'ntoskrnl.exe');
  assert.equal(t.drivers[0].base, 0xfffff8047ba00000n); // README: nt base
  const amd = t.drivers.find((x) => x.name.toLowerCase() === 'amdppm.sys')!;
  // Symbol store key amdppm.sys/C9C030003b000 = TimeDateStamp C9C03000 + SizeOfImage 3b000.
  assert.equal(amd.timestamp, 0xc9c03000);
  assert.equal(amd.size, 0x3b000);
  assert.equal(0xfffff8048b58334cn - amd.base, 0x334cn); // README: faulting driver amdppm.sys (+0x334c)
  const wdf = t.drivers.find((x) => x.name.toLowerCase() === 'wdf01000.sys')!;
  assert.equal(wdf.timestamp, 0xa9a9d36e); // Wdf01000.sys/A9A9D36Ed1000
  assert.equal(wdf.size, 0xd1000);
  for (const drv of t.drivers) assert.match(drv.path, /\.(sys|dll|exe)$/i);
});

test('x64 triage dump: the context record at Arg4 lies in the captured stack', { skip: skipUnlessCorpus(X64) }, async () => {
  const t = (await open(X64)).triage!;
  const ctx = await t.memory.read(0xffff850429891720n, 0x4d0);
  // CONTEXT.Rip (+0xf8) is the exception address in Arg2.
  assert.equal(new DataView(ctx.buffer, ctx.byteOffset).getBigUint64(0xf8, true), 0xfffff8048b58334cn);
  const exr = await t.memory.read(0xffff850429891ee8n, 0x98);
  const v = new DataView(exr.buffer, exr.byteOffset);
  assert.equal(v.getUint32(0, true), 0xc0000005); // ExceptionCode = Arg1
  assert.equal(v.getBigUint64(0x10, true), 0xfffff8048b58334cn); // ExceptionAddress = Arg2
  // Memory outside the captured blocks is unknown, and readSparse says so instead of throwing.
  const sparse = await t.memory.readSparse(0x1000n, 16);
  assert.deepEqual([...sparse.valid], new Array(16).fill(0));
  await assert.rejects(t.memory.read(0x1000n, 8), DumpscopeError);
});

test('ARM64 triage dump: header facts and 245 drivers', { skip: skipUnlessCorpus(ARM) }, async () => {
  const d = await open(ARM);
  assert.equal(d.header.machine, 'arm64');
  assert.equal(d.header.dumpType, 'triage');
  assert.equal(d.header.ntBuild, 22000);
  assert.equal(d.header.processors, 8);
  assert.equal(d.header.bugcheckCode, 0x1c8);
  assert.deepEqual(d.header.bugcheckArgs, [0x1b58n, 0xfffff803f3a20860n, 0n, 0n]);
  assert.equal(d.triage!.drivers.length, 245);
  assert.equal(d.context, undefined, 'no x64 CONTEXT is decoded for an ARM64 dump');
});

test('cut-off full dump: header, 5 runs, 0x7FE86 pages; pages past 16 KiB read as missing, and the dump says it is cut', { skip: skipUnlessCorpus(FULL) }, async () => {
  const d = await open(FULL);
  assert.equal(d.header.dumpType, 'full');
  assert.equal(d.header.ntBuild, 19045);
  assert.equal(d.header.processors, 4);
  assert.equal(d.header.bugcheckCode, 0x5454414d);
  assert.equal(d.header.physicalRuns.length, 5);
  assert.equal(d.header.physicalPages, 0x7fe86);
  const phys = d.physical as RunsPhysicalMemory;
  assert.equal(phys.declaredPages, 0x7fe86);
  // 16 KiB = the 0x2000-byte header and two pages; the runs promise 0x7FE86 pages after the header.
  assert.equal(phys.pageCount, 2);
  assert.deepEqual(d.truncation, { expectedSize: 0x2000 + 0x7fe86 * 0x1000, actualSize: 0x4000 });
  assert.match(d.limitations[0], new RegExp(`^truncated dump: the file is ${0x2000 + 0x7fe86 * 0x1000 - 0x4000} bytes shorter than its header says.*past file offset 0x4000 are missing`));
  const runs = [];
  for await (const r of phys.runs()) runs.push(r);
  const first = runs[0];
  assert.deepEqual(runs, [{ basePfn: first.basePfn, pageCount: 2 }], 'only the pages in the file are listed');
  // Page 1 of the first run sits at 0x2000 + 0x1000 = 0x3000: inside the 16 KiB file.
  assert.ok(await phys.readPage(first.basePfn + 1));
  assert.equal(await phys.readPage(first.basePfn + 2), undefined);
  await assert.rejects(phys.read((first.basePfn + 2) * 0x1000, 8), (e: unknown) => {
    assert.ok(e instanceof MemoryNotPresentError);
    assert.match(e.message, /would be at file offset 0x4000, past the end of the truncated file \(0x4000 bytes\)/);
    return true;
  });
});

test('every broken file ends in a clear FormatError naming an offset', { skip: skipUnlessCorpus('broken') }, async () => {
  for (const f of readdirSync(corpus('broken'))) {
    await assert.rejects(openDump(await fileSource(corpus(`broken/${f}`))), (e: unknown) => {
      assert.ok(e instanceof FormatError, `${f}: ${e}`);
      assert.match(e.message, /offset 0x[0-9a-f]+/, f);
      return true;
    });
  }
});

test('the triage dump cut at every 4 KiB boundary gives typed errors or a valid dump, never a crash', { skip: skipUnlessCorpus(X64) }, async () => {
  const bytes = new Uint8Array(readFileSync(corpus(X64)));
  for (let cut = 0; cut < bytes.length; cut += 0x1000) {
    try {
      await openDump(new BufferSource(bytes.subarray(0, cut), `cut@${cut}`));
    } catch (e) {
      assert.ok(e instanceof DumpscopeError, `cut at 0x${cut.toString(16)}: ${e}`);
    }
  }
});
