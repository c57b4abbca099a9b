// The stack builder writes each frame's saved registers where the function's unwind data says it saved them
// (llvm-readobj-14's reading of the kernel image gives the expected slots), and refuses a frame that
// changes a register its prologue does not save.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { readScenarioBinaries, scenarioBinDir } from '../../src/node/scenario-files.js';
import { KernelScenario } from '../../src/scenario/kernel-scenario.js';

const hasReadobj = spawnSync('llvm-readobj-14', ['--version'], { stdio: 'ignore' }).status === 0;

async function kernel() {
  const k = new KernelScenario(await readScenarioBinaries(), 1);
  await k.init([], 0);
  return { k, thread: await k.addThread('ExpWorkerThread', 2) };
}

const u64 = (k: KernelScenario, at: bigint) => new DataView(k.mem.read(at, 8).buffer).getBigUint64(0, true);

test("KiExceptionDispatch's save_nonvol slots and KiDispatchException's pushes hold the caller's registers, as llvm-readobj places them", { skip: hasReadobj ? false : 'llvm-readobj-14 is not installed' }, async () => {
  const { k, thread } = await kernel();
  const outer = { rbx: 0x1111n, rbp: 0x2222n, rsi: 0x3333n, rdi: 0x4444n, r12: 0x5555n, r13: 0x6666n, r14: 0x7777n, r15: 0x8888n };
  const own = { rbx: 0xa1n, rsi: 0xa2n, rdi: 0xa3n, r12: 0xa4n, r14: 0xa5n, r15: 0xa6n };
  const frames = await k.stack(
    [
      { image: k.nt, fn: 'RtlDispatchException', at: 'body' },
      { image: k.nt, fn: 'KiDispatchException', regs: own },
      { image: k.nt, fn: 'KiExceptionDispatch' },
    ],
    thread.stackBase - 0x2000n,
    outer,
  );
  // The unwind codes of both functions, as the independent tool reads them.
  const text = execFileSync('llvm-readobj-14', ['--unwind', join(scenarioBinDir(), 'ntoskrnl.exe')], { encoding: 'utf8' });
  const block = (fn: string) => {
    const start = frames.find((f) => f.fn === fn)!;
    return text.split('RuntimeFunction {').find((b) => {
      const s = BigInt(/StartAddress: \((0x[0-9A-F]+)\)/.exec(b)?.[1] ?? '0');
      const e = BigInt(/EndAddress: \((0x[0-9A-F]+)\)/.exec(b)?.[1] ?? '0');
      return start.ip >= s && start.ip < e;
    })!;
  };
  const saves = [...block('KiExceptionDispatch').matchAll(/SAVE_NONVOL reg=(\w+), offset=(0x[0-9A-F]+)/g)].map((m) => [m[1].toLowerCase(), BigInt(m[2])] as const);
  assert.equal(saves.length, 8);
  // KiExceptionDispatch is outermost here: its slots hold `outer`.
  for (const [reg, off] of saves) assert.equal(u64(k, frames[2].sp + off), outer[reg as keyof typeof outer], reg);
  // KiDispatchException pushes in prologue order; the last push is just above its fixed allocation.
  const kd = block('KiDispatchException');
  const alloc = BigInt(/ALLOC_LARGE size=(0x[0-9A-F]+|\d+)/.exec(kd)![1]);
  const pushes = [...kd.matchAll(/PUSH_NONVOL reg=(\w+)/g)].map((m) => m[1].toLowerCase()); // last pushed first
  assert.equal(pushes.length, 8);
  for (const [i, reg] of pushes.entries()) assert.equal(u64(k, frames[1].sp + alloc + BigInt(i * 8)), outer[reg as keyof typeof outer], reg);
  // RtlDispatchException's pushes hold what KiDispatchException changed, the rest passes through.
  const rd = block('RtlDispatchException');
  const rdAlloc = BigInt(/ALLOC_LARGE size=(0x[0-9A-F]+|\d+)/.exec(rd)![1]);
  for (const [i, reg] of [...rd.matchAll(/PUSH_NONVOL reg=(\w+)/g)].map((m) => m[1].toLowerCase()).entries()) {
    const want = own[reg as keyof typeof own] ?? outer[reg as keyof typeof outer];
    assert.equal(u64(k, frames[0].sp + rdAlloc + BigInt(i * 8)), want, reg);
  }
  assert.deepEqual(frames[0].regs, { ...outer, ...own });
});

test('a frame that changes a register its prologue does not save is refused', async () => {
  const { k, thread } = await kernel();
  // RtlpHpFreeHeap only allocates stack (no pushes): changing rbx would corrupt its caller's.
  await assert.rejects(
    k.stack(
      [
        { image: k.nt, fn: 'RtlpHpVsFreeChunkInsert', at: 'body' },
        { image: k.nt, fn: 'RtlpHpFreeHeap', regs: { rbx: 1n } },
        { image: k.nt, fn: 'ExFreePoolWithTag' },
      ],
      thread.stackBase - 0x2000n,
    ),
    /RtlpHpFreeHeap changes rbx without saving it in its prologue/,
  );
});
