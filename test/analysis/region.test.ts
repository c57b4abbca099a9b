// The kernel's VA-region map (MiVisibleState->SystemVaType, one _MI_SYSTEM_VA_TYPE per 512 GB of the kernel
// half) read through the real 19041 kernel's ISF types over a hand-built memory. The offsets and enum
// values the test writes come from the ISF JSON parsed here with JSON.parse, not from dumpscope's reader.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { unloadedText, vaRegion } from '../../src/analysis/region.js';
import { openIsf } from '../../src/formats/isf/open-isf.js';
import { KernelTypes } from '../../src/target/struct-view.js';
import { corpus, skipUnlessCorpus } from '../helpers/corpus.js';

const ISF = 'isf/ntkrnlmp.pdb/5278AFF86C341677D7D7835C85B7B844-1.json.xz';
const NT_BASE = 0xfffff8047ba00000n; // the corpus triage dump's kernel base

test('vaRegion names Paged and Nonpaged pool from the region map, and nothing it cannot prove', { skip: skipUnlessCorpus(ISF) }, async () => {
  const json = JSON.parse(execFileSync('xz', ['-dc', corpus(ISF)], { maxBuffer: 1 << 28 }).toString());
  const rva = BigInt(json.symbols.MiVisibleState.address);
  const slotOffset = BigInt(json.user_types._MI_VISIBLE_STATE.fields.SystemVaType.offset);
  const va = json.enums._MI_SYSTEM_VA_TYPE.constants as Record<string, number>;
  const kt = new KernelTypes(openIsf(new Uint8Array(readFileSync(corpus(ISF))), 'nt'));

  const state = 0xffffc00012340000n;
  const bytes = new Map<bigint, number>();
  const put = (at: bigint, b: number[]) => {
    for (const [i, x] of b.entries()) bytes.set(at + BigInt(i), x);
  };
  const memory = {
    async read(at: bigint, n: number) {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const b = bytes.get(at + BigInt(i));
        if (b === undefined) throw new Error(`${(at + BigInt(i)).toString(16)} not present`);
        out[i] = b;
      }
      return out;
    },
  };
  const le = (v: bigint) => [...Array(8)].map((_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
  put(NT_BASE + rva, le(state));
  // ffffe506`8d8a4000 (the 0x50 walkthrough's address): (va - ffff8000`00000000) >> 39 = 0xca.
  put(state + slotOffset + 0xcan, [va.MiVaPagedPool]);
  // ffffd000`00000000: slot 0xa0.
  put(state + slotOffset + 0xa0n, [va.MiVaNonPagedPool]);
  put(state + slotOffset + 0xa1n, [va.MiVaUnused]);

  const paged = await vaRegion(kt, memory, NT_BASE, 0xffffe5068d8a4000n);
  assert.equal(paged?.text, 'Paged pool');
  assert.match(paged?.evidence?.fact ?? '', /SystemVaType\[0xca\] = MiVaPagedPool/);
  assert.equal((await vaRegion(kt, memory, NT_BASE, 0xffffd00000000000n))?.text, 'Nonpaged pool');
  assert.equal(await vaRegion(kt, memory, NT_BASE, 0xffffd08000000000n), undefined, 'MiVaUnused proves nothing');
  assert.equal(await vaRegion(kt, memory, NT_BASE, 0xffffd10000000000n), undefined, 'a slot not in the dump');
  assert.equal(await vaRegion(kt, memory, NT_BASE, 0x00007ff60c14159en), undefined, 'user space has no slot');
  // A MiVisibleState that is not a kernel pointer is not trusted.
  put(NT_BASE + rva, le(0x1234n));
  assert.equal(await vaRegion(kt, memory, NT_BASE, 0xffffe5068d8a4000n), undefined);
});

test('an unloaded driver is described with its unload time when the dump records one', () => {
  assert.equal(unloadedText({ imageName: 'OldFilter.sys', base: 0n, end: 1n, unloadTime: '2023-09-23T12:14:13.751Z' }), 'unloaded driver OldFilter.sys (unloaded at 2023-09-23 12:14:13 UTC)');
  assert.equal(unloadedText({ imageName: 'OldFilter.sys', base: 0n, end: 1n }), 'unloaded driver OldFilter.sys (unload time not recorded)');
});
