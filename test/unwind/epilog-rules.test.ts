// Microsoft's epilog rules ("x64 prolog and epilog"; the unwind procedure of "x64 exception handling"): an
// epilog is an optional `add rsp,imm` or `lea rsp,[FrameRegister+disp]`, 8-byte pops, then `ret`, `rep ret`
// or a jmp leaving the function (direct with a target outside it or at its first byte, `jmp [rip+x]`, or a
// REX.W jmp through a register or a mod-00 memory operand). Each case below is a function whose unwind
// codes would give a different caller than its epilog, so the result shows which path the walker took;
// every expected value is computed by hand from the bytes and the stack written here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FunctionUnwind, UnwindData } from '../../src/unwind/types.js';
import { walkStack } from '../../src/unwind/x64-unwinder.js';
import { FakeMemory, zeroRegisters } from './fake-memory.js';

const BASE = 0xfffff80000000000n;
// f: push rbx (@1); sub rsp,20h (@5). Its codes unwind 0x28 bytes before the return address.
const f: FunctionUnwind = { begin: 0x1000, end: 0x1100, prologSize: 5, frameRegister: 0, frameOffset: 0, ops: [{ op: 'alloc', prologOffset: 5, size: 0x20 }, { op: 'push_nonvol', prologOffset: 1, reg: 3 }] };
// g: push rbp (@1); sub rsp,40h (@5); lea rbp,[rsp+20h] (@10): frame register rbp, offset 2×16.
const g: FunctionUnwind = { begin: 0x2000, end: 0x2100, prologSize: 10, frameRegister: 5, frameOffset: 2, ops: [{ op: 'set_fpreg', prologOffset: 10 }, { op: 'alloc', prologOffset: 5, size: 0x40 }, { op: 'push_nonvol', prologOffset: 1, reg: 5 }] };
// f2: a second fragment of f (its code chained to f's unwind data), at 0x5000.
const f2: FunctionUnwind = { begin: 0x5000, end: 0x5040, prologSize: 0, frameRegister: 0, frameOffset: 0, ops: [], chained: f };

function data(mem: FakeMemory): UnwindData {
  return {
    async lookup(a) {
      if (a < BASE || a >= BASE + 0x10000n) return { kind: 'unknown' };
      const rva = Number(a - BASE);
      for (const fn of [f, g, f2]) if (rva >= fn.begin && rva < fn.end) return { kind: 'function', imageBase: BASE, module: 'drv', fn };
      return { kind: 'leaf', imageBase: BASE, module: 'drv' };
    },
    readCode: (a, n) => mem.readCode(a, n),
    isCodeAddress: (a) => a >= BASE && a < BASE + 0x10000n,
  };
}

const SP = 0xffff800000010000n;
const EPILOG_RET = BASE + 0x7777n; // the return address an epilog finds (after its pops)
const CODES_RET = BASE + 0x8888n; // the one the unwind codes find (0x28 bytes up)

/** Walks two frames from rip = f+0x80 (or `fnBase`+0x80), with `code` there. */
async function walkAt(code: number[], opts: { at?: bigint; pops?: number; regs?: Partial<ReturnType<typeof zeroRegisters>> } = {}) {
  const mem = new FakeMemory();
  const at = opts.at ?? BASE + 0x1080n;
  mem.code(at, code);
  const pops = opts.pops ?? 0;
  for (let i = 0; i < pops; i++) mem.q(SP + BigInt(i * 8), 0xb0b0n + BigInt(i));
  mem.q(SP + BigInt(pops * 8), EPILOG_RET);
  mem.q(SP + 0x20n, 0xc0den); // what `push rbx` would restore
  mem.q(SP + 0x28n, CODES_RET);
  const frames = await walkStack({ ...zeroRegisters(), rip: at, rsp: SP, ...opts.regs }, mem, data(mem), { maxFrames: 2 });
  return frames[0];
}

const rel32 = (from: bigint, to: bigint) => {
  const d = Number(to - from);
  return [d & 0xff, (d >> 8) & 0xff, (d >> 16) & 0xff, (d >>> 24) & 0xff];
};

test('pop; jmp to a target outside the function is an epilog (a tail call)', async () => {
  // f+0x80: pop rbx; jmp rel32 → BASE+0x9000 (no function of drv's f)
  const at = BASE + 0x1080n;
  const fr = await walkAt([0x5b, 0xe9, ...rel32(at + 6n, BASE + 0x9000n)], { pops: 1 });
  assert.equal(fr.method, 'epilog');
  assert.equal(fr.returnAddress, EPILOG_RET);
});

test('pop; jmp back inside the function is not an epilog: the unwind codes apply', async () => {
  const at = BASE + 0x1080n;
  const fr = await walkAt([0x5b, 0xe9, ...rel32(at + 6n, BASE + 0x1010n)], { pops: 1 });
  assert.equal(fr.method, 'unwind');
  assert.equal(fr.returnAddress, CODES_RET);
});

test('a bare jmp out of the function at rip (its pops already done) is an epilog: the codes are not applied again', async () => {
  const at = BASE + 0x1080n;
  const fr = await walkAt([0xe9, ...rel32(at + 5n, BASE + 0x9000n)]);
  assert.equal(fr.method, 'epilog');
  assert.equal(fr.returnAddress, EPILOG_RET);
  // jmp rel8 out of the function (f ends at 0x1100): f+0xfe → +2+0x10.
  const short = await walkAt([0xeb, 0x10], { at: BASE + 0x10fen });
  assert.equal(short.method, 'epilog');
});

test('a bare jmp inside the function is not an epilog', async () => {
  const fr = await walkAt([0xeb, 0x10]);
  assert.equal(fr.method, 'unwind');
  assert.equal(fr.returnAddress, CODES_RET);
});

