import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { FormatError } from '../../src/io/errors.js';
import { decodeDebuggerData } from '../../src/target/debugger-data.js';
import { corpus, skipUnlessCorpus } from '../helpers/corpus.js';

const DUMP = 'kernel/win10-19041-x64-triage-1000007e.dmp';

test('the triage dump\'s KDDEBUGGER_DATA64 agrees with the dump header and the corpus facts', { skip: skipUnlessCorpus(DUMP) }, () => {
  const file = readFileSync(corpus(DUMP));
  // Locate the block by its 'KDBG' owner tag (at +0x10), independently of the triage header parser.
  const at = file.indexOf(Buffer.from('KDBG')) - 0x10;
  const d = decodeDebuggerData(new Uint8Array(file.subarray(at, at + 0x380)), DUMP);
  assert.equal(d.size, 0x380);
  assert.equal(d.pointer('KernBase'), 0xfffff8047ba00000n); // corpus README: nt base
  // The PAGEDU64 header carries the same pointers at 0x20 (PsLoadedModuleList), 0x28 (PsActiveProcessHead), 0x18 (PfnDataBase).
  assert.equal(d.pointer('PsLoadedModuleList'), file.readBigUInt64LE(0x20));
  assert.equal(d.pointer('PsActiveProcessHead'), file.readBigUInt64LE(0x28));
  assert.equal(d.pointer('MmPfnDatabase'), file.readBigUInt64LE(0x18));
  // The randomized PTE base is 512 GiB aligned and in kernel space.
  const pte = d.pointer('PteBase')!;
  assert.equal(pte & ((1n << 39n) - 1n), 0n);
  assert.ok(pte >= 0xffff800000000000n);
  // Fields past Size are absent rather than read from whatever follows.
  assert.equal(d.fields.has('OffsetKThreadShadowStackLimit'), false);
  assert.ok(d.number('OffsetPrcbCurrentThread')! > 0);
});

test('a block without the KDBG tag is refused with its offset', () => {
  assert.throws(() => decodeDebuggerData(new Uint8Array(0x380), 'test'), (e: unknown) => e instanceof FormatError && /KDBG/.test(e.message) && /0x10/.test(e.message));
  assert.throws(() => decodeDebuggerData(new Uint8Array(4), 'test'), FormatError);
});
