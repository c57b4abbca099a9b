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
  const path = before_.text.replace('Symbol search path is: ', '');
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
