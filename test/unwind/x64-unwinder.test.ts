import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FunctionUnwind, UnwindData, UnwindLookup } from '../../src/unwind/types.js';
import { walkStack } from '../../src/unwind/x64-unwinder.js';
import { FakeMemory, zeroRegisters } from './fake-memory.js';

// A flat little stack in a fake address space, plus hand-written unwind data: every expectation is computed
// from what the prologs below push and allocate, not from the unwinder.
const BASE = 0xfffff80000000000n;
const zero = zeroRegisters;

// inner: push rbx (1 byte @0); sub rsp,20h (4 bytes @1) → ops in reverse: alloc 0x20 @5, push rbx @1
const inner: FunctionUnwind = { begin: 0x1000, end: 0x1100, prologSize: 5, frameRegister: 0, frameOffset: 0, ops: [{ op: 'alloc', prologOffset: 5, size: 0x20 }, { op: 'push_nonvol', prologOffset: 1, reg: 3 }] };
// outer: push rbp; mov rbp,rsp... uses rbp frame: push rbp @1; sub rsp,40h @5; lea rbp,[rsp+20h] @10 (frame offset 2*16)
const outer: FunctionUnwind = { begin: 0x2000, end: 0x2100, prologSize: 10, frameRegister: 5, frameOffset: 2, ops: [{ op: 'set_fpreg', prologOffset: 10 }, { op: 'alloc', prologOffset: 5, size: 0x40 }, { op: 'push_nonvol', prologOffset: 1, reg: 5 }] };
// trap handler with a machine frame (no error code) and 0x100 bytes of locals
const trap: FunctionUnwind = { begin: 0x3000, end: 0x3100, prologSize: 8, frameRegister: 0, frameOffset: 0, ops: [{ op: 'alloc', prologOffset: 8, size: 0x100 }, { op: 'push_machframe', prologOffset: 1, errorCode: false }] };

function data(mem: FakeMemory, extra: (a: bigint) => UnwindLookup | undefined = () => undefined): UnwindData {
  return {
    async lookup(a) {
      const e = extra(a);
      if (e) return e;
      if (a < BASE || a >= BASE + 0x10000n) return { kind: 'unknown' };
      const rva = Number(a - BASE);
      for (const fn of [inner, outer, trap]) if (rva >= fn.begin && rva < fn.end) return { kind: 'function', imageBase: BASE, module: 'drv', fn };
      return { kind: 'leaf', imageBase: BASE, module: 'drv' };
    },
    async readCode(a, n) {
      const { bytes, valid } = await mem.readSparse(a, n);
      const end = valid.indexOf(0);
      return end === 0 ? undefined : bytes.subarray(0, end < 0 ? n : end);
    },
    isCodeAddress: (a) => a >= BASE && a < BASE + 0x10000n,
  };
}

test('unwind codes, frame register and a final return of 0 give the expected frames', async () => {
  const mem = new FakeMemory();
  const sp0 = 0xffff800000010000n;
  // inner frame at sp0: 0x20 locals, saved rbx, return into outer+0x50
  mem.q(sp0 + 0x20n, 0xbbbbn); // saved rbx
  mem.q(sp0 + 0x28n, BASE + 0x2050n);
  const sp1 = sp0 + 0x30n;
  // outer: rbp = sp1 + 0x20; 0x40 locals, saved rbp, return address 0 (thread start)
  mem.q(sp1 + 0x40n, 0x1234n);
  mem.q(sp1 + 0x48n, 0n);
  const regs = { ...zero(), rip: BASE + 0x1040n, rsp: sp0, rbp: sp1 + 0x20n };
  const frames = await walkStack(regs, mem, data(mem));
  assert.deepEqual(frames.map((f) => [f.ip, f.sp, f.returnAddress, f.method]), [
    [BASE + 0x1040n, sp0, BASE + 0x2050n, 'unwind'],
    [BASE + 0x2050n, sp1, 0n, 'unwind'],
  ]);
  assert.equal(frames[1].registers.rbx, 0xbbbbn);
});

