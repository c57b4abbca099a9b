// `.reload`'s refusals are one error line with the command's name once (the engine adds it).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openSample } from './sample-session.js';

let s: Awaited<ReturnType<typeof openSample>>;
before(async () => {
  s = await openSample();
});
after(() => s?.close());

test('.reload of a module not loaded, or with an unknown option, says so once', async () => {
  const [none, option, ok] = await s.run('.reload zz; .reload /x; .reload Driver');
  assert.equal(none.ok, false);
  assert.equal(none.text, '.reload: no loaded module named zz');
  assert.equal(option.ok, false);
  assert.equal(option.text, '.reload: unknown option /x (usage: .reload [/f] [/u] [/q] [/n] [MODULE])');
  assert.ok(ok.ok, ok.text);
});
