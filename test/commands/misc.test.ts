import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { HelpResult } from '../../src/commands/builtin/help.js';
import { CommandAbortedError, checkpoint } from '../../src/commands/checkpoint.js';
import { CommandEngine } from '../../src/commands/engine.js';
import { Session } from '../../src/commands/session.js';
import { exceptionCodeName } from '../../src/knowledge/exception-names.js';
import { corpus, skipUnlessCorpus } from '../helpers/corpus.js';
import { openSample } from './sample-session.js';

let s: Awaited<ReturnType<typeof openSample>>;
before(async () => {
  s = await openSample();
});
after(() => s?.close());

test('? alone lists the commands like .help; .help NAME shows one; .help zz fails', async () => {
  const [q, help, one, none] = await s.run('?; .help; .help ub; .help zz');
  assert.ok(q.ok);
  assert.equal(q.text, help.text);
  assert.ok((q.result as HelpResult).entries.length > 30);
  assert.match(q.text, /^\.help +List the commands/m);
  assert.match(one.text, /^u, ub — /);
  assert.equal(none.ok, false);
  assert.equal(none.text, '.help: No help for zz (.help lists the commands)');
});

test('.sympath+ appends to the symbol path; .load only accepts mex', async () => {
  // `.sympath+ PATH` takes the rest of the line (WinDbg's rule), so each is a line of its own.
  const [before_] = await s.run('.sympath');
  const [plus] = await s.run('.sympath+ /tmp/a');
  const [glued] = await s.run('.sympath+/tmp/b');
  const [load, bad] = await s.run('.load mex; .load foo');
  const path = before_.text.split('\n')[0].replace('Symbol search path is: ', '');
  assert.match(plus.text, new RegExp(`^Symbol search path is: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')};/tmp/a$`, 'm'));
  assert.match(glued.text, /;\/tmp\/a;\/tmp\/b$/m);
  assert.ok(load.ok);
  assert.match(load.text, /mex: not needed; dumpscope provides !t, !p, !us/);
  assert.equal(bad.ok, false);
  assert.match(bad.text, /extension foo is not available/);
  assert.doesNotMatch(bad.text, /!t, !p/);
  await s.run(`.sympath ${path}`);
});

test('exception codes get WinDbg\'s short names, else the NTSTATUS name', () => {
  // Both walkthroughs: `ExceptionCode: c0000005 (Access violation)`.
  assert.equal(exceptionCodeName(0xc0000005), 'Access violation');
  assert.equal(exceptionCodeName(0xc000008c), 'Array bounds exceeded');
  assert.equal(exceptionCodeName(0xc0000409), 'Security check failure or stack buffer overrun');
  assert.equal(exceptionCodeName(0xc0000017), 'STATUS_NO_MEMORY');
  assert.equal(exceptionCodeName(0x12345678), undefined);
});

