// `convert` on the real corpus dumps: every header fact survives each layout (vertarget and !di print the
// same), small dumps we write carry the validity marker real ones have, memory the stack points to and the
// unloaded drivers survive a round trip, and bytes a small dump did not capture stay "not in the dump".
// Expected values: the corpus README and bytes read straight from the files (offsets in docs/kernel-dump.md).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { convertCommand } from '../../../src/cli/commands/convert.js';
import { createEngine } from '../../../src/commands/registry.js';
import { openSession } from '../../../src/node/open-session.js';
import { corpus, skipUnlessCorpus } from '../../helpers/corpus.js';

const TRIAGE = 'kernel/win10-19041-x64-triage-1000007e.dmp';
const FULL16K = 'kernel/win10-19045-x64-full-first16k.dmp';
const skipTriage = skipUnlessCorpus(TRIAGE) || skipUnlessCorpus('isf');
const dir = mkdtempSync(join(tmpdir(), 'dumpscope-convert-corpus-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const io = { out: () => {}, err: () => {}, stderrIsTty: false, env: {} };
const sym = () => `${corpus('symbols')};${corpus('isf')}`;
const LAYOUTS = ['full', 'kernel-bitmap', 'full-bitmap'] as const;
const u32 = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset).getUint32(o, true);
const u64 = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset).getBigUint64(o, true);
const ascii = (b: Uint8Array, o: number, n: number) => String.fromCharCode(...b.subarray(o, o + n));

async function convert(args: string[]): Promise<string[]> {
  const said: string[] = [];
  assert.equal(await convertCommand.run([...args, '--offline'], { ...io, out: (t: string) => said.push(t) }), 0, said.join('\n'));
  return said;
}

/** Command output on a dump (the dump's own path, which differs between copies, taken out). */
async function texts(path: string, commands: string, sympath = sym()): Promise<string[]> {
  const { session, close } = await openSession(path, { sympath, offline: true, json: false, markdown: false, commands: [], rest: [] }, io);
  try {
    return (await createEngine().run(session, commands)).map((r) => r.text.replace(/^KernelMode Dump Path: .*$/m, 'KernelMode Dump Path: <path>'));
  } finally {
    await close();
  }
}

/** DUMP_HEADER64 byte ranges that differ, outside the layout's own fields (run descriptor, DumpType, RequiredDumpSpace). */
function headerDiff(a: Uint8Array, b: Uint8Array, skip: [number, number][] = []): string[] {
  const layout: [number, number][] = [[0x88, 0x348], [0xf98, 0xf9c], [0xfa0, 0xfa8], ...skip];
  const out: string[] = [];
  for (let i = 0; i < 0x2000; i++) {
    if (a[i] === b[i] || layout.some(([s, e]) => i >= s && i < e)) continue;
    out.push(`0x${i.toString(16)}`);
  }
  return out;
}

test('the corpus small dump: ValidOffset 0x13a288 = SizeOfDump - 4 holds TRGD, MiniDumpFields 0xcff, TriageOptions 0xffffffff; our reader validates it', { skip: skipTriage }, async () => {
  const b = new Uint8Array(readFileSync(corpus(TRIAGE)));
  // Read straight from the bytes: TRIAGE_DUMP at 0x2000 (SizeOfDump +4, ValidOffset +8, TriageOptions +0x44).
  assert.deepEqual([u32(b, 0x2004), u32(b, 0x2008), ascii(b, 0x13a288, 4), u32(b, 0x1038), u32(b, 0x2044)], [0x13a28c, 0x13a288, 'TRGD', 0xcff, 0xffffffff]);
  assert.deepEqual([u32(b, 0x1040), u32(b, 0x1044)], [1, 0x110], 'ProductType WinNt, SuiteMask TerminalServer|SingleUserTS');
  const { target, close } = await openSession(corpus(TRIAGE), { sympath: sym(), offline: true, json: false, markdown: false, commands: [], rest: [] }, io);
  try {
    const d = target.dump;
    assert.equal(d.triage?.validMarker, 0x44475254);
    assert.equal(d.header.miniDumpFields, 0xcff);
    assert.deepEqual(d.limitations, [], 'a real small dump raises no validity warning');
  } finally {
    await close();
  }
});

