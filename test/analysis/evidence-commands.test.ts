// The commands ROOT CAUSE cites, implemented for it: `s` (search memory, WinDbg's range and alignment
// rules), `!irp`, `!errrec`, `dS`, `!pfn`, `!dpcs`, `.ecxr`, and `!analyze` without -v (the short form).
// Structures are written by field name into a scenario kernel; expected values are what the test wrote.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createEngine } from '../../src/commands/registry.js';
import { writeKernelDump } from '../../src/formats/kernel-dump/writer.js';
import { FileSink } from '../../src/node/file-sink.js';
import { openSession } from '../../src/node/open-session.js';
import { scenarioBinDir } from '../../src/node/scenario-files.js';
import { symbolAddress } from '../../src/scenario/images.js';
import type { KernelScenario } from '../../src/scenario/kernel-scenario.js';
import { type CrashKernel, crashKernel, isfStruct, setUnicode } from '../helpers/family-dumps.js';
import { io, scenario, writeRestated } from './restate.js';

const dir = mkdtempSync(join(tmpdir(), 'dumpscope-evidence-cmds-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const opts = { sympath: scenarioBinDir(), offline: true, json: false, markdown: false, commands: [], rest: [] };
const engine = createEngine();
const hasObjdump = () => {
  try {
    execFileSync('llvm-objdump-14', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

const chain = async (k: KernelScenario) => [
  { image: k.nt, fn: 'KeBugCheckEx', at: 'entry' as const },
  { image: k.nt, fn: 'KiExecuteAllDpcs' },
  { image: k.nt, fn: 'KiRetireDpcList' },
  { image: k.nt, fn: 'KiIdleLoop' },
];

/** Writes the crash kernel as a dump and runs `line` in a session on it. */
async function run(c: CrashKernel, name: string, line: string, code = 0x9f, args = [3n, 0n, 0n, 0n]) {
  const path = join(dir, `${name}.dmp`);
  const sink = await FileSink.create(path);
  await writeKernelDump(sink, c.k.facts(code, args, c.regs, name), c.k.mem.pages, { layout: 'full' });
  await sink.commit();
  const { session, close } = await openSession(path, opts, io);
  try {
    return await engine.run(session, line);
  } finally {
    await close();
  }
}

async function onScenario(line: string) {
  const s = await scenario('0x7e');
  const { session, close } = await openSession(await writeRestated(s, s.facts.bugcheckCode, s.facts.bugcheckArgs), opts, io);
  try {
    return await engine.run(session, line);
  } finally {
    await close();
  }
}

test('s: bytes, dwords, strings; L in bytes, the end inclusive, aligned dword hits only, 256 MB without L?', async () => {
  const c = await crashKernel([], chain);
  const va = c.k.alloc(0x40);
  // 'W','r','B','1' at +0x10 (aligned) and +0x21 (not aligned), then "Hello" at +0x30.
  c.k.mem.write(va + 0x10n, new Uint8Array([0x57, 0x72, 0x42, 0x31]));
  c.k.mem.write(va + 0x21n, new Uint8Array([0x57, 0x72, 0x42, 0x31]));
  c.k.mem.write(va + 0x30n, new TextEncoder().encode('Hello'));
  const a = va.toString(16);
  const [b, d, s, l, far, big] = await run(c, 's', `s -b ${a} L40 57 72 42 31; s -d ${a} L40 31427257; s -a ${a} L40 "Hello"; s -b ${a} ${(va + 0x23n).toString(16)} 57 72 42 31; s -b ${a} L20 'H' 'e'; s -b ${a} L20000000 00`);
  const hits = (o: typeof b) => o.text.split('\n').filter(Boolean).map((x) => BigInt(`0x${x.slice(0, 17).replace('`', '')}`) - va);
  assert.deepEqual(hits(b), [0x10n, 0x21n]);
  assert.deepEqual(hits(d), [0x10n], 'a dword search reports aligned hits only');
  assert.match(d.text, /^[0-9a-f]{8}`[0-9a-f]{8} {2}31427257 /);
  assert.deepEqual(hits(s), [0x30n]);
  // START END: the end address is inclusive, and a hit must fit in the range.
  assert.deepEqual(hits(l), [0x10n]);
  assert.equal(far.text, '', 'L20 ends before the string at +0x30');
  assert.ok(!big.ok && /more than 256 MB needs L\?/.test(big.text), big.text);
});

test('s on the 0x7E scenario finds EvilDriver\'s pool tag where llvm-objdump shows it as an instruction operand', { skip: hasObjdump() ? false : 'llvm-objdump-14 is not installed' }, async () => {
  // 'WrB1' = 0x31427257, stored little-endian as 57 72 42 31 at the end of `mov r32, imm32`.
  const dis = execFileSync('llvm-objdump-14', ['-d', join(scenarioBinDir(), 'EvilDriver.sys')], { encoding: 'utf8' });
  const operands = [...dis.matchAll(/^([0-9a-f]+): ((?:[0-9a-f]{2} )+)\s*mov.*# imm = 0x31427257$/gm)].map((m) => BigInt(`0x${m[1]}`) + BigInt(m[2].trim().split(' ').join('').indexOf('57724231') / 2));
  assert.ok(operands.length >= 1, 'the driver allocates with its tag');
  const [, found] = await onScenario('lm m EvilDriver; s -b EvilDriver L5000 57 72 42 31');
  const hits = found.text.split('\n').filter(Boolean).map((x) => BigInt(`0x${x.slice(0, 17).replace('`', '')}`));
  for (const o of operands) assert.ok(hits.includes(o), `${o.toString(16)} not in ${hits.map((h) => h.toString(16))}`);
});

test('!pfn 1 is the !pfn command, not !p with "fn 1"; !pfn reads the entry by field name', async () => {
  const c = await crashKernel([], chain);
  const { k } = c;
  const pfnDb = 0xffffb90000000000n;
  k.mem.u64(await k.global('MmPfnDatabase'), pfnDb);
  const entry = await isfStruct(k, '_MMPFN', pfnDb + 0x1234n * 0x30n); // sizeof(_MMPFN) is 0x30 on 19041 x64
  entry.set('PteAddress', 0xffffbe80000091a0n).set('u2.ShareCount', 1).set('u3.e2.ReferenceCount', 1);
  const [one, pfn, unknown] = await run(c, 'pfn', '!pfn 1; !pfn 1234; !pfnx 1');
  assert.ok(!/^!p:/.test(one.text), one.text);
  assert.match(pfn.text, /^ {4}PFN 00001234 at address FFFFB900000369C0$/m); // 0xffffb90000000000 + 0x1234 * 0x30 = …369c0
  assert.match(pfn.text, /pteaddress FFFFBE80000091A0/);
  assert.match(pfn.text, /reference count 0001/);
  assert.match(unknown.text, /^Unknown command '!pfnx'/);
});

test('!irp: stack locations, the current one marked, the driver of each device; !dpcs lists a queued DPC', async () => {
  const c = await crashKernel(['EvilDriver'], chain);
  const { k } = c;
  const img = k.image('EvilDriver');
  const drv = await isfStruct(k, '_DRIVER_OBJECT');
  drv.set('Type', 4).set('DriverStart', img.base).set('DriverSize', img.pe.sizeOfImage);
  setUnicode(k, drv, 'DriverName', '\\Driver\\EvilDriver');
  const dev = await isfStruct(k, '_DEVICE_OBJECT');
  dev.set('Type', 3).set('DriverObject', drv.address).set('StackSize', 1);
  const irpType = (await k.types.struct('_IRP'))!;
  const locType = (await k.types.struct('_IO_STACK_LOCATION'))!;
  const irp = await isfStruct(k, '_IRP', k.alloc(irpType.size + locType.size));
  irp.set('Type', 6).set('StackCount', 1).set('CurrentLocation', 1);
  const loc = await isfStruct(k, '_IO_STACK_LOCATION', irp.address + BigInt(irpType.size));
  loc.set('MajorFunction', 0x16).set('MinorFunction', 2).set('DeviceObject', dev.address); // IRP_MJ_POWER / IRP_MN_SET_POWER
  irp.set('Tail.Overlay.CurrentStackLocation', loc.address);
  const routine = await symbolAddress(img, 'RunTest');
  const dpc = await isfStruct(k, '_KDPC');
  dpc.set('Type', 0x13).set('DeferredRoutine', routine).set('DpcListEntry.Next', 0);
  const data = await isfStruct(k, '_KDPC_DATA', k.prcbs[0] + BigInt(await k.types.offsetOf('_KPRCB', 'DpcData')));
  data.set('DpcList.ListHead.Next', dpc.addressOf('DpcListEntry')).set('DpcQueueDepth', 1);
  const [out, dpcs] = await run(c, 'irp', `!irp ${irp.address.toString(16)}; !dpcs 0`);
  assert.ok(out.ok, out.text);
  const lines = out.text.split('\n');
  assert.equal(lines[0], `Irp is active with 1 stacks 1 is current (= 0x${loc.address.toString(16).padStart(16, '0')})`);
  assert.ok(lines.includes('>[IRP_MJ_POWER(16), IRP_MN_SET_POWER(2)]'), out.text);
  assert.ok(lines.some((l) => l.trim() === '\\Driver\\EvilDriver'), out.text);
  assert.ok(dpcs.ok, dpcs.text);
  assert.match(dpcs.text, new RegExp(` 0: Normal  : ${dpc.address.toString(16).slice(0, 8)}\`${dpc.address.toString(16).slice(8)} EvilDriver!RunTest`));
});

test('dS shows a UNICODE_STRING\'s buffer and text; !errrec a CPER record header; .ecxr returns to the bugcheck context', async () => {
  const c = await crashKernel([], chain);
  const { k } = c;
  const us = await k.struct('_UNICODE_STRING');
  const text = '\\Driver\\OldFilter';
  const buf = k.alloc(text.length * 2);
  k.mem.write(buf, new Uint8Array([...text].flatMap((ch) => [ch.charCodeAt(0), 0])));
  us.set('Length', text.length * 2).set('MaximumLength', text.length * 2).set('Buffer', buf);
  const rec = k.alloc(128);
  const b = new Uint8Array(128);
  const dv = new DataView(b.buffer);
  b.set([0x43, 0x50, 0x45, 0x52], 0); // 'CPER', UEFI spec N.2.1
  dv.setUint16(4, 0x0210, true);
  dv.setUint32(6, 0xffffffff, true);
  dv.setUint32(12, 1, true); // fatal
  dv.setUint32(20, 128, true);
  k.mem.write(rec, b);
  const [ds, errrec, ecxr, kb] = await run(c, 'ds', `dS ${us.address.toString(16)}; !errrec ${rec.toString(16)}; .ecxr; kb`);
  assert.equal(ds.text, `${buf.toString(16).slice(0, 8)}\`${buf.toString(16).slice(8)}  "${text}"`);
  assert.ok(errrec.ok, errrec.text);
  assert.ok(errrec.text.includes(`Common Platform Error Record @ ${rec.toString(16).padStart(16, '0')}`));
  assert.match(errrec.text, /^Severity {6}: Fatal \(1\)$/m);
  assert.ok(ecxr.ok && kb.ok && /nt!KeBugCheckEx/.test(kb.text), kb.text);
});

test('!analyze without -v prints the short form: the bugcheck line, the probable cause and the follow-up', async () => {
  const [short, verbose, bad] = await onScenario('!analyze; !analyze -v; !analyze -x');
  const lines = short.text.split('\n');
  assert.ok(lines.includes('Use !analyze -v to get detailed debugging information.'));
  // The 0x7E walkthrough's code, as `!analyze` prints it: `BugCheck 7E, {ffffffffc0000005, …}`.
  assert.ok(lines.some((l) => /^BugCheck 7E, \{ffffffffc0000005, [0-9a-f]+, [0-9a-f]+, [0-9a-f]+\}$/.test(l)), short.text);
  assert.ok(lines.some((l) => /^Probably caused by : EvilDriver\.sys \( EvilDriver!FillAndFree\+[0-9a-f]+ \)$/.test(l)), short.text);
  assert.ok(!short.text.includes('STACK_TEXT'));
  assert.ok(verbose.text.includes('STACK_TEXT:'));
  assert.ok(!bad.ok && /unknown option -x/.test(bad.text));
});
