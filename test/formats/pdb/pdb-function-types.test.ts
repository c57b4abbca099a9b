// A procedure symbol's signature (S_GPROC32/S_LPROC32 type index → LF_PROCEDURE/LF_MFUNCTION → LF_ARGLIST),
// which `x` and `ln` print as `(int, char **)`. Expected parameter lists are spelled from llvm-pdbutil's
// own `dump -symbols -types` records (test/helpers/pdbutil.ts spells types independently of the model);
// a trailing `<no type>` in an argument list is CodeView's mark of `...`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PdbFile } from '../../../src/formats/pdb/pdb.js';
import { FileSource } from '../../../src/node/file-source.js';
import { parameterSpellings } from '../../../src/symbols/types.js';
import { corpus, repo, skipUnlessCorpus } from '../../helpers/corpus.js';
import { LlvmTypes, pdbutil, pdbutilMissing } from '../../helpers/pdbutil.js';

interface LlvmProc {
  name: string;
  section: number;
  offset: number;
  /** undefined: `<no type>`. */
  ti?: number;
}

/** S_GPROC32/S_LPROC32 records of `dump -symbols` (every module), with their address and type index. */
function llvmProcs(text: string): LlvmProc[] {
  const re = /\| S_[GL]PROC32 \[size = \d+\] `(.*)`\n\s+parent = \d+, end = \d+, addr = (\d{4}):(\d+), code size = \d+\n\s+type = `(?:0x([0-9A-F]+) |<no type>)/g;
  return [...text.matchAll(re)].map((m) => ({ name: m[1], section: Number(m[2]), offset: Number(m[3]), ti: m[4] ? Number.parseInt(m[4], 16) : undefined }));
}

/** The parameter spellings llvm-pdbutil's records give a procedure type; undefined when not all are modelled. */
function llvmParams(types: LlvmTypes, ti: number): string[] | undefined {
  const proc = types.recs.get(ti);
  if (!proc || !/^LF_(PROCEDURE|MFUNCTION)$/.test(proc.leaf)) return undefined;
  const list = types.recs.get(Number.parseInt(/param list = 0x([0-9A-F]+)/.exec(proc.text)![1], 16));
  if (!list) return undefined;
  // One line per argument: `0x108C: \`const char* const\``, or `<no type>: \`\`` (index 0).
  const args = [...list.text.slice(list.text.indexOf('\n')).matchAll(/^\s+(?:0x([0-9A-F]+)[ :]|<no type>:)/gm)].map((m) => (m[1] ? Number.parseInt(m[1], 16) : 0));
  const out: string[] = [];
  for (const [i, a] of args.entries()) {
    if (a === 0) {
      if (i !== args.length - 1) return undefined;
      out.push('...');
      continue;
    }
    const n = types.name(a);
    if (n === undefined) return undefined;
    out.push(n);
  }
  return out;
}

async function compareWithLlvm(path: string, minCompared: number): Promise<Map<string, string[] | undefined>> {
  const text = pdbutil(['dump', '-symbols', '-types', path]);
  const types = LlvmTypes.from(text);
  const procs = llvmProcs(text);
  assert.ok(procs.length >= minCompared, `llvm-pdbutil listed ${procs.length} procedures`);
  const src = await FileSource.open(path);
  const seen = new Map<string, string[] | undefined>();
  try {
    const pdb = await PdbFile.open(src);
    const ours = await pdb.privateSymbols();
    let compared = 0;
    for (const p of procs) {
      const s = ours.find((o) => o.kind === 'function' && o.name === p.name && o.section === p.section && o.offset === p.offset);
      assert.ok(s?.rva !== undefined, `${p.name} at ${p.section}:${p.offset} is not among our procedures`);
      const f = await pdb.functionType({ name: s.name, rva: s.rva, size: s.size, kind: 'function', isFunction: true });
      const got = f ? parameterSpellings(f) : undefined;
      if (p.ti === undefined) {
        assert.equal(got, undefined, `${p.name} has no type`);
        continue;
      }
      const want = llvmParams(types, p.ti);
      if (want === undefined) continue;
      assert.deepEqual(got, want, `${p.name} (type 0x${p.ti.toString(16)})`);
      if (!seen.has(p.name)) seen.set(p.name, got);
      compared++;
    }
    assert.ok(compared >= minCompared, `only ${compared} procedures compared`);
    // Data and publics have no signature.
    const data = (await pdb.symbols()).find((x) => x.kind !== 'function');
    if (data) assert.equal(await pdb.functionType(data), undefined, data.name);
  } finally {
    await src.close();
  }
  return seen;
}

