import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import type { CliIo } from '../../src/cli/command.js';
import { main } from '../../src/cli/main.js';
import { repo } from '../helpers/corpus.js';

const SAMPLE = repo('samples/walkthrough-0x50.dmp');

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`), stderrIsTty: false, env: {} };
  return { code: await main(args, io), out, err };
}

test('run prints each command as `0: kd> CMD` and its output; a failing command makes the exit status 1', async () => {
  const ok = await cli('run', SAMPLE, '-c', '? 1+1; .formats 57724231h');
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /^0: kd> \? 1\+1\nEvaluate expression: 2 = 00000000`00000002\n0: kd> \.formats 57724231h\nEvaluate expression:/);
  const bad = await cli('run', SAMPLE, '-c', 'nosuch; ? 2');
  assert.equal(bad.code, 1);
  assert.match(bad.out, /Unknown command 'nosuch'/);
  assert.match(bad.out, /0: kd> \? 2\nEvaluate expression: 2/);
  const json = JSON.parse((await cli('run', SAMPLE, '-c', '!pte ffffe5068d8a4000', '--json')).out);
  assert.equal(json[0].result.report.state.kind, 'freed');
  assert.equal((await cli('run', SAMPLE)).code, 2);
});

test('shell reads commands from stdin, keeps going after errors and quits on q', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', repo('src/cli/main.ts'), 'shell', SAMPLE], { input: '? 10\nbogus\n!error c000009a\nq\n', encoding: 'utf8', cwd: repo('.'), timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /0: kd> /);
  assert.match(r.stdout, /Evaluate expression: 16 = 00000000`00000010/);
  assert.match(r.stdout, /Unknown command 'bogus'/);
  assert.match(r.stdout, /Error code: \(NTSTATUS\) 0xc000009a/);
});

test('shell completion: module names, then a module\'s symbols once they are loaded', async () => {
  const { openSession } = await import('../../src/node/open-session.js');
  const { scenarioBinDir } = await import('../../src/node/scenario-files.js');
  const { symbolNames, close } = await openSession(SAMPLE, { sympath: scenarioBinDir(), offline: true, json: false, markdown: false, commands: [], rest: [] }, { out: () => {}, err: () => {}, stderrIsTty: false, env: {} });
  try {
    assert.deepEqual(symbolNames?.('Dri'), ['Driver']);
    symbolNames?.('Driver!Fi'); // starts loading Driver's symbols
    let hits: string[] = [];
    for (let i = 0; i < 50 && !hits.length; i++) {
      await new Promise((r) => setTimeout(r, 10));
      hits = symbolNames?.('Driver!Fi') ?? [];
    }
    assert.deepEqual(hits, ['Driver!FillBuffer']);
  } finally {
    await close();
  }
});
