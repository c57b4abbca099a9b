// Test helper: a sparse little address space (qwords and code bytes placed by hand) and a register set of
// zeros, for unwinder tests whose every expectation is computed from what the test wrote.
import { MemoryNotPresentError } from '../../src/io/errors.js';
import type { AddressSpace } from '../../src/memory/address-space.js';
import type { X64Registers } from '../../src/target/x64-registers.js';

export class FakeMemory implements AddressSpace {
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
  /** Code bytes as UnwindData.readCode returns them: up to the first byte not placed. */
  async readCode(a: bigint, n: number): Promise<Uint8Array | undefined> {
    const { bytes, valid } = await this.readSparse(a, n);
    const end = valid.indexOf(0);
    return end === 0 ? undefined : bytes.subarray(0, end < 0 ? n : end);
  }
}

export const zeroRegisters = (): X64Registers => ({ rax: 0n, rbx: 0n, rcx: 0n, rdx: 0n, rsi: 0n, rdi: 0n, rip: 0n, rsp: 0n, rbp: 0n, r8: 0n, r9: 0n, r10: 0n, r11: 0n, r12: 0n, r13: 0n, r14: 0n, r15: 0n });
