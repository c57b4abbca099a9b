// The kernel base without a usable debugger data block: the dump header's PsLoadedModuleList gives nt's
// entry, nt's PDB then gives KiProcessorBlock and the rest, so lm, k, !running and !process work as with
// the block. And the decoding of an encoded block (KdpDataBlockEncoded), checked against vectors computed
// by a separate implementation of the kernel's encoder (KdEncodeDataBlock: KiWaitNever ⊕ ror(flag ⊕
// bswap(KiWaitAlways ⊕ q), KiWaitNever)).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createEngine } from '../../src/commands/registry.js';
import { openSession } from '../../src/node/open-session.js';
import { scenarioBinDir } from '../../src/node/scenario-files.js';
import { decodeDebuggerData, decodeKdbgBlock, encodeDebuggerData } from '../../src/target/debugger-data.js';
import { writePatchedScenario } from '../unwind/scenario-patch.js';

const dir = mkdtempSync(join(tmpdir(), 'dumpscope-kernel-base-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const io = { out: () => {}, err: () => {}, stderrIsTty: false, env: {} };
const opts = { sympath: scenarioBinDir(), offline: true, json: false, markdown: false, commands: [], rest: [] };

const KEYS = { waitNever: 0x8642097531fedcban, waitAlways: 0x0f1e2d3c4b5a6978n, flagAddress: 0xfffff80312345678n };

test('decoding an encoded debugger data block: vectors from an independent encoder, and a whole block round trip', () => {
  // Computed with a separate implementation of the kernel's encoder (Python, for this test).
  const vectors: [bigint, bigint][] = [
    [0x63ea9b7eb7acc15bn, 0n],
    [0x5432dd7e49933ebbn, 0xfffff8031861df80n],
    [0xb2fa0a96b76cc149n, 0x000003a04742444bn],
  ];
  for (const [encoded, plain] of vectors) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, encoded, true);
    assert.equal(new DataView(decodeKdbgBlock(b, KEYS).buffer).getBigUint64(0, true), plain, encoded.toString(16));
  }
  // A block encoded here qword by qword (the kernel's loop) decodes to the same fields.
  const M = (1n << 64n) - 1n;
  const ror = (v: bigint, n: bigint) => ((v >> n) | (v << (64n - n))) & M;
  const bswap = (v: bigint) => {
    let out = 0n;
    for (let i = 0n; i < 8n; i++) out = (out << 8n) | ((v >> (8n * i)) & 0xffn);
    return out;
  };
  const plain = encodeDebuggerData({ KernBase: 0xfffff80116a00000n, PsLoadedModuleList: 0xfffff80116c2a3d0n, KiProcessorBlock: 0xfffff80116c31e00n });
  const enc = new Uint8Array(plain);
  const dv = new DataView(enc.buffer);
  for (let o = 0; o + 8 <= enc.length; o += 8) dv.setBigUint64(o, KEYS.waitNever ^ ror(KEYS.flagAddress ^ bswap(KEYS.waitAlways ^ dv.getBigUint64(o, true)), KEYS.waitNever & 63n), true);
  assert.throws(() => decodeDebuggerData(enc, 'encoded'), /not 'KDBG': the block is encoded/);
  const back = decodeDebuggerData(decodeKdbgBlock(enc, KEYS), 'decoded');
  assert.equal(back.pointer('KernBase'), 0xfffff80116a00000n);
  assert.equal(back.pointer('KiProcessorBlock'), 0xfffff80116c31e00n);
});

/** The 0x7E scenario with its debugger data block's owner tag (at +0x10) overwritten. */
async function withoutKdbg(name: string, bytes: number[]) {
  const path = join(dir, `${name}.dmp`);
  let kernBase = 0n;
  await writePatchedScenario('0x7e', path, async (write, p) => {
    // KernBase as the intact block holds it (KDDEBUGGER_DATA64 +0x18), read before the damage.
    kernBase = await p.readU64((p.scenario.facts.kdDebuggerDataBlock as bigint) + 0x18n);
    await write((p.scenario.facts.kdDebuggerDataBlock as bigint) + 0x10n, bytes);
  });
  return { path, kernBase };
}

test('an unreadable debugger data block: the kernel base comes from the header\'s PsLoadedModuleList, and lm, k, !running, !process still work', async () => {
  const { path, kernBase } = await withoutKdbg('no-tag', [0, 0, 0, 0]);
  const { session, target, close } = await openSession(path, opts, io);
  try {
    const [lm, k, running, procs] = await createEngine().run(session, 'lm; k; !running; !process 0 0');
    for (const r of [lm, k, running, procs]) assert.ok(r.ok, r.text);
    // The walkthrough's modules and stack: nt and the driver, KeBugCheckEx on top, EvilDriver!FillAndFree below.
    assert.match(lm.text, /^[0-9a-f`]+ [0-9a-f`]+ {3}nt /m);
    assert.match(lm.text, / {3}EvilDriver /);
    assert.match(k.text, /^00 [0-9a-f`]+ [0-9a-f`]+ +nt!KeBugCheckEx/m);
    assert.match(k.text, /EvilDriver!FillAndFree\+0x/);
    // The crashing processor's row (its PRCB from KiProcessorBlock, found through nt's PDB).
    const rows = running.text.split('\n').filter((l) => /^ +\d+ {4}[0-9a-f]{16}/.test(l));
    assert.ok(rows.length >= 1, running.text);
    assert.doesNotMatch(running.text, /System Processors: {2}\(0{16}\)/);
    assert.match(procs.text, /^ {4}Image: System$/m);
    assert.doesNotMatch(procs.text, /no kernel types/);
    // The base is the one the header's list names; the limitations say where it came from.
    assert.equal(target.modules.kernel?.base, kernBase);
    assert.ok(target.limitations.some((l) => /debugger data block unreadable: .*not 'KDBG'/.test(l)), target.limitations.join('\n'));
    assert.ok(target.limitations.some((l) => /^kernel base [0-9a-f]+ from the ntoskrnl\.exe entry of the dump header's PsLoadedModuleList$/.test(l)), target.limitations.join('\n'));
    // nt's symbols lack the keys to decode it: said, not guessed.
    assert.ok(target.limitations.some((l) => /KDBG is encoded \(or damaged\), and nt's symbols lack KiWaitNever/.test(l)), target.limitations.join('\n'));
  } finally {
    await close();
  }
});
