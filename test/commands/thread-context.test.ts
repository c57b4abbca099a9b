// One rule for a thread's registers (src/target/thread-context.ts), whichever view asks: `.thread` + `k`,
// `!thread`, `!t`, `!us`, `!running -t`. The thread fixture (test/helpers/thread-fixture.ts) writes a worker
// running on processor 1 whose context the PRCB holds (ExpWorkerThread's body, then PspSystemThreadStartup
// and KiStartSystemThread), and the crashing thread on processor 0 (KeBugCheckEx).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createEngine } from '../../src/commands/registry.js';
import { openSession } from '../../src/node/open-session.js';
import { scenarioBinDir } from '../../src/node/scenario-files.js';
import { type ThreadFixture, writeThreadFixture } from '../helpers/thread-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'dumpscope-thread-context-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const io = { out: () => {}, err: () => {}, stderrIsTty: false, env: {} };
const opts = { sympath: scenarioBinDir(), offline: true, json: false, markdown: false, commands: [], rest: [] };
const hex = (v: bigint) => v.toString(16);
let fx: ThreadFixture;

before(async () => {
  fx = await writeThreadFixture(join(dir, 'threads.dmp'));
});

async function run(path: string, commands: string) {
  const { session, close } = await openSession(path, opts, io);
  try {
    return await createEngine().run(session, commands);
  } finally {
    await close();
  }
}

/** The call sites of a `k` listing, in order. */
const sites = (text: string) => text.split('\n').filter((l) => /^[0-9a-f]{2} /.test(l)).map((l) => l.split(/\s+/)[3]);

test('.thread of a thread running on another processor: the context that processor saved, the same stack !thread, !t and !running -t show', async () => {
  const out = await run(fx.path, `.thread ${hex(fx.running1)}; k; r rsp; !thread ${hex(fx.running1)}; !t ${hex(fx.running1)}; !running -t`);
  for (const o of out) assert.ok(o.ok, o.error ?? o.text);
  const [dot, k, rsp, thread, t, running] = out.map((o) => o.text);
  assert.equal(dot, `Implicit thread is now ${hex(fx.running1).replace(/^(.{8})/, '$1`')}`);
  const expected = ['nt!ExpWorkerThread+0x6', 'nt!PspSystemThreadStartup+0x13', 'nt!KiStartSystemThread+0x13'];
  assert.deepEqual(sites(k), expected);
  assert.match(k, /^ {2}\*\*\* Stack trace for last set context/);
  // The frozen context's rsp is the first Child-SP.
  const sp = /^00 ([0-9a-f]{8})`([0-9a-f]{8})/m.exec(k)!;
  assert.equal(rsp, `rsp=${sp[1]}${sp[2]}`);
  for (const view of [thread, t]) for (const s of expected) assert.ok(view.includes(s), `${s} in\n${view}`);
  // !running -t: processor 1's block lists the same frames.
  const cpu1 = running.split(/\n(?= {2}\d {4})/).find((b) => b.startsWith('  1 '))!;
  assert.deepEqual(sites(cpu1.split('\n').slice(1).join('\n')), expected);
});

test('.thread of a thread whose KernelStack points into another thread\'s stack: no stack (as !thread says), never the other stack or the crash stack', async () => {
  const bad = await writeThreadFixture(join(dir, 'foreign-stack.dmp'), {
    mutate: async (k, f) => {
      const other = await k.struct('_ETHREAD', f.userWait);
      const ks = new DataView(k.mem.read(other.addressOf('Tcb.KernelStack'), 8).buffer).getBigUint64(0, true);
      (await k.struct('_ETHREAD', f.kernelWait)).set('Tcb.KernelStack', ks);
    },
  });
  const [dot, k, r, thread, back, k2] = await run(bad.path, `.thread ${hex(bad.kernelWait)}; k; r; !thread ${hex(bad.kernelWait)}; .thread; k 1`);
  const why = /its saved KernelStack [0-9a-f]{16} is outside its own stack \(StackLimit [0-9a-f]{16}, StackBase [0-9a-f]{16}\)/;
  assert.match(dot.text, why);
  assert.doesNotMatch(dot.text, /registers unchanged/);
  assert.ok(k.ok);
  assert.deepEqual(sites(k.text), []);
  assert.match(k.text, new RegExp(`^\\(no stack: ${why.source}\\)$`, 'm'));
  // No registers either (not the bugcheck context's).
  assert.equal(r.ok, false);
  assert.match(r.error ?? r.text, /no register context for the current thread: its saved KernelStack/);
  assert.match(thread.text, new RegExp(`\\(no stack: ${why.source}\\)`));
  // `.thread` alone goes back to the crashing thread and its context.
  assert.match(back.text, new RegExp(`^Implicit thread is now ${hex(bad.crash).slice(0, 8)}\`${hex(bad.crash).slice(8)}$`));
  assert.deepEqual(sites(k2.text), ['nt!KeBugCheckEx']);
});

