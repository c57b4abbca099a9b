import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CliIo } from '../../src/cli/command.js';
import { main } from '../../src/cli/main.js';
import { openKernelDump } from '../../src/formats/kernel-dump/kernel-dump.js';
import { X64AddressSpace } from '../../src/memory/x64-paging.js';
import { FileSource } from '../../src/node/file-source.js';
import { corpus, repo, skipUnlessCorpus } from '../helpers/corpus.js';

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`), stderrIsTty: false, env: {} };
  const code = await main(args, io);
  return { code, out, err };
}

test('info --json on the x64 triage dump has the documented keys', { skip: skipUnlessCorpus('kernel/win10-19041-x64-triage-1000007e.dmp') }, async () => {
  const r = await cli('info', corpus('kernel/win10-19041-x64-triage-1000007e.dmp'), '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.format, 'kernel');
  assert.equal(j.dumpType, 'triage');
  assert.equal(j.machine, 'x64');
  assert.equal(j.ntBuild, 19041);
  assert.equal(j.processors, 16);
  assert.deepEqual(j.bugcheck, {
    code: '0x1000007e',
    name: 'SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M',
    args: ['0xffffffffc0000005', '0xfffff8048b58334c', '0xffff850429891ee8', '0xffff850429891720'],
  });
  assert.equal(j.kdDebuggerDataBlock, '0xfffff8047c600b20');
  assert.equal(j.triage.drivers, 151);
});

test('info --json on the cut-off full dump lists its runs', { skip: skipUnlessCorpus('kernel/win10-19045-x64-full-first16k.dmp') }, async () => {
  const j = JSON.parse((await cli('info', corpus('kernel/win10-19045-x64-full-first16k.dmp'), '--json')).out);
  assert.equal(j.dumpType, 'full');
  assert.equal(j.physicalRuns.length, 5);
  assert.equal(j.physicalPages, 0x7fe86);
});

test('info recognises a user-mode minidump; bad input is one clear line and exit 1', { skip: skipUnlessCorpus('user') }, async () => {
  const ok = JSON.parse((await cli('info', corpus('user/win7-x64-calc-breakpoint.dmp'), '--json')).out);
  assert.equal(ok.format, 'minidump');
  const bad = await cli('info', corpus('broken/mdmp-invalid-record-count.dmp'));
  assert.equal(bad.code, 1);
  assert.equal(bad.err.trim().split('\n').length, 1);
  assert.match(bad.err, /offset 0x/);
  const missing = await cli('info', '/nonexistent/file.dmp');
  assert.equal(missing.code, 1);
  assert.match(missing.err, /ENOENT|no such file/);
  assert.equal((await cli('info')).code, 2);
  assert.equal((await cli('nosuchcommand')).code, 2);
});

test('the shipped sample reproduces the 0x50 walkthrough page-table situation', async () => {
  const r = await cli('info', repo('samples/walkthrough-0x50.dmp'), '--json');
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out).bugcheck.code, '0x50');
  const d = await openKernelDump(await FileSource.open(repo('samples/walkthrough-0x50.dmp')));
  const as = new X64AddressSpace(d.physical!, d.header.directoryTableBase, { pteBase: 0xffffbe8000000000n });
  const t = await as.translate(0xffffe5068d8a4000n);
  // The walkthrough's !pte: entries at these VAs, with these contents, and "Page has been freed".
  assert.deepEqual(t.levels.map((l) => l.entryVa), [0xffffbedf6fb7de50n, 0xffffbedf6fbca0d0n, 0xffffbedf7941a360n, 0xffffbef28346c520n]);
  assert.deepEqual(t.levels.map((l) => l.value), [0x0a00000107400863n, 0x0a00000005dc8863n, 0x1a0000025754a863n, 0x00003e9800000000n]);
  assert.equal(t.state.kind, 'freed');
  // Through the self-map, the PTE itself is readable at its virtual address.
  const pte = await as.read(0xffffbef28346c520n, 8);
  assert.equal(new DataView(pte.buffer).getBigUint64(0, true), 0x00003e9800000000n);
  await d.source.close();
});

test('!pte on the sample prints exactly what WinDbg printed in the 0x50 walkthrough', async () => {
  const { readFileSync } = await import('node:fs');
  const { createEngine } = await import('../../src/commands/registry.js');
  const { openSession } = await import('../../src/node/open-session.js');
  const { existsSync } = await import('node:fs');
  const walkthrough = repo('../shared/reference/walkthrough-bugcheck-0x50-000_00f47b712fb2cc93.md');
  const { session, close } = await openSession(repo('samples/walkthrough-0x50.dmp'), { offline: true, json: false, markdown: false, commands: [], rest: [] }, { out: () => {}, err: () => {}, stderrIsTty: false, env: {} });
  try {
    const [out] = await createEngine().run(session, '!pte ffffe5068d8a4040');
    if (existsSync(walkthrough)) {
      const text = readFileSync(walkthrough, 'utf8');
      const start = text.indexOf('0: kd> !pte ffffe5068d8a4040\n') + '0: kd> !pte ffffe5068d8a4040\n'.length;
      const expected = text.slice(start, text.indexOf('\n```', start));
      assert.equal(out.text, expected);
    } else {
      assert.match(out.text, /Page has been freed/);
    }
  } finally {
    await close();
  }
});
