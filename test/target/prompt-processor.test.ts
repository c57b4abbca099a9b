// The prompt names the crashing processor for every layout, small dumps included: the 0x7E walkthrough's
// prompt is `3: kd>` and its `!thread` says RUNNING on processor 3; the 0x7E scenario crashes there too.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { convertCommand } from '../../src/cli/commands/convert.js';
import { openSession } from '../../src/node/open-session.js';
import { scenarioBinDir, writeScenarioDump } from '../../src/node/scenario-files.js';
import { skipUnlessWalkthroughs, WALK7E } from '../helpers/walkthrough.js';

const dir = mkdtempSync(join(tmpdir(), 'dumpscope-prompt-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const io = { out: () => {}, err: () => {}, stderrIsTty: false, env: {} };
const opts = { sympath: scenarioBinDir(), offline: true, json: false, markdown: false, commands: [], rest: [] };

for (const layout of ['triage', 'full'] as const) {
  test(`0x7E as a ${layout} dump: the prompt's processor is the walkthrough's`, { skip: skipUnlessWalkthroughs() }, async () => {
    const prompt = Number(/^(\d+): kd> /m.exec(readFileSync(WALK7E, 'utf8'))![1]);
    assert.equal(prompt, 3);
    const path = join(dir, `7e-${layout}.dmp`);
    await writeScenarioDump('0x7e', 'full', join(dir, 'full.dmp'));
    // A small dump the way `dumpscope convert --to triage` makes one.
    if (layout === 'triage') assert.equal(await convertCommand.run([join(dir, 'full.dmp'), path, '--to', 'triage', '--force', '-y', scenarioBinDir(), '--offline'], io), 0);
    const { session, target, close } = await openSession(layout === 'triage' ? path : join(dir, 'full.dmp'), opts, io);
    try {
      assert.equal(!!target.dump.triage, layout === 'triage');
      assert.equal(session.processor, prompt);
      assert.equal((await target.crashState()).prcb?.number, prompt);
    } finally {
      await close();
    }
  });
}