test('corpus triage → full / kernel-bitmap / full-bitmap → triage: vertarget, !di and lm print the same, header fields kept, the small dump written is valid', { skip: skipTriage }, async () => {
  const commands = 'vertarget; !di; lm';
  const original = await texts(corpus(TRIAGE), commands);
  assert.match(original[0], /^Product: WinNt, suite: TerminalServer SingleUserTS$/m);
  // The corpus dump's 4 unloaded drivers (as its own list names them).
  for (const name of ['dam.sys', 'WdBoot.sys', 'hwpolicy.sys', 'mcupdate.dll']) assert.match(original[2], new RegExp(`^[0-9a-f\`]+ [0-9a-f\`]+ +${name.replace('.', '\\.')}$`, 'm'));
  const src = new Uint8Array(readFileSync(corpus(TRIAGE)));
  for (const to of LAYOUTS) {
    const up = join(dir, `up-${to}.dmp`);
    const said = await convert([corpus(TRIAGE), up, '--to', to, '-y', sym()]);
    assert.ok(!said.some((l) => /unloaded drivers are not written/.test(l)), said.join('\n'));
    assert.deepEqual(await texts(up, commands), original, `up to ${to}`);
    const upBytes = new Uint8Array(readFileSync(up));
    // Every header byte but the layout's own and the Comment saying it was rebuilt.
    assert.deepEqual(headerDiff(src, upBytes, [[0xfb0, 0x1030]]), [], `${to} header`);
    assert.match(ascii(upBytes, 0xfb0, 0x80), /^dumpscope: rebuilt from a small dump/);
    const back = join(dir, `back-${to}.dmp`);
    await convert([up, back, '--to', 'triage', '-y', sym()]);
    assert.deepEqual(await texts(back, commands), original, `${to} and back to triage`);
    const b = new Uint8Array(readFileSync(back));
    assert.deepEqual(headerDiff(src, b), [], `${to} and back: header`);
    const size = u32(b, 0x2004);
    assert.deepEqual([b.length, u32(b, 0x2008), ascii(b, size - 4, 4), u32(b, 0x1038), u32(b, 0x2044)], [size, size - 4, 'TRGD', 0xcff, 0xffffffff], `${to} and back: validity`);
  }
});

test('corpus triage round trip: every kernel pointer on the crashing stack readable in the source stays readable', { skip: skipTriage }, async () => {
  const readable = async (path: string, values?: bigint[]) => {
    const { target: t, close } = await openSession(path, { sympath: sym(), offline: true, json: false, markdown: false, commands: [], rest: [] }, io);
    try {
      const top = (t.dump.context?.rsp ?? 0n) & ~0xfn;
      const base = (await t.crashState()).thread?.stackBase ?? top;
      const st = await t.memory.readSparse(top, Number(base - top));
      const dv = new DataView(st.bytes.buffer);
      const vals = values ?? [];
      if (!values) for (let i = 0; i + 8 <= st.bytes.length; i += 8) if (st.valid[i] && dv.getBigUint64(i, true) >= 0xffff800000000000n) vals.push(dv.getBigUint64(i, true));
      const ok = [];
      for (const v of vals) ok.push((await t.memory.readSparse(v, 8)).valid.every((x) => x === 1));
      return { vals, ok };
    } finally {
      await close();
    }
  };
  const src = await readable(corpus(TRIAGE));
  // Counted from the file alone: 203 kernel-range values from the context's rsp to the stack base, 188 of
  // them pointing into a captured block (TopOfStack, the data-block table: python over the raw bytes).
  assert.deepEqual([src.vals.length, src.ok.filter(Boolean).length], [203, 188]);
  for (const to of LAYOUTS) {
    const up = join(dir, `up-${to}.dmp`);
    const back = join(dir, `back-${to}.dmp`);
    for (const path of [up, back]) {
      const r = await readable(path, src.vals);
      const lost = src.vals.filter((_v, i) => src.ok[i] && !r.ok[i]).map((v) => v.toString(16));
      assert.deepEqual(lost, [], `${path}: pointers no longer readable`);
    }
  }
});

