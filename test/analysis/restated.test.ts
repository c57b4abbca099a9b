// The analysis of scenario crashes restated under other bugchecks and arguments (issue 6 audit): buckets from
// Arg1 when the record is unreadable, no evidence taken from the KeBugCheckEx call, 0x1E's record from its
// arguments, pool blocks found by scanning back and named once, unloaded drivers, and pool regions that are
// only named when a header proves them. Expected values come from the scenario's construction
// (src/scenario/scenarios.ts) and hand computation, not from the code under test.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { renderAnalysisText } from '../../src/render/analysis.js';
import { analysisJsonText } from '../../src/render/analysis-json.js';
import { renderAnalysisMarkdown } from '../../src/render/analysis-markdown.js';
import { repo } from '../helpers/corpus.js';
import { validate } from '../helpers/json-schema.js';
import { analysisOf, cleanup, fieldOf, patchPages, restated, scenario, u64le, writeRestated } from './restate.js';

after(cleanup);
const schema = JSON.parse(readFileSync(repo('schema/analysis.schema.json'), 'utf8'));
const rules = (r: { rootCause: { rule: string }[] }) => r.rootCause.map((c) => c.rule);

test('0x3B with Arg1 = c000001d: the bucket carries the exception code, not AV_', async () => {
  const s = await scenario('0x3b');
  const r = await restated('0x3b', 0x3b, [0xc000001dn, s.facts.bugcheckArgs[1], s.facts.bugcheckArgs[2], 0n]);
  assert.equal(r.failureBucketId, '0x3B_C000001D_IoctlDriver!HandleIoctl');
  assert.match(renderAnalysisText(r), /^ERROR_CODE: \(NTSTATUS\) 0xc000001d - /m);
  assert.deepEqual(validate(schema, JSON.parse(analysisJsonText(r))), []);
});

test('0x7E with Arg1 = c0000094 and unreadable records: bucket from Arg1, nothing claimed from the KeBugCheckEx registers', async () => {
  // The 0x7E scenario's KeBugCheckEx call has rdx = ffffffffc0000005 (its Arg1): a register, not evidence.
  const r = await restated('0x7e', 0x7e, [0xc0000094n, 0n, 0xffffe00000000000n, 0xffffe00000001000n]);
  assert.equal(r.failureBucketId, '0x7E_C0000094_EvilDriver!FillAndFree');
  assert.equal(r.context?.kind, 'bugcheck');
  assert.equal(r.exceptionRecord, undefined);
  for (const rule of ['ntstatus-in-register', 'fill-pattern']) assert.ok(!rules(r).includes(rule), `${rule}: ${rules(r)}`);
  assert.ok(r.limitations.some((l) => /no faulting context/.test(l)), r.limitations.join('\n'));
  assert.ok(r.limitations.some((l) => /exception record at ffffe000`00000000 is not readable/.test(l)));
  // WinDbg does not print the KeBugCheckEx registers as CONTEXT.
  assert.doesNotMatch(renderAnalysisText(r), /^CONTEXT:/m);
});

test('0x1E: the exception record comes from the arguments and prints without an address', async () => {
  const s = await scenario('0x7e');
  const ip = s.facts.bugcheckArgs[1];
  const r = await restated('0x7e', 0x1e, [0xc0000005n, ip, 0n, 0xffffffffffffffffn]);
  assert.equal(r.exceptionRecord?.source, 'arguments');
  assert.equal(r.exceptionRecord?.address, undefined);
  const text = renderAnalysisText(r);
  assert.doesNotMatch(text, /undefined/);
  const lines = text.split('\n');
  const at = lines.indexOf('EXCEPTION_RECORD:  ');
  assert.ok(at > 0, 'a bare EXCEPTION_RECORD: line');
  assert.match(lines[at + 1], new RegExp(`^ExceptionAddress: ${ip.toString(16).padStart(16, '0')} \\(nt!RtlpHpVsFreeChunkInsert\\+0x[0-9a-f]{16}\\)$`));
  assert.deepEqual(lines.slice(at + 2, at + 7), ['   ExceptionCode: c0000005 (Access violation)', '  ExceptionFlags: 00000000', 'NumberParameters: 2', '   Parameter[0]: 0000000000000000', '   Parameter[1]: ffffffffffffffff']);
  assert.ok(lines.includes('READ_ADDRESS:  ffffffffffffffff '), 'no region after -1, as in the 0x7E walkthrough');
  const json = JSON.parse(analysisJsonText(r));
  assert.deepEqual(validate(schema, json), []);
  assert.equal(json.exceptionRecord.address, undefined);
});

test('0x19 naming the block: one pool claim for the block, its tag WrB1, the overwritten memory after it cited', async () => {
  const block = 0xffffe009a68dc000n; // the 0x7E scenario's 'WrB1' block (a big-page allocation, 0x2510 bytes)
  const r = await restated('0x7e', 0x19, [0x20n, block, block + 0x2510n, 0n]);
  const pool = r.rootCause.filter((c) => c.rule.startsWith('pool'));
  assert.equal(pool.length, 1, pool.map((c) => c.claim).join('\n'));
  assert.doesNotMatch(JSON.stringify(r.rootCause), /'AAAA'/);
  assert.equal(pool[0].rule, 'pool-corruption');
  assert.match(pool[0].claim, /'WrB1'.*EvilDriver/);
  // A big allocation has no header after it: what its overrun reaches is the page after its last page,
  // 0x2510 bytes (the walkthrough's ExFreePoolWithTag argument) rounded up to 0x3000.
  const next = block + 0x3000n;
  const cited = pool[0].evidence.find((e) => /the page after the block/.test(e.fact));
  assert.ok(cited, pool[0].evidence.map((e) => e.fact).join('\n'));
  assert.match(cited.fact, new RegExp(`at ${next.toString(16).slice(0, 8)}\`${next.toString(16).slice(8)}, is 41 41 41 41 41 41 41 41`));
  assert.equal(cited.command, `db ${next.toString(16)} L10`);
});

