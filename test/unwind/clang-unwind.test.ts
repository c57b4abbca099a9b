// Real unwind data, made by clang-14 and lld-link-14 at test time: a C function using alloca with a frame
// pointer (clang's own prolog), and an assembly function whose .seh_* directives make the assembler emit
// UWOP_SAVE_NONVOL in a frame-pointer function that then calls alloca. The DLL is read with our PE reader;
// the stack is laid out by hand by executing the two prologs (their instructions are checked against
// llvm-objdump first), so every expected register comes from that, not from the unwinder.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PeImage } from '../../src/formats/pe/pe-image.js';
import type { UnwindData } from '../../src/unwind/types.js';
import { walkStack } from '../../src/unwind/x64-unwinder.js';
import { FakeMemory, zeroRegisters } from './fake-memory.js';

const C_SOURCE = `
#define _alloca __builtin_alloca
void use(char *p, long n);
long g(long a);
__declspec(dllexport) long withalloca(long n, long k) {
  register long keep = k * 3;
  char *p = (char *)_alloca(n);
  use(p, n);
  return g(keep) + g(n) + keep;
}
`;
const ASM_SOURCE = `
  .intel_syntax noprefix
  .text
  .globl fp_alloca
  .def fp_alloca; .scl 2; .type 32; .endef
  .seh_proc fp_alloca
fp_alloca:
  push rbp
  .seh_pushreg rbp
  sub rsp, 0x40
  .seh_stackalloc 0x40
  lea rbp, [rsp + 0x20]
  .seh_setframe rbp, 0x20
  mov qword ptr [rsp + 0x30], rbx
  .seh_savereg rbx, 0x30
  .seh_endprologue
  sub rsp, rcx
  call withalloca
  mov rbx, qword ptr [rbp + 0x10]
  lea rsp, [rbp + 0x20]
  pop rbp
  ret
  .seh_endproc
  .globl leaf
leaf:
  ret
  .globl use
use:
  ret
  .globl g
g:
  mov rax, rcx
  ret
  .globl __chkstk
__chkstk:
  ret
`;

