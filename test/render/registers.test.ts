import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode } from '../../src/disasm/x64.js';
import { effectiveAddress, renderRegisters } from '../../src/render/registers.js';
import type { X64Registers } from '../../src/target/x64-registers.js';

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => Number.parseInt(b, 16)));

test('.cxr display of the 0x7E walkthrough, character for character', async () => {
  // Register values from the walkthrough's CONTEXT; the expected text is WinDbg's output there.
  const regs: X64Registers = {
    rax: 0x4141414141414139n, rbx: 0x6000n, rcx: 0x2530001n, rdx: 0x4141414141414141n,
    rsi: 0xffffe009a68dc000n, rdi: 0xffffe009a68dffe0n, rip: 0xfffff8076624f3d4n, rsp: 0xffffa1088a4aee30n, rbp: 0n,
    r8: 0x3be6192c0436d050n, r9: 0n, r10: 0xffffe0099a6002d0n, r11: 0xffffe009a68dc000n, r12: 0xffffe009a68dfb00n,
    r13: 0xffffe0099a6002c0n, r14: 1n, r15: 0xffffe0099a6002c0n,
    eflags: 0x50206, cs: 0x10, ss: 0x18, ds: 0x2b, es: 0x2b, fs: 0x53, gs: 0x2b,
  };
  const [ins] = await decode(hex('3300'), regs.rip, 1);
  const address = effectiveAddress(ins, regs)!;
  assert.equal(address, 0x4141414141414139n);
  const text = renderRegisters({ registers: regs, showSegments: true, ripSymbol: 'nt!RtlpHpVsFreeChunkInsert+0x1b4', instruction: ins, operand: { address, size: 4 } });
  assert.equal(
    text,
    [
      'rax=4141414141414139 rbx=0000000000006000 rcx=0000000002530001',
      'rdx=4141414141414141 rsi=ffffe009a68dc000 rdi=ffffe009a68dffe0',
      'rip=fffff8076624f3d4 rsp=ffffa1088a4aee30 rbp=0000000000000000',
      ' r8=3be6192c0436d050  r9=0000000000000000 r10=ffffe0099a6002d0',
      'r11=ffffe009a68dc000 r12=ffffe009a68dfb00 r13=ffffe0099a6002c0',
      'r14=0000000000000001 r15=ffffe0099a6002c0',
      'iopl=0         nv up ei pl nz na po nc',
      'cs=0010  ss=0018  ds=002b  es=002b  fs=0053  gs=002b             efl=00050206',
      'nt!RtlpHpVsFreeChunkInsert+0x1b4:',
      'fffff807`6624f3d4 3300            xor     eax,dword ptr [rax] ds:002b:41414141`41414139=????????',
    ].join('\n'),
  );
});

test('.trap display of the 0x50 walkthrough (no segment line, 16-byte operand)', async () => {
  const regs: X64Registers = {
    rax: 0xffffe5068d8a3db0n, rbx: 0n, rcx: 0xffffe5068d8a4040n, rdx: 0x33f4d0n, rsi: 0n, rdi: 0n,
    rip: 0xfffff801197f1d1en, rsp: 0xfffff90fb6d8ef78n, rbp: 0xfffff90fb6d8f029n,
    r8: 0x24n, r9: 7n, r10: 0x655n, r11: 0xffffe5068dbe36f4n, r12: 0n, r13: 0n, r14: 0n, r15: 0n, eflags: 0x50202,
  };
  const [ins] = await decode(hex('0f2949c0'), regs.rip, 1);
  const address = effectiveAddress(ins, regs)!;
  const text = renderRegisters({ registers: regs, showSegments: false, ripSymbol: 'Driver+0x1d1e', instruction: ins, operand: { address, size: 16 } });
  assert.equal(
    text.split('\n').slice(-3).join('\n'),
    [
      'iopl=0         nv up ei pl nz na pe nc',
      'Driver+0x1d1e:',
      'fffff801`197f1d1e 0f2949c0        movaps  xmmword ptr [rcx-40h],xmm1 ds:ffffe506`8d8a4000=????????????????????????????????',
    ].join('\n'),
  );
});

test('without code bytes at rip the instruction line is ?? and ???', () => {
  const regs = { rax: 0n, rbx: 0n, rcx: 0n, rdx: 0n, rsi: 0n, rdi: 0n, rip: 0xfffff801197f1d1en, rsp: 0n, rbp: 0n, r8: 0n, r9: 0n, r10: 0n, r11: 0n, r12: 0n, r13: 0n, r14: 0n, r15: 0n, eflags: 0x50202 } as X64Registers;
  const text = renderRegisters({ registers: regs, showSegments: false, ripSymbol: 'Driver+0x1d1e', codeMissing: true });
  assert.deepEqual(text.split('\n').slice(-2), ['Driver+0x1d1e:', 'fffff801`197f1d1e ??              ???']);
  // Without the flag (analysis shows registers only) no instruction line is added.
  assert.equal(renderRegisters({ registers: regs, showSegments: false }).split('\n').length, 7);
});