test('corpus triage up-converted: bytes the small dump did not capture are not in the dump (no zeros stated as fact)', { skip: skipTriage }, async () => {
  const up = join(dir, 'up-full.dmp');
  const [orig] = await texts(corpus(TRIAGE), '!thread');
  const [rebuilt] = await texts(up, '!thread');
  assert.match(orig, /KeMaximumIncrement is not in the dump/);
  assert.match(rebuilt, /KeMaximumIncrement is not in the dump/);
  assert.doesNotMatch(rebuilt, /implausible 0/);
  // Byte by byte over every captured page: what the small dump has is what the rebuilt one has, and where it
  // has nothing the rebuilt one has nothing either — but for what the rebuild must write (list links and
  // heads, the debugger data copy at its address, paging entries that map captured pages).
  const open = (p: string) => openSession(p, { sympath: sym(), offline: true, json: false, markdown: false, commands: [], rest: [] }, io);
  const a = await open(corpus(TRIAGE));
  const b = await open(up);
  try {
    assert.match(b.target.dump.limitations.join('\n'), /converted from a small \(triage\) dump: only the bytes it captured/);
    const kt = (await a.target.kernelTypes())!;
    const crash = await a.target.crashState();
    const proc = crash.process!.address!;
    const thread = crash.thread!.address!;
    const field = async (base: bigint, type: string, name: string) => base + BigInt(await kt.offsetOf(type, name));
    const kdbg = a.target.dump.header.kdDebuggerDataBlock;
    const mayChange: [bigint, bigint][] = [
      [await field(proc, '_EPROCESS', 'ActiveProcessLinks'), 16n],
      [await field(proc, '_EPROCESS', 'ThreadListHead'), 16n],
      [await field(thread, '_ETHREAD', 'ThreadListEntry'), 16n],
      [a.target.dump.header.psActiveProcessHead, 16n],
      [a.target.dump.header.psLoadedModuleList, 16n],
      [kdbg, BigInt(a.target.dump.triage!.debuggerData!.length)],
      [a.target.debuggerData!.pointer('MmUnloadedDrivers')!, 8n],
      [a.target.debuggerData!.pointer('MmLastUnloadedDriver')!, 4n],
    ];
    const pteBase = (await a.target.pteBase())!;
    const allowed = (va: bigint) => mayChange.some(([s, n]) => va >= s && va < s + n) || (va >= pteBase && va < pteBase + 0x8000000000n);
    const pages = new Set<bigint>();
    for (const blk of a.target.dump.triage!.blocks) for (let p = blk.va & ~0xfffn; p < blk.va + BigInt(blk.size); p += 0x1000n) pages.add(p);
    for (const [s] of mayChange) pages.add(s & ~0xfffn);
    let partial = 0;
    const wrong: string[] = [];
    for (const p of pages) {
      const x = await a.target.memory.readSparse(p, 0x1000);
      const y = await b.target.memory.readSparse(p, 0x1000);
      if (x.valid.includes(0) && x.valid.includes(1)) partial++;
      for (let i = 0; i < 0x1000; i++) {
        const va = p + BigInt(i);
        if (x.valid[i] !== y.valid[i] || x.bytes[i] !== y.bytes[i]) if (!allowed(va)) wrong.push(va.toString(16));
      }
    }
    assert.ok(partial > 100, `the corpus dump captured ${partial} pages in part`);
    assert.deepEqual(wrong.slice(0, 8), [], `${wrong.length} bytes differ from the small dump`);
  } finally {
    await a.close();
    await b.close();
  }
});

test('the corpus 16 KiB full dump (truncated) in every layout: vertarget and !di the same, every header byte kept, the loss carried', { skip: skipUnlessCorpus(FULL16K) }, async () => {
  const src = new Uint8Array(readFileSync(corpus(FULL16K)));
  const original = await texts(corpus(FULL16K), 'vertarget; !di', corpus('symbols'));
  assert.match(original[0], /^Product: WinNt, suite: TerminalServer SingleUserTS$/m);
  for (const to of LAYOUTS) {
    const out = join(dir, `f16-${to}.dmp`);
    const said = await convert([corpus(FULL16K), out, '--to', to]);
    assert.ok(said.some((l) => l.startsWith('note: IN is truncated')), said.join('\n'));
    assert.deepEqual(await texts(out, 'vertarget; !di', corpus('symbols')), original, to);
    const b = new Uint8Array(readFileSync(out));
    assert.deepEqual(headerDiff(src, b), [], `${to} header`);
    assert.equal(u64(b, 0xfa0), BigInt(b.length), 'RequiredDumpSpace');
    const { target, close } = await openSession(out, { sympath: corpus('symbols'), offline: true, json: false, markdown: false, commands: [], rest: [] }, io);
    try {
      // The README's 0x7FE86 pages after the 0x2000-byte header: 2145943552 bytes, of which the file has 16384.
      assert.deepEqual(target.dump.limitations, ['converted from a truncated dump (16384 of 2145943552 bytes, 2145927168 missing): what was past the cut is not in this dump either']);
    } finally {
      await close();
    }
  }
});
