import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CliIo } from '../../src/cli/command.js';
import { main } from '../../src/cli/main.js';
import { repo } from '../helpers/corpus.js';

// WinDbg script lines in `run -c`: `*` comments the rest of the line (`;` included), `$$` up to the next `;`,
// `.echo` prints its text (WinDbg documentation of the three; quotes let `.echo` text hold a `;`).
const SAMPLE = repo('samples/walkthrough-0x50.dmp');
async function cli(...args: string[]) {
  let out = '';
  const io: CliIo = { out: (t) => (out += `${t}\n`), err: () => {}, stderrIsTty: false, env: {} };
  return { code: await main(args, io), out };
}

test('run -c: comments succeed silently, .echo prints its text', async () => {
  const r = await cli('run', SAMPLE, '--offline', '-c', '$$ first; .echo "a; b"; .echo plain words; ? 2; * the rest; ? 3');
  assert.equal(r.code, 0, r.out);
  assert.equal(r.out, ['0: kd> $$ first', '', '0: kd> .echo "a; b"', 'a; b', '0: kd> .echo plain words', 'plain words', '0: kd> ? 2', 'Evaluate expression: 2 = 00000000`00000002', '0: kd> * the rest; ? 3', '', ''].join('\n'));
  assert.equal((await cli('run', SAMPLE, '--offline', '-c', '*comment')).code, 0);
  assert.equal((await cli('run', SAMPLE, '--offline', '-c', '$$comment')).code, 0);
  // `$$>a<FILE` runs a script file, which is not a comment: refused, so the exit status says so.
  const script = await cli('run', SAMPLE, '--offline', '-c', '$$>a<cmds.txt');
  assert.equal(script.code, 1);
  assert.match(script.out, /script files .* are not supported/);
});

test('run --json: ? -1 keeps the sign in "signed"', async () => {
  const r = await cli('run', SAMPLE, '--offline', '--json', '-c', '? -1; ? 0n10');
  const [neg, pos] = JSON.parse(r.out) as { result: { value: string; signed: string } }[];
  assert.deepEqual([neg.result.value, neg.result.signed], ['0xffffffffffffffff', '-0x1']);
  assert.deepEqual([pos.result.value, pos.result.signed], ['0xa', '0xa']);
});

test('.formats shows Time in the target\'s zone: the 0x7E walkthrough\'s line for a UTC-7 target', async () => {
  const { formatsOf } = await import('../../src/commands/builtin/evaluate.js');
  // The walkthrough printed `Time:    Tue Jun 28 02:24:01 2016` for 57724231 (09:24:01 UTC) at UTC-7.
  assert.equal(formatsOf(0x57724231n, 7 * 60).time, 'Tue Jun 28 02:24:01 2016');
  // A FILETIME (Python: datetime(1601,1,1) + 0x01d2d0a6b1f0c000 / 10 µs = 2017-05-19 13:49:11.565926 UTC).
  assert.equal(formatsOf(0x01d2d0a6b1f0c000n, 7 * 60).time, 'Fri May 19 06:49:11.565 2017 (UTC - 7:00)');
  assert.equal(formatsOf(0x01d2d0a6b1f0c000n).time, 'Fri May 19 13:49:11.565 2017 (UTC + 0:00)');
  // The sample's target is at UTC (its vertarget says "(UTC + 0:00)").
  const r = await cli('run', SAMPLE, '--offline', '--json', '-c', '.formats 57724231h');
  assert.equal((JSON.parse(r.out) as { result: { time: string } }[])[0].result.time, 'Tue Jun 28 09:24:01 2016');
});
