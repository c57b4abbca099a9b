import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { PeImage } from '../../../src/formats/pe/pe-image.js';
import { DumpscopeError } from '../../../src/io/errors.js';
import type { UnwindOp } from '../../../src/unwind/types.js';
import { corpus, skipUnlessCorpus } from '../../helpers/corpus.js';
import { fuzzParams } from '../../helpers/fuzz-budget.js';

const REGS = ['RAX', 'RCX', 'RDX', 'RBX', 'RSP', 'RBP', 'RSI', 'RDI', 'R8', 'R9', 'R10', 'R11', 'R12', 'R13', 'R14', 'R15'];

function fromFile(bytes: Uint8Array, name: string) {
  return PeImage.open(async (o, n) => (o >= 0 && o + n <= bytes.length ? bytes.subarray(o, o + n) : undefined), false, name);
}

function opText(op: UnwindOp): string | undefined {
  switch (op.op) {
    case 'push_nonvol': return `PUSH_NONVOL ${REGS[op.reg]}`;
    case 'alloc': return `ALLOC ${op.size}`;
    case 'set_fpreg': return 'SET_FPREG';
    case 'save_nonvol': return `SAVE_NONVOL ${REGS[op.reg]} ${op.offset}`;
    case 'save_xmm128': return `SAVE_XMM128 XMM${op.reg} ${op.offset}`;
    case 'push_machframe': return `PUSH_MACHFRAME ${op.errorCode ? 1 : 0}`;
    case 'epilog': return undefined;
  }
}

/** Parses `llvm-readobj --unwind`: RVA range, prolog size, frame register and codes of each entry. */
function readobjUnwind(path: string, imageBase: bigint) {
  const text = execFileSync('llvm-readobj-14', ['--unwind', path], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const out: { begin: number; end: number; prolog: number; frame: string; codes: string[] }[] = [];
  for (const block of text.split('RuntimeFunction {').slice(1)) {
    const hex = (re: RegExp) => Number(BigInt(re.exec(block)![1]) - imageBase);
    const codesBlock = /UnwindCodes \[([\s\S]*?)\]/.exec(block)?.[1] ?? '';
    const codes = codesBlock.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
      let m = /PUSH_NONVOL reg=(\w+)/.exec(l);
      if (m) return `PUSH_NONVOL ${m[1]}`;
      m = /ALLOC_(?:SMALL|LARGE) size=(\d+)/.exec(l);
      if (m) return `ALLOC ${m[1]}`;
      if (/SET_FPREG/.test(l)) return 'SET_FPREG';
      m = /SAVE_NONVOL(?:_FAR)? reg=(\w+), offset=0x([0-9A-Fa-f]+)/.exec(l);
      if (m) return `SAVE_NONVOL ${m[1]} ${Number.parseInt(m[2], 16)}`;
      m = /SAVE_XMM128(?:_FAR)? reg=(\w+), offset=0x([0-9A-Fa-f]+)/.exec(l);
      if (m) return `SAVE_XMM128 ${m[1]} ${Number.parseInt(m[2], 16)}`;
      m = /PUSH_MACHFRAME (\w+)/.exec(l);
      if (m) return `PUSH_MACHFRAME ${m[1] === 'error' ? 1 : 0}`;
      return `?${l}`;
    });
    out.push({
      begin: hex(/StartAddress: \((0x[0-9A-Fa-f]+)\)/),
      end: hex(/EndAddress: \((0x[0-9A-Fa-f]+)\)/),
      prolog: Number(/PrologSize: (\d+)/.exec(block)![1]),
      frame: /FrameRegister: (\S+)/.exec(block)![1],
      codes,
    });
  }
  return out;
}

function hasReadobj(): boolean {
  try {
    execFileSync('llvm-readobj-14', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

for (const rel of ['symbols/CrashWithException.exe/5C9E09599000/CrashWithException.exe', 'symbols/dump_syms_regtest64.exe/589DFD111a000/dump_syms_regtest64.exe']) {
  test(`every unwind entry of ${rel.split('/').pop()} equals llvm-readobj's`, { skip: skipUnlessCorpus(rel) || (!hasReadobj() && 'llvm-readobj-14 is not installed') }, async () => {
    const pe = await fromFile(new Uint8Array(readFileSync(corpus(rel))), rel);
    const expected = readobjUnwind(corpus(rel), pe.imageBase);
    const table = await pe.runtimeFunctions();
    assert.equal(table.length, expected.length);
    for (const [i, e] of expected.entries()) {
      const fn = table[i];
      assert.deepEqual([fn.begin, fn.end], [e.begin, e.end]);
      const u = (await pe.unwindInfo({ ...fn }))!;
      assert.equal(u.prologSize, e.prolog, `prolog of 0x${fn.begin.toString(16)}`);
      assert.equal(u.frameRegister === 0 ? '-' : REGS[u.frameRegister], e.frame);
      assert.deepEqual(u.ops.map(opText).filter(Boolean), e.codes, `codes of 0x${fn.begin.toString(16)}`);
    }
  });
}

test('amdppm.sys and Wdf01000.sys: identity matches the symbol store keys; every unwind entry decodes', { skip: skipUnlessCorpus('symbols/amdppm.sys') }, async () => {
  for (const [rel, key, pdbKey] of [
    ['symbols/amdppm.sys/C9C030003b000/amdppm.sys', 'C9C030003b000', '1C19FDDB27BB3399D9B45973EFEAFCF31'],
    ['symbols/Wdf01000.sys/A9A9D36Ed1000/Wdf01000.sys', 'A9A9D36Ed1000', undefined],
  ] as const) {
    const pe = await fromFile(new Uint8Array(readFileSync(corpus(rel))), rel);
    // Store key = TimeDateStamp (8 upper-case hex) + SizeOfImage (hex).
    assert.equal(pe.timestamp.toString(16).toUpperCase().padStart(8, '0') + pe.sizeOfImage.toString(16), key);
    const cv = await pe.codeView();
    if (pdbKey) assert.equal(`${cv!.guid}${cv!.age.toString(16).toUpperCase()}`, pdbKey);
    else assert.match(cv!.guid, /^6D6E9C32/); // corpus README: Wdf01000's PDB GUID starts 6D6E9C32, age 1
    const table = await pe.runtimeFunctions();
    assert.ok(table.length > 50);
    for (const fn of table) assert.ok(await pe.unwindInfo(fn));
  }
});

test('damaged images give typed errors, never crashes or hangs', { skip: skipUnlessCorpus('symbols/amdppm.sys') }, async () => {
  const good = new Uint8Array(readFileSync(corpus('symbols/amdppm.sys/C9C030003b000/amdppm.sys')));
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(fc.nat(0x2000), fc.nat(255)), { minLength: 1, maxLength: 8 }), fc.nat(good.length), async (flips, cut) => {
      const b = good.slice(0, Math.max(cut, 64));
      for (const [at, v] of flips) if (at < b.length) b[at] = v;
      try {
        const pe = await fromFile(b, 'fuzzed');
        await pe.codeView();
        for (const fn of (await pe.runtimeFunctions()).slice(0, 50)) await pe.unwindInfo(fn);
      } catch (e) {
        assert.ok(e instanceof DumpscopeError, String(e));
      }
    }),
    fuzzParams(21, 200, 4),
  );
});