test('fixtures/pdb types.pdb: every procedure\'s parameters are llvm-pdbutil\'s (call_back takes void *, unsigned int)', { skip: pdbutilMissing() }, async () => {
  const seen = await compareWithLlvm(repo('fixtures/pdb/bin/types.pdb'), 3);
  // The declarations in fixtures/pdb/src/types.c: call_back(void *context, unsigned int code), entry(int x), helper(int x).
  assert.deepEqual(seen.get('call_back'), ['void *', 'unsigned int']);
  assert.deepEqual(seen.get('entry'), ['int']);
  assert.deepEqual(seen.get('helper'), ['int']);
});

const CRASH_PDB = 'symbols/CrashWithException.pdb/F535C5FB2AE84BB8AA206C30BE566C5A1/CrashWithException.pdb';
test('the corpus CrashWithException.pdb: parameters of every typed procedure agree with llvm-pdbutil, printf is variadic', { skip: pdbutilMissing() || skipUnlessCorpus(CRASH_PDB) }, async () => {
  const seen = await compareWithLlvm(corpus(CRASH_PDB), 40);
  // llvm-pdbutil: printf's type is `int (const char* const, <no type>)` — one parameter, then `...`.
  assert.deepEqual(seen.get('printf'), ['char *', '...']);
  assert.deepEqual(seen.get('main'), []);
});

const REGTEST_PDB = 'symbols/dump_syms_regtest64.pdb/72E103A85CB249078B76B2E7C06257B13/dump_syms_regtest64.pdb';
test('the corpus dump_syms_regtest64.pdb: main takes (int, char **), as llvm-pdbutil says', { skip: pdbutilMissing() || skipUnlessCorpus(REGTEST_PDB) }, async () => {
  const seen = await compareWithLlvm(corpus(REGTEST_PDB), 100);
  // llvm-pdbutil: S_GPROC32 `main`, type = `0x1004 (int (int, char**))`.
  assert.deepEqual(seen.get('main'), ['int', 'char **']);
});

/** A TPI stream of the given records (each: leaf kind, then its bytes), numbered from 0x1000. */
function tpiStream(records: number[][]): Uint8Array {
  const body: number[] = [];
  for (const r of records) {
    const padded = [...r];
    while ((padded.length + 2) % 4) padded.push(0xf0 | (4 - ((padded.length + 2) % 4)));
    body.push(padded.length & 0xff, padded.length >> 8, ...padded);
  }
  const out = new Uint8Array(56 + body.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 20040203, true);
  dv.setUint32(4, 56, true);
  dv.setUint32(8, 0x1000, true);
  dv.setUint32(12, 0x1000 + records.length, true);
  dv.setUint32(16, body.length, true);
  out.set(body, 56);
  return out;
}
const u16 = (v: number) => [v & 0xff, v >> 8];
const u32 = (v: number) => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24];

test('hostile procedure types: a signature naming itself or a non-type ends in a clear error or a bounded name', async () => {
  const { TypeStream } = await import('../../../src/formats/pdb/tpi.js');
  const { PdbTypes } = await import('../../../src/formats/pdb/pdb-types.js');
  const { DumpscopeError } = await import('../../../src/io/errors.js');
  const types = new PdbTypes(
    TypeStream.parse(
      tpiStream([
        [...u16(0x1201), ...u32(1), ...u32(0x1001)], // 0x1000 arglist: (0x1001)
        [...u16(0x1008), ...u32(0x1001), 0, 0, ...u16(1), ...u32(0x1000)], // 0x1001 procedure returning and taking itself
        [...u16(0x1201), ...u32(1), ...u32(0x1003)], // 0x1002 arglist: (a field list)
        [...u16(0x1203)], // 0x1003 empty field list
        [...u16(0x1008), ...u32(0x74), 0, 0, ...u16(1), ...u32(0x1002)], // 0x1004 procedure taking a field list
        [...u16(0x1008), ...u32(0x74), 0, 0, ...u16(9), ...u32(0x7777)], // 0x1005 argument list out of range
      ]),
      'test TPI',
    ),
    'test TPI',
  );
  assert.equal(types.functionType(0x1003), undefined, 'a field list is no procedure');
  assert.equal(types.functionType(0x9999), undefined, 'outside the stream');
  assert.equal(types.functionType(0x74), undefined, 'a simple type');
  const self = types.functionType(0x1001);
  assert.ok(self);
  const spelled = parameterSpellings(self);
  assert.equal(spelled.length, 1);
  assert.ok(spelled[0].length < 10_000, 'the self-reference is cut off');
  assert.throws(() => parameterSpellings(types.functionType(0x1004)!), (e) => e instanceof DumpscopeError && /not a data type/.test(e.message));
  assert.deepEqual(parameterSpellings(types.functionType(0x1005)!), []);
});
