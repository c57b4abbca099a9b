import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryNotPresentError } from '../../src/io/errors.js';
import type { AddressSpace } from '../../src/memory/address-space.js';
import type { X64Registers } from '../../src/target/x64-registers.js';
import type { FunctionUnwind, UnwindData, UnwindLookup } from '../../src/unwind/types.js';
import { walkStack } from '../../src/unwind/x64-unwinder.js';

// A flat little stack in a fake address space, plus hand-written unwind data: every expectation is computed
// from what the prologs below push and allocate, not from the unwinder.
class FakeMemory implements AddressSpace {
  readonly bytes = new Map<bigint, number>();
  q(a: bigint, v: bigint) {
    for (let i = 0n; i < 8n; i++) this.bytes.set(a + i, Number((v >> (8n * i)) & 0xffn));
  }
  code(a: bigint, b: number[]) {
    for (const [i, x] of b.entries()) this.bytes.set(a + BigInt(i), x);
  }
  async read(va: bigint, length: number) {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      const v = this.bytes.get(va + BigInt(i));
      if (v === undefined) throw new MemoryNotPresentError('virtual', va + BigInt(i), 'not in test memory');
      out[i] = v;
    }
    return out;
  }
  async readSparse(va: bigint, length: number) {
    const bytes = new Uint8Array(length);
    const valid = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      const v = this.bytes.get(va + BigInt(i));
      if (v !== undefined) {
        bytes[i] = v;
        valid[i] = 1;
      }
    }
    return { bytes, valid };
  }
}

const BASE = 0xfffff80000000000n;
const zero = (): X64Registers => ({ rax: 0n, rbx: 0n, rcx: 0n, rdx: 0n, rsi: 0n, rdi: 0n, rip: 0n, rsp: 0n, rbp: 0n, r8: 0n, r9: 0n, r10: 0n, r11: 0n, r12: 0n, r13: 0n, r14: 0n, r15: 0n });

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
