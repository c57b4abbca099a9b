import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatsCommand, formatsOf } from '../../src/commands/builtin/evaluate.js';
import { CommandEngine, splitCommands } from '../../src/commands/engine.js';
import { evaluateCommand } from '../../src/commands/builtin/evaluate.js';
import { ExpressionError } from '../../src/commands/expr/errors.js';
import { type ExpressionEnv, evaluateExpression } from '../../src/commands/expr/masm.js';
import { Session } from '../../src/commands/session.js';
import { DumpscopeError } from '../../src/io/errors.js';
import { X64_GPRS, type X64Registers, registerValue } from '../../src/target/x64-registers.js';
import { fuzzParams } from '../helpers/fuzz-budget.js';

const regs: X64Registers = {
  ...Object.fromEntries(X64_GPRS.map((r) => [r, 0n])),
  rcx: 0xffffe5068d8a4040n,
  rax: 0x4141414141414139n,
  rip: 0xfffff801197f1d1en,
} as X64Registers;
// A fake environment: a few registers, symbols and one readable qword, with values from the 0x50 walkthrough.
const env: ExpressionEnv = {
  pointerSize: 8,
  register: (n) => (n === '$t0' ? 5n : registerValue(regs, n)),
  symbol: async (n) => new Map([['Driver', 0xfffff801197f0000n], ['nt!ExFreePoolWithTag', 0xfffff80116aad110n]]).get(n),
  readMemory: async (a, size) => {
    if (a === 0xfffff801197f2060n && size === 8) return 0xfffff80116aad110n;
    throw new DumpscopeError(`memory at ${a.toString(16)} not readable`, 'X');
  },
};
const ev = (s: string) => evaluateExpression(s, env);

test('numbers: hex by default, 0n, 0x, 0t, 0y, trailing h, backtick', async () => {
  assert.equal(await ev('10'), 16n);
  assert.equal(await ev('0n10'), 10n);
  assert.equal(await ev('0x10'), 16n);
  assert.equal(await ev('0t17'), 15n);
  assert.equal(await ev('0y101'), 5n);
  assert.equal(await ev('0C000009Ah'), 0xc000009an);
  assert.equal(await ev('57724231h'), 0x57724231n);
  assert.equal(await ev('fffff801`197f1d1e'), 0xfffff801197f1d1en);
  assert.equal(await ev('ffffe5068d8a4000'), 0xffffe5068d8a4000n);
});

test('registers, symbols, module offsets and poi()', async () => {
  assert.equal(await ev('@rcx-40'), 0xffffe5068d8a4000n);
  assert.equal(await ev('rcx - 0x40'), 0xffffe5068d8a4000n);
  assert.equal(await ev('@ecx'), 0x8d8a4040n);
  assert.equal(await ev('@$t0'), 5n);
  assert.equal(await ev('Driver+0x1d1e'), 0xfffff801197f1d1en);
  assert.equal(await ev('Driver+1d1e == @rip'), 1n);
  assert.equal(await ev('poi(Driver+0x2060)'), 0xfffff80116aad110n);
  assert.equal(await ev('poi(Driver+0x2060) - nt!ExFreePoolWithTag'), 0n);
  await assert.rejects(ev('poi(0)'), DumpscopeError);
});

test("character constants: 'A' and 'WrB1' are numbers, first character highest", async () => {
  assert.equal(await ev("'A'"), 0x41n);
  // The 0x7E walkthrough: `.formats 57724231h` shows Chars `....WrB1`.
  assert.equal(await ev("'WrB1'"), 0x57724231n);
  assert.equal(await ev("'WrB1' == 57724231h"), 1n);
  assert.equal(await ev("'\\''"), 0x27n);
  for (const bad of ["'", "''", "'123456789'", "'ab"]) await assert.rejects(ev(bad), ExpressionError, bad);
});

test('pseudo-registers $t0…$t19 are 0 until set; others are unknown', async () => {
  const session = new Session();
  const e = await session.expressionEnv();
  assert.equal(await evaluateExpression('@$t0 + @$t19', e), 0n);
  session.variables.set('$t1', 7n);
  assert.equal(await evaluateExpression('@$t1', await session.expressionEnv()), 7n);
  await assert.rejects(evaluateExpression('@$t20', e), ExpressionError);
  await assert.rejects(evaluateExpression('@$nosuch', e), ExpressionError);
});

test('operators follow MASM precedence and wrap at 64 bits', async () => {
  assert.equal(await ev('1+2*3'), 7n);
  assert.equal(await ev('(1+2)*3'), 9n);
  assert.equal(await ev('[1+2]*3'), 9n);
  assert.equal(await ev('1 << 4 + 1'), 32n); // + binds tighter than <<
  assert.equal(await ev('6 and 3 or 8'), 10n);
  assert.equal(await ev('7 mod 4'), 3n);
  assert.equal(await ev('-1'), 0xffffffffffffffffn);
  assert.equal(await ev('0 - 1 + 2'), 1n);
  assert.equal(await ev('ffffffffffffffff + 2'), 1n);
  assert.equal(await ev('not 0'), 1n);
  assert.equal(await ev('hi 12345678'), 0x1234n);
  assert.equal(await ev('low 12345678'), 0x5678n);
  assert.equal(await ev('80000000`00000000 >>> 3f'), 0xffffffffffffffffn);
  assert.equal(await ev('5 > 3'), 1n);
  assert.equal(await ev('5 != 5'), 0n);
});

