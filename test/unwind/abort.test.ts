// The stack walker, its scanning fallback and the kernel list walk stop on an aborted signal (Ctrl-C): each
// is given far more work than a command would wait for, the abort is raised from inside a memory read, and
// the test counts the reads made after it. Expected frame counts follow from the hand-built memory.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CommandAbortedError } from '../../src/commands/checkpoint.js';
import { MemoryNotPresentError } from '../../src/io/errors.js';
import type { AddressSpace } from '../../src/memory/address-space.js';
import { walkList } from '../../src/target/list-walk.js';
import type { X64Registers } from '../../src/target/x64-registers.js';
import type { UnwindData } from '../../src/unwind/types.js';
import { walkStack } from '../../src/unwind/x64-unwinder.js';

/** Qwords at 8-aligned addresses; counts reads and aborts `controller` on read number `abortAt`. */
class CountingMemory implements AddressSpace {
  readonly q = new Map<bigint, bigint>();
  reads = 0;
  abortAt = 0;
  readsAtAbort = 0;
  controller = new AbortController();
  async read(va: bigint, length: number): Promise<Uint8Array> {
    if (++this.reads === this.abortAt) {
      this.readsAtAbort = this.reads;
      this.controller.abort();
    }
    const v = this.q.get(va);
    if (v === undefined || length !== 8) throw new MemoryNotPresentError('virtual', va, 'not in test memory');
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, v, true);
    return out;
  }
  async readSparse(_va: bigint, length: number) {
    return { bytes: new Uint8Array(length), valid: new Uint8Array(length) };
  }
  get after(): number {
    return this.reads - this.readsAtAbort;
  }
}

const CODE = 0xfffff80000001000n;
const SP = 0xffff800000100000n;
const regs = (): X64Registers => ({ rax: 0n, rbx: 0n, rcx: 0n, rdx: 0n, rsi: 0n, rdi: 0n, rip: CODE + 0x10n, rsp: SP, rbp: 0n, r8: 0n, r9: 0n, r10: 0n, r11: 0n, r12: 0n, r13: 0n, r14: 0n, r15: 0n });

/** Every code address is a leaf (`leaf`) or in a module without unwind data (`no-data`). */
function unwindData(kind: 'leaf' | 'no-data'): UnwindData {
  return {
    lookup: async (a) => (a >= CODE && a < CODE + 0x1000n ? (kind === 'leaf' ? { kind: 'leaf', imageBase: CODE, module: 'drv' } : { kind: 'no-data', module: 'drv', reason: 'image not available' }) : { kind: 'unknown' }),
    readCode: async () => undefined,
    isCodeAddress: (a) => a >= CODE && a < CODE + 0x1000n,
  };
}

test('a walk of 3000 leaf frames returns them all without a signal, and stops at the next frame once aborted', async () => {
  const mem = new CountingMemory();
  // Each leaf returns to the qword at its rsp: 3000 return addresses in a row, then 0 (the thread's start).
  for (let i = 0; i < 3000; i++) mem.q.set(SP + BigInt(i * 8), CODE + 0x20n);
  mem.q.set(SP + 3000n * 8n, 0n);
  const frames = await walkStack(regs(), mem, unwindData('leaf'), { maxFrames: 4096 });
  assert.equal(frames.length, 3001);
  assert.equal(mem.reads, 3001);
  mem.reads = 0;
  mem.abortAt = 100;
  await assert.rejects(walkStack(regs(), mem, unwindData('leaf'), { maxFrames: 4096, signal: mem.controller.signal }), CommandAbortedError);
  assert.equal(mem.after, 0, 'the frame being unwound when the abort came was the last');
});

test('the stack scan for a module without unwind data stops within 64 slots of an abort', async () => {
  const mem = new CountingMemory();
  // 0x2000 bytes of stack holding no code address: the scan reads all 1024 slots, then gives up.
  for (let i = 0; i < 1024; i++) mem.q.set(SP + BigInt(i * 8), 0x1234n);
  const frames = await walkStack(regs(), mem, unwindData('no-data'), {});
  assert.equal(frames.length, 1);
  assert.match(frames[0].note ?? '', /no return address/);
  assert.equal(mem.reads, 1024);
  mem.reads = 0;
  mem.abortAt = 10;
  await assert.rejects(walkStack(regs(), mem, unwindData('no-data'), { signal: mem.controller.signal }), CommandAbortedError);
  assert.ok(mem.after <= 64, `${mem.after} reads after the abort`);
});

test('a LIST_ENTRY walk of 10 000 entries stops within 256 entries of an abort', async () => {
  const mem = new CountingMemory();
  const head = 0xffffa00000000000n;
  const entry = (i: number) => head + 0x100n + BigInt(i) * 0x40n;
  mem.q.set(head, entry(0));
  for (let i = 0; i < 10_000; i++) mem.q.set(entry(i), i === 9_999 ? head : entry(i + 1));
  const whole = await walkList(mem, head, 0x10);
  assert.equal(whole.items.length, 10_000);
  assert.equal(whole.items[0], entry(0) - 0x10n);
  mem.reads = 0;
  mem.abortAt = 1_000;
  await assert.rejects(walkList(mem, head, 0x10, undefined, mem.controller.signal), CommandAbortedError);
  assert.ok(mem.after <= 256, `${mem.after} reads after the abort`);
});
