// The PE fixtures built by scripts/make-pdb-fixtures.sh: export forwarders (forwarders.dll) and the rarer
// x64 unwind codes (unwind.dll: UWOP_SAVE_XMM128, UWOP_SAVE_XMM128_FAR, UWOP_ALLOC_LARGE with a 16-bit and
// a 32-bit size), each compared with LLVM's tools (llvm-readobj-14, llvm-objdump-14).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { readExports } from '../../../src/formats/pe/pe-directories.js';
import { PeImage } from '../../../src/formats/pe/pe-image.js';
import { ExportSymbolSource } from '../../../src/symbols/export-symbols.js';
import { repo } from '../../helpers/corpus.js';

function missing(tool: string): false | string {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    return `${tool} is not installed (apt install llvm-14)`;
  }
}

async function open(path: string): Promise<{ pe: PeImage; bytes: Uint8Array }> {
  const bytes = new Uint8Array(readFileSync(path));
  const pe = await PeImage.open(async (o, n) => (o >= 0 && o + n <= bytes.length ? bytes.subarray(o, o + n) : undefined), false, path.split('/').pop() as string);
  return { pe, bytes };
}

const FORWARDERS = repo('fixtures/pdb/bin/forwarders.dll');
const UNWIND = repo('fixtures/pdb/bin/unwind.dll');

test('export forwarders equal llvm-readobj (ordinals, names, RVAs) and llvm-objdump (forwarder strings)', { skip: missing('llvm-readobj-14') || missing('llvm-objdump-14') }, async () => {
  const { pe } = await open(FORWARDERS);
  const exp = await readExports(pe);
  assert.ok(exp);
  const text = execFileSync('llvm-readobj-14', ['--coff-exports', FORWARDERS], { encoding: 'utf8' });
  // Empty slots of the address table (RVA 0) are not exports.
  const want = [...text.matchAll(/Export \{\n\s+Ordinal: (\d+)\n\s+Name: (.*)\n\s+RVA: 0x([0-9A-F]+)/g)].filter((m) => m[3] !== '0').map((m) => `${m[1]}|${m[2]}|${Number.parseInt(m[3], 16)}`);
  assert.deepEqual(exp.entries.map((e) => `${e.ordinal}|${e.name ?? ''}|${e.rva}`).sort(), want.sort());
  const table = execFileSync('llvm-objdump-14', ['-p', FORWARDERS], { encoding: 'utf8' });
  const forwarded = new Map([...table.matchAll(/^\s+\d+\s+(\S+) \(forwarded to (\S+)\)$/gm)].map((m) => [m[1], m[2]]));
  assert.deepEqual([...forwarded.keys()].sort(), ['Fwd1', 'Fwd2', 'Fwd3']);
  for (const e of exp.entries) assert.equal(e.forwarder, forwarded.get(e.name ?? ''), e.name);
  // The DLL's own export is not a forwarder, and lookups name it.
  const own = exp.entries.find((e) => e.name === 'Own');
  assert.ok(own && own.forwarder === undefined);
  const src = new ExportSymbolSource('forwarders exports', exp);
  assert.equal((await src.symbolAt(own.rva + 2))?.symbol.name, 'Own');
});

const REGS = ['RAX', 'RCX', 'RDX', 'RBX', 'RSP', 'RBP', 'RSI', 'RDI', 'R8', 'R9', 'R10', 'R11', 'R12', 'R13', 'R14', 'R15'];

test('unwind.dll: SAVE_XMM128, SAVE_XMM128_FAR and both ALLOC_LARGE forms decode as llvm-readobj prints them', { skip: missing('llvm-readobj-14') }, async () => {
  const { pe, bytes } = await open(UNWIND);
  const text = execFileSync('llvm-readobj-14', ['--unwind', UNWIND], { encoding: 'utf8' });
  const blocks = text.split('RuntimeFunction {').slice(1);
  const table = await pe.runtimeFunctions();
  assert.equal(table.length, blocks.length);
  const seen = new Set<string>();
  for (const [i, block] of blocks.entries()) {
    const begin = Number(BigInt(/StartAddress: \((0x[0-9A-Fa-f]+)\)/.exec(block)![1]) - pe.imageBase);
    assert.equal(table[i].begin, begin);
    const u = await pe.unwindInfo(table[i]);
    assert.ok(u);
    const want = [...block.matchAll(/0x[0-9A-F]+: (\w+)(?: reg=(\w+))?(?:, offset=0x([0-9A-Fa-f]+))?(?: size=(\d+))?/g)];
    const ops = u.ops.filter((o) => o.op !== 'epilog');
    assert.equal(ops.length, want.length, `codes of 0x${begin.toString(16)}`);
    for (const [k, m] of want.entries()) {
      const [, name, reg, offset, size] = m;
      const op = ops[k];
      seen.add(name);
      if (name.startsWith('SAVE_XMM128')) assert.deepEqual(op.op === 'save_xmm128' && [`XMM${op.reg}`, op.offset], [reg, Number.parseInt(offset, 16)], `${name} in 0x${begin.toString(16)}`);
      else if (name.startsWith('ALLOC_')) assert.deepEqual(op.op === 'alloc' && op.size, Number(size), `${name} in 0x${begin.toString(16)}`);
      else if (name === 'PUSH_NONVOL') assert.equal(op.op === 'push_nonvol' && REGS[op.reg], reg);
      else assert.fail(`unexpected code ${name}`);
    }
  }
  // The fixture holds what it is for (if a new clang stops producing them, the test says so).
  for (const code of ['SAVE_XMM128', 'SAVE_XMM128_FAR', 'ALLOC_LARGE', 'ALLOC_SMALL']) assert.ok(seen.has(code), `unwind.dll has no ${code}`);
  // ALLOC_LARGE comes in two encodings, told apart by OpInfo: 0 = size/8 in one slot, 1 = 32-bit size in two.
  // Read from the file's own bytes (the UNWIND_INFO address llvm-readobj reports, mapped through the sections).
  const infos = new Set<number>();
  for (const block of blocks) {
    if (!/ALLOC_LARGE/.test(block)) continue;
    const rva = Number(BigInt(/UnwindInfoAddress: \((0x[0-9A-Fa-f]+)\)/.exec(block)![1]) - pe.imageBase);
    const off = fileOffset(bytes, rva);
    const count = bytes[off + 2];
    for (let s = 0; s < count; ) {
      const opcode = bytes[off + 4 + s * 2 + 1] & 0xf;
      const info = bytes[off + 4 + s * 2 + 1] >> 4;
      if (opcode === 1) infos.add(info);
      s += [1, info === 0 ? 2 : 3, 1, 1, 2, 3, 1, 3, 2, 3, 1][opcode] ?? 1;
    }
  }
  assert.deepEqual([...infos].sort(), [0, 1], 'both ALLOC_LARGE encodings are exercised');
});

/** The file offset of an RVA, from the section table (read here, independently of PeImage). */
function fileOffset(b: Uint8Array, rva: number): number {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const nt = dv.getUint32(0x3c, true);
  const count = dv.getUint16(nt + 6, true);
  const table = nt + 24 + dv.getUint16(nt + 20, true);
  for (let i = 0; i < count; i++) {
    const s = table + i * 40;
    const va = dv.getUint32(s + 12, true);
    const size = Math.max(dv.getUint32(s + 8, true), dv.getUint32(s + 16, true));
    if (rva >= va && rva < va + size) return dv.getUint32(s + 20, true) + (rva - va);
  }
  throw new Error(`RVA 0x${rva.toString(16)} is in no section`);
}