test('inside a prolog only executed operations are undone', async () => {
  const mem = new FakeMemory();
  const sp = 0xffff800000020000n;
  // rip at inner+1: only `push rbx` has run.
  mem.q(sp, 0x77n);
  mem.q(sp + 8n, BASE + 0x2060n);
  mem.q(sp + 0x10n + 0x40n, 0n);
  mem.q(sp + 0x10n + 0x48n, 0n);
  const frames = await walkStack({ ...zero(), rip: BASE + 0x1001n, rsp: sp, rbp: sp + 0x10n + 0x20n }, mem, data(mem));
  assert.equal(frames[0].returnAddress, BASE + 0x2060n);
  assert.equal(frames[1].registers.rbx, 0x77n);
  assert.equal(frames[1].sp, sp + 0x10n);
});

test('an epilog at rip is emulated instead of the unwind codes', async () => {
  const mem = new FakeMemory();
  const sp = 0xffff800000030000n;
  // inner+0x80: add rsp,20h; pop rbx; ret
  mem.code(BASE + 0x1080n, [0x48, 0x83, 0xc4, 0x20, 0x5b, 0xc3]);
  mem.q(sp + 0x20n, 0x99n);
  mem.q(sp + 0x28n, 0n);
  const frames = await walkStack({ ...zero(), rip: BASE + 0x1080n, rsp: sp }, mem, data(mem));
  assert.equal(frames[0].method, 'epilog');
  assert.equal(frames[0].returnAddress, 0n);
});

test('a machine frame continues with the interrupted context', async () => {
  const mem = new FakeMemory();
  const sp = 0xffff800000040000n;
  const interruptedSp = 0xffff800000041000n;
  // trap handler: 0x100 locals, then the machine frame RIP, CS, EFLAGS, RSP, SS
  mem.q(sp + 0x100n, BASE + 0x1044n);
  mem.q(sp + 0x118n, interruptedSp);
  mem.q(interruptedSp + 0x20n, 0n);
  mem.q(interruptedSp + 0x28n, 0n);
  const frames = await walkStack({ ...zero(), rip: BASE + 0x3020n, rsp: sp }, mem, data(mem));
  assert.equal(frames[0].method, 'machine-frame');
  assert.equal(frames[1].ip, BASE + 0x1044n);
  assert.equal(frames[1].sp, interruptedSp);
});

test('missing unwind data falls back to a marked stack scan; cycles and garbage stop cleanly', async () => {
  const mem = new FakeMemory();
  const sp = 0xffff800000050000n;
  const NT = 0xfffff80100000000n;
  mem.q(sp, 0xdeadn);
  mem.q(sp + 8n, 0x1n);
  mem.q(sp + 0x10n, BASE + 0x9005n); // a leaf in drv, right after a `call rel32`
  mem.code(BASE + 0x9000n, [0xe8, 0, 0, 0, 0]);
  mem.code(BASE + 0x8ffen, [0x90, 0x90]);
  mem.q(sp + 0x18n, 0n);
  const d = data(mem, (a) => (a >= NT && a < NT + 0x1000n ? { kind: 'no-data', module: 'nt', reason: 'image not available' } : undefined));
  const frames = await walkStack({ ...zero(), rip: NT + 0x10n, rsp: sp }, mem, d);
  assert.equal(frames[0].method, 'scan');
  assert.equal(frames[0].guessed, true);
  assert.equal(frames[1].ip, BASE + 0x9005n);
  // The same slot without a call instruction before it is not taken.
  const nocall = new FakeMemory();
  nocall.q(sp + 0x10n, BASE + 0x9005n);
  const f3 = await walkStack({ ...zero(), rip: NT + 0x10n, rsp: sp }, nocall, data(nocall, (a) => (a >= NT && a < NT + 0x1000n ? { kind: 'no-data', module: 'nt', reason: 'image not available' } : undefined)));
  assert.equal(f3.length, 1);
  assert.match(f3[0].note!, /no unwind data for nt/);
  // A return address pointing back to the same frame must not loop forever.
  const loop = new FakeMemory();
  loop.q(sp, BASE + 0x9000n);
  const f2 = await walkStack({ ...zero(), rip: BASE + 0x9000n, rsp: sp }, loop, data(loop), { maxFrames: 50 });
  assert.ok(f2.length <= 50);
  assert.match(f2.at(-1)!.note ?? '', /not in the dump|did not increase|stopped/);
});