test('.exr on the real triage dump names the code as WinDbg does; uf works without nt\'s image', { skip: skipUnlessCorpus('kernel/win10-19041-x64-triage-1000007e.dmp') || skipUnlessCorpus('isf') }, async () => {
  const t = await openSample(corpus('kernel/win10-19041-x64-triage-1000007e.dmp'), `${corpus('symbols')};${corpus('isf')}`);
  try {
    // Corpus README: Arg3 FFFF850429891EE8 is the exception record, code C0000005.
    const exr = await t.one('.exr ffff850429891ee8');
    assert.match(exr.text, /^ {3}ExceptionCode: c0000005 \(Access violation\)$/m);
    const uf = await t.one('uf amdppm+0x334c');
    assert.ok(uf.ok, uf.text);
    assert.match(uf.text, /^fffff804`8b58334c 43891401 {8}mov {5}dword ptr \[r9\+r8\],edx$/m);
    // nt's image is not on the path (corpus README): code from the dump, extent from the flow.
    const [u, nt] = await t.run('u nt!KeBugCheckEx L1; uf nt!KeBugCheckEx');
    assert.ok(nt.ok, nt.text);
    assert.equal(nt.text.split('\n').slice(0, 2).join('\n'), u.text);
    assert.ok(nt.text.split('\n\n').length > 3, 'branches make several blocks');
  } finally {
    await t.close();
  }
});

test('an aborted signal stops the running command and the rest of the line', async () => {
  const seen: string[] = [];
  const spec = {
    names: ['spin', 'mark'],
    summary: 'test',
    async run(_s: Session, _a: string, name: string, signal: AbortSignal) {
      seen.push(name);
      if (name === 'spin') for (;;) await checkpoint(signal);
      return name;
    },
    renderText: (r: string) => r,
  };
  const engine = new CommandEngine().register(spec);
  const c = new AbortController();
  setTimeout(() => c.abort(), 50);
  const out = await engine.run(new Session(), 'mark; spin; mark', c.signal);
  assert.deepEqual(seen, ['mark', 'spin']);
  assert.equal(out.length, 2);
  assert.equal(out[1].error, 'aborted');
  assert.equal(out[1].text, '^C\nCommand aborted.');
  await assert.rejects(checkpoint(c.signal), CommandAbortedError);
});

test('.ecxr switches to a 0x1000007E bugcheck\'s context record; .exr -1 is its exception record', { skip: skipUnlessCorpus('kernel/win10-19041-x64-triage-1000007e.dmp') || skipUnlessCorpus('isf') }, async () => {
  const t = await openSample(corpus('kernel/win10-19041-x64-triage-1000007e.dmp'), `${corpus('symbols')};${corpus('isf')}`);
  try {
    // Corpus README: Arg4 FFFF850429891720 is the context record, Arg3 FFFF850429891EE8 the exception record,
    // the fault at amdppm.sys+0x334c; code C0000005.
    const [e, rip, exr, excr] = await t.run('.ecxr; r rip; .exr -1; .excr');
    assert.ok(e.ok, e.text);
    assert.deepEqual((e.result as { source?: { address: bigint } }).source, { kind: 'context-record', address: 0xffff850429891720n });
    assert.match(e.text, /^amdppm!WriteIoMemRawEx\+0x70:$/m);
    const lm = await t.one('lm m amdppm');
    const base = BigInt(`0x${lm.text.split('\n')[1].split(' ')[0].replace('`', '')}`);
    assert.equal(rip.text, `rip=${(base + 0x334cn).toString(16)}`);
    assert.match(exr.text, /^ {3}ExceptionCode: c0000005 \(Access violation\)$/m);
    assert.equal((exr.result as { address?: bigint }).address, 0xffff850429891ee8n);
    assert.equal(excr.text, e.text, '.excr is the same command');
  } finally {
    await t.close();
  }
});

test('?? evaluates C++ (numbers, sizeof) and MASM takes @@c++(…) from it', async () => {
  // _KTRAP_FRAME is 0x190 bytes in the 19041 kernel (the corpus ISF; the scenario kernel's layout is pinned to it).
  const [sum, size, masm, neg, strukt] = await s.run('?? 1+2; ?? sizeof(nt!_KTRAP_FRAME); ? @@c++(sizeof(nt!_KTRAP_FRAME)) + 10; ?? -5; ?? *(nt!_KTRAP_FRAME*)0');
  assert.equal(sum.text, 'int 0n3');
  assert.equal(size.text, 'unsigned int64 0x190');
  assert.equal(masm.text, 'Evaluate expression: 416 = 00000000`000001a0');
  assert.equal(neg.text, 'int 0n-5');
  assert.equal(strukt.ok, false);
  assert.match(strukt.text, /dt TYPE ADDRESS or dx EXPRESSION shows a structure/);
});

test('x and dt use WinDbg\'s wildcards in linear time; x refuses options it does not have', async () => {
  const start = performance.now();
  const [slow, hash, v, types] = await s.run('x nt!*e*e*e*e*e*e*e*e*e*Q; x nt!KeBugCheck#Ex; x /v nt!Ke*; dt nt!_KTRAP[_]FRAM?');
  assert.ok(performance.now() - start < 5000);
  assert.ok(slow.ok && slow.text === '', slow.text);
  assert.match(hash.text, /^fffff801`[0-9a-f]{8} nt!KeBugCheckEx /m);
  assert.equal(v.text, 'x: option /v is not supported (usage: x MODULE!PATTERN)');
  assert.match(types.text, /^ +nt!_KTRAP_FRAME$/m);
});
