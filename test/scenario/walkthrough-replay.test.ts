// Both WinDbg walkthroughs replayed on the scenario dumps (0x50: the shipped sample; 0x7E: the 0x7E
// scenario): each command as the walkthrough types it, the output compared with the walkthrough's own block,
// line for line where the scenario carries the walkthrough's facts. Expected text is the walkthroughs'.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openIsf } from '../../src/formats/isf/open-isf.js';
import { writeScenarioDump } from '../../src/node/scenario-files.js';
import { parseSmbiosSystem } from '../../src/target/smbios.js';
import { windbgTime } from '../../src/util/cformat.js';
import { openSample, SAMPLE } from '../commands/sample-session.js';
import { corpus, repo, skipUnlessCorpus } from '../helpers/corpus.js';
import { skipUnlessWalkthroughs, WALK50, WALK7E, walkthroughBlock } from '../helpers/walkthrough.js';

const skip = skipUnlessWalkthroughs();
const dir = mkdtempSync(join(tmpdir(), 'dumpscope-replay-'));
const DUMP7E = join(dir, 'walkthrough-0x7e.dmp');
before(() => writeScenarioDump('0x7e', 'full', DUMP7E));
after(() => rmSync(dir, { recursive: true, force: true }));

async function outputs(path: string, commands: string[]): Promise<string[]> {
  const s = await openSample(path);
  try {
    const out: string[] = [];
    for (const c of commands) {
      const o = await s.one(c);
      assert.equal(o.ok, true, `${c}: ${o.error ?? o.text}`);
      out.push(o.text);
    }
    return out;
  } finally {
    await s.close();
  }
}

test("0x7E: r15's segment-heap VS context replays the walkthrough's dt -r1 and dx blocks exactly", { skip }, async () => {
  const commands = [
    'dt ntkrnlmp!_HEAP_VS_CONTEXT ffffe0099a6002c0 -r1',
    'dx @$heap_context = (ntkrnlmp!_HEAP_VS_CONTEXT*) 0xffffe0099a6002c0',
    'dx @$heap_context->TotalCommittedUnits',
    'dx @$heap_context->FreeCommittedUnits',
  ];
  const mine = await outputs(DUMP7E, commands);
  for (const [i, c] of commands.entries()) assert.deepEqual(mine[i].split('\n').map((l) => l.trimEnd()), walkthroughBlock(WALK7E, c), c);
  // The context record holds the VS context in r13 and r15, as the walkthrough's .cxr shows them.
  const arg4 = /Arguments \S+ \S+ \S+ (\S+)/.exec((await outputs(DUMP7E, ['.bugcheck']))[0])?.[1].replace('`', '');
  const [cxr] = await outputs(DUMP7E, [`.cxr 0x${arg4}`]);
  const theirs = walkthroughBlock(WALK7E, '.cxr 0xffffa1088a4ae410').join('\n');
  for (const reg of ['r13', 'r15', 'r10', 'rax']) assert.equal(new RegExp(`${reg}=(\\w+)`).exec(cxr)?.[1], new RegExp(`${reg}=(\\w+)`).exec(theirs)?.[1], reg);
});

/** `nt!Fn+0x1b4` → `nt!Fn`; the walkthrough's EvilDriver has no symbols (`EvilDriver+0x115b`): its module only. */
const frameName = (s: string) => s.replace(/\+0x[0-9a-f]+$/, '').replace(/^EvilDriver!.*/, 'EvilDriver');