test('a register pointing into the middle of a block finds its header by scanning back (the walkthrough\'s rax=…3db0)', async () => {
  // 0x19 restated on the 0x50 scenario: its 'WrB1' block header is at …3b80 and runs to the page end.
  const r = await restated('0x50', 0x19, [0x20n, 0xffffe5068d8a3db0n, 0n, 0n]);
  const pool = r.rootCause.filter((c) => c.rule.startsWith('pool'));
  assert.equal(pool.length, 1);
  assert.match(pool[0].evidence[0].fact, /^Arg2 ffffe506`8d8a3db0(, .*)? points? into the pool block at ffffe506`8d8a3b80 tagged 'WrB1'/);
});

test('0xCE with Arg1 inside an unloaded driver: the unloaded-driver claim, and READ_ADDRESS names the driver and its unload time', async () => {
  // Give the scenario's MmUnloadedDrivers entry (OldFilter.sys) an unload time, by field name.
  const when = Date.UTC(2023, 8, 23, 12, 14, 13);
  const filetime = (BigInt(when) + 11644473600000n) * 10000n;
  const t = await fieldOf('0x50', '_UNLOADED_DRIVERS', 'CurrentTime');
  const pages = await patchPages('0x50', async (read, resolve) => {
    const array = new DataView((await read(await resolve('nt!MmUnloadedDrivers'), 8)).buffer).getBigUint64(0, true);
    return [{ va: array + BigInt(t.offset), bytes: u64le(filetime) }];
  });
  const s = await scenario('0x50');
  const inOld = 0xfffff80119a01234n; // OldFilter.sys was at [fffff801`19a00000, fffff801`19a0f000)
  const { report: r } = await analysisOf(await writeRestated(s, 0xce, [inOld, 0n, inOld, 0n], pages));
  const claim = r.rootCause.find((c) => c.rule === 'unloaded-driver');
  assert.ok(claim, rules(r).join());
  assert.equal(claim.confidence, 'high');
  assert.equal(r.rootCause.filter((c) => c.rule === 'unloaded-driver').length, 1);
  const facts = claim.evidence.map((e) => e.fact).join('\n');
  assert.match(facts, /^Arg1 fffff801`19a01234 lies in \[fffff801`19a00000, fffff801`19a0f000\)/m);
  assert.match(facts, /^the faulting address fffff801`19a01234/m);
  assert.equal(r.faultingAddress?.region, 'unloaded driver OldFilter.sys (unloaded at 2023-09-23 12:14:13 UTC)');
  assert.ok(renderAnalysisText(r).split('\n').includes('READ_ADDRESS:  fffff80119a01234 unloaded driver OldFilter.sys (unloaded at 2023-09-23 12:14:13 UTC)'));
  // The 0x50 scenario's pool block is filled with 'A': that is not a tag.
  assert.doesNotMatch(JSON.stringify(r.rootCause), /'AAAA'/);
});

