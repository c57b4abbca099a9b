// Damaged small dumps open with limitations that name the field and its file offset, and never make
// `convert` build memory beyond what the small dump can hold. A cut file is still salvaged as truncated.
// Expected values are read from the corpus dump's own bytes here (the TRIAGE_DUMP header at 0x2000:
// DataBlocksOffset 0x19438, DataBlocksCount 0x727 = 1831 at 0x207c, DriverListOffset 0x10828, DriverCount
// 0x97 = 151 at 0x2034 — the README's 151 drivers) and from arithmetic on them.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { main } from '../../../src/cli/main.js';
import { openKernelDump } from '../../../src/formats/kernel-dump/kernel-dump.js';
import { BufferSource } from '../../../src/io/buffer-source.js';
import { scenarioBinDir, writeScenarioDump } from '../../../src/node/scenario-files.js';
import { corpus, skipUnlessCorpus } from '../../helpers/corpus.js';

const TRIAGE = 'kernel/win10-19041-x64-triage-1000007e.dmp';
const SYMBOLS = `${corpus('symbols')};${corpus('isf')}`;
const skip = skipUnlessCorpus(TRIAGE) || skipUnlessCorpus('isf');
const dir = mkdtempSync(join(tmpdir(), 'dumpscope-triage-damage-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const original = () => new Uint8Array(readFileSync(corpus(TRIAGE)));
const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.length);
const open = (b: Uint8Array) => openKernelDump(new BufferSource(b, 'damaged.dmp'));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (t) => out.push(t), err: (t) => err.push(t), stderrIsTty: false, env: {} });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

test('header bytes the tests below rely on', { skip }, () => {
  const b = dv(original());
  assert.deepEqual([b.getUint32(0x2078, true), b.getUint32(0x207c, true)], [0x19438, 1831]);
  assert.deepEqual([b.getUint32(0x2030, true), b.getUint32(0x2034, true), b.getUint32(0x2038, true)], [0x10828, 151, 0x15d18]);
  // The first block's data starts right after the table (0x19438 + 1831 * 16), as in every dump Windows writes.
  assert.equal(b.getUint32(0x19438 + 8, true), 0x19438 + 1831 * 16);
});

test('DataBlocksCount 0xfffff: the table ends where its blocks begin; opens fast, converts up and down with bounded memory', { skip }, async () => {
  const bytes = original();
  dv(bytes).setUint32(0x207c, 0xfffff, true);
  const t0 = Date.now();
  const d = await open(bytes);
  assert.ok(Date.now() - t0 < 5000, 'opening stays fast');
  assert.equal(d.truncation, undefined, 'a damaged count is not a truncated file');
  assert.equal(d.triage?.blocks.filter((x) => x.what === 'data block').length, 1831);
  const lim = d.limitations.find((l) => l.includes('DataBlocksCount'));
  assert.ok(lim, d.limitations.join(' | '));
  assert.match(lim, /file offset 0x207c/);
  assert.match(lim, /ends at 0x206a8/);
  assert.match(lim, /1831 entries are read/);
  const path = join(dir, 'bigcount.dmp');
  writeFileSync(path, bytes);
  const rss = process.memoryUsage().rss;
  for (const to of ['full', 'kernel-bitmap']) {
    const t = Date.now();
    const r = await cli(['convert', path, join(dir, `bigcount-${to}.dmp`), '--to', to, '-y', SYMBOLS, '--offline']);
    assert.equal(r.code, 0, r.err);
    assert.ok(Date.now() - t < 20_000, `--to ${to} took ${Date.now() - t} ms`);
  }
  // Before: 720 MB and "stopped after 131072 steps". The rebuilt memory of this dump is about 5 MB.
  assert.ok(process.memoryUsage().rss - rss < 300 * 2 ** 20, `RSS grew by ${Math.round((process.memoryUsage().rss - rss) / 2 ** 20)} MiB`);
  // And down again: the rebuilt full dump cut to a small one.
  const r = await cli(['convert', join(dir, 'bigcount-full.dmp'), join(dir, 'bigcount-triage.dmp'), '--to', 'triage', '-y', SYMBOLS, '--offline']);
  assert.equal(r.code, 0, r.err);
});

