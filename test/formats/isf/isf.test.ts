import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { IsfTable } from '../../../src/formats/isf/isf.js';
import { openIsf } from '../../../src/formats/isf/open-isf.js';
import { DumpscopeError, FormatError } from '../../../src/io/errors.js';
import { findField } from '../../../src/symbols/types.js';
import { corpus, skipUnlessCorpus } from '../../helpers/corpus.js';
import { fuzzParams } from '../../helpers/fuzz-budget.js';

const skip = skipUnlessCorpus('isf/ntkrnlmp.pdb');
const isfPath = () => {
  const d = corpus('isf/ntkrnlmp.pdb');
  return join(d, readdirSync(d)[0]);
};

test('nt ISF: identity, symbols and well-known layouts', { skip }, async () => {
  const isf = openIsf(new Uint8Array(readFileSync(isfPath())), 'nt');
  assert.deepEqual(isf.identity, { pdbName: 'ntkrnlmp.pdb', guid: '5278AFF86C341677D7D7835C85B7B844', age: 1, machine: 34404 });
  assert.equal((await isf.symbols()).length, 39832);
  assert.equal((await isf.typeNames()).length, 1646 + 293);
  // IofCallDriver+0x55 is the return address the triage dump's stack ends in (nt+0x252f55).
  const hit = await isf.symbolAt(0x252f55);
  assert.equal(hit?.symbol.name, 'IofCallDriver');
  assert.equal(hit?.displacement, 0x55);
  const le = await isf.findType('_LIST_ENTRY');
  assert.ok(le?.kind === 'udt');
  assert.deepEqual(le.fields.map((f) => [f.name, f.offset, f.type.kind, f.type.size]), [['Flink', 0, 'pointer', 8], ['Blink', 8, 'pointer', 8]]);
  assert.ok(le.fields[0].type.kind === 'pointer' && le.fields[0].type.target === le, 'self-reference resolves to the same type');
  const trap = await isf.findType('_KTRAP_FRAME');
  assert.ok(trap?.kind === 'udt');
  assert.equal(trap.size, 0x190);
  assert.equal(findField(trap, 'Rip')?.offset, 0x168);
  const th = await isf.findType('_KTHREAD');
  assert.ok(th?.kind === 'udt');
  assert.ok(findField(th, 'InitialStack') && findField(th, 'StackLimit'));
});

test('nt ISF: every structure layout equals what Python reads from the same JSON', { skip }, () => {
  // Python's json module is an independent reader; its view is reduced to name|size|field@offset:bits lines.
  const script = [
    'import json,lzma,sys',
    'd=json.load(lzma.open(sys.argv[1]))',
    'for n in sorted(d["user_types"]):',
    '  u=d["user_types"][n]; fs=[]',
    '  for fn,f in u["fields"].items():',
    '    t=f["type"]; b=(":%d/%d"%(t["bit_position"],t["bit_length"])) if t["kind"]=="bitfield" else ""',
    '    fs.append((f["offset"], t.get("bit_position",0) if t["kind"]=="bitfield" else 0, "%s@%d%s"%(fn,f["offset"],b)))',
    '  print(n+"|"+str(u["size"])+"|"+",".join(x[2] for x in sorted(fs, key=lambda x:(x[0],x[1]))))',
  ].join('\n');
  const expected = execFileSync('python3', ['-c', script, isfPath()], { encoding: 'utf8', maxBuffer: 1 << 28 }).trim().split('\n');
  const isf = openIsf(new Uint8Array(readFileSync(isfPath())), 'nt');
  const ours = expected.map((line) => {
    const name = line.split('|')[0];
    const t = isf.typeByName(name);
    assert.ok(t?.kind === 'udt', name);
    const fs = t.fields.map((f) => `${f.name}@${f.offset}${f.bitLength !== undefined ? `:${f.bitPosition}/${f.bitLength}` : ''}`);
    return `${name}|${t.size}|${fs.join(',')}`;
  });
  // Fields sharing an offset and bit position (union members) may come in either order: compare as sets per type.
  const norm = (l: string) => {
    const [n, s, f] = l.split('|');
    return `${n}|${s}|${f.split(',').sort().join(',')}`;
  };
  assert.deepEqual(ours.map(norm), expected.map(norm));
  assert.ok(expected.length === 1646);
});

test('ISF from hostile JSON: clear errors, never a crash', () => {
  assert.throws(() => IsfTable.parse('not json', 'x'), FormatError);
  assert.throws(() => IsfTable.parse('[]', 'x'), FormatError);
  assert.throws(() => IsfTable.parse('{"base_types":{}}', 'x'), /user_types/);
  const t = IsfTable.parse(
    JSON.stringify({
      metadata: { format: '6.1.0' },
      base_types: { int: { kind: 'int', size: 4, signed: true }, pointer: { kind: 'int', size: 8 } },
      user_types: {
        Loop: { kind: 'struct', size: 8, fields: { Self: { offset: 0, type: { kind: 'pointer', subtype: { kind: 'struct', name: 'Loop' } } } } },
        Bad: { kind: 'struct', size: 4, fields: { X: { offset: 99, type: { kind: 'base', name: 'int' } } } },
        Weird: { kind: 'struct', size: 4, fields: { X: { offset: 0, type: { kind: 'nonsense' } } } },
        Deep: { kind: 'struct', size: 4, fields: { X: { offset: 0, type: { kind: 'array', count: 1, subtype: { kind: 'base', name: 'missing' } } } } },
      },
      symbols: { f: { address: 16 }, g: { address: -1 } },
    }),
    'hostile',
  );
  const loop = t.typeByName('Loop');
  assert.ok(loop?.kind === 'udt' && loop.fields[0].type.kind === 'pointer' && loop.fields[0].type.target === loop);
  for (const n of ['Bad', 'Weird', 'Deep']) {
    const u = t.typeByName(n);
    assert.throws(() => u?.kind === 'udt' && u.fields, FormatError, n);
  }
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => {
      for (const doc of [v, { base_types: {}, user_types: { T: v }, symbols: {} }, { base_types: {}, user_types: { T: { size: 8, fields: { a: v } } }, symbols: {} }]) {
        try {
          const isf = IsfTable.parse(JSON.stringify(doc), 'fuzz');
          const x = isf.typeByName('T');
          if (x?.kind === 'udt') for (const f of x.fields) void f.type.size;
        } catch (e) {
          assert.ok(e instanceof DumpscopeError, String(e));
        }
      }
    }),
    fuzzParams(7, 500, 4),
  );
});
