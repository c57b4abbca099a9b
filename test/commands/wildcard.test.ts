import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileWildcard, wildcardMatch } from '../../src/util/wildcard.js';

const m = (p: string, s: string, opts?: { caseInsensitive?: boolean; symbol?: boolean }) => wildcardMatch(p, s, opts);

test('the examples of the debugger documentation\'s "String Wildcard Syntax"', () => {
  // Prog[er-t7]am matches Progeam, Program, Progsam, Progtam and Prog7am.
  for (const s of ['Progeam', 'Program', 'Progsam', 'Progtam', 'Prog7am']) assert.ok(m('Prog[er-t7]am', s), s);
  for (const s of ['Progaam', 'Progzam', 'Prog8am', 'Progam', 'Progrram']) assert.ok(!m('Prog[er-t7]am', s), s);
  // Lo#p: Lp, Lop, Loop, Looop; Lo+p the same without Lp.
  for (const s of ['Lp', 'Lop', 'Loop', 'Looop']) assert.ok(m('Lo#p', s), s);
  assert.ok(!m('Lo#p', 'Lxp'));
  for (const s of ['Lop', 'Loop', 'Looop']) assert.ok(m('Lo+p', s), s);
  assert.ok(!m('Lo+p', 'Lp'));
  // m[ia]#n: mn, min, man, maan, main, mian, miin, miain; m[ia]+n all but mn.
  for (const s of ['mn', 'min', 'man', 'maan', 'main', 'mian', 'miin', 'miain']) assert.ok(m('m[ia]#n', s), s);
  assert.ok(!m('m[ia]+n', 'mn'));
  assert.ok(m('m[ia]+n', 'miain'));
  // a?+b is a*b except that it does not match ab.
  assert.ok(m('a*b', 'ab'));
  assert.ok(!m('a?+b', 'ab'));
  assert.ok(m('a?+b', 'axb'));
  assert.ok(m('a?+b', 'axyzb'));
  // A backslash makes the wildcard characters literal.
  assert.ok(m('a\\*b', 'a*b'));
  assert.ok(!m('a\\*b', 'axb'));
  assert.ok(m('\\[x\\]', '[x]'));
});

test('* and ? as usual; whole-string matches; case and the symbol underscore rule', () => {
  assert.ok(m('Ke*', 'KeBugCheckEx'));
  assert.ok(!m('Ke*', 'xKeBugCheckEx'));
  assert.ok(m('*Bug*', 'KeBugCheckEx'));
  assert.ok(m('KeBugCheck??', 'KeBugCheckEx'));
  assert.ok(!m('KeBugCheck?', 'KeBugCheckEx'));
  assert.ok(m('*', ''));
  assert.ok(!m('?', ''));
  assert.ok(!m('kebugcheckex', 'KeBugCheckEx'));
  assert.ok(m('kebugcheckex', 'KeBugCheckEx', { caseInsensitive: true }));
  assert.ok(m('[a-c]X', 'BX', { caseInsensitive: true }));
  // In symbol names a leading underscore stands for any number of them, zero included.
  for (const s of ['imp_Foo', '_imp_Foo', '__imp_Foo']) assert.ok(m('_imp_Foo', s, { symbol: true }), s);
  assert.ok(!m('_imp_Foo', 'imp_Foo'));
  assert.throws(() => compileWildcard('ab[cd'), /has no '\]'/);
});

test('time is linear: the pattern that made the RegExp backtrack for seconds matches at once', () => {
  // `x nt!*e*e*e*e*e*e*e*e*e*Q` took over 30 s with a RegExp of `.*` runs; here every character of
  // every name costs at most one step per pattern element.
  const w = compileWildcard('*e*e*e*e*e*e*e*e*e*Q', { caseInsensitive: true, symbol: true });
  const name = 'e'.repeat(60);
  const start = performance.now();
  for (let i = 0; i < 20_000; i++) assert.equal(w.matches(name), false);
  assert.ok(performance.now() - start < 2000, `${performance.now() - start} ms`);
  assert.ok(w.matches('eeeeeeeeeQ'));
});