test('a data-block table of 50000 one-page blocks in a 2 MB file is refused by convert, naming the table', { skip }, async () => {
  const base = original();
  const n = 50_000;
  const at = base.length;
  const bytes = new Uint8Array(at + n * 16 + 16);
  bytes.set(base);
  const b = dv(bytes);
  b.setUint32(0x2078, at, true);
  b.setUint32(0x207c, n, true);
  b.setUint32(0x2004, bytes.length, true); // SizeOfDump: the table is part of the dump
  for (let i = 0; i < n; i++) {
    b.setBigUint64(at + i * 16, 0xffff900000000000n + BigInt(i) * 0x1000n, true);
    b.setUint32(at + i * 16 + 8, at + n * 16, true);
    b.setUint32(at + i * 16 + 12, 16, true);
  }
  const path = join(dir, 'spray.dmp');
  writeFileSync(path, bytes);
  const t = Date.now();
  const r = await cli(['convert', path, join(dir, 'spray-full.dmp'), '--to', 'full', '-y', SYMBOLS, '--offline']);
  assert.equal(r.code, 1);
  assert.ok(Date.now() - t < 20_000);
  // 50000 blocks on distinct pages; the budget is 8 per 4 KiB of file plus 256.
  const budget = 8 * Math.ceil(bytes.length / 4096) + 256;
  assert.match(r.err, new RegExp(`cover 5000\\d distinct virtual pages, more than a ${bytes.length}-byte small dump can hold \\(at most ${budget}\\)`));
  assert.match(r.err, /DataBlocksOffset and DataBlocksCount\) is damaged.*at offset 0x2078/);
});

test('a data-block table cut by the end of the file is still a truncated dump, not damage', { skip }, async () => {
  const bytes = original().subarray(0, 0x1c000);
  const d = await open(bytes);
  assert.ok(d.truncation, 'truncated');
  assert.ok(!d.limitations.some((l) => l.includes('DataBlocksCount')), d.limitations.join(' | '));
  // Entries before the cut: (0x1c000 - 0x19438) / 16 = 700; their data lies past the cut.
  assert.match(d.limitations[0], /data block table \(0x7270 bytes at 0x19438\) is cut to 0x2bc8 bytes/);
});

test('DriverCount 65535: the list ends at the string pool after it; the 151 drivers keep their names', { skip }, async () => {
  const good = await open(original());
  const bytes = original();
  dv(bytes).setUint32(0x2034, 65535, true);
  const d = await open(bytes);
  assert.equal(d.triage?.drivers.length, 151);
  assert.deepEqual(d.triage?.drivers.map((x) => x.name), good.triage?.drivers.map((x) => x.name));
  const lim = d.limitations.find((l) => l.includes('DriverCount'));
  assert.ok(lim, d.limitations.join(' | '));
  assert.match(lim, /file offset 0x2034.*65535.*runs into the string pool at 0x15d18; 151 drivers are read/);
});

test('a bad driver-name offset loses that name only: driver_<base>.sys and one limitation naming the entry', { skip }, async () => {
  const bytes = original();
  const entry = 0x10828 + 5 * 0x90;
  dv(bytes).setUint32(entry, 0x21, true);
  const base = dv(bytes).getBigUint64(entry + 8 + 0x30, true);
  const d = await open(bytes);
  assert.equal(d.triage?.drivers.length, 151);
  assert.equal(d.triage?.drivers[5].name, `driver_${base.toString(16)}.sys`);
  assert.equal(d.triage?.drivers[4].name, (await open(original())).triage?.drivers[4].name);
  const lines = d.limitations.filter((l) => l.startsWith('driver list'));
  assert.equal(lines.length, 1, d.limitations.join(' | '));
  assert.match(lines[0], /entry 5 at file offset 0x10af8: its name offset 0x21 is outside the string pool/);
});