test('READ_ADDRESS says Paged or Nonpaged pool only when the containing block\'s PoolType proves it', async () => {
  const s = await scenario('0x50');
  const inBlock = 0xffffe5068d8a3c00n; // inside the 'WrB1' block (header at …3b80, 0x480 bytes)
  const notPool = 0xffffe5068d8a3010n; // the same valid page, before any header: nothing proves a pool
  const pt = await fieldOf('0x50', '_POOL_HEADER', 'PoolType');
  /**
   * The scenario's pages with the block's PoolType field set to `value`, by the field's offset and bits, and
   * without the kernel's region map (MiVisibleState cleared), which would name the pool by itself.
   */
  const withPoolType = (value?: bigint) =>
    patchPages('0x50', async (read, resolve) => {
      const noMap = { va: await resolve('nt!MiVisibleState'), bytes: u64le(0n) };
      if (value === undefined) return [noMap];
      const at = 0xffffe5068d8a3b80n + BigInt(pt.offset);
      const b = new Uint8Array(await read(at, pt.type.size));
      const shift = BigInt(pt.bitPosition ?? 0);
      let v = 0n;
      for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
      v = (v & ~(0xffn << shift)) | (value << shift);
      for (let i = 0; i < b.length; i++) b[i] = Number((v >> BigInt(8 * i)) & 0xffn);
      return [{ va: at, bytes: b }, noMap];
    });
  // An allocated block stores POOL_TYPE + 1: 1 is NonPagedPool (0), 2 is PagedPool (1).
  const { report: a } = await analysisOf(await writeRestated(s, 0xd1, [inBlock, 2n, 0n, s.facts.bugcheckArgs[2]], await withPoolType(1n)));
  assert.deepEqual([a.faultingAddress?.field, a.faultingAddress?.region], ['READ_ADDRESS', 'Nonpaged pool']);
  assert.match(a.faultingAddress?.regionEvidence?.fact ?? '', /PoolType 1/);
  const { report: b } = await analysisOf(await writeRestated(s, 0xd1, [inBlock, 2n, 1n, s.facts.bugcheckArgs[2]], await withPoolType(2n)));
  assert.deepEqual([b.faultingAddress?.field, b.faultingAddress?.region], ['WRITE_ADDRESS', 'Paged pool']);
  assert.ok(renderAnalysisText(b).split('\n').includes('WRITE_ADDRESS:  ffffe5068d8a3c00 Paged pool'));
  const { report: c } = await analysisOf(await writeRestated(s, 0xd1, [notPool, 2n, 0n, s.facts.bugcheckArgs[2]], await withPoolType()));
  assert.equal(c.faultingAddress?.region, undefined);
  assert.ok(renderAnalysisText(c).split('\n').includes('READ_ADDRESS:  ffffe5068d8a3010 '));
  assert.doesNotMatch(renderAnalysisMarkdown(c), /\(\)/);
  for (const r of [a, b, c]) assert.deepEqual(validate(schema, JSON.parse(analysisJsonText(r))), []);
});

test('0x50 with an execute fault: READ_ADDRESS (WinDbg has no EXECUTE_ADDRESS), AV.Type Execute, bucket AV_X_', async () => {
  const s = await scenario('0x50');
  const r = await restated('0x50', 0x50, [s.facts.bugcheckArgs[0], 0x10n, s.facts.bugcheckArgs[2], 0n]);
  assert.equal(r.faultingAddress?.access, 'execute');
  assert.equal(r.faultingAddress?.field, 'READ_ADDRESS');
  assert.equal(r.avType, 'Execute');
  assert.match(r.failureBucketId, /^AV_X_\(null\)_Driver!/);
});
