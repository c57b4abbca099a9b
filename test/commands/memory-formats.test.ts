// The d* formats on hand-made memory: every expected line is worked out by hand from the bytes written,
// following the layouts the debugger documentation describes (d, da, db, dc, dd, dD, df, dp, dq, du, dw,
// dW, dyb; dds/dps/dqs; dda…dpu) and WinDbg's 32 characters per da/du line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MemoryResult } from '../../src/commands/builtin/memory.js';
import { createEngine } from '../../src/commands/registry.js';
import { Session } from '../../src/commands/session.js';
import type { AddressSpace } from '../../src/memory/address-space.js';

const BASE = 0xffffe00000001000n;

/** One page at BASE: the bytes given, the rest of the page 0x00; everything else is not in the "dump". */
function sessionWith(bytes: number[]) {
  const page = new Uint8Array(0x1000);
  page.set(bytes);
  const memory: AddressSpace = {
    async readSparse(va: bigint, length: number) {
      const out = new Uint8Array(length);
      const valid = new Uint8Array(length);
      for (let i = 0; i < length; i++) {
        const o = va + BigInt(i) - BASE;
        if (o >= 0n && o < 0x1000n) {
          out[i] = page[Number(o)];
          valid[i] = 1;
        }
      }
      return { bytes: out, valid };
    },
    async read(va: bigint, length: number) {
      const s = await this.readSparse(va, length);
      if (!s.valid.every((v) => v === 1)) throw new Error('not present');
      return s.bytes;
    },
  };
  const session = new Session({ memory, pointerSize: 8 });
  const engine = createEngine();
  return async (cmd: string) => (await engine.run(session, cmd))[0];
}

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

test('da: up to the NUL, 32 characters a line with the address of each line, controls as "."', async () => {
  const run = sessionWith([...ascii('A'.repeat(40)), 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x07, 0x41, 0x00, 0x42]);
  const r = await run(`da ${BASE.toString(16)}`);
  assert.equal(r.text, ['ffffe000`00001000  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"', 'ffffe000`00001020  "AAAAAAAA.[31m.A"'].join('\n'));
  const s = (r.result as MemoryResult).string!;
  assert.equal(s.end, 'nul');
  // The value keeps the escape and the bell as they are (JSON escapes them); only the display hides them.
  assert.equal(s.value, `${'A'.repeat(40)}\x1b[31m\x07A`);
  for (const line of r.text.split('\n')) assert.doesNotMatch(line, /[\x00-\x1f\x7f]/);
});

test('da/du on memory the dump lacks print ?, and the JSON tells unreadable from empty', async () => {
  const run = sessionWith([0]);
  const missing = await run('da 0 L40');
  assert.equal(missing.text, ['00000000`00000000  "????????????????????????????????"', '00000000`00000020  "????????????????????????????????"'].join('\n'));
  assert.equal((missing.result as MemoryResult).string?.end, 'unreadable');
  assert.equal((missing.result as MemoryResult).string?.value, '');
  const empty = await run(`da ${BASE.toString(16)}`);
  assert.equal(empty.text, 'ffffe000`00001000  ""');
  assert.equal((empty.result as MemoryResult).string?.end, 'nul');
  const wide = await run('du 0 L4');
  assert.equal(wide.text, '00000000`00000000  "????"');
});

test('du: UTF-16 characters, 32 a line (0x40 bytes); non-ASCII as "."', async () => {
  const units = [...'C:\\Windows\\System32\\drivers\\etc\\hosts'].map((c) => c.charCodeAt(0));
  units.push(0x202e, 0x41, 0);
  const run = sessionWith(units.flatMap((u) => [u & 0xff, u >> 8]));
  const r = await run(`du ${BASE.toString(16)}`);
  assert.equal(r.text, ['ffffe000`00001000  "C:\\Windows\\System32\\drivers\\etc\\"', 'ffffe000`00001040  "hosts.A"'].join('\n'));
});

test('dc, dW, dyb, df and dD lay out the same bytes their own way; dD is not dd', async () => {
  // 00 00 80 3f = 1.0f; 00 00 00 40 = 2.0f; 00..f0 3f = 1.0 (double); then "MZ".
  const run = sessionWith([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0x40, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x4d, 0x5a]);
  const a = BASE.toString(16);
  assert.equal((await run(`dc ${a} L4`)).text, 'ffffe000`00001000  3f800000 40000000 00000000 3ff00000  ...?...@.......?');
  assert.equal((await run(`dW ${a} L8`)).text, 'ffffe000`00001000  0000 3f80 0000 4000 0000 0000 0000 3ff0  ...?...@.......?');
  assert.equal(
    (await run(`dyb ${a} L4`)).text,
    [
      '                   76543210 76543210 76543210 76543210',
      '                   -------- -------- -------- --------',
      'ffffe000`00001000  00000000 00000000 10000000 00111111  00 00 80 3f',
    ].join('\n'),
  );
  assert.equal((await run(`df ${a} L2`)).text, `ffffe000\`00001000  ${'1'.padStart(15)} ${'2'.padStart(15)}`);
  assert.equal((await run(`dD ${a}+8 L1`)).text, `ffffe000\`00001008  ${'1'.padStart(15)}`);
  assert.equal((await run(`dd ${a}+8 L2`)).text, 'ffffe000`00001008  00000000 3ff00000');
});

test('db /c N sets the columns; the dash belongs to 16-byte rows only', async () => {
  const run = sessionWith(ascii('ABCDEFGHIJKLMNOPQRSTUVWXYZ'));
  const a = BASE.toString(16);
  assert.equal((await run(`db /c 8 ${a} L10`)).text, ['ffffe000`00001000  41 42 43 44 45 46 47 48  ABCDEFGH', 'ffffe000`00001008  49 4a 4b 4c 4d 4e 4f 50  IJKLMNOP'].join('\n'));
  assert.equal((await run(`db ${a} L10`)).text, 'ffffe000`00001000  41 42 43 44 45 46 47 48-49 4a 4b 4c 4d 4e 4f 50  ABCDEFGHIJKLMNOP');
  assert.match((await run(`db /p ${a}`)).text, /option \/p \(physical memory\) is not supported/);
});

test('dpa and dpu: each pointer, then the string it points at (nothing when that memory is missing)', async () => {
  const str = BASE + 0x100n;
  const ptr = (v: bigint) => [...Array(8)].map((_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
  const bytes = [...ptr(str), ...ptr(0x10n)];
  const page = new Array(0x100).fill(0);
  page.splice(0, bytes.length, ...bytes);
  const run = sessionWith([...page, ...ascii('hello'), 0]);
  assert.equal((await run(`dpa ${BASE.toString(16)} L2`)).text, ['ffffe000`00001000  ffffe000`00001100 "hello"', 'ffffe000`00001008  00000000`00000010'].join('\n'));
});

test('a display stops at the top of the address space instead of wrapping to page 0', async () => {
  const run = sessionWith([0]);
  const r = await run('dq fffffffffffffff8 L4');
  assert.equal(r.ok, false);
  assert.equal(r.text, "Range error in 'dq fffffffffffffff8 L4': the range passes the top of the address space (ffffffff`ffffffff)");
  const last = await run('dq fffffffffffffff8 L1');
  assert.equal(last.text, 'ffffffff`fffffff8  ????????`????????');
});