// prev: a function right before inner, with a 0x40-byte frame; only a wrong `rip-1` lookup would use it.
const prev: FunctionUnwind = { begin: 0x0f00, end: 0x1000, prologSize: 4, frameRegister: 0, frameOffset: 0, ops: [{ op: 'alloc', prologOffset: 4, size: 0x40 }] };
function withPrev(mem: FakeMemory): UnwindData {
  return data(mem, (a) => (a >= BASE + 0xf00n && a < BASE + 0x1000n ? { kind: 'function', imageBase: BASE, module: 'drv', fn: prev } : undefined));
}

/** A trap handler frame at `sp` whose machine frame resumes at `rip` with stack `rsp`. */
function machineFrame(mem: FakeMemory, sp: bigint, rip: bigint, rsp: bigint) {
  mem.q(sp + 0x100n, rip);
  mem.q(sp + 0x108n, 0x10n);
  mem.q(sp + 0x110n, 0x10282n);
  mem.q(sp + 0x118n, rsp);
}

test('after a machine frame rip is the faulting instruction: a fault at a function\'s first byte is that function', async () => {
  const mem = new FakeMemory();
  const sp = 0xffff800000060000n;
  const isp = 0xffff800000061000n;
  machineFrame(mem, sp, BASE + 0x1000n, isp); // faulted on inner's first instruction (push rbx not yet run)
  mem.q(isp, BASE + 0x2050n); // so its return address is at rsp itself
  mem.q(isp + 8n + 0x40n, 0n);
  mem.q(isp + 8n + 0x48n, 0n);
  const frames = await walkStack({ ...zero(), rip: BASE + 0x3020n, rsp: sp, rbp: isp + 8n + 0x20n }, mem, withPrev(mem));
  assert.equal(frames[1].ip, BASE + 0x1000n);
  // rip-1 would have found `prev` and skipped its 0x40 bytes: the caller would be read from isp+0x40.
  assert.equal(frames[1].returnAddress, BASE + 0x2050n);
  assert.equal(frames[2].sp, isp + 8n);
});

test('after a machine frame an interrupted epilog is run, not the unwind codes', async () => {
  const mem = new FakeMemory();
  const sp = 0xffff800000070000n;
  const isp = 0xffff800000071000n;
  // inner+0x84: `pop rbx; ret` (the `add rsp,20h` before it already ran): rbx at isp, return at isp+8.
  mem.code(BASE + 0x1080n, [0x48, 0x83, 0xc4, 0x20, 0x5b, 0xc3]);
  machineFrame(mem, sp, BASE + 0x1084n, isp);
  mem.q(isp, 0x5555n);
  mem.q(isp + 8n, 0n);
  const frames = await walkStack({ ...zero(), rip: BASE + 0x3020n, rsp: sp }, mem, data(mem));
  assert.equal(frames[1].method, 'epilog');
  assert.equal(frames[1].returnAddress, 0n);
  assert.equal(frames.length, 2);
});

