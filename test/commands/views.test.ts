// The "what is this machine" views: !pte/!vtop, !di/vertarget/!crash, lmvm, !vm, !pool, !poolused.
// Expected text comes from the WinDbg walkthroughs, the corpus README, llvm-readobj-14's resource dump,
// and facts computed by hand (or with a separate Python reader of the triage dump's data blocks).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type PoolResult, poolCommand } from '../../src/commands/builtin/pool.js';
import { pteReport } from '../../src/memory/pte-report.js';
import { writeScenarioDump } from '../../src/node/scenario-files.js';
import { renderPte } from '../../src/render/pte.js';
import { corpus, repo, skipUnlessCorpus } from '../helpers/corpus.js';
import { openSample, SAMPLE } from './sample-session.js';

const TRIAGE = 'kernel/win10-19041-x64-triage-1000007e.dmp';
const TRIAGE_SYMS = `${corpus('symbols')};${corpus('isf')}`;
const WALK50 = repo('../shared/reference/walkthrough-bugcheck-0x50-000_00f47b712fb2cc93.md');
const WALK7E = repo('../shared/reference/walkthrough-bugcheck-0x7e-001_cbe3b53bd4d35d2f.md');
const dir = mkdtempSync(join(tmpdir(), 'dumpscope-views-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The output block of `PROMPT CMD` in a walkthrough (the lines after it up to the closing fence). */
function walkthroughBlock(path: string, command: string): string[] | undefined {
  if (!existsSync(path)) return undefined;
  const lines = readFileSync(path, 'utf8').split('\n');
  const at = lines.findIndex((l) => /^\d+: kd> /.test(l) && l.replace(/^\d+: kd> /, '') === command);
  if (at < 0) return undefined;
  const end = lines.indexOf('```', at);
  return lines.slice(at + 1, end);
}

/** The dump header's DirectoryTableBase (PAGEDU64 at +0x10), read straight from the file. */
function headerDtb(path: string): bigint {
  const b = readFileSync(path).subarray(0x10, 0x18);
  return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
}

test('!pte of a non-canonical address says so in one line (was an internal error)', async () => {
  const s = await openSample();
  try {
    for (const va of ['4141414141414139', '8000000000000000']) {
      const o = await s.one(`!pte ${va}`);
      assert.equal(o.ok, true, o.text);
      assert.equal(o.text, `VA ${va} is not canonical: no page table entry maps it`);
      const v = await s.one(`!vtop 0 ${va}`);
      assert.equal(v.ok, true, v.text);
      assert.match(v.text, new RegExp(`^Virtual address ${va} translation fails: the address is not canonical`, 'm'));
    }
    // Every boundary of the canonical ranges answers, none throws.
    for (const va of ['0', '7fffffffffff', '800000000000', 'ffff7fffffffffff', 'ffff800000000000', 'ffffffffffffffff']) {
      const o = await s.one(`!pte ${va}`);
      assert.equal(o.ok, true, `${va}: ${o.text}`);
      assert.doesNotMatch(o.text, /internal error/);
    }
  } finally {
    await s.close();
  }
});

test('!pte 0 names all four entries through the self-map and shows the zero PXE as WinDbg does', async () => {
  const s = await openSample();
  try {
    const o = await s.one('!pte 0');
    // MmPteBase FFFFBE8000000000 (the 0x50 walkthrough's slot): PTE = base + ((va >> 9) & 0x7FFFFFFFF8), then up
    // a level by applying it again — hand-computed for va 0.
    assert.deepEqual(o.text.split('\n'), [
      `${' '.repeat(43)}VA 0000000000000000`,
      'PXE at FFFFBEDF6FB7D000    PPE at FFFFBEDF6FA00000    PDE at FFFFBEDF40000000    PTE at FFFFBE8000000000',
      'contains 0000000000000000',
      'not valid',
    ]);
  } finally {
    await s.close();
  }
});

test("!pte on the sample prints the 0x50 walkthrough's block character for character", async () => {
  const s = await openSample();
  try {
    const o = await s.one('!pte ffffe5068d8a4040');
    const block = walkthroughBlock(WALK50, '!pte ffffe5068d8a4040');
    if (block) assert.deepEqual(o.text.split('\n'), block);
    assert.match(o.text, /Page has been freed$/);
  } finally {
    await s.close();
  }
});

test('!vtop walks from the directory base, entry by physical address, to the physical address', async () => {
  const s = await openSample();
  try {
    const ok = await s.one('!vtop 0 ffffe5068d8a3000');
    const dtb = headerDtb(SAMPLE);
    // Entry addresses: table base + index * 8, the tables' frames from the walkthrough's PXE/PPE/PDE values.
    const lines = ok.text.split('\n');
    assert.equal(lines[0], `Amd64VtoP: Virt ffffe5068d8a3000, pagedir ${dtb.toString(16).padStart(16, '0')}`);
    assert.equal(lines[1], `Amd64VtoP: PML4E ${(dtb + 0xe50n).toString(16).padStart(16, '0')}`);
    assert.equal(lines[2], 'Amd64VtoP: PDPE 00000001074000d0');
    assert.equal(lines[3], 'Amd64VtoP: PDE 0000000005dc8360');
    assert.equal(lines[4], 'Amd64VtoP: PTE 000000025754a518');
    // The mapped page is the PTE's frame, as !pte shows it.
    const pfn = /pfn ([0-9a-f]+) +---DA--KWEV$/m.exec((await s.one('!pte ffffe5068d8a3000')).text)?.[1];
    assert.ok(pfn);
    assert.equal(lines[5], `Amd64VtoP: Mapped phys ${(BigInt(`0x${pfn}`) << 12n).toString(16).padStart(16, '0')}`);
    assert.equal(lines[6], `Virtual address ffffe5068d8a3000 translates to physical address ${(BigInt(`0x${pfn}`) << 12n).toString(16)}.`);
    // The freed page next to it: the walk reaches the PTE and stops there.
    const freed = await s.one('!vtop 0 ffffe5068d8a4000');
    assert.match(freed.text, /^Amd64VtoP: PTE 000000025754a520\nVirtual address ffffe5068d8a4000 translation fails: PTE not valid: Page has been freed\.$/m);
    // A given directory base is used (this one's PML4 page is not in the dump).
    const other = await s.one('!vtop 1ad ffffe5068d8a3000');
    assert.match(other.text, /^Amd64VtoP: Virt ffffe5068d8a3000, pagedir 00000000001ad000\nAmd64VtoP: PML4E 00000000001ade50\nVirtual address ffffe5068d8a3000 translation fails: .*not in this dump/);
    assert.equal((await s.one('!vtop ffffffffffffff 0')).ok, false);
    assert.match((await s.one('!vtop 1')).text, /usage: !vtop PFN VIRTUAL_ADDRESS/);
  } finally {
    await s.close();
  }
});

test('a large page: the level under it names the large frame, no crash', () => {
  const t = { va: 0xfffff80116200123n, levels: [
    { name: 'PXE', entryPa: 0x1000f80, value: 0x0a00000001001863n, valid: true },
    { name: 'PPE', entryPa: 0x1001020, value: 0x0a00000001002863n, valid: true },
    { name: 'PDE', entryPa: 0x1002588, value: 0x0a00000002c008e3n, valid: true, large: true },
  ], pa: 0x2c00123, state: { kind: 'valid' as const, pfn: 0x2c00 } };
  const text = renderPte(pteReport(t, 0xffffbe8000000000n));
  assert.match(text.split('\n')[1], /^PXE at .*PTE at FFFFBEFC008B1000$/);
  assert.match(text.split('\n')[3], /pfn 2c00 {6}--LDA--KWEV {2}LARGE PAGE pfn 2c00$/);
});

test('!di, vertarget and !crash on the sample: the walkthrough layout, product and suite from KUSER_SHARED_DATA', async () => {
  const s = await openSample();
  try {
    const di = (await s.one('!di')).text.split('\n');
    const walk = walkthroughBlock(WALK50, '!di');
    // The same labels in the same order as mex's !di (those the dump can answer).
    const labels = (ls: string[]) => ls.map((l) => l.split(/[:=]/)[0].replace(/ Kernel Version.*/, ''));
    if (walk) {
      const mine = labels(di);
      const theirs = labels(walk).filter((l) => mine.includes(l));
      assert.deepEqual(mine, theirs);
      // Character for character where the sample carries the walkthrough's facts.
      for (const l of ['Computer Name:  Not Found', 'Product: WinNt, suite: TerminalServer SingleUserTS', 'System Uptime: 0 days 0:31:32.798']) assert.ok(walk.includes(l) && di.includes(l), l);
    }
    assert.match(di.find((l) => l.startsWith('Bugcheck:')) ?? '', /^Bugcheck: 50 \(FFFFE5068D8A4000, 2, FFFFF801197F[0-9A-F]{4}, 0\)$/);
    assert.ok(di.includes('Processor: GenuineIntel Family 6 Model 140 Stepping 1 ~3000 MHz'));
    const vt = (await s.one('vertarget')).text.split('\n');
    assert.ok(vt.includes('Product: WinNt, suite: TerminalServer SingleUserTS'));
    assert.ok(vt.includes('Machine Name:'));
    assert.ok(!vt.some((l) => /Dump type|Computer Name|Bugcheck/.test(l)), vt.join('\n'));
    const crash = (await s.one('!crash')).text.split('\n');
    const rule = '='.repeat(44);
    assert.deepEqual(crash.slice(0, 3), ['Dump Info', rule, 'Computer Name:  Not Found']);
    const bc = crash.indexOf('Bugcheck details');
    assert.deepEqual(crash.slice(bc - 2, bc + 4), ['', '', 'Bugcheck details', rule, 'Bugcheck code 00000050', crash[bc + 3]]);
    assert.match(crash[bc + 3], /^Arguments ffffe506`8d8a4000 00000000`00000002 fffff801`197f[0-9a-f]{4} 00000000`00000000$/);
    assert.deepEqual(crash.slice(bc + 4, bc + 8), ['', 'Crashing Stack', rule, ' # Child-SP          RetAddr               Call Site']);
    const walkCrash = walkthroughBlock(WALK50, '!crash');
    if (walkCrash) {
      for (const l of ['Dump Info', 'Bugcheck details', 'Crashing Stack', ' # Child-SP          RetAddr               Call Site', rule, 'Bugcheck code 00000050']) assert.ok(walkCrash.includes(l), l);
      // The same blank lines between the sections.
      const wb = walkCrash.indexOf('Bugcheck details');
      assert.deepEqual(walkCrash.slice(wb - 2, wb + 2), crash.slice(bc - 2, bc + 2));
      assert.deepEqual(walkCrash.slice(wb + 4, wb + 8), crash.slice(bc + 4, bc + 8));
    }
  } finally {
    await s.close();
  }
});

test('!di on the real triage dump: suite from the header, CPU from the PRCB copy, bugcheck from the README', { skip: skipUnlessCorpus(TRIAGE) }, async () => {
  const s = await openSample(corpus(TRIAGE), TRIAGE_SYMS);
  try {
    const di = (await s.one('!di')).text.split('\n');
    // Header +0x1040/+0x1044: ProductType 1, SuiteMask 0x110 (VER_SUITE_TERMINAL 0x10 | VER_SUITE_SINGLEUSERTS 0x100).
    assert.ok(di.includes('Product: WinNt, suite: TerminalServer SingleUserTS'), di.join('\n'));
    // The PRCB copy's VendorString/CpuType/CpuModel/CpuStepping/MHz, read with a separate Python reader.
    assert.ok(di.includes('Processor: AuthenticAMD Family 23 Model 113 Stepping 0 ~3593 MHz'), di.join('\n'));
    assert.ok(di.includes('Bugcheck: 1000007E (FFFFFFFFC0000005, FFFFF8048B58334C, FFFF850429891EE8, FFFF850429891720)'));
    assert.equal(di[0], 'Computer Name:  Not Found');
    // !vtop without physical memory: the walk through the self-map still knows each entry's physical address.
    const v = (await s.one('!vtop 0 fffff8048b58334c')).text.split('\n');
    assert.equal(v[0], `Amd64VtoP: Virt fffff8048b58334c, pagedir ${headerDtb(corpus(TRIAGE)).toString(16).padStart(16, '0')}`);
    assert.equal(v[1], 'Amd64VtoP: PML4E 00000000001adf80'); // 0x1ad000 + 0x1f0 * 8
  } finally {
    await s.close();
  }
});

/** The VERSIONINFO resource bytes as llvm-readobj-14 dumps them, or undefined when the tool is missing. */
function readobjVersionResource(path: string): Uint8Array | undefined {
  let out: string;
  try {
    out = execFileSync('llvm-readobj-14', ['--coff-resources', path], { encoding: 'utf8' });
  } catch {
    return undefined;
  }
  const data = out.slice(out.indexOf('VERSIONINFO'));
  const hex = [...data.matchAll(/^\s+[0-9A-F]{4}: ((?:[0-9A-F]{2,8} ?)+)\s+\|/gm)].map((m) => m[1].replace(/\s/g, '')).join('');
  return Uint8Array.from(hex.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
}

test("lmvm amdppm: WinDbg's layout, the version resource as llvm-readobj reads it", { skip: skipUnlessCorpus(TRIAGE) }, async () => {
  const res = readobjVersionResource(corpus('symbols/amdppm.sys/C9C030003b000/amdppm.sys'));
  const s = await openSample(corpus(TRIAGE), TRIAGE_SYMS);
  try {
    const lines = (await s.one('lmvm amdppm')).text.split('\n');
    assert.deepEqual(lines.slice(0, 2), ['Browse full module list', 'start             end                 module name']);
    assert.match(lines[2], /^fffff804`8b580000 fffff804`8b5bb000 {3}amdppm {5}\(.*pdb symbols\) +\S+amdppm\.pdb$/);
    assert.equal(lines[3], '    Loaded symbol image file: amdppm.sys');
    assert.ok(lines.includes('    Image was built with /Brepro flag.'));
    assert.ok(lines.includes('    Timestamp:        C9C03000 (This is a reproducible build file hash, not a timestamp)'));
    assert.ok(lines.includes('    Information from resource tables:'));
    if (!res) return;
    const dv = new DataView(res.buffer);
    // VS_FIXEDFILEINFO follows the 'VS_VERSION_INFO' key at +0x28 (signature FEEF04BD).
    assert.equal(dv.getUint32(0x28, true), 0xfeef04bd);
    const ver = (o: number) => `${dv.getUint32(o, true) >>> 16}.${dv.getUint32(o, true) & 0xffff}.${dv.getUint32(o + 4, true) >>> 16}.${dv.getUint32(o + 4, true) & 0xffff}`;
    assert.ok(lines.includes(`    File version:     ${ver(0x30)}`));
    assert.ok(lines.includes(`    Product version:  ${ver(0x38)}`));
    assert.ok(lines.includes(`    File flags:       ${(dv.getUint32(0x44, true) & dv.getUint32(0x40, true)).toString(16).toUpperCase()} (Mask ${dv.getUint32(0x40, true).toString(16).toUpperCase()})`));
    assert.ok(lines.includes(`    File OS:          ${dv.getUint32(0x48, true).toString(16).toUpperCase()} NT Win32`));
    assert.ok(lines.includes(`    File type:        ${dv.getUint32(0x4c, true)}.${dv.getUint32(0x50, true)} Driver`));
    // The strings: UTF-16 key, NULs, value — as pairs in the blob; each is listed indented by 8.
    const text = new TextDecoder('utf-16le').decode(res);
    for (const key of ['CompanyName', 'FileDescription', 'FileVersion', 'InternalName', 'LegalCopyright', 'OriginalFilename', 'ProductName', 'ProductVersion']) {
      const value = new RegExp(`${key}\\0+([^\\0]+)`).exec(text)?.[1];
      assert.ok(value, key);
      assert.ok(lines.includes(`        ${`${key}:`.padEnd(18)}${value}`), `${key}: ${value}`);
    }
    // VarFileInfo\Translation: the last DWORD of VS_VERSIONINFO (its wLength, at +0), language in the low word.
    const tr = dv.getUint32(dv.getUint16(0, true) - 4, true);
    assert.ok(lines.includes(`    Translations:     ${(tr & 0xffff).toString(16).padStart(4, '0')}.${(tr >>> 16).toString(16).padStart(4, '0')}`));
    // nt has no image here: whether its stamp is a hash cannot be told, and the line says so.
    const nt = (await s.one('lmvm nt')).text;
    assert.match(nt, /^ {4}Timestamp: {8}Tue Mar {2}8 20:51:50 1977 \(0D8333E6\) \(the image is not available: this may be a reproducible build file hash, not a timestamp\)$/m);
  } finally {
    await s.close();
  }
});

test('lmvm of an image without a version resource lists the translations WinDbg tried, like EvilDriver in the 0x7E walkthrough', async () => {
  const path = join(dir, '0x7e.dmp');
  await writeScenarioDump('0x7e', 'full', path);
  const s = await openSample(path);
  try {
    const lines = (await s.one('lmvm EvilDriver')).text.split('\n');
    const walk = walkthroughBlock(WALK7E, 'lmvm EvilDriver');
    const expected = ['    Loaded symbol image file: EvilDriver.sys', '    Image name: EvilDriver.sys', '    Translations:     0000.04b0 0000.04e4 0409.04b0 0409.04e4', '    Information from resource tables:'];
    for (const l of expected) {
      if (walk) assert.ok(walk.includes(l), `walkthrough: ${l}`);
      assert.ok(lines.includes(l), l);
    }
    assert.equal(lines.at(-1), '    Information from resource tables:');
    assert.match(lines[2], /^fffff807`84da0000 fffff807`84da[0-9a-f]{4} {3}EvilDriver {3}\(/);
  } finally {
    await s.close();
  }
});

test("!vm 1 on the sample: every line it prints is the 0x50 walkthrough's, in its order; the rest are named", async () => {
  const s = await openSample();
  try {
    const o = await s.one('!vm 1');
    assert.equal(o.ok, true, o.text);
    const lines = o.text.split('\n');
    const notes = lines.slice(lines.findIndex((l) => l.startsWith('Not shown')));
    const body = lines.slice(0, lines.length - notes.length - 1);
    const walk = walkthroughBlock(WALK50, '!vm 1');
    if (walk) {
      // With some commit lines unsourced, the excess-commit warning is a lower bound ("at least"): below
      // WinDbg's figure. (test/scenario/walkthrough-replay.test.ts checks it against the missing lines.)
      const excess = /^(\*+ Sum of individual system commit \+ Process commit exceeds overall commit by )at least (\d+)( Kb \? \*+)$/;
      const theirs = walk.find((l) => l.startsWith('********** Sum of individual'));
      const shown = body.map((l) => {
        const m = excess.exec(l);
        if (!m || !theirs) return l;
        assert.ok(BigInt(m[2]) < BigInt(/by (\d+) Kb/.exec(theirs)?.[1] ?? '0'), l);
        return theirs;
      });
      let at = -1;
      for (const l of shown) {
        const i = walk.indexOf(l, at + 1);
        assert.ok(i > at, `not in the walkthrough, or out of order: '${l}'`);
        at = i;
      }
      // Each walkthrough value line is either printed or named in the notes.
      for (const l of walk.filter((x) => /^[A-Za-z][A-Za-z ]+:\s+\d/.test(x))) {
        const label = l.split(':')[0];
        assert.ok(body.some((b) => b.startsWith(`${label}:`)) || notes.some((n) => n.includes(label)), label);
      }
    }
    assert.ok(body.includes('******* 73746 kernel stack PTE allocations have failed ******'));
    assert.ok(body.includes('Physical Memory:          2844914 (   11379656 Kb)'));
    assert.ok(body.includes('Commit limit:             5990642 (   23962568 Kb)'));
    assert.ok(!body.some((l) => /Peak Commitment|Process Commit/.test(l)), 'lines WinDbg does not print');
    assert.match(notes.join('\n'), /Locked IO Pages, NonPagedPool Usage, NonPagedPoolNx Usage, Special Pool, Kernel Stacks/);
    // Without flag 1 the processes' commit (EPROCESS.CommitCharge) follows Total Private, which is their sum.
    const all = (await s.one('!vm')).text.split('\n');
    const at = all.findIndex((l) => l.startsWith('Total Private:'));
    const procs = [];
    for (let i = at + 1; /^ {9}[0-9a-f]{4} /.test(all[i]); i++) procs.push(all[i]);
    assert.ok(procs.some((l) => /^ {9}0004 System +\d+ \( +\d+ Kb\)$/.test(l)), procs.join('\n'));
    const pages = (l: string) => BigInt(/(\d+) \(/.exec(l)?.[1] ?? '-1');
    assert.equal(procs.reduce((n, l) => n + pages(l), 0n), pages(all[at]));
    assert.ok(!body.some((l) => /^ {9}[0-9a-f]{4} /.test(l)), '!vm 1 lists no processes');
  } finally {
    await s.close();
  }
});

test('!vm on the real triage dump reads MiSystemPartition by field name and says what the small dump lacks', { skip: skipUnlessCorpus(TRIAGE) }, async () => {
  const s = await openSample(corpus(TRIAGE), TRIAGE_SYMS);
  try {
    const lines = (await s.one('!vm 1')).text.split('\n');
    // Values read from the dump's data blocks at nt!MiSystemPartition + the ISF's _MI_PARTITION offsets with a
    // separate Python reader; Processor Commit is the 16 PRCBs' CachedCommit summed the same way.
    for (const l of ['Physical Memory:          8366927 (   33467708 Kb)', 'Available Pages:          8023204 (   32092816 Kb)', 'Modified Pages:               320 (       1280 Kb)', 'Processor Commit:            3291 (      13164 Kb)', 'Committed pages:           363348 (    1453392 Kb)']) {
      assert.ok(lines.includes(l), `${l}\n${lines.join('\n')}`);
    }
    assert.ok(lines.some((l) => /^Not shown \(the small dump does not contain the memory holding it\): ResAvail Pages, /.test(l)), lines.join('\n'));
    assert.ok(!lines.some((l) => /debugger data block/.test(l)));
  } finally {
    await s.close();
  }
});

test('!pool: the region from the pool header, the owning driver, non-canonical addresses refused clearly', async () => {
  const s = await openSample();
  try {
    const o = await s.one('!pool ffffe5068d8a3db0');
    assert.deepEqual(o.text.split('\n').slice(0, 3), [
      'Pool page ffffe5068d8a3db0 region is Paged pool',
      '*ffffe5068d8a3b80 size:  480 previous size:    0  (Allocated) *WrB1',
      "\t\tOwning component : Driver.sys (its code uses the tag 'WrB1' as an instruction operand)",
    ]);
    const bad = await s.one('!pool 4141414141414139');
    assert.equal(bad.ok, false);
    assert.match(bad.text, /^!pool: 4141414141414139 is not a canonical address/);
  } finally {
    await s.close();
  }
  // WinDbg's two other owner lines, from a result built by hand.
  const base: PoolResult = { kind: 'pool', address: 0xffffa50840001010n, page: 0xffffa50840001000n, region: 'Nonpaged pool', regionSource: 'pool header', blocks: [{ address: 0xffffa50840001000n, size: 0x60, previousSize: 0, allocated: true, poolType: 1, tag: 0x20707249, tagText: 'Irp ', contains: true }] };
  assert.equal(poolCommand.renderText({ ...base, owner: { kind: 'known', text: 'I/O request packets (IRPs)', binary: 'nt!io' } }).split('\n')[2], '\t\tPooltag Irp  : I/O request packets (IRPs), Binary : nt!io');
  assert.equal(poolCommand.renderText({ ...base, owner: { kind: 'unknown' } }).split('\n')[2], '\t\tOwning component : Unknown (update pooltag.txt)');
});

test('!poolused: TOTAL sums the columns and lines up with them; no table says so', async () => {
  const path = join(dir, '0x7e-pool.dmp');
  await writeScenarioDump('0x7e', 'full', path);
  const s = await openSample(path);
  try {
    const lines = (await s.one('!poolused')).text.split('\n');
    const total = lines.find((l) => l.startsWith(' TOTAL')) as string;
    // The 0x7E scenario's rows: File 5210-1200 allocs / 1283000 bytes, Irp 840-800 / 20480, WrB1 paged 1 / 0x2510.
    assert.deepEqual(total.trim().split(/\s+/), ['TOTAL', '4050', '1303480', '1', '9488']);
    const ends = (l: string) => [...l.matchAll(/\d+/g)].map((m) => (m.index as number) + m[0].length);
    const file = lines.find((l) => l.startsWith(' File')) as string;
    assert.deepEqual(ends(total), ends(file.split('\t')[0]));
  } finally {
    await s.close();
  }
  const sample = await openSample();
  try {
    assert.equal((await sample.one('!poolused')).text, 'nt!PoolTrackTable is null: the kernel has no pool tracker table, so there are no entries');
  } finally {
    await sample.close();
  }
});
