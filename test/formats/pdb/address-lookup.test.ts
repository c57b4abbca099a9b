// Address lookups (symbolAt) over the typed-array indexes, against llvm-pdbutil's own listing of each
// private corpus PDB: every byte of every procedure resolves to a procedure at its start (folded
// duplicates share an address, so any of their names will do), every public outside procedures resolves to
// itself. And the first lookup reads only the module stream it needs.
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { test } from 'node:test';
import { PdbFile } from '../../../src/formats/pdb/pdb.js';
import type { ByteSource } from '../../../src/io/byte-source.js';
import { FileSource } from '../../../src/node/file-source.js';
import { windbgPublicName } from '../../../src/symbols/windbg-symbol-name.js';
import { corpus, skipUnlessCorpus } from '../../helpers/corpus.js';
import { pdbutil, pdbutilMissing } from '../../helpers/pdbutil.js';

function pdbPath(name: string): string {
  const dir = corpus(`symbols/${name}`);
  return `${dir}/${readdirSync(dir)[0]}/${name}`;
}

for (const name of ['CrashWithException.pdb', 'crash.pdb', 'dump_syms_regtest64.pdb', 'user32.pdb', 'amdppm.pdb']) {
  test(`${name}: lookups inside procedures and at publics agree with llvm-pdbutil's listing`, { skip: skipUnlessCorpus(`symbols/${name}`) || pdbutilMissing() }, async () => {
    const path = pdbPath(name);
    const vas = [...pdbutil(['dump', '-section-headers', path]).matchAll(/SECTION HEADER #(\d+)\n.*name\n\s+[0-9A-F]+ virtual size\n\s+([0-9A-F]+) virtual address/g)].map((m) => Number.parseInt(m[2], 16));
    const rva = (section: number, offset: number) => vas[section - 1] + offset;
    const procs = [...pdbutil(['dump', '-symbols', path]).matchAll(/S_[GL]PROC32(?:_ID)? \[size = \d+\] `(.*)`\n.*addr = (\d+):(\d+), code size = (\d+)/g)].map((m) => ({ name: m[1], rva: rva(Number(m[2]), Number(m[3])), size: Number(m[4]) }));
    // Absolute symbols (`__guard_flags`) sit in a section past the real ones: values, not addresses.
    const publics = [...pdbutil(['dump', '-publics', path]).matchAll(/S_PUB32 \[size = \d+\] `(.*)`\n\s+flags = [^,]+, addr = (\d+):(\d+)/g)].filter((m) => Number(m[2]) >= 1 && Number(m[2]) <= vas.length).map((m) => ({ name: m[1], rva: rva(Number(m[2]), Number(m[3])) }));
    assert.ok(publics.length > 0);
    const namesAt = new Map<number, Set<string>>();
    for (const p of procs) namesAt.set(p.rva, (namesAt.get(p.rva) ?? new Set()).add(p.name));
    const src = await FileSource.open(path);
    try {
      const pdb = await PdbFile.open(src);
      for (const p of procs) {
        if (!p.size) continue;
        for (const at of [p.rva, p.rva + p.size - 1]) {
          const m = await pdb.symbolAt(at);
          assert.equal(m?.symbol.kind, 'function', `${p.name} at 0x${at.toString(16)}`);
          assert.equal(m?.symbol.rva, p.rva, `${p.name} at 0x${at.toString(16)}: ${m?.symbol.name}`);
          assert.ok(namesAt.get(p.rva)?.has(m?.symbol.name ?? ''), `${p.name}: got ${m?.symbol.name}`);
        }
      }
      const inProc = (r: number) => procs.some((p) => r >= p.rva && r < p.rva + p.size);
      const publicsAt = new Map<number, Set<string>>();
      for (const p of publics) publicsAt.set(p.rva, (publicsAt.get(p.rva) ?? new Set()).add(windbgPublicName(p.name)));
      let checked = 0;
      for (const p of publics) {
        if (inProc(p.rva)) continue;
        const m = await pdb.symbolAt(p.rva);
        assert.equal(m?.displacement, 0, p.name);
        // Several publics (and a data symbol) can share an address; a public wins over data there.
        assert.ok(publicsAt.get(p.rva)?.has(m?.symbol.name ?? ''), `${p.name} at 0x${p.rva.toString(16)}: got ${m?.symbol.name}`);
        checked++;
      }
      assert.ok(checked > 0);
    } finally {
      await src.close();
    }
  });
}

test('the first lookup reads the symbol records and one module stream, not every module', { skip: skipUnlessCorpus('symbols/CrashWithException.pdb') || pdbutilMissing() }, async () => {
  const path = pdbPath('CrashWithException.pdb');
  const streams = [...pdbutil(['dump', '-streams', path]).matchAll(/Stream\s+\d+ \(\s*(\d+) bytes\): \[Module /g)].map((m) => Number(m[1]));
  assert.ok(streams.length > 10, 'a PDB with many modules');
  const moduleBytes = streams.reduce((a, b) => a + b, 0);
  const inner = await FileSource.open(path);
  let read = 0;
  const counting: ByteSource = {
    name: inner.name,
    size: inner.size,
    read: async (o, n) => {
      read += n;
      return inner.read(o, n);
    },
    close: () => inner.close(),
  };
  try {
    const pdb = await PdbFile.open(counting);
    const proc = (await pdb.privateSymbols()).find((s) => s.kind === 'function' && s.name === 'main');
    assert.ok(proc?.rva !== undefined);
    // A fresh file: privateSymbols above read everything; the lookup on its own must not.
    const fresh = await PdbFile.open(counting);
    const before = read;
    const m = await fresh.symbolAt(proc.rva + 1);
    assert.equal(m?.symbol.name, 'main');
    assert.ok(read - before < moduleBytes / 2, `${read - before} bytes read for one lookup; all module streams hold ${moduleBytes} of ${statSync(path).size}`);
  } finally {
    await inner.close();
  }
});
