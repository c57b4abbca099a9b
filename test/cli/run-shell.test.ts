import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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

test('run --json carries register values and memory bytes as data', async () => {
  const r = await cli('run', SAMPLE, '-y', repo('fixtures/scenario/bin'), '--offline', '--json', '-c', 'r; db Driver L4; db 0 L1');
  assert.equal(r.code, 0, r.err);
  const [regs, mem, missing] = JSON.parse(r.out);
  const rip = /rip=([0-9a-f]{16})/.exec(regs.text)![1];
  assert.equal(regs.result.state.registers.rip, `0x${rip}`);
  assert.equal(regs.result.state.instruction.address, `0x${rip}`);
  // Driver's image starts with its file's headers: the first bytes of Driver.sys itself.
  const file = readFileSync(repo('fixtures/scenario/bin/Driver.sys')).subarray(0, 4);
  assert.deepEqual(mem.result.rows[0].values, [...file].map((b) => `0x${b.toString(16)}`));
  assert.deepEqual(missing.result.rows[0].values, [null]);
});

test('shell reads commands from stdin, keeps going after errors and quits on q', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', repo('src/cli/main.ts'), 'shell', SAMPLE], { input: '? 10\nbogus\n!error c000009a\nq\n', encoding: 'utf8', cwd: repo('.'), timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /0: kd> /);
  assert.match(r.stdout, /Evaluate expression: 16 = 00000000`00000010/);
  assert.match(r.stdout, /Unknown command 'bogus'/);
  assert.match(r.stdout, /Error code: \(NTSTATUS\) 0xc000009a/);
});

test('Ctrl-C (SIGINT) stops a long command and the rest of its line; the session goes on', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', repo('src/cli/main.ts'), 'shell', SAMPLE], { cwd: repo('.'), stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  const waitFor = (re: RegExp, ms: number) =>
    new Promise<number>((resolve, reject) => {
      const t0 = Date.now();
      const iv = setInterval(() => {
        if (re.test(out)) {
          clearInterval(iv);
          resolve(Date.now() - t0);
        } else if (Date.now() - t0 > ms) {
          clearInterval(iv);
          reject(new Error(`no ${re} within ${ms} ms; output ends with ${JSON.stringify(out.slice(-300))}`));
        }
      }, 10);
    });
  child.stdout.on('data', (d) => (out += d));
  try {
    await waitFor(/0: kd> $/, 30_000);
    // Eight displays of 0x100000 pointers: each takes seconds to compute before anything is printed,
    // so only a command that checks for the abort while it computes answers within the limit below.
    child.stdin.write(`${Array(8).fill('dps 0 L?100000').join('; ')}\n`);
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGINT');
    const back = await waitFor(/Command aborted\.\n0: kd> $/, 5_000);
    assert.ok(back < 1_500, `prompt back ${back} ms after SIGINT`);
    const rows = out.split('\n').filter((l) => l.startsWith('00000000`')).length;
    assert.ok(rows < 0x100000, `aborted before the first display ended (${rows} rows printed)`);
    child.stdin.write('? 1\n');
    await waitFor(/Evaluate expression: 1 = 00000000`00000001\n0: kd> $/, 5_000);
    child.stdin.write('q\n');
    const code = await new Promise((r) => child.on('exit', r));
    assert.equal(code, 0);
  } finally {
    child.kill('SIGKILL');
  }
});

test('shell completion: commands, module names, a module\'s symbols on the first Tab, dt type names', async () => {
  const { openSession } = await import('../../src/node/open-session.js');
  const { scenarioBinDir } = await import('../../src/node/scenario-files.js');
  const { complete } = await import('../../src/cli/completion.js');
  const { createEngine } = await import('../../src/commands/registry.js');
  const { session, close } = await openSession(SAMPLE, { sympath: scenarioBinDir(), offline: true, json: false, markdown: false, commands: [], rest: [] }, { out: () => {}, err: () => {}, stderrIsTty: false, env: {} });
  const engine = createEngine();
  try {
    assert.deepEqual(await complete(engine, session, '.ecx'), [['.ecxr'], '.ecx']);
    assert.deepEqual(await complete(engine, session, 'u Dri'), [['Driver!'], 'Dri']);
    // The symbols load on this first Tab (Driver.pdb: FillBuffer is the walkthrough's function).
    assert.deepEqual(await complete(engine, session, 'u Driver!Fi'), [['Driver!FillBuffer'], 'Driver!Fi']);
    // dt completes type names: the 19041 layouts the scenario kernel carries.
    const [types] = await complete(engine, session, 'dt nt!_KTRAP');
    assert.deepEqual(types, ['nt!_KTRAP_FRAME']);
    const [bare] = await complete(engine, session, 'dt _KTRAP_F');
    assert.deepEqual(bare, ['_KTRAP_FRAME']);
  } finally {
    await close();
  }
});

test('run and shell on a missing file say "cannot open X: no such file", not Node\'s ENOENT text', async () => {
  for (const args of [['run', '/nonexistent/x.dmp', '-c', 'r'], ['shell', '/nonexistent/x.dmp']]) {
    const r = await cli(...args);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /cannot open \/nonexistent\/x\.dmp: no such file/);
    assert.doesNotMatch(r.err, /ENOENT|stat '/);
  }
});