test('a 32-bit (PAGEDUMP) dump converts to full in its own layout; bitmap and triage layouts are refused with the reason', async () => {
  const src = join(dir, '7e-32.dmp');
  await writeScenarioDump('0x7e', 'full32', src);
  const out = join(dir, '7e-32-full.dmp');
  const r = await cli(['convert', src, out, '--to', 'full']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /full \(32-bit PAGEDUMP\)/);
  const written = new Uint8Array(readFileSync(out));
  assert.equal(new TextDecoder('latin1').decode(written.subarray(0, 8)), 'PAGEDUMP');
  assert.deepEqual(written, new Uint8Array(readFileSync(src)), 'the same layout: the same bytes');
  for (const to of ['kernel-bitmap', 'full-bitmap']) {
    const x = await cli(['convert', src, join(dir, `7e-32-${to}.dmp`), '--to', to]);
    assert.equal(x.code, 1);
    assert.match(x.err, new RegExp(`--to ${to} is not supported for 32-bit \\(PAGEDUMP\\) dumps`));
  }
  const x = await cli(['convert', src, join(dir, '7e-32-triage.dmp'), '--to', 'triage', '-y', scenarioBinDir(), '--offline']);
  assert.equal(x.code, 1);
  assert.match(x.err, /--to triage is not supported for 32-bit \(PAGEDUMP\) dumps/);
});

test('convert --to triage of a small dump rewrites it: valid TRGD marker, the same drivers and blocks', { skip }, async () => {
  const out = join(dir, 'rewritten.dmp');
  const r = await cli(['convert', corpus(TRIAGE), out, '--to', 'triage']);
  assert.equal(r.code, 0, r.err); // before: exit 1, "already a small (triage) dump"
  const b = new Uint8Array(readFileSync(out));
  const v = dv(b);
  const validAt = v.getUint32(0x2008, true);
  assert.equal(new TextDecoder('latin1').decode(b.subarray(validAt, validAt + 4)), 'TRGD');
  assert.equal(v.getUint32(0x2004, true), b.length, 'SizeOfDump is the file size');
  assert.equal(v.getUint32(0x207c, true), 1831, 'the 1831 data blocks of the source');
  assert.equal(v.getUint32(0x2034, true), 151, "the README's 151 drivers");
  const d = await open(b);
  assert.deepEqual(d.limitations, [], 'a clean small dump');
  assert.deepEqual(d.triage?.drivers.map((x) => x.name), (await open(original())).triage?.drivers.map((x) => x.name));
});

test('messages: a missing DUMP, an unknown DumpType, a bitmap signature of NUL bytes', async () => {
  let r = await cli(['info', join(dir, 'missing.dmp')]);
  assert.deepEqual([r.code, r.err], [1, `dumpscope info: cannot open ${join(dir, 'missing.dmp')}: no such file or directory`]);
  const src = join(dir, '50-bitmap.dmp');
  await writeScenarioDump('0x50', 'kernel-bitmap', src);
  const bytes = new Uint8Array(readFileSync(src));
  const nul = bytes.slice();
  nul.fill(0, 0x2000, 0x2004); // 'SDMP' at 0x2000
  writeFileSync(join(dir, 'nul-sdmp.dmp'), nul);
  r = await cli(['info', join(dir, 'nul-sdmp.dmp')]);
  assert.match(r.err, /signature 00 00 00 00 is not SDMP or FDMP/);
  const type = bytes.slice();
  dv(type).setUint32(0xf98, 0x99, true);
  writeFileSync(join(dir, 'type99.dmp'), type);
  r = await cli(['analyze', join(dir, 'type99.dmp'), '-y', scenarioBinDir(), '--offline']);
  assert.match(r.out, /DumpType 0x99 \(file offset 0xf98\) is not a known dump type/);
  assert.doesNotMatch(r.out, /unknown unknown/);
});
