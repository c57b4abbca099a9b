// Every command ROOT CAUSE cites runs in dumpscope on the dump it was cited for (issue 6: no evidence line
// may point at a command the tool cannot run): the four scenarios and restated crashes, each command run
// through the session's engine and required to succeed.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { analyzeWithDisplay } from '../../src/commands/builtin/analyze.js';
import { createEngine } from '../../src/commands/registry.js';
import { openSession } from '../../src/node/open-session.js';
import { SCENARIOS } from '../../src/scenario/scenarios.js';
import { assertClaimsComplete, citedCommands } from './claims-check.js';
import { cleanup, io, scenario, scenarioOpts, writeRestated } from './restate.js';

after(cleanup);
const EXTERNAL = /^!(verifier|ruleinfo)\b/;

async function runCited(path: string) {
  const { session, close } = await openSession(path, scenarioOpts, io);
  try {
    const r = assertClaimsComplete(await analyzeWithDisplay(session), path);
    const engine = createEngine();
    const ran: string[] = [];
    for (const { rule, command } of citedCommands(r)) {
      if (EXTERNAL.test(command) || ran.includes(command)) continue;
      ran.push(command);
      const [out] = await engine.run(session, command);
      assert.ok(out?.ok, `${path} / ${rule}: '${command}' failed: ${out?.text}`);
    }
    return { r, ran };
  } finally {
    await close();
  }
}

for (const name of SCENARIOS) {
  test(`scenario ${name}: every command its claims cite runs`, async () => {
    const s = await scenario(name);
    const { ran } = await runCited(await writeRestated(s, s.facts.bugcheckCode, s.facts.bugcheckArgs));
    assert.ok(ran.length >= 3, ran.join(', '));
  });
}

test('the 0x7E scenario: `s` finds the pool tag the claim says EvilDriver uses, at an instruction operand', async () => {
  const s = await scenario('0x7e');
  const path = await writeRestated(s, s.facts.bugcheckCode, s.facts.bugcheckArgs);
  const { session, close } = await openSession(path, scenarioOpts, io);
  try {
    const r = await analyzeWithDisplay(session);
    const cited = r.rootCause.find((c) => c.rule === 'pool-corruption')!.evidence.find((e) => e.command?.startsWith('s -b'))!;
    assert.match(cited.command!, /^s -b [0-9a-f]+ [0-9a-f]+ 57 72 42 31$/); // 'WrB1' = 0x31427257, stored little-endian
    const [out] = await createEngine().run(session, cited.command!);
    const hits = out.text.split('\n').filter((l) => /^[0-9a-f]{8}`[0-9a-f]{8} {2}57 72 42 31/.test(l));
    // The claim counts the places; `s` finds at least those (the tag may also sit in data).
    assert.ok(hits.length >= Number(/\((\d+) place/.exec(cited.fact)![1]), out.text);
  } finally {
    await close();
  }
});
