// Dumps cut short (the machine rebooted while writing, a partial upload) open with a limitation saying so,
// pages past the cut read as missing, and analysis salvages what is left.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { analyzeWithDisplay } from '../../../src/commands/builtin/analyze.js';
import { openKernelDump } from '../../../src/formats/kernel-dump/kernel-dump.js';
import { type DumpFacts, MemorySink, writeKernelDump } from '../../../src/formats/kernel-dump/writer.js';
import { BufferSource } from '../../../src/io/buffer-source.js';
import { MemoryNotPresentError } from '../../../src/io/errors.js';
import { main } from '../../../src/cli/main.js';
import { openSession } from '../../../src/node/open-session.js';
import { scenarioBinDir, writeScenarioDump } from '../../../src/node/scenario-files.js';

const dir = mkdtempSync(join(tmpdir(), 'dumpscope-trunc-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const io = { out: () => {}, err: () => {}, stderrIsTty: false, env: {} };
const opts = { sympath: scenarioBinDir(), offline: true, json: false, markdown: false, commands: [], rest: [] };
const facts: DumpFacts = { ntBuild: 19041, processors: 1, bugcheckCode: 0xe2, bugcheckArgs: [], directoryTableBase: 0x1ad000n };
const page = (pfn: number) => new Uint8Array(4096).fill(pfn & 0xff);

async function cut(layout: 'full' | 'kernel-bitmap', pfns: number[], keepPages: number) {
  const sink = new MemorySink();
  await writeKernelDump(sink, facts, new Map(pfns.map((p) => [p, page(p)])), { layout });
  const whole = sink.toBytes();
  const dataAt = whole.length - pfns.length * 4096;
  return { bytes: whole.subarray(0, dataAt + keepPages * 4096 + 100), whole, dataAt }; // cut 100 bytes into a page
}

for (const layout of ['full', 'kernel-bitmap'] as const) {
  test(`${layout}: pages before the cut read back, pages after it are missing, and the dump says how much is gone`, async () => {
    const pfns = [1, 2, 3, 10, 11, 12, 13, 40];
    const { bytes, whole, dataAt } = await cut(layout, pfns, 5); // pages 1, 2, 3, 10, 11 survive whole
    const d = await openKernelDump(new BufferSource(bytes));
    assert.deepEqual(d.truncation, { expectedSize: whole.length, actualSize: bytes.length });
    assert.equal(d.limitations.length, 1);
    assert.equal(
      d.limitations[0],
      `truncated dump: the file is ${whole.length - bytes.length} bytes shorter than its header says (${bytes.length} of ${whole.length}); pages past file offset 0x${(dataAt + 5 * 4096).toString(16)} are missing (3 of 8 pages), so memory they held reads as not in the dump`,
    );
    const phys = d.physical!;
    assert.equal(phys.pageCount, 5);
    for (const p of [1, 2, 3, 10, 11]) assert.deepEqual(await phys.readPage(p), page(p));
    for (const p of [12, 13, 40]) assert.equal(await phys.readPage(p), undefined);
    const runs = [];
    for await (const r of phys.runs()) runs.push([r.basePfn, r.pageCount]);
    assert.deepEqual(runs, [[1, 3], [10, 2]]);
    await assert.rejects(phys.read(12 * 4096, 8), (e: unknown) => e instanceof MemoryNotPresentError && /past the end of the truncated file/.test(e.message));
  });
}

test('analyze salvages a full dump cut in half: bugcheck and header facts, with the truncation as the first limitation', async () => {
  const path = join(dir, '50.dmp');
  await writeScenarioDump('0x50', 'full', path);
  const whole = readFileSync(path);
  const half = join(dir, '50-half.dmp');
  writeFileSync(half, whole.subarray(0, 0x2000 + 0x30000));
  const { session, close } = await openSession(half, opts, io);
  try {
    const r = await analyzeWithDisplay(session);
    assert.equal(r.bugcheck.code, 0x50);
    assert.match(r.limitations[0], new RegExp(`^truncated dump: the file is ${whole.length - 0x32000} bytes shorter than its header says \\(${0x32000} of ${whole.length}\\); pages past file offset 0x32000 are missing`));
  } finally {
    await close();
  }
  // The CLI reports instead of failing, warning on stderr first; info puts the warning first.
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['analyze', half, '-y', scenarioBinDir(), '--offline'], { ...io, out: (t) => out.push(t), err: (t) => err.push(t) });
  assert.equal(code, 0, err.join(''));
  assert.match(err[0], /^WARNING: truncated dump: /);
  assert.match(out.join(''), /PAGE_FAULT_IN_NONPAGED_AREA \(50\)/);
  const info: string[] = [];
  assert.equal(await main(['info', half], { ...io, out: (t) => info.push(t) }), 0);
  assert.match(info.join(''), /^WARNING: truncated dump: the file is \d+ bytes shorter than its header says/);
});

test('a small (triage) dump cut short keeps the blocks before the cut and names what was lost', async () => {
  const full = join(dir, 'tri-src.dmp');
  await writeScenarioDump('0x50', 'full', full);
  const small = join(dir, 'tri.dmp');
  assert.equal(await main(['convert', full, small, '--to', 'triage', '-y', scenarioBinDir(), '--offline'], io), 0);
  const whole = readFileSync(small);
  for (const keep of [0x2080, 0x3000, Math.floor(whole.length / 2), whole.length - 0x1000]) {
    const d = await openKernelDump(new BufferSource(whole.subarray(0, keep), `cut@${keep}`));
    assert.equal(d.truncation?.actualSize, keep);
    assert.match(d.limitations[0], /^truncated dump: the file is \d+ bytes shorter than its header says .*; parts past file offset 0x[0-9a-f]+ are missing: /);
    for (const b of d.triage!.blocks) assert.ok(b.fileOffset + b.size <= keep, 'every block kept lies inside the file');
  }
  const d = await openKernelDump(new BufferSource(whole.subarray(0, whole.length - 0x1000)));
  assert.match(d.limitations[0], /of \d+ captured memory blocks, \d+ are missing|cut short/);
  // Cut inside the 0x80-byte TRIAGE_DUMP header: nothing to salvage, a clear error naming the offset.
  await assert.rejects(openKernelDump(new BufferSource(whole.subarray(0, 0x2040))), /ends inside the 0x80-byte TRIAGE_DUMP header at 0x2000/);
});

test('a file cut inside the dump header is a clear error', async () => {
  const sink = new MemorySink();
  await writeKernelDump(sink, facts, new Map([[1, page(1)]]), { layout: 'full' });
  await assert.rejects(openKernelDump(new BufferSource(sink.toBytes().subarray(0, 0x1800))), /the 6144-byte file ends inside the 0x2000-byte DUMP_HEADER64/);
});
