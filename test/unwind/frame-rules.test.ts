// Where saved registers are read (the establisher frame, not the current rsp) and when a walk must stop
// because it makes no progress (machine frames included). Stacks are written by hand, executing the prologs
// described below step by step; every expected value follows from that.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FunctionUnwind, UnwindData } from '../../src/unwind/types.js';
import { walkStack } from '../../src/unwind/x64-unwinder.js';
import { FakeMemory, zeroRegisters } from './fake-memory.js';

const BASE = 0xfffff80000000000n;

// fp: push rbp (@1); sub rsp,40h (@5); lea rbp,[rsp+20h] (@10, frame offset 2×16); mov [rsp+30h],rbx (@15,
// UWOP_SAVE_NONVOL rbx at 0x30); then the body allocates 0x100 bytes with alloca (sub rsp,rcx).
const fp: FunctionUnwind = {
  begin: 0x1000, end: 0x1100, prologSize: 15, frameRegister: 5, frameOffset: 2,
  ops: [{ op: 'save_nonvol', prologOffset: 15, reg: 3, offset: 0x30 }, { op: 'set_fpreg', prologOffset: 10 }, { op: 'alloc', prologOffset: 5, size: 0x40 }, { op: 'push_nonvol', prologOffset: 1, reg: 5 }],
};
// nofp: sub rsp,28h (@4); mov [rsp+30h],rsi (@9: the caller's home space, UWOP_SAVE_NONVOL rsi at 0x30).
const nofp: FunctionUnwind = { begin: 0x2000, end: 0x2100, prologSize: 9, frameRegister: 0, frameOffset: 0, ops: [{ op: 'save_nonvol', prologOffset: 9, reg: 6, offset: 0x30 }, { op: 'alloc', prologOffset: 4, size: 0x28 }] };
// trap: a handler whose only code is a machine frame (no error code).
const trap: FunctionUnwind = { begin: 0x3000, end: 0x3100, prologSize: 1, frameRegister: 0, frameOffset: 0, ops: [{ op: 'push_machframe', prologOffset: 1, errorCode: false }] };

function data(mem: FakeMemory): UnwindData {
  return {
    async lookup(a) {
      if (a < BASE || a >= BASE + 0x10000n) return { kind: 'unknown' };
      const rva = Number(a - BASE);
      for (const fn of [fp, nofp, trap]) if (rva >= fn.begin && rva < fn.end) return { kind: 'function', imageBase: BASE, module: 'drv', fn };
      return { kind: 'leaf', imageBase: BASE, module: 'drv' };
    },
    readCode: (a, n) => mem.readCode(a, n),
    isCodeAddress: (a) => a >= BASE && a < BASE + 0x10000n,
  };
}

test('UWOP_SAVE_NONVOL in a frame-pointer function with alloca is read at the frame base (rbp - 0x20), not at rsp', async () => {
  const mem = new FakeMemory();
  const R = 0xffff800000020000n; // rsp at fp's entry: its return address is at R
  // push rbp →; sub rsp,40h → rsp R-0x48; lea rbp,[rsp+20h] → rbp R-0x28; mov [rsp+30h],rbx → [R-0x18];
  // alloca: rsp R-0x148.
  mem.q(R, BASE + 0x9000n); // fp's caller (a leaf)
  mem.q(R + 8n, 0n); // … which returns to 0: the walk ends
  mem.q(R - 8n, 0x1111n); // the caller's rbp
  mem.q(R - 0x18n, 0xb0b0n); // the caller's rbx, saved by the mov
  mem.q(R - 0x148n + 0x30n, 0xbad0n); // what rsp+0x30 holds after the alloca
  const frames = await walkStack({ ...zeroRegisters(), rip: BASE + 0x1050n, rsp: R - 0x148n, rbp: R - 0x28n, rbx: 0x5n }, mem, data(mem));
  assert.equal(frames.length, 2, JSON.stringify(frames.map((f) => f.note)));
  const caller = frames[1];
  assert.equal(caller.ip, BASE + 0x9000n);
  assert.equal(caller.sp, R + 8n);
  assert.equal(caller.registers.rbx, 0xb0b0n, 'Windows reads the saved rbx at the establisher frame');
  assert.equal(caller.registers.rbp, 0x1111n);
});

test('UWOP_SAVE_NONVOL without a frame register is read at rsp after the fixed allocation; inside the prolog only once the mov ran', async () => {
  const mem = new FakeMemory();
  const R = 0xffff800000030000n;
  // sub rsp,28h → rsp R-0x28; mov [rsp+30h],rsi → [R+8] (home space above the return address).
  mem.q(R, BASE + 0x9000n);
  mem.q(R + 8n, 0x5151n);
  mem.q(R + 0x10n, 0n);
  const body = await walkStack({ ...zeroRegisters(), rip: BASE + 0x2040n, rsp: R - 0x28n, rsi: 1n }, mem, data(mem));
  assert.equal(body[1].registers.rsi, 0x5151n);
  assert.equal(body[1].sp, R + 8n);
  // At offset 4 (after the sub, before the mov) rsi still holds the caller's value.
  const prolog = await walkStack({ ...zeroRegisters(), rip: BASE + 0x2004n, rsp: R - 0x28n, rsi: 1n }, mem, data(mem));
  assert.equal(prolog[1].registers.rsi, 1n);
});

test('a machine frame resuming at its own rip and rsp stops with a note instead of repeating 256 frames', async () => {
  const mem = new FakeMemory();
  const sp = 0xffff800000040000n;
  mem.q(sp, BASE + 0x3020n); // RIP: the handler itself
  mem.q(sp + 8n, 0x10n);
  mem.q(sp + 0x10n, 0x282n);
  mem.q(sp + 0x18n, sp); // RSP: the same stack pointer
  const frames = await walkStack({ ...zeroRegisters(), rip: BASE + 0x3020n, rsp: sp }, mem, data(mem));
  assert.equal(frames.length, 1);
  assert.match(frames[0].note ?? '', /repeats an earlier frame: the stack loops/);
});

test('a machine frame going down on the same known stack stops; one moving to another stack is followed', async () => {
  const mem = new FakeMemory();
  const sp = 0xffff800000050000n;
  mem.q(sp, BASE + 0x9000n);
  mem.q(sp + 0x18n, sp - 0x800n); // an interrupted rsp below the trap frame, on the same stack
  const stacks = [{ name: 'the thread\'s stack', limit: sp - 0x6000n, base: sp + 0x1000n }];
  const down = await walkStack({ ...zeroRegisters(), rip: BASE + 0x3020n, rsp: sp }, mem, data(mem), { stacks });
  assert.equal(down.length, 1);
  assert.match(down[0].note ?? '', /machine frame's stack pointer did not increase/);
  // The same machine frame resuming on another known stack (an interrupt from the DPC stack) is fine.
  const dpc = { name: "processor 0's DPC stack", limit: sp - 0x10000n, base: sp - 0x7000n };
  mem.q(sp + 0x18n, sp - 0x9000n);
  mem.q(sp - 0x9000n, 0n);
  const across = await walkStack({ ...zeroRegisters(), rip: BASE + 0x3020n, rsp: sp }, mem, data(mem), { stacks: [...stacks, dpc] });
  assert.equal(across.length, 2);
  assert.equal(across[1].sp, sp - 0x9000n);
});
