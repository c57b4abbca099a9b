// The scenarios tell the walkthroughs' stories with the memory states they describe: checked through `!pte`
// (expected values hand-decoded from the _MMPTE_SOFTWARE layout and the walkthrough's text).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createEngine } from '../../src/commands/registry.js';
import { openSession } from '../../src/node/open-session.js';
import { scenarioBinDir, writeScenarioDump } from '../../src/node/scenario-files.js';

const dir = mkdtempSync(join(tmpdir(), 'dumpscope-fidelity-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const io = { out: () => {}, err: () => {}, stderrIsTty: false, env: {} };
const opts = { sympath: scenarioBinDir(), offline: true, json: false, markdown: false, commands: [], rest: [] };

async function run(path: string, command: string): Promise<string> {
  const { session, close } = await openSession(path, opts, io);
  try {
    return (await createEngine().run(session, command))[0].text;
  } finally {
    await close();
  }
}

test('0xD1: the address the DPC touched is paged out (a page-file PTE), not a never-mapped hole', async () => {
  const path = join(dir, 'd1.dmp');
  const s = await writeScenarioDump('0xd1', 'kernel-bitmap', path);
  const badVa = s.facts.bugcheckArgs[0];
  assert.equal(badVa, 0xffffc08be45a0028n);
  const pte = await run(path, `!pte ${badVa.toString(16)}`);
  // 0x0003A2C100000080: PageFileHigh (bits 32-63) 0x3a2c1 → offset 0x3a2c1000, PageFileLow 0, Protection (bits 5-9) 4.
  assert.match(pte, /contains 0003A2C100000080\n/);
  assert.match(pte, /PageFile: 0 {2}Offset: 3a2c1000 {2}Protect: 4 - read ?write/i);
  // The tables above it are present: only the page itself is out.
  assert.equal((pte.match(/---DA--KWEV/g) ?? []).length, 3);
});

test('0x50: the page after the allocation is the walkthrough\'s freed page', async () => {
  const path = join(dir, '50.dmp');
  await writeScenarioDump('0x50', 'full', path);
  const pte = await run(path, '!pte ffffe5068d8a4000');
  assert.match(pte, /contains 0A00000107400863 {2}contains 0A00000005DC8863 {2}contains 1A0000025754A863 {2}contains 00003E9800000000\n/);
  assert.match(pte, /Page has been freed/);
});