test('a jmp to the function\'s own first byte is a recursive tail call (an epilog); into another fragment of it, not', async () => {
  const at = BASE + 0x1080n;
  const self = await walkAt([0xe9, ...rel32(at + 5n, BASE + 0x1000n)]);
  assert.equal(self.method, 'epilog');
  const fragment = await walkAt([0xe9, ...rel32(at + 5n, BASE + 0x5010n)]);
  assert.equal(fragment.method, 'unwind', 'f2 chains to f: the same function');
});

test('ret, ret imm16 and rep ret end epilogs; add rsp,imm8 and imm32 before the pops', async () => {
  for (const end of [[0xc3], [0xc2, 0x08, 0x00], [0xf3, 0xc3]]) {
    const fr = await walkAt([0x5b, ...end], { pops: 1 });
    assert.equal(fr.method, 'epilog', end.join(','));
    assert.equal(fr.returnAddress, EPILOG_RET);
  }
  // add rsp,10h; pop rbx; ret: the pop is at SP+0x10, the return address at SP+0x18.
  const mem = new FakeMemory();
  mem.code(BASE + 0x1080n, [0x48, 0x83, 0xc4, 0x10, 0x5b, 0xc3]);
  mem.q(SP + 0x10n, 0x1234n);
  mem.q(SP + 0x18n, EPILOG_RET);
  const [a, b] = await walkStack({ ...zeroRegisters(), rip: BASE + 0x1080n, rsp: SP }, mem, data(mem), { maxFrames: 2 });
  assert.equal(a.returnAddress, EPILOG_RET);
  assert.equal(b.registers.rbx, 0x1234n);
  assert.equal(b.sp, SP + 0x20n);
  // add rsp,100h (imm32); ret
  const m2 = new FakeMemory();
  m2.code(BASE + 0x1080n, [0x48, 0x81, 0xc4, 0x00, 0x01, 0x00, 0x00, 0xc3]);
  m2.q(SP + 0x100n, EPILOG_RET);
  const [c] = await walkStack({ ...zeroRegisters(), rip: BASE + 0x1080n, rsp: SP }, m2, data(m2), { maxFrames: 1 });
  assert.equal(c.returnAddress, EPILOG_RET);
});

test('REX pops restore r8-r15', async () => {
  // pop r12 (41 5c); pop rbx; ret
  const mem = new FakeMemory();
  mem.code(BASE + 0x1080n, [0x41, 0x5c, 0x5b, 0xc3]);
  mem.q(SP, 0x12n);
  mem.q(SP + 8n, 0xbn);
  mem.q(SP + 0x10n, EPILOG_RET);
  const [, caller] = await walkStack({ ...zeroRegisters(), rip: BASE + 0x1080n, rsp: SP }, mem, data(mem), { maxFrames: 2 });
  assert.equal(caller.registers.r12, 0x12n);
  assert.equal(caller.registers.rbx, 0xbn);
});

test('lea rsp,[fp+disp] starts an epilog only with the function\'s own frame register', async () => {
  // g+0x80: lea rsp,[rbp+20h] (48 8d 65 20); pop rbp; ret. rbp = SP-0x20 → rsp = SP.
  const mem = new FakeMemory();
  mem.code(BASE + 0x2080n, [0x48, 0x8d, 0x65, 0x20, 0x5d, 0xc3]);
  mem.q(SP, 0x5a5an);
  mem.q(SP + 8n, EPILOG_RET);
  const [a, b] = await walkStack({ ...zeroRegisters(), rip: BASE + 0x2080n, rsp: SP - 0x300n, rbp: SP - 0x20n }, mem, data(mem), { maxFrames: 2 });
  assert.equal(a.method, 'epilog');
  assert.equal(b.registers.rbp, 0x5a5an);
  assert.equal(b.sp, SP + 0x10n);
  // The same bytes in f (no frame register) are no epilog: the codes apply.
  const fr = await walkAt([0x48, 0x8d, 0x65, 0x20, 0x5d, 0xc3], { regs: { rbp: SP - 0x20n } });
  assert.equal(fr.method, 'unwind');
  assert.equal(fr.returnAddress, CODES_RET);
});

test('indirect jmps: jmp [rip+x] and REX.W jmp reg / [reg] are epilogs; without REX.W or with mod 01 they are not', async () => {
  const cases: [number[], string][] = [
    [[0x5b, 0xff, 0x25, 0, 0, 0, 0], 'epilog'], // pop rbx; jmp [rip+0]
    [[0x5b, 0x48, 0xff, 0xe0], 'epilog'], // pop rbx; rex.w jmp rax
    [[0x5b, 0x48, 0xff, 0x20], 'epilog'], // pop rbx; rex.w jmp [rax]
    [[0x5b, 0xff, 0xe0], 'unwind'], // pop rbx; jmp rax (a jump table, no REX.W)
    [[0x5b, 0x48, 0xff, 0x60, 0x08], 'unwind'], // pop rbx; rex.w jmp [rax+8]: mod 01 is not allowed
  ];
  for (const [code, method] of cases) {
    const fr = await walkAt(code, { pops: 1 });
    assert.equal(fr.method, method, code.map((x) => x.toString(16)).join(' '));
    assert.equal(fr.returnAddress, method === 'epilog' ? EPILOG_RET : CODES_RET);
  }
});

test('anything else before the final instruction (a mov) means no epilog', async () => {
  const fr = await walkAt([0x48, 0x89, 0xc3, 0xc3]); // mov rbx,rax; ret
  assert.equal(fr.method, 'unwind');
});
