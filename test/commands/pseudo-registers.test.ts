import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openSample } from './sample-session.js';

// WinDbg's pseudo-registers (debugger documentation, "Pseudo-Register Syntax") on the sample: the crashing
// thread is a System worker thread (System is PID 4; kernel threads have no TEB, System no PEB).
let s: Awaited<ReturnType<typeof openSample>>;
before(async () => {
  s = await openSample();
});
after(() => s?.close());

const value = (text: string) => BigInt(`0x${/= ([0-9a-f]{8})`([0-9a-f]{8})/.exec(text)!.slice(1).join('')}`);

test('$ptrsize, $retreg, $tpid, $teb, $peb', async () => {
  const [ptr, ret, rax, tpid, teb, peb] = await s.run('? @$ptrsize; ? @$retreg; ? @rax; ? @$tpid; ? @$teb; ? @$peb');
  assert.equal(value(ptr.text), 8n);
  assert.equal(value(ret.text), value(rax.text));
  assert.equal(value(tpid.text), 4n);
  assert.equal(value(teb.text), 0n);
  assert.equal(value(peb.text), 0n);
});

test('$tid is the current thread\'s Cid.UniqueThread', async () => {
  const [tid, dt] = await s.run('? @$tid; dt nt!_ETHREAD @$thread Cid.');
  assert.ok(dt.ok, dt.text);
  assert.equal(value(tid.text), BigInt(/UniqueThread\s+: (0x[0-9a-f]{8})`([0-9a-f]{8})/.exec(dt.text)!.slice(1).join('')));
});

test('$ra: the return address of the scope\'s frame', async () => {
  // KeBugCheckEx (frame 0) is at its first instruction, so its return address is the qword at rsp.
  const [ra, top] = await s.run('? @$ra; ? poi(@rsp)');
  assert.equal(value(ra.text), value(top.text));
  const [frame, ra1] = await s.run('.frame 1; ? @$ra');
  // `.frame 1` prints the frame's line, RetAddr in the third column.
  const retAddr = BigInt(`0x${/^01 \S+ ([0-9a-f]{8})`([0-9a-f]{8})/.exec(frame.text)!.slice(1).join('')}`);
  assert.equal(value(ra1.text), retAddr);
  await s.run('.frame 0');
  assert.equal((await s.one('? @$nosuch')).ok, false);
});