test('a kernel trap frame behind a machine frame gives back the volatile registers, rbp and the flags', async () => {
  const mem = new FakeMemory();
  const sp = 0xffff800000080000n;
  const isp = 0xffff800000081000n;
  machineFrame(mem, sp, BASE + 0x1044n, isp);
  mem.q(isp + 0x20n, 0x77n); // inner's saved rbx
  mem.q(isp + 0x28n, 0n);
  const seen: bigint[] = [];
  const base = data(mem);
  const withTrap: UnwindData = {
    ...base,
    async trapFrame(slot, handler) {
      seen.push(slot, handler);
      return { address: slot - 0x168n, registers: { rax: 0x4141414141414139n, rcx: 0xcn, rbp: 0xb0n, eflags: 0x10282, rbx: 0xdeadn }, restored: ['rax', 'rcx', 'rbp', 'eflags', 'rip'] };
    },
  };
  const frames = await walkStack({ ...zero(), rip: BASE + 0x3020n, rsp: sp, rax: 1n, rbx: 2n }, mem, withTrap);
  assert.deepEqual(seen, [sp + 0x100n, BASE + 0x3020n]); // the Rip slot of the machine frame, the handler
  assert.equal(frames[0].trapFrame, sp + 0x100n - 0x168n);
  const r = frames[1].registers;
  assert.equal(r.rax, 0x4141414141414139n);
  assert.equal(r.rcx, 0xcn);
  assert.equal(r.rbp, 0xb0n);
  assert.equal(r.eflags, 0x10282);
  assert.equal(r.rbx, 2n, 'only the registers the trap frame says it restored are taken');
  assert.equal(r.rip, BASE + 0x1044n);
  assert.deepEqual(frames[1].fromTrapFrame, { address: sp + 0x100n - 0x168n, registers: ['rax', 'rcx', 'rbp', 'eflags'] });
  // Without types the walk goes on with rip/rsp only and says so on that frame.
  const noTypes: UnwindData = { ...base, trapFrame: async () => ({ unavailable: "nt's types have no _KTRAP_FRAME" }) };
  const f2 = await walkStack({ ...zero(), rip: BASE + 0x3020n, rsp: sp, rax: 1n }, mem, noTypes);
  assert.equal(f2[1].registers.rax, 1n);
  assert.match(f2[1].remarks?.[0] ?? '', /only rip and rsp .*no _KTRAP_FRAME/);
  assert.equal(f2[1].ip, BASE + 0x1044n);
});

