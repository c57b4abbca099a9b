// Pool bugchecks (0x19, 0x13A, 0xC2) restated on the 0x7E scenario: each names EvilDriver's 'WrB1' block
// (header at ffffe009`a68dc000, data at …010) in the arguments its subcode documents, and the analysis
// must examine that block — its tag and the driver whose code uses it — not only the stack.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { analyzeWithDisplay } from '../../src/commands/builtin/analyze.js';
import { renderAnalysisText } from '../../src/render/analysis.js';
import { writeKernelDump } from '../../src/formats/kernel-dump/writer.js';
import { FileSink } from '../../src/node/file-sink.js';
import { openSession } from '../../src/node/open-session.js';
import { readScenarioBinaries, scenarioBinDir } from '../../src/node/scenario-files.js';
import { buildScenario } from '../../src/scenario/scenarios.js';

const dir = mkdtempSync(join(tmpdir(), 'dumpscope-families-pool-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const io = { out: () => {}, err: () => {}, stderrIsTty: false, env: {} };

const HEADER = 0xffffe009a68dc000n; // the 0x7E scenario's pool block (as in the walkthrough's !pool)
const DATA = HEADER + 0x10n;
const NEXT = HEADER + 0x2510n; // past the block's data (the 'A's run on into what follows)
const WRB1 = 0x31427257n;

// Each case: the argument naming the block, the bucket prefix (code and subcode in lower-case hex, as public
// logs print 0x19_22_…, 0x13a_12_…, 0xc2_7_CKBJ) and the pool address field printed after DUMP_FILE_ATTRIBUTES.
const cases: [string, number, bigint[], string, string, string | undefined][] = [
  // BAD_POOL_HEADER 0x20: Arg2 the entry that should have been found, Arg3 the next entry.
  ['0x19/0x20', 0x19, [0x20n, HEADER, NEXT, 0n], 'Arg2', '0x19_20_EvilDriver!', 'POOL_ADDRESS:  ffffe009a68dc000 '],
  // BAD_POOL_HEADER 0x21: Arg2 the pointer being freed, Arg3 bytes allocated, Arg4 the corrupt value after it.
  ['0x19/0x21', 0x19, [0x21n, DATA, 0x2500n, 0x4141414141414141n], 'Arg2', '0x19_21_EvilDriver!', 'POOL_ADDRESS:  ffffe009a68dc010 '],
  // KERNEL_MODE_HEAP_CORRUPTION 0x6 (buffer overrun): Arg3 the address where the corruption was found.
  ['0x13A/0x6', 0x13a, [6n, 0xffffe0099a600000n, DATA, 0n], 'Arg3', '0x13a_6_EvilDriver!', 'CORRUPTING_POOL_ADDRESS:  ffffe009a68dc010 '],
  // BAD_POOL_CALLER 0xA (freed with the wrong tag): Arg2 the pool address, Arg3 its tag, Arg4 the tag used.
  ['0xC2/0xA', 0xc2, [0xan, DATA, WRB1, 0x656c6946n], 'Arg2', '0xc2_a_EvilDriver!', undefined],
  // BAD_POOL_CALLER 7 (double free): Arg2 the tag, Arg4 the block (the tag joins the bucket: 0xc2_7_CKBJ).
  ['0xC2/0x7', 0xc2, [7n, WRB1, 0x40a0018n, DATA], 'Arg4', '0xc2_7_WrB1_EvilDriver!', 'POOL_ADDRESS:  ffffe009a68dc010 '],
];

for (const [name, code, args, arg, bucket, field] of cases) {
  test(`${name}: the pool block named in the arguments is examined ('WrB1', allocated by EvilDriver)`, async () => {
    const s = await buildScenario('0x7e', await readScenarioBinaries());
    const path = join(dir, `${name.replace('/', '-')}.dmp`);
    const sink = await FileSink.create(path);
    await writeKernelDump(sink, { ...s.facts, bugcheckCode: code, bugcheckArgs: args }, s.pages, { layout: 'full' });
    await sink.commit();
    const { session, close } = await openSession(path, { sympath: scenarioBinDir(), offline: true, json: false, markdown: false, commands: [], rest: [] }, io);
    try {
      const r = await analyzeWithDisplay(session);
      const pool = r.rootCause.filter((c) => c.rule.startsWith('pool'));
      const named = pool.find((c) => c.claim.includes("'WrB1'") && c.claim.includes('EvilDriver'));
      assert.ok(named, `${name}: no pool claim naming 'WrB1' and EvilDriver: ${pool.map((c) => c.claim).join(' | ') || r.rootCause.map((c) => c.rule).join()}`);
      // The block was found from the argument the subcode documents (not from the registers), and its header is cited.
      assert.ok(named.evidence.some((e) => e.fact.startsWith(`${arg} `) && e.fact.includes('ffffe009`a68dc000')), named.evidence.map((e) => `${e.fact} (${e.command})`).join(' | '));
      assert.equal(r.moduleName, 'EvilDriver');
      assert.ok(r.failureBucketId.startsWith(bucket), r.failureBucketId);
      const lines = renderAnalysisText(r).split('\n');
      const at = lines.findIndex((l) => /^(CORRUPTING_)?POOL_ADDRESS:/.test(l));
      if (field === undefined) assert.equal(at, -1, lines[at]);
      else {
        // The address, then the pool kind the dump proves (the driver allocates it with POOL_FLAG_PAGED, the 0x7E walkthrough's source).
        assert.equal(lines[at], `${field}Paged pool`);
        assert.ok(at > lines.findIndex((l) => l.startsWith('FILE_IN_CAB:')), 'after FILE_IN_CAB');
        assert.ok(at < lines.findIndex((l) => l.startsWith('STACK_TEXT:')), 'before STACK_TEXT');
      }
    } finally {
      await close();
    }
  });
}