test('.thread and .process take /p and /r (and .process /i), saying what a dump cannot do; other options are refused', async () => {
  const [th, pr, inv, bad] = await run(fx.path, `.thread /p /r ${hex(fx.kernelWait)}; .process /p /r ${hex(fx.userApp)}; .process /i ${hex(fx.userApp)}; .thread /x ${hex(fx.kernelWait)}`);
  assert.ok(th.ok && pr.ok && inv.ok, [th, pr, inv].map((o) => o.error ?? o.text).join('\n'));
  assert.match(th.text, new RegExp(`^Implicit thread is now ${hex(fx.kernelWait).slice(0, 8)}\`${hex(fx.kernelWait).slice(8)}$`, 'm'));
  assert.match(pr.text, new RegExp(`^Implicit process is now ${hex(fx.userApp).slice(0, 8)}\`${hex(fx.userApp).slice(8)}$`, 'm'));
  assert.match(pr.text, /^\(\/r: no user-mode symbols to reload/m);
  assert.match(inv.text, /^\(\/i: .*a dump cannot run/m);
  assert.equal(bad.ok, false);
  assert.match(bad.error ?? '', /unknown option '\/x'/);
});

test('!us with damaged lists: threads the PRCBs name are kept, loop notes name the list, a stopped walk says why under its stack; options are refused', async () => {
  const bad = await writeThreadFixture(join(dir, 'broken-lists.dmp'), {
    mutate: async (k, f) => {
      // System's thread list emptied (its head points at itself): the crashing thread and processor 1's
      // worker are on no list any more.
      const sys = await k.struct('_EPROCESS', f.system);
      k.mem.u64(sys.addressOf('ThreadListHead'), sys.addressOf('ThreadListHead'));
      // userapp.exe's list loops: its first thread links to itself.
      const user = await k.struct('_EPROCESS', f.userApp);
      const first = new DataView(k.mem.read(user.addressOf('ThreadListHead'), 8).buffer).getBigUint64(0, true);
      k.mem.u64(first, first);
      // That thread's switch frame returns into no module: its walk stops after frame 0.
      const th = await k.struct('_ETHREAD', f.userWait);
      const ks = new DataView(k.mem.read(th.addressOf('Tcb.KernelStack'), 8).buffer).getBigUint64(0, true);
      const sw = await k.types.struct('_KSWITCH_FRAME');
      const ret = sw.fields.find((x) => x.name === 'Return')!;
      k.mem.u64(ks + BigInt(ret.offset), 0xfffff80400001000n);
    },
  });
  const [us, opt] = await run(bad.path, '!us; !us -p');
  assert.ok(us.ok, us.error ?? us.text);
  const h = (v: bigint) => v.toString(16).padStart(16, '0');
  assert.match(us.text, new RegExp(`^1 thread \\[stats\\]: ${h(bad.crash)}$`, 'm'));
  assert.match(us.text, new RegExp(`^1 thread \\[stats\\]: ${h(bad.running1)}$`, 'm'));
  assert.match(us.text, new RegExp(`\\(thread ${h(bad.crash)}, running on processor 0, is not on its process's thread list: taken from the PRCB\\)`));
  assert.match(us.text, new RegExp(`\\(the thread list of process ${bad.userApp.toString(16)} \\(userapp\\.exe\\) loops back to [0-9a-f]+ without reaching its head\\)`));
  // The user waiter's stack is one frame at the bad address, with the reason the walk stopped under it.
  assert.match(us.text, new RegExp(`^1 thread \\[stats\\]: ${h(bad.userWait)}\n {4}fffff80400001000 fffff804\`00001000\n {4}\\(stack walk stopped: [^)]+`, 'm'));
  assert.equal(opt.ok, false);
  assert.match(opt.error ?? '', /unknown option '-p'/);
});