test('stack bounds: a caller outside every known stack stops the walk with a note; the scan stays below the top', async () => {
  const mem = new FakeMemory();
  const sp = 0xffff800000090000n;
  mem.q(sp + 0x20n, 0n);
  mem.q(sp + 0x28n, BASE + 0x2050n); // inner returns into outer, whose frame would be at sp+0x30…
  const limit = sp - 0x1000n;
  const stackBase = sp + 0x20n; // …but the thread's stack ends below that
  const frames = await walkStack({ ...zero(), rip: BASE + 0x1040n, rsp: sp }, mem, data(mem), { stackLimit: limit, stackBase });
  assert.equal(frames.length, 1);
  assert.match(frames[0].note!, /outside the thread's stack/);
  // Scanning: a good candidate exists only at or above the top; it must not be read.
  const NT = 0xfffff80100000000n;
  const scanMem = new FakeMemory();
  scanMem.code(BASE + 0x9000n, [0xe8, 0, 0, 0, 0]);
  scanMem.code(BASE + 0x8ffen, [0x90, 0x90]);
  scanMem.q(sp, 1n);
  scanMem.q(sp + 8n, 2n);
  scanMem.q(sp + 0x10n, BASE + 0x9005n);
  let reads = 0;
  const counting: UnwindData = { ...data(scanMem, (a) => (a >= NT && a < NT + 0x1000n ? { kind: 'no-data', module: 'nt', reason: 'image not available' } : undefined)) };
  const origRead = scanMem.read.bind(scanMem);
  scanMem.read = async (va, n) => {
    if (va >= sp + 0x10n) reads++;
    return origRead(va, n);
  };
  const f = await walkStack({ ...zero(), rip: NT + 0x10n, rsp: sp }, scanMem, counting, { stacks: [{ name: 'a test stack', limit, base: sp + 0x40n, top: sp + 0x10n }] });
  assert.equal(f.length, 1);
  assert.equal(reads, 0, 'nothing at or above the stack top was read');
  assert.match(f[0].note!, /no return address/);
});

test('scan without code: a candidate inside a known function (offset > 0) is a marked guess; a function start or a slot not after a call is not', async () => {
  const NT = 0xfffff80100000000n;
  const mem = new FakeMemory();
  const sp = 0xffff8000000a0000n;
  mem.q(sp, NT + 0x500n); // a function's first byte (a pointer to it, not a return address)
  mem.q(sp + 8n, BASE + 0x9005n); // code known, and not after a call
  mem.code(BASE + 0x8ffen, [0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90]);
  mem.q(sp + 0x10n, NT + 0x5ean); // inside nt!Fn, code not in the dump
  const d: UnwindData = {
    ...data(mem, (a) => (a >= NT && a < NT + 0x1000n ? { kind: 'no-data', module: 'nt', reason: 'image not available' } : undefined)),
    isCodeAddress: (a) => (a >= BASE && a < BASE + 0x10000n) || (a >= NT && a < NT + 0x1000n),
    functionAt: async (a) => (a >= NT + 0x500n && a < NT + 0x600n ? { name: 'nt!Fn', offset: Number(a - NT - 0x500n) } : undefined),
  };
  const frames = await walkStack({ ...zero(), rip: NT + 0x10n, rsp: sp }, mem, d, { maxFrames: 2 });
  assert.equal(frames[0].guessed, true);
  assert.equal(frames[0].guess, 'symbol');
  assert.match(frames[0].guessReason!, /no unwind data for nt .*inside nt!Fn/);
  assert.equal(frames[1].ip, NT + 0x5ean);
  assert.equal(frames[1].sp, sp + 0x18n);
});

test('no unwind data but an exact frame: the epilog after the return address gives the caller, skipping a stale value inside the frame', async () => {
  const NT = 0xfffff80100000000n;
  const mem = new FakeMemory();
  const sp = 0xffff8000000b0000n;
  // nt code at the return address: add rsp,38h; ret. A stale return address sits inside that frame.
  mem.code(NT + 0x100n, [0x48, 0x83, 0xc4, 0x38, 0xc3]);
  mem.code(BASE + 0x9000n, [0xe8, 0, 0, 0, 0]);
  mem.code(BASE + 0x8ffen, [0x90, 0x90]);
  mem.q(sp + 0x28n, BASE + 0x9005n); // stale, after a call
  mem.q(sp + 0x38n, BASE + 0x9005n + 0x100n); // the real one
  mem.code(BASE + 0x9100n, [0xe8, 0, 0, 0, 0]);
  mem.code(BASE + 0x90fen, [0x90, 0x90]);
  const d = data(mem, (a) => (a >= NT && a < NT + 0x1000n ? { kind: 'no-data', module: 'nt', reason: 'image not available' } : undefined));
  const frames = await walkStack({ ...zero(), rip: NT + 0x100n, rsp: sp }, mem, d, { maxFrames: 2 });
  assert.equal(frames[0].guess, 'epilog');
  assert.equal(frames[1].ip, BASE + 0x9105n, 'the stale value inside the frame was skipped');
  assert.equal(frames[1].sp, sp + 0x40n);
});

test('a requested frame count is marked as the reason the walk stopped; a throwing lookup ends the walk with a note', async () => {
  const mem = new FakeMemory();
  const sp = 0xffff8000000c0000n;
  mem.q(sp + 0x20n, 0xbbbbn);
  mem.q(sp + 0x28n, BASE + 0x2050n);
  const frames = await walkStack({ ...zero(), rip: BASE + 0x1040n, rsp: sp, rbp: sp + 0x50n }, mem, data(mem), { maxFrames: 1 });
  assert.equal(frames.length, 1);
  assert.equal(frames[0].limitReached, true);
  const throwing: UnwindData = { ...data(mem), lookup: async () => { throw new Error('boom'); } };
  const f2 = await walkStack({ ...zero(), rip: BASE + 0x1040n, rsp: sp }, mem, throwing);
  assert.equal(f2.length, 1);
  assert.match(f2[0].note!, /could not be read: boom/);
});