test('garbage expressions give ExpressionError, never another exception', async () => {
  for (const bad of ['', '1 +', '(1', 'poi(', '1 $$ 2', '@', 'nosuchsym', '1/0', '12345678901234567890123']) {
    await assert.rejects(ev(bad), (e: unknown) => e instanceof DumpscopeError, bad);
  }
  await fc.assert(
    fc.asyncProperty(fc.string({ maxLength: 40 }), async (s) => {
      try {
        await ev(s);
      } catch (e) {
        assert.ok(e instanceof DumpscopeError, `non-typed error for ${JSON.stringify(s)}: ${e}`);
      }
    }),
    fuzzParams(7, 2000),
  );
});

test('? prints the signed decimal and the 64-bit hex', async () => {
  const engine = new CommandEngine().register(evaluateCommand, formatsCommand);
  const [o] = await engine.run(new Session(), '? 0C000009Ah');
  assert.equal(o.text, 'Evaluate expression: 3221225626 = 00000000`c000009a');
  const [m] = await engine.run(new Session(), '?-1');
  assert.equal(m.text, 'Evaluate expression: -1 = ffffffff`ffffffff');
});

test('.formats 57724231h matches the 0x7E walkthrough (time shown in UTC)', async () => {
  const r = formatsOf(0x57724231n);
  const text = formatsCommand.renderText(r);
  // Every line below is from the walkthrough's WinDbg output, except Time: WinDbg printed the analyst's
  // local time (UTC-7, 02:24:01); we print UTC, seven hours later.
  assert.equal(
    text,
    [
      'Evaluate expression:',
      '  Hex:     00000000`57724231',
      '  Decimal: 1467105841',
      '  Decimal (unsigned) : 1467105841',
      '  Octal:   0000000000012734441061',
      '  Binary:  00000000 00000000 00000000 00000000 01010111 01110010 01000010 00110001',
      '  Chars:   ....WrB1',
      '  Time:    Tue Jun 28 09:24:01 2016',
      '  Float:   low 2.66366e+014 high 0',
      '  Double:  7.24847e-315',
    ].join('\n'),
  );
});

test('command lines split on ; and unknown commands give one error line', async () => {
  assert.deepEqual(splitCommands('.cxr; .ecxr ; kb'), ['.cxr', '.ecxr', 'kb']);
  assert.deepEqual(splitCommands('dx "a;b"; k'), ['dx "a;b"', 'k']);
  const engine = new CommandEngine().register(evaluateCommand);
  const out = await engine.run(new Session(), 'bogus 1; ? 1+1; ? (');
  assert.equal(out.length, 3);
  assert.equal(out[0].ok, false);
  assert.match(out[0].text, /^Unknown command 'bogus'/);
  assert.equal(out[1].text, 'Evaluate expression: 2 = 00000000`00000002');
  assert.equal(out[2].ok, false);
  assert.ok(!out[2].text.includes('\n'));
  assert.ok(ExpressionError);
});

test('deep nesting ends in a clear error; long flat chains of operators evaluate without recursion', async () => {
  // Each of these ended in "Maximum call stack size exceeded" before.
  for (const deep of [`${'('.repeat(1000)}1${')'.repeat(1000)}`, `${'poi('.repeat(3000)}0${')'.repeat(3000)}`, `${'-'.repeat(5000)}1`, `${'@@masm('.repeat(400)}1${')'.repeat(400)}`]) {
    await assert.rejects(ev(deep), (e: Error) => e instanceof ExpressionError && /expression nested too deeply \(more than 256 levels\)/.test(e.message), deep.slice(0, 12));
  }
  // 200 levels are fine; 6000 terms of 1+1+… are 0n6000; a 10 000-operator mix keeps MASM precedence.
  assert.equal(await ev(`${'('.repeat(200)}7${')'.repeat(200)}`), 7n);
  assert.equal(await ev(Array(6000).fill('1').join('+')), 6000n);
  assert.equal(await ev(Array(5000).fill('2*3').join('+')), 30000n);
  assert.equal(await ev(`0n10000${'-1'.repeat(9999)}`), 1n);
});

test('@@masm(…) nests MASM; @@c++(…) needs a C++ evaluator and says so without one', async () => {
  assert.equal(await ev('@@masm(1+2)*2'), 6n);
  assert.equal(await ev('@@masm(@@masm(10))'), 0x10n);
  await assert.rejects(ev('@@c++(sizeof(int))'), /C\+\+ expressions \(@@c\+\+\(…\)\) are not supported here; use dx or \?\?/);
  const withCpp: ExpressionEnv = { ...env, cpp: async (text) => (text === 'sizeof(nt!_EPROCESS)' ? 0xa40n : 0n) };
  assert.equal(await evaluateExpression('@@c++(sizeof(nt!_EPROCESS)) + 0x10', withCpp), 0xa50n);
  assert.equal(await evaluateExpression('@@(sizeof(nt!_EPROCESS))', withCpp), 0xa40n);
  await assert.rejects(ev('@@c++(1'), /missing '\)'/);
});