const dir = mkdtempSync(join(tmpdir(), 'dumpscope-clang-unwind-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function build(): { dll: Uint8Array; disasm: string } | string {
  try {
    writeFileSync(join(dir, 'f.c'), C_SOURCE);
    writeFileSync(join(dir, 's.s'), ASM_SOURCE);
    const cc = (src: string, obj: string) => execFileSync('clang-14', ['--target=x86_64-pc-windows-msvc', '-O2', '-fno-inline', '-c', join(dir, src), '-o', join(dir, obj)], { stdio: 'pipe' });
    cc('f.c', 'f.obj');
    cc('s.s', 's.obj');
    execFileSync('lld-link-14', ['/dll', '/noentry', '/nodefaultlib', `/out:${join(dir, 't.dll')}`, join(dir, 'f.obj'), join(dir, 's.obj'), '/export:withalloca', '/export:fp_alloca', '/export:leaf', '/export:use'], { stdio: 'pipe' });
    const disasm = execFileSync('llvm-objdump-14', ['-d', join(dir, 't.dll')], { encoding: 'utf8' });
    return { dll: new Uint8Array(readFileSync(join(dir, 't.dll'))), disasm };
  } catch (e) {
    return `clang-14, lld-link-14 or llvm-objdump-14 is not usable here (${(e as Error).message.split('\n')[0]})`;
  }
}
const built = build();
const skip = typeof built === 'string' ? built : false;

/** Address of a symbol and the byte listing of its first instructions, from llvm-objdump. */
function fromObjdump(disasm: string, name: string): { at: bigint; bytes: string } {
  const m = new RegExp(`^([0-9a-f]{16}) <${name}>:\\n((?:[0-9a-f]+: .*\\n)+)`, 'm').exec(disasm);
  assert.ok(m, `${name} in the disassembly`);
  const bytes = m[2].split('\n').map((l) => /^[0-9a-f]+: ((?:[0-9a-f]{2} )+)/.exec(l)?.[1] ?? '').join('').trim();
  return { at: BigInt(`0x${m[1]}`), bytes };
}

/** The address right after the call instruction in `name` that calls `callee`. */
function returnAfterCall(disasm: string, name: string, callee: string): bigint {
  const body = new RegExp(`<${name}>:\\n((?:[0-9a-f]+: .*\\n)+)`).exec(disasm)![1].split('\n');
  const i = body.findIndex((l) => new RegExp(`callq\\s+0x[0-9a-f]+ <${callee}>`).test(l));
  assert.ok(i >= 0, `${name} calls ${callee}`);
  return BigInt(`0x${/^([0-9a-f]+):/.exec(body[i + 1])![1]}`);
}

test('clang-14 alloca + frame pointer and an assembled UWOP_SAVE_NONVOL frame unwind to the registers the prologs saved', { skip }, async () => {
  if (typeof built === 'string') return;
  const pe = await PeImage.open(async (o, n) => (o + n <= built.dll.length ? built.dll.subarray(o, o + n) : undefined), false, 't.dll');
  const base = pe.imageBase;
  const wa = fromObjdump(built.disasm, 'withalloca');
  const fa = fromObjdump(built.disasm, 'fp_alloca');
  const leaf = fromObjdump(built.disasm, 'leaf').at;
  const use = fromObjdump(built.disasm, 'use').at;
  // The prologs the stack below is laid out from: push rbp, rsi, rdi, rbx, rax; mov rbp,rsp (clang) and
  // push rbp; sub rsp,40h; lea rbp,[rsp+20h]; mov [rsp+30h],rbx; sub rsp,rcx (ours).
  assert.ok(wa.bytes.startsWith('55 56 57 53 50 48 89 e5'), wa.bytes);
  assert.ok(fa.bytes.startsWith('55 48 83 ec 40 48 8d 6c 24 20 48 89 5c 24 30 48 29 cc'), fa.bytes);
  const data: UnwindData = {
    async lookup(a) {
      const rva = Number(a - base);
      if (a < base || rva >= pe.sizeOfImage) return { kind: 'unknown' };
      const fn = await pe.functionAt(rva);
      if (!fn) return { kind: 'leaf', imageBase: base, module: 't' };
      const info = await pe.unwindInfo(fn);
      return info ? { kind: 'function', imageBase: base, module: 't', fn: info } : { kind: 'no-data', module: 't', reason: 'unreadable' };
    },
    readCode: (a, n) => pe.readRva(Number(a - base), n),
    isCodeAddress: (a) => a >= base && a < base + BigInt(pe.sizeOfImage),
  };
  const mem = new FakeMemory();
  // fp_alloca, entered with rsp R2 (returning to `leaf`, which returns to 0), rcx = 0x100:
  const R2 = 0xffff800000100000n;
  mem.q(R2, leaf);
  mem.q(R2 + 8n, 0n);
  mem.q(R2 - 8n, 0x1111n); // push rbp (its caller's rbp)
  mem.q(R2 - 0x18n, 0xb0b0n); // sub rsp,40h → R2-0x48; lea rbp → R2-0x28; mov [rsp+30h],rbx → R2-0x18
  mem.q(R2 - 0x148n + 0x30n, 0xbad0n); // after sub rsp,rcx rsp is R2-0x148: rsp+0x30 holds something else
  const R1 = R2 - 0x150n; // call withalloca pushes the return address
  mem.q(R1, returnAfterCall(built.disasm, 'fp_alloca', 'withalloca'));
  // withalloca: push rbp (fp_alloca's R2-0x28), rsi, rdi, rbx, rax; mov rbp,rsp → R1-0x28; alloca 0x100 and
  // 0x20 of home space → rsp R1-0x148; call use.
  mem.q(R1 - 8n, R2 - 0x28n);
  mem.q(R1 - 0x10n, 0x5151n);
  mem.q(R1 - 0x18n, 0xd1d1n);
  mem.q(R1 - 0x20n, 0x7b7bn);
  mem.q(R1 - 0x150n, returnAfterCall(built.disasm, 'withalloca', 'use'));
  const start = { ...zeroRegisters(), rip: use, rsp: R1 - 0x150n, rbp: R1 - 0x28n, rbx: 1n, rsi: 2n, rdi: 3n };
  const frames = await walkStack(start, mem, data);
  assert.deepEqual(frames.map((f) => f.sp), [R1 - 0x150n, R1 - 0x148n, R1 + 8n, R2 + 8n], JSON.stringify(frames.map((f) => f.note)));
  const [, , inFp, inLeaf] = frames;
  // Out of withalloca: its four pushes.
  assert.deepEqual([inFp.registers.rbp, inFp.registers.rsi, inFp.registers.rdi, inFp.registers.rbx], [R2 - 0x28n, 0x5151n, 0xd1d1n, 0x7b7bn]);
  // Out of fp_alloca: rbx from the establisher frame (rbp - 2×16 + 0x30), not from rsp + 0x30.
  assert.equal(inLeaf.ip, leaf);
  assert.equal(inLeaf.registers.rbx, 0xb0b0n);
  assert.equal(inLeaf.registers.rbp, 0x1111n);
});

test('clang-14\'s epilog `lea rsp,[rbp+8]; pop ×4; ret` is recognised at every instruction of it', { skip }, async () => {
  if (typeof built === 'string') return;
  const pe = await PeImage.open(async (o, n) => (o + n <= built.dll.length ? built.dll.subarray(o, o + n) : undefined), false, 't.dll');
  const base = pe.imageBase;
  const lines = /<withalloca>:\n((?:[0-9a-f]+: .*\n)+)/.exec(built.disasm)![1].split('\n');
  const lea = lines.findIndex((l) => /48 8d 65 08\s+leaq\s+8\(%rbp\), %rsp/.test(l));
  assert.ok(lea > 0, 'the epilog starts with lea rsp,[rbp+8]');
  const at = (i: number) => BigInt(`0x${/^([0-9a-f]+):/.exec(lines[i])![1]}`);
  const data: UnwindData = {
    async lookup(a) {
      const fn = await pe.functionAt(Number(a - base));
      const info = fn ? await pe.unwindInfo(fn) : undefined;
      return info ? { kind: 'function', imageBase: base, module: 't', fn: info } : { kind: 'leaf', imageBase: base, module: 't' };
    },
    readCode: (a, n) => pe.readRva(Number(a - base), n),
    isCodeAddress: () => true,
  };
  const R = 0xffff800000200000n; // withalloca's entry rsp; its saved rbp, rsi, rdi, rbx below it
  for (let k = 0; k <= 4; k++) {
    // At the lea (k = 0) rsp is anywhere below (alloca); after it and k-1 pops, rsp = R-0x20 + 8(k-1).
    const mem = new FakeMemory();
    mem.q(R, 0n);
    for (const [i, v] of [0xeb9n, 0x5151n, 0xd1d1n, 0x7b7bn].entries()) mem.q(R - 8n * BigInt(i + 1), v);
    const rsp = k === 0 ? R - 0x400n : R - 0x20n + 8n * BigInt(k - 1);
    const [f0] = await walkStack({ ...zeroRegisters(), rip: at(lea + k), rsp, rbp: R - 0x28n }, mem, data);
    assert.equal(f0.method, 'epilog', `at ${lines[lea + k]}`);
  }
});
