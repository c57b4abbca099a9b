// `!process`: WinDbg heads only the whole list (`!process 0 FLAGS`) with `**** NT ACTIVE PROCESS DUMP ****`;
// flag 1 adds the EPROCESS memory lines (VadRoot … Job) in WinDbg's order. Values checked against `dt` of
// the same fields (the ISF's layout), token and kilobytes computed by hand.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { corpus, skipUnlessCorpus } from '../helpers/corpus.js';
import { writeThreadFixture } from '../helpers/thread-fixture.js';
import { openSample } from './sample-session.js';

const dir = mkdtempSync(join(tmpdir(), 'dumpscope-process-views-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const HEADER = '**** NT ACTIVE PROCESS DUMP ****';

test('!process: the NT ACTIVE PROCESS DUMP header for `!process 0 F` only', async () => {
  const fx = await writeThreadFixture(join(dir, 'threads.dmp'));
  const s = await openSample(fx.path);
  try {
    const out = await s.run(`!process 0 0; !process 0 0 smss.exe; !process ${fx.userApp.toString(16)} 0; !process 20f0 0; !process -1 0; !process`);
    for (const o of out) assert.ok(o.ok, o.error ?? o.text);
    const [all, byName, byAddress, byPid, current, plain] = out.map((o) => o.text.split('\n')[0]);
    assert.equal(all, HEADER);
    assert.equal(byName, HEADER);
    for (const first of [byAddress, byPid, current, plain]) assert.match(first, /^PROCESS [0-9a-f]{16}$/);
  } finally {
    await s.close();
  }
});

const TRIAGE = 'kernel/win10-19041-x64-triage-1000007e.dmp';

test('!process -1 1 on the real triage dump: VadRoot, DeviceMap, Token, Working Set Sizes, PageFaultCount … from EPROCESS by name', { skip: skipUnlessCorpus(TRIAGE) || skipUnlessCorpus('isf') }, async () => {
  const s = await openSample(corpus(TRIAGE), `${corpus('symbols')};${corpus('isf')}`);
  try {
    const fields = ['VadRoot.Root', 'VadCount', 'NumberOfPrivatePages', 'ModifiedPageCount', 'NumberOfLockedPages', 'DeviceMap', 'Token.Value', 'Vm.Instance.WorkingSetSize', 'Vm.Instance.MinimumWorkingSetSize', 'Vm.Instance.MaximumWorkingSetSize', 'Vm.Instance.PeakWorkingSetSize', 'Vm.Instance.PageFaultCount'];
    const [p, ...dts] = await s.run(`!process -1 1; ${fields.map((f) => `dt nt!_EPROCESS @$proc ${f}`).join('; ')}`);
    const value = (i: number) => {
      const last = dts[i].text.trim().split('\n').at(-1)!;
      const v = /: (0x[0-9a-f`]+|\d+)/.exec(last)![1].replace('`', '');
      return BigInt(v);
    };
    const [vadRoot, vads, priv, modified, locked, deviceMap, token, ws, wsMin, wsMax, peak, faults] = fields.map((_, i) => value(i));
    const h = (v: bigint) => v.toString(16).padStart(16, '0');
    const lines = p.text.split('\n');
    const at = lines.indexOf('    Image: System');
    assert.equal(lines[at + 1], `    VadRoot ${h(vadRoot)} Vads ${vads} Clone 0 Private ${priv}. Modified ${modified}. Locked ${locked}.`);
    assert.equal(lines[at + 2], `    DeviceMap ${h(deviceMap)}`);
    // EX_FAST_REF: the low 4 bits are a reference count, not part of the token's address.
    assert.equal(lines[at + 3], `    Token                             ${h(token & ~0xfn)}`);
    assert.match(lines[at + 4], /^ {4}ElapsedTime {23}\d\d:\d\d:\d\d\.\d{3}$/);
    assert.ok(lines.includes(`    Working Set Sizes (now,min,max)  (${ws}, ${wsMin}, ${wsMax}) (${ws * 4n}KB, ${wsMin * 4n}KB, ${wsMax * 4n}KB)`), p.text);
    assert.ok(lines.includes(`    PeakWorkingSetSize                ${peak}`));
    assert.ok(lines.includes(`    PageFaultCount                    ${faults}`));
    // WinDbg's order: Working Set Sizes after the quota lines, PageFaultCount after PeakVirtualSize.
    const order = ['Token', 'ElapsedTime', 'UserTime', 'KernelTime', 'QuotaPoolUsage[PagedPool]', 'Working Set Sizes', 'PeakWorkingSetSize', 'VirtualSize', 'PeakVirtualSize', 'PageFaultCount', 'BasePriority', 'CommitCharge'];
    const idx = order.map((o) => lines.findIndex((l) => l.startsWith(`    ${o} `)));
    assert.deepEqual([...idx].sort((a, b) => a - b), idx, idx.join(' '));
    assert.ok(idx.every((i) => i > 0));
  } finally {
    await s.close();
  }
});