test("0x7E: from the bugcheck context, k, .frame /r 0n8 and dt/dx of @r15 replay the walkthrough (no .cxr)", { skip }, async () => {
  const s = await openSample(DUMP7E);
  try {
    const [k, frame, dt, dx, us, f0] = await s.run('k; .frame /r 0n8; dt ntkrnlmp!_HEAP_VS_CONTEXT @r15 -r1; dx (ntkrnlmp!_HEAP_VS_CONTEXT*)@r15; !us nt!RtlpHpVsFreeChunkInsert; .frame /r 0');
    for (const o of [k, frame, dt, dx, us, f0]) assert.ok(o.ok, `${o.command}: ${o.error ?? o.text}`);
    // The frames, numbered as the walkthrough's `!mex.t` numbers them: 21, frame 8 the faulting function.
    const theirs = walkthroughBlock(WALK7E, '!us nt!RtlpHpVsFreeChunkInsert').filter((l) => /^ {4}[0-9a-f]{16} /.test(l)).map((l) => frameName(l.trim().split(' ')[1]));
    assert.equal(theirs.length, 21);
    const rows = k.text.split('\n').filter((l) => /^[0-9a-f]{2} /.test(l));
    assert.deepEqual(rows.map((l) => frameName(l.split(/\s+/)[3])), theirs);
    const mine = us.text.split('\n').filter((l) => /^ {4}[0-9a-f]{16} /.test(l)).map((l) => frameName(l.trim().split(' ')[1]));
    assert.deepEqual(mine, theirs);
    // `.frame /r 0n8`: the walkthrough's registers, flags and instruction, but for rip and rsp (addresses of
    // this kernel and stack); the non-volatile ones come back through every frame's saved registers.
    const want = walkthroughBlock(WALK7E, '.frame /r 0n8');
    const got = frame.text.split('\n').map((l) => l.trimEnd());
    assert.equal(got.length, want.length, frame.text);
    assert.equal(frameName(got[0].split(/\s+/)[3]), frameName(want[0].split(/\s+/)[3]));
    assert.equal(got[0].slice(0, 3), '08 ');
    const regs = (ls: string[]) => Object.fromEntries(ls.join(' ').match(/\b(r\w+|e\w+)=[0-9a-f]+/g)!.map((x) => x.split('=')));
    const { rip: _ip, rsp: _sp, ...a } = regs(got.slice(1, 7));
    const { rip: _wip, rsp: _wsp, ...b } = regs(want.slice(1, 7));
    assert.deepEqual(a, b);
    assert.equal(got[7], want[7]); // iopl=0 nv up ei ng nz na po nc
    assert.equal(got[8], want[8]); // segments, efl=00040286 (the trap frame's flags, not the context record's)
    assert.equal(got[9].replace(/\+0x[0-9a-f]+:$/, ''), want[9].replace(/\+0x[0-9a-f]+:$/, '')); // nt!RtlpHpVsFreeChunkInsert+…:
    const ins = (l: string) => l.replace(/^[0-9a-f`]+ [0-9a-f]+ +/, '');
    assert.equal(ins(got[10]), ins(want[10])); // xor eax,dword ptr [rax] ds:002b:41414141`41414139=????????
    // r15 is the VS context: the walkthrough's dt -r1 of that address, and dx of it.
    assert.deepEqual(dt.text.split('\n').map((l) => l.trimEnd()), walkthroughBlock(WALK7E, 'dt ntkrnlmp!_HEAP_VS_CONTEXT ffffe0099a6002c0 -r1'));
    const theirDx = walkthroughBlock(WALK7E, 'dx @$heap_context = (ntkrnlmp!_HEAP_VS_CONTEXT*) 0xffffe0099a6002c0');
    const myDx = dx.text.split('\n').map((l) => l.trimEnd());
    assert.deepEqual(myDx.slice(1), theirDx.slice(1));
    assert.match(myDx[0], /: 0xffffe0099a6002c0 \[Type: _HEAP_VS_CONTEXT \*\]$/);
    // The bugcheck context itself holds other values (the dispatch code's): the walk restored frame 8's.
    const r0 = regs(f0.text.split('\n').slice(1, 7));
    assert.notEqual(r0.r15, b.r15);
    assert.notEqual(r0.rbx, b.rbx);
  } finally {
    await s.close();
  }
});

test("0x7E: three ub's back from EvilDriver's return address show the walkthrough's instructions, byte for byte", { skip }, async () => {
  // The walkthrough's lines (address column dropped) that name no address of its own build. (Not its
  // `mov edx,57724231h`: its driver wrote the tag as the C constant 'WrB1', whose bytes in memory read
  // "1BrW"; the scenario's tag is the bytes "WrB1", 0x31427257, as pool tags are meant to be written.)
  const wanted = ['488bd8          mov     rbx,rax', '4885c0          test    rax,rax', '7507            jne', 'bf9a0000c0      mov     edi,0C000009Ah', '4c8d043f        lea     r8,[rdi+rdi]', 'ba41000000      mov     edx,41h', '488bcb          mov     rcx,rbx', '8bf8            mov     edi,eax'];
  const text = readFileSync(WALK7E, 'utf8');
  const strip = (l: string) => l.replace(/^[0-9a-f]{8}`[0-9a-f]{8} /, '').replace(/ +--> .*$/, '').trimEnd();
  const theirs = text.split('\n').filter((l) => /^fffff807`84da1[0-9a-f]{3} /.test(l)).map(strip);
  for (const w of wanted) assert.ok(theirs.some((l) => l.startsWith(w)), `walkthrough: ${w}`);
  const s = await openSample(DUMP7E);
  try {
    const rows = (await s.one('k')).text.split('\n').filter((l) => /^[0-9a-f]{2} /.test(l));
    const ret = rows[rows.findIndex((l) => /EvilDriver!/.test(l)) - 1].split(/\s+/)[2].replace('`', '');
    const ub = (await s.run(`ub ${ret}; ub; ub`)).map((o) => o.text).join('\n');
    const mine = ub.split('\n').filter((l) => /^fffff807`84da1[0-9a-f]{3} /.test(l)).map(strip);
    for (const w of wanted) assert.ok(mine.some((l) => l.startsWith(w)), `${w}\n${ub}`);
    // The last two before the call to ExFreePoolWithTag (the first `ub`'s 6th and 7th lines), as in the walkthrough.
    assert.deepEqual(mine.slice(5, 7), ['488bcb          mov     rcx,rbx', '8bf8            mov     edi,eax']);
  } finally {
    await s.close();
  }
});

test('0x7E: the records sit below the trap frame, where the walkthrough has them: exception record in KiExceptionDispatch\'s frame, context record in KiDispatchException\'s', { skip }, async () => {
  // The walkthrough's addresses: Arg3/Arg4 against its `!mex.t` Child-SPs.
  const childSp = (ls: string[], fn: string) => BigInt(`0x${ls.find((l) => l.endsWith(` nt!${fn}`) || new RegExp(` nt!${fn}\\+0x`).test(l))!.trim().split(/\s+/)[1].replace('`', '')}`);
  const theirT = walkthroughBlock(WALK7E, '!mex.t ffff8008e4604040');
  const [, , theirExr, theirCxr] = /Bugcheck: 7E \((\w+), (\w+), (\w+), (\w+)\)/.exec(walkthroughBlock(WALK7E, '!di').join('\n'))!.slice(1).map((x) => BigInt(`0x${x}`));
  const theirs = { exr: theirExr - childSp(theirT, 'KiExceptionDispatch'), cxr: theirCxr - childSp(theirT, 'KiDispatchException'), trap: childSp(theirT, 'RtlpHpVsFreeChunkInsert') - childSp(theirT, 'KiGeneralProtectionFault') };
  const [bc, t] = await outputs(DUMP7E, ['.bugcheck', '!t']);
  const args = /Arguments (\S+) (\S+) (\S+) (\S+)/.exec(bc)!.slice(1).map((x) => BigInt(`0x${x.replace('`', '')}`));
  const mineT = t.split('\n');
  const mine = { exr: args[2] - childSp(mineT, 'KiExceptionDispatch'), cxr: args[3] - childSp(mineT, 'KiDispatchException'), trap: childSp(mineT, 'RtlpHpVsFreeChunkInsert') - childSp(mineT, 'KiGeneralProtectionFault') };
  assert.deepEqual(mine, theirs);
  assert.deepEqual(theirs, { exr: 0x138n, cxr: 0x30n, trap: 0x190n }); // hand-computed from the walkthrough's numbers
});

// WinDbg's "Sum System Commit" adds these lines (checked below against both walkthroughs' own sums).
const COMMIT_LINES = ['Processor Commit', 'Session Commit', 'Shared Commit', 'Special Pool', 'Kernel Stacks', 'Pages For MDLs', 'ContigMem Pages', 'Partition Pages', 'Pages For AWE', 'NonPagedPool Commit', 'PagedPool Commit', 'Driver Commit', 'Boot Commit', 'PFN Array Commit', 'SmallNonPagedPtesCommit', 'SkPagesInUnchargedSlabs', 'System PageTables', 'ProcessLockedFilePages', 'Pagefile Hash Pages'];
const M64 = (1n << 64n) - 1n;

for (const [name, path, walk] of [['0x50', SAMPLE, WALK50], ['0x7E', DUMP7E, WALK7E]] as const) {
  test(`${name}: !vm 1 prints the walkthrough's lines where it has their source, and its excess-commit warning`, { skip }, async () => {
    const theirs = walkthroughBlock(walk, '!vm 1');
    const [text] = await outputs(path, ['!vm 1']);
    const lines = text.split('\n');
    const body = lines.slice(0, lines.findIndex((l) => l.startsWith('Not shown')) - 1);
    const pages = (label: string) => BigInt(/(\d+) \(/.exec(theirs.find((l) => l.startsWith(`${label}:`)) ?? '')?.[1] ?? '-1');
    // The walkthrough's own figures follow the rule: Sum System Commit is the sum of these lines.
    assert.equal(COMMIT_LINES.reduce((n, l) => n + pages(l), 0n) & M64, pages('Sum System Commit'));
    // Paging files, the kernel-stack warning and every counter line printed: the walkthrough's, in its order.
    assert.deepEqual(body.slice(0, 10), theirs.slice(0, 10));
    let at = -1;
    const warning = /^(\*+ Sum of individual system commit \+ Process commit exceeds overall commit by )(at least )?(\d+)( Kb \? \*+)$/;
    for (const l of body) {
      const m = warning.exec(l);
      const want = m ? theirs.find((x) => warning.test(x)) : l;
      const i = want === undefined ? -1 : theirs.indexOf(want, at + 1);
      if (!m) assert.ok(i > at, `not the walkthrough's, or out of order: '${l}'`);
      else {
        assert.ok(i > at, 'the warning is where the walkthrough has it');
        const kb = BigInt(warning.exec(theirs[i])?.[3] ?? '0');
        // A lower bound misses exactly the commit lines it could not read: adding them gives WinDbg's figure.
        const missing = COMMIT_LINES.filter((c) => !body.some((b) => b.startsWith(`${c}:`)));
        assert.equal(!!m[2], missing.length > 0);
        assert.equal((BigInt(m[3]) + 4n * missing.reduce((n, c) => n + pages(c), 0n)) & M64, kb, l);
      }
      at = i;
    }
    for (const l of ['Modified PF Pages', 'Session Commit', 'PagedPool Commit', 'Total Private', 'Committed pages', 'Commit limit']) assert.ok(body.some((b) => b.startsWith(`${l}:`)), l);
    assert.ok(body.some((l) => warning.test(l)), 'the excess-commit warning is printed');
    // The pointer-shaped PagedPool Commit is said to be one.
    assert.match(text, /PagedPool Commit holds fffff80\w`\w{8}, shaped like a kernel address/);
  });

  test(`${name}: !di prints the walkthrough's session time in the target's zone, SMBIOS names and the dump path`, { skip }, async () => {
    const theirs = walkthroughBlock(walk, '!di');
    const [text] = await outputs(path, ['!di']);
    const mine = text.split('\n');
    for (const label of ['Debug session time:', 'System Uptime:', 'SystemManufacturer =', 'SystemProductName =', 'Computer Name:', 'Product:']) {
      assert.equal(mine.find((l) => l.startsWith(label)), theirs.find((l) => l.startsWith(label)), label);
    }
    assert.ok(mine.includes(`KernelMode Dump Path: ${path}`), text);
    // The same lines in the same order as mex's, but for the share path (the debugger machine's name for the file).
    const labels = (ls: string[]) => ls.map((l) => l.split(/[:=]/)[0].replace(/ Kernel Version.*/, '').trim());
    assert.deepEqual(labels(mine), labels(theirs).filter((l) => l !== 'Share Path'));
  });
}

test('.lastevent and vertarget use the same zone as !di', { skip }, async () => {
  const [last, vt] = await outputs(SAMPLE, ['.lastevent', 'vertarget']);
  const time = walkthroughBlock(WALK50, '!di').find((l) => l.startsWith('Debug session time: '))?.slice('Debug session time: '.length);
  assert.ok(time);
  assert.ok(last.endsWith(`  debugger time: ${time}`), last);
  assert.ok(vt.includes(`Debug session time: ${time}`), vt);
});

test('WinDbg time layout: local time of the zone with its offset, UTC when unknown', () => {
  const t = new Date(Date.UTC(2023, 8, 23, 12, 14, 13, 751));
  assert.equal(windbgTime(t, 420), 'Sat Sep 23 05:14:13.751 2023 (UTC - 7:00)');
  assert.equal(windbgTime(t), 'Sat Sep 23 12:14:13.751 2023 (UTC + 0:00)');
  // India (bias −330 minutes): 12:14 UTC is 17:44; a day of one digit is padded with a space, as ctime does.
  assert.equal(windbgTime(new Date(Date.UTC(2023, 8, 3, 12, 14, 13, 5)), -330), 'Sun Sep  3 17:44:13.005 2023 (UTC + 5:30)');
});

test("lmvm EvilDriver: the 0x7E walkthrough's block, Browse lines and link time included", { skip }, async () => {
  const [text] = await outputs(DUMP7E, ['lmvm EvilDriver']);
  // The module row (symbol status), CheckSum and ImageSize come from the image built here, not the walkthrough's.
  const comparable = (ls: string[]) => ls.filter((l) => !/^fffff807`84da0000 |^ {4}(CheckSum|ImageSize):/.test(l));
  assert.deepEqual(comparable(text.split('\n')), comparable(walkthroughBlock(WALK7E, 'lmvm EvilDriver')));
});

test("!ddt nt!_KTRAP_FRAME on the sample lists the 0x50 walkthrough's members in its order", { skip }, async () => {
  const s = await openSample();
  try {
    const trap = /^TRAP_FRAME: +([0-9a-f]+)/m.exec((await s.one('!analyze -v')).text)?.[1];
    assert.ok(trap);
    const names = (ls: string[]) => ls.map((l) => /^ {3}\+0x[0-9a-f]+ (\w+)/.exec(l)?.[1]).filter(Boolean);
    const theirs = names(walkthroughBlock(WALK50, '!ddt nt!_KTRAP_FRAME fffff90fb6d8ede0'));
    assert.equal(theirs.length, 64); // the 19041 ISF's 62 members and the two 22621 ones
    assert.deepEqual(names((await s.one(`!ddt nt!_KTRAP_FRAME ${trap}`)).text.split('\n')), theirs);
  } finally {
    await s.close();
  }
});

const hasPdbutil = spawnSync('llvm-pdbutil', ['--version'], { stdio: 'ignore' }).status === 0;

test("import slots show as WinDbg shows them: the PDB's __imp_X is module!_imp_X in ln, u and x", { skip: hasPdbutil ? false : 'llvm-pdbutil is not installed' }, async () => {
  const dump = execFileSync('llvm-pdbutil', ['dump', '-publics', repo('fixtures/scenario/bin/Driver.pdb')], { encoding: 'utf8' });
  // The PDB's own name for the slot.
  assert.match(dump, /`__imp_ExAllocatePoolWithTag`/);
  const s = await openSample();
  try {
    const slot = (await s.one('? Driver!__imp_ExAllocatePoolWithTag')).text;
    const va = /= ([0-9a-f`]+)/.exec(slot)?.[1].replace('`', '');
    assert.ok(va, slot);
    assert.match((await s.one(`ln ${va}`)).text, /^\(\w+`\w+\) {3}Driver!_imp_ExAllocatePoolWithTag /);
    assert.equal((await s.one('? Driver!_imp_ExAllocatePoolWithTag')).text, slot);
    assert.match((await s.one('u Driver!FillBuffer L10')).text, /call {4}qword ptr \[Driver!_imp_ExAllocatePoolWithTag \(/);
    assert.doesNotMatch((await s.one('x Driver!*imp*')).text, /__imp_/);
  } finally {
    await s.close();
  }
});

test('the real 19041 ISF, built from the kernel PDB, names import slots _imp_ too', { skip: skipUnlessCorpus('isf/ntkrnlmp.pdb') }, async () => {
  const isfDir = corpus('isf/ntkrnlmp.pdb');
  const isf = openIsf(new Uint8Array(readFileSync(join(isfDir, readdirSync(isfDir)[0]))), 'ntkrnlmp');
  const names = (await isf.symbols()).map((s) => s.name);
  assert.ok(names.filter((n) => n.startsWith('_imp_')).length > 100);
  assert.equal(names.filter((n) => n.startsWith('__imp_')).length, 0);
});

test('SMBIOS: the system information strings, and damaged tables answer nothing without throwing', () => {
  const strings = (...s: string[]) => [...new TextEncoder().encode(s.join('\0')), 0, 0];
  const table = Uint8Array.from([0, 0x18, 0, 0, 1, 2, 0, 0xe8, 3, 0xff, ...new Array(14).fill(0), ...strings('Vendor', '1.0', '01/01/2020'), 1, 0x1b, 1, 0, 1, 2, 3, 4, ...new Array(19).fill(0), ...strings('Microsoft Corporation', 'Virtual Machine', 'v1', 'SN'), 127, 4, 2, 0, 0, 0]);
  assert.deepEqual(parseSmbiosSystem(table), { manufacturer: 'Microsoft Corporation', productName: 'Virtual Machine' });
  for (let n = 0; n < table.length; n++) parseSmbiosSystem(table.subarray(0, n));
  assert.equal(parseSmbiosSystem(Uint8Array.from([1, 2, 0, 0])), undefined); // a length below the header's
  const noStrings = Uint8Array.from([1, 0x1b, 1, 0, 1, 2, ...new Array(21).fill(0), 0, 0]);
  assert.deepEqual(parseSmbiosSystem(noStrings), { manufacturer: undefined, productName: undefined });
});

const hasObjdump = spawnSync('llvm-objdump-14', ['--version'], { stdio: 'ignore' }).status === 0;

test("kb on the sample: KeBugCheckEx's home space holds what its code stores there, as in the walkthrough's STACK_TEXT", { skip: skip || (hasObjdump ? false : 'llvm-objdump-14 is not installed') }, async () => {
  // The scenario kernel's KeBugCheckEx stores rcx, rdx, r8, r9 at rsp+8…+20h first (llvm-objdump's reading).
  const code = execFileSync('llvm-objdump-14', ['-d', '--no-show-raw-insn', repo('fixtures/scenario/bin/ntoskrnl.exe')], { encoding: 'utf8' });
  const body = code.slice(code.indexOf('<KeBugCheckEx>:')).split('\n').slice(1, 5).map((l) => l.split('\t').at(-1)?.trim());
  assert.deepEqual(body, ['movq\t%rcx, 8(%rsp)', 'movq\t%rdx, 16(%rsp)', 'movq\t%r8, 24(%rsp)', 'movq\t%r9, 32(%rsp)'].map((l) => l.split('\t').at(-1)));
  const s = await openSample();
  try {
    const rows = (await s.one('kb')).text.split('\n').slice(1).map((l) => l.split(' : '));
    const trap = /^TRAP_FRAME: +([0-9a-f]+)/m.exec((await s.one('!analyze -v')).text)?.[1];
    // The walkthrough's frame 00: code, Arg1, Arg2 and the trap frame MiSystemFault passed.
    const theirs = walkthroughBlock(WALK50, '!analyze -v');
    const walk00 = theirs[theirs.indexOf('STACK_TEXT:') + 1].split(' : ')[1].split(' ');
    const mine00 = rows[0][1].split(' ');
    assert.deepEqual(mine00.slice(0, 3), walk00.slice(0, 3));
    assert.equal(mine00[3].replace('`', ''), trap);
    // A trap frame's first column is the interrupted code's return address (the next frame's RetAddr), as in the walkthrough.
    const trapRow = rows.findIndex((r) => /KiPageFault/.test(r[2] ?? ''));
    assert.equal(rows[trapRow][1].split(' ')[0], rows[trapRow + 1][0].trim().split(/ +/)[2]);
  } finally {
    await s.close();
  }
});
