// Which trap frame the page-fault family's analysis reads: the KTRAP_FRAME the stack walker located around
// the trap handler's machine frame (StackFrame.trapFrame), not the handler's stack pointer. On every dump so
// far the two are the same address, so a stand-in target makes them differ: its walk reports a machine
// frame whose Child-SP and located trap frame are 0x40 apart, and its trap frames hold different registers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { faultingContext } from '../../src/analysis/faulting-context.js';
import type { KernelTarget } from '../../src/target/kernel-target.js';
import type { X64Registers } from '../../src/target/x64-registers.js';
import type { StackFrame } from '../../src/unwind/x64-unwinder.js';

const zero = (): X64Registers => ({ rax: 0n, rbx: 0n, rcx: 0n, rdx: 0n, rsi: 0n, rdi: 0n, rip: 0n, rsp: 0n, rbp: 0n, r8: 0n, r9: 0n, r10: 0n, r11: 0n, r12: 0n, r13: 0n, r14: 0n, r15: 0n });
const HANDLER_SP = 0xfffff90fb7024a00n;
const LOCATED = HANDLER_SP + 0x40n;
const FAULT_IP = 0xfffff80116a11234n;

/** A target whose bugcheck stack is KeBugCheckEx → KiPageFault (a machine frame) → the faulting driver. */
function target(located: bigint | undefined) {
  const readAt: bigint[] = [];
  const bugcheck = { ...zero(), rip: 0xfffff80116200000n, rsp: HANDLER_SP - 0x100n };
  const frames: Partial<StackFrame>[] = [
    { index: 0, ip: bugcheck.rip, sp: bugcheck.rsp, method: 'unwind' },
    { index: 1, ip: 0xfffff80116210000n, sp: HANDLER_SP, method: 'machine-frame', trapFrame: located },
    { index: 2, ip: FAULT_IP, sp: 0xfffff90fb7024c00n, method: 'unwind' },
  ];
  const t = {
    dump: { header: { bugcheckCode: 0x50, bugcheckArgs: [0xffffa50846322000n, 2n, FAULT_IP, 2n] }, context: bugcheck },
    walk: async () => frames,
    // Each address gives its own rip, so the test sees which frame was read.
    trapRegisters: async (address: bigint) => {
      readAt.push(address);
      return { ...zero(), rip: address === LOCATED ? FAULT_IP : 0xdeadn, rsp: address + 0x190n };
    },
  };
  return { t: t as unknown as KernelTarget, readAt };
}

test('the analysis reads the trap frame at the address the walker located, not at the handler\'s Child-SP', async () => {
  const { t, readAt } = target(LOCATED);
  const limitations: string[] = [];
  const fc = await faultingContext(t, limitations);
  assert.deepEqual(readAt, [LOCATED]);
  assert.equal(fc.trapFrame?.address, LOCATED);
  assert.equal(fc.registers?.rip, FAULT_IP);
  assert.equal(fc.faulting, true);
  // STACK_TEXT starts at KeBugCheckEx, named as the 0x50 walkthrough names it; `.trap … ; kb` stays the
  // fallback when that walk does not reach the faulting frame.
  assert.equal(fc.stackCommand, '.cxr; .ecxr ; kb');
  assert.equal(fc.faultingStackCommand, `.trap 0x${LOCATED.toString(16)} ; kb`);
  assert.equal(fc.stackRegisters?.rip, 0xfffff80116200000n);
  assert.equal(fc.registersCommand, `.trap 0x${LOCATED.toString(16)}`);
  assert.deepEqual(limitations, []);
});

test('without a located trap frame (no trap frame layout), the handler\'s stack pointer is still tried', async () => {
  const { t, readAt } = target(undefined);
  const fc = await faultingContext(t, []);
  assert.deepEqual(readAt, [HANDLER_SP]);
  assert.equal(fc.trapFrame?.address, HANDLER_SP);
});
