// dt, !ddt and dx rendering checked line for line against the two WinDbg walkthroughs. The structures are
// laid out by the real 19041 nt ISF (offsets found by field name); their bytes are the walkthrough's own
// values, written into a small fake address space. Expected text is the walkthrough text.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { structRows } from '../../src/commands/builtin/dt-rows.js';
import { evaluateDx } from '../../src/commands/builtin/dx.js';
import type { DxEnv, DxObject } from '../../src/commands/builtin/dx-expr.js';
import { TypedMemory } from '../../src/commands/builtin/typed-memory.js';
import { openIsf } from '../../src/formats/isf/open-isf.js';
import type { IsfTable } from '../../src/formats/isf/isf.js';
import type { AddressSpace, SparseBytes } from '../../src/memory/address-space.js';
import { renderDt } from '../../src/render/dt.js';
import { renderDx } from '../../src/render/dx.js';
import { findField, type Type, type UdtType } from '../../src/symbols/types.js';
import { corpus, repo, skipUnlessCorpus } from '../helpers/corpus.js';

const skip = skipUnlessCorpus('isf/ntkrnlmp.pdb');
let isfCache: IsfTable | undefined;
function isf(): IsfTable {
  if (isfCache) return isfCache;
  const d = corpus('isf/ntkrnlmp.pdb');
  isfCache = openIsf(new Uint8Array(readFileSync(join(d, readdirSync(d)[0]))), 'nt');
  return isfCache;
}

/** Memory that holds only the bytes written to it. */
class FakeMemory implements AddressSpace {
  private readonly bytes = new Map<bigint, number>();
  write(at: bigint, value: bigint, size: number): void {
    for (let i = 0; i < size; i++) this.bytes.set(at + BigInt(i), Number((value >> BigInt(8 * i)) & 0xffn));
  }
  fill(at: bigint, size: number): void {
    for (let i = 0; i < size; i++) if (!this.bytes.has(at + BigInt(i))) this.bytes.set(at + BigInt(i), 0);
  }
  async readSparse(va: bigint, length: number): Promise<SparseBytes> {
    const bytes = new Uint8Array(length);
    const valid = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      const b = this.bytes.get(va + BigInt(i));
      if (b !== undefined) {
        bytes[i] = b;
        valid[i] = 1;
      }
    }
    return { bytes, valid };
  }
  async read(va: bigint, length: number): Promise<Uint8Array> {
    const s = await this.readSparse(va, length);
    if (s.valid.includes(0)) throw new Error(`not readable: ${va.toString(16)}`);
    return s.bytes;
  }
}

function udt(name: string): UdtType {
  const t = isf().typeByName(name);
  assert.ok(t?.kind === 'udt', name);
  return t;
}

/** Writes a value into a field found by its dotted name (`FreeChunkTree.Root`), at the field's own size. */
function put(mem: FakeMemory, type: UdtType, base: bigint, path: string, value: bigint): void {
  let t: Type = type;
  let at = base;
  for (const part of path.split('.')) {
    assert.ok(t.kind === 'udt', path);
    const f = findField(t, part);
    assert.ok(f, `${type.name}.${path}`);
    at += BigInt(f.offset);
    t = f.type;
  }
  mem.write(at, value, t.size);
}

const HEAP_CONTEXT = 0xffffe0099a6002c0n;

function heapContext(): FakeMemory {
  const t = udt('_HEAP_VS_CONTEXT');
  const mem = new FakeMemory();
  mem.fill(HEAP_CONTEXT, t.size);
  // The values the 0x7E walkthrough's dt and dx show.
  put(mem, t, HEAP_CONTEXT, 'Lock', 1n);
  put(mem, t, HEAP_CONTEXT, 'LockType', 0n);
  put(mem, t, HEAP_CONTEXT, 'FreeChunkTree.Root', 0xffffe009a1432f28n);
  put(mem, t, HEAP_CONTEXT, 'FreeChunkTree.Min', 0xffffe0099ae09fc8n);
  put(mem, t, HEAP_CONTEXT, 'SubsegmentList.Flink', 0x8022e0n);
  put(mem, t, HEAP_CONTEXT, 'SubsegmentList.Blink', 0x3cedc2e0n);
  put(mem, t, HEAP_CONTEXT, 'TotalCommittedUnits', 0x46a0n);
  put(mem, t, HEAP_CONTEXT, 'FreeCommittedUnits', 0xbn);
  put(mem, t, HEAP_CONTEXT, 'BackendCtx', 0x380n);
  put(mem, t, HEAP_CONTEXT, 'Callbacks.Allocate', 0x3be60122f8626a50n);
  put(mem, t, HEAP_CONTEXT, 'Callbacks.Free', 0x3be60122f879ced0n);
  put(mem, t, HEAP_CONTEXT, 'Callbacks.Commit', 0x3be60122f87a88e0n);
  put(mem, t, HEAP_CONTEXT, 'Callbacks.Decommit', 0x3be60122f879fe70n);
  put(mem, t, HEAP_CONTEXT, 'Flags', 0n);
  return mem;
}

test('dt -r1 of a _HEAP_VS_CONTEXT prints what the 0x7E walkthrough shows', { skip }, async () => {
  const mem = heapContext();
  const { rows, truncated } = await structRows(udt('_HEAP_VS_CONTEXT'), HEAP_CONTEXT, new TypedMemory(mem), { depth: 1, verbose: false }, []);
  const text = renderDt({ kind: 'dt', style: 'dt', module: 'ntkrnlmp', type: '_HEAP_VS_CONTEXT', address: HEAP_CONTEXT, rows, truncated });
  // `3: kd> dt ntkrnlmp!_HEAP_VS_CONTEXT ffffe0099a6002c0 -r1`; the walkthrough's author appended
  // "--> Not in the ffff prefixed range" to the Flink and Blink lines, which are otherwise as here.
  const expected = [
    '   +0x000 Lock             : 1',
    '   +0x008 LockType         : 0 ( HeapLockPaged )',
    '   +0x010 FreeChunkTree    : _RTL_RB_TREE',
    '      +0x000 Root             : 0xffffe009`a1432f28 _RTL_BALANCED_NODE',
    '      +0x008 Encoded          : 0y0',
    '      +0x008 Min              : 0xffffe009`9ae09fc8 _RTL_BALANCED_NODE',
    '   +0x020 SubsegmentList   : _LIST_ENTRY [ 0x00000000`008022e0 - 0x00000000`3cedc2e0 ]',
    '      +0x000 Flink            : 0x00000000`008022e0 _LIST_ENTRY',
    '      +0x008 Blink            : 0x00000000`3cedc2e0 _LIST_ENTRY',
    '   +0x030 TotalCommittedUnits : 0x46a0',
    '   +0x038 FreeCommittedUnits : 0xb',
    '   +0x040 DelayFreeContext : _HEAP_VS_DELAY_FREE_CONTEXT',
    '      +0x000 ListHead         : _SLIST_HEADER',
    '   +0x080 BackendCtx       : 0x00000000`00000380 Void',
    '   +0x088 Callbacks        : _HEAP_SUBALLOCATOR_CALLBACKS',
    '      +0x000 Allocate         : 0x3be60122`f8626a50',
    '      +0x008 Free             : 0x3be60122`f879ced0',
    '      +0x010 Commit           : 0x3be60122`f87a88e0',
    '      +0x018 Decommit         : 0x3be60122`f879fe70',
    '      +0x020 ExtendContext    : 0',
    '   +0x0b0 Config           : _RTL_HP_VS_CONFIG',
    '      +0x000 Flags            : <unnamed-tag>',
    '   +0x0b4 Flags            : 0',
  ];
  assert.equal(text, expected.join('\n'));
});

function dxEnv(mem: FakeMemory, vars: Map<string, DxObject>): DxEnv {
  return {
    mem: new TypedMemory(mem),
    pointerSize: 8,
    findType: async (spec) => isf().typeByName(spec.replace(/^\w+!/, '')),
    findGlobal: async () => undefined,
    variable: (name) => vars.get(name),
    register: () => undefined,
  };
}

test('dx @$heap_context = (…*) ADDR and its members print what the 0x7E walkthrough shows', { skip }, async () => {
  const vars = new Map<string, DxObject>();
  const env = dxEnv(heapContext(), vars);
  const first = await evaluateDx(env, '@$heap_context = (ntkrnlmp!_HEAP_VS_CONTEXT*) 0xffffe0099a6002c0', 1);
  assert.equal(first.assigned?.name, 'heap_context');
  vars.set('heap_context', first.assigned!.value);
  assert.equal(
    renderDx(first.result),
    [
      '@$heap_context = (ntkrnlmp!_HEAP_VS_CONTEXT*) 0xffffe0099a6002c0                 : 0xffffe0099a6002c0 [Type: _HEAP_VS_CONTEXT *]',
      '    [+0x000] Lock             : 0x1 [Type: unsigned __int64]',
      '    [+0x008] LockType         : HeapLockPaged (0) [Type: _RTLP_HP_LOCK_TYPE]',
      '    [+0x010] FreeChunkTree    [Type: _RTL_RB_TREE]',
      '    [+0x020] SubsegmentList   [Type: _LIST_ENTRY]',
      '    [+0x030] TotalCommittedUnits : 0x46a0 [Type: unsigned __int64]',
      '    [+0x038] FreeCommittedUnits : 0xb [Type: unsigned __int64]',
      '    [+0x040] DelayFreeContext [Type: _HEAP_VS_DELAY_FREE_CONTEXT]',
      '    [+0x080] BackendCtx       : 0x380 [Type: void *]',
      '    [+0x088] Callbacks        [Type: _HEAP_SUBALLOCATOR_CALLBACKS]',
      '    [+0x0b0] Config           [Type: _RTL_HP_VS_CONFIG]',
      '    [+0x0b4] Flags            : 0x0 [Type: unsigned long]',
    ].join('\n'),
  );
  const total = await evaluateDx(env, '@$heap_context->TotalCommittedUnits', 1);
  assert.equal(renderDx(total.result), '@$heap_context->TotalCommittedUnits : 0x46a0 [Type: unsigned __int64]');
  const free = await evaluateDx(env, '@$heap_context->FreeCommittedUnits', 1);
  assert.equal(renderDx(free.result), '@$heap_context->FreeCommittedUnits : 0xb [Type: unsigned __int64]');
  // WinDbg's data model shows a bitfield's bits: `[+0x008 ( 0: 0)] Encoded : 0x0 [Type: unsigned __int64]`
  // (the ISF stores Encoded in an unsigned char, so that is its type here).
  const tree = await evaluateDx(env, '@$heap_context->FreeChunkTree', 1);
  assert.match(renderDx(tree.result), /^ {4}\[\+0x008 \( 0: 0\)\] Encoded {10}: 0x0 \[Type: unsigned char\]$/m);
  assert.match(renderDx(tree.result), /^@\$heap_context->FreeChunkTree {17}\[Type: _RTL_RB_TREE\]$/m);
});

/** The 0x50 walkthrough's `!ddt nt!_KTRAP_FRAME fffff90fb6d8ede0` (mex), as printed there. */
const DDT_TRAP = `dt nt!_KTRAP_FRAME fffff90fb6d8ede0 () Recursive: [ -r1 -r2 -r ] Verbose Normal dt
==================================================================================
   +0x000 P1Home               : 0xfffff90f\`b6d8ee20 (0n-7629089214944)
   +0x008 P2Home               : 0
   +0x010 P3Home               : 2
   +0x018 P4Home               : 0xffffa508\`47c54f78 (0n-100019994275976)
   +0x020 P5                   : 0
   +0x028 PreviousMode         : 0 ''
   +0x028 InterruptRetpolineState : 0 ''
   +0x029 PreviousIrql         : 0 ''
   +0x02a FaultIndicator       : 0x1 ''
   +0x02a NmiMsrIbrs           : 0x1 ''
   +0x02b ExceptionActive      : 0x1 ''
   +0x02c MxCsr                : 0x1f80 (0n8064)
   +0x030 Rax                  : 0xffffe506\`8d8a3db0 (0n-29658669498960)
   +0x038 Rcx                  : 0xffffe506\`8d8a4040 (0n-29658669498304)
   +0x040 Rdx                  : 0x33f4d0 (0n3405008)
   +0x048 R8                   : 0x24 (0n36)
   +0x050 R9                   : 7
   +0x058 R10                  : 0x655 (0n1621)
   +0x060 R11                  : 0xffffe506\`8dbe36f4 (0n-29658666092812)
   +0x068 GsBase               : 1
   +0x068 GsSwap               : 1
   +0x070 Xmm0                 : _M128A
   +0x080 Xmm1                 : _M128A
   +0x090 Xmm2                 : _M128A
   +0x0a0 Xmm3                 : _M128A
   +0x0b0 Xmm4                 : _M128A
   +0x0c0 Xmm5                 : _M128A
   +0x0d0 FaultAddress         : 0xffffe506\`8d8a4000 (0n-29658669498368)
   +0x0d0 ContextRecord        : 0xffffe506\`8d8a4000 (0n-29658669498368)
   +0x0d8 Dr0                  : 0
   +0x0e0 Dr1                  : 0
   +0x0e8 Dr2                  : 0xfffff801\`16aad78d (0n-8791417759859)
   +0x0f0 Dr3                  : 0x100 (0n256)
   +0x0f8 Dr6                  : 1
   +0x100 Dr7                  : 0x401 (0n1025)
   +0x0d8 ShadowStackFrame     : 0
   +0x0e0 Spare                : [5] 0
   +0x108 DebugControl         : 0xfffff90f\`00000000 (0n-7632156884992)
   +0x110 LastBranchToRip      : 0xf1bf27ab\`00000000 (0n-1027058574624292864)
   +0x118 LastBranchFromRip    : 0xbc100110\`18405fc6 (0n-4895411626313752634)
   +0x120 LastExceptionToRip   : 0x474 (0n1140)
   +0x128 LastExceptionFromRip : 0xfffff801\`197f1bd5 (0n-8791370294315)
   +0x130 SegDs                : 0xd458 (0n54360)
   +0x132 SegEs                : 0x414b (0n16715)
   +0x134 SegFs                : 0xa508 (0n42248)
   +0x136 SegGs                : 0xffff (0n65535)
   +0x138 TrapFrame            : 0
   +0x140 Rbx                  : 0x474 (0n1140)
   +0x148 Rdi                  : 0x30 (0n48)
   +0x150 Rsi                  : 0x41414141\`41414141 (0n4702111234474983745)
   +0x158 Rbp                  : 0xfffff90f\`b6d8f029 (0n-7629089214423)
   +0x160 ErrorCode            : 2
   +0x160 ExceptionFrame       : 2
   +0x168 Rip                  : 0xfffff801\`197f1d1e (0n-8791370293986)
   +0x170 SegCs                : 0x10 (0n16)
   +0x172 Fill0                : 0 ''
   +0x173 Logging              : 0 ''
   +0x174 Fill1                : [2] 0
   +0x178 EFlags               : 0x50202 (0n328194)
   +0x17c Fill2                : 0
   +0x180 Rsp                  : 0xfffff90f\`b6d8ef78 (0n-7629089214600)
   +0x188 SegSs                : 0x18 (0n24)
   +0x18a Fill3                : 0
   +0x18c Fill4                : 0`.split('\n');

test('!ddt of a _KTRAP_FRAME prints the 0x50 walkthrough lines; plain dt prints WinDbg\'s own spellings', { skip }, async () => {
  const trap = 0xfffff90fb6d8ede0n;
  const t = udt('_KTRAP_FRAME');
  const mem = new FakeMemory();
  mem.fill(trap, t.size);
  const fields = DDT_TRAP.slice(2).map((l) => /^ {3}\+0x([0-9a-f]+) (\w+) +: (.*)$/.exec(l)!);
  // The 19041 ISF has no ShadowStackFrame/Spare (a 22621 addition): those lines cannot appear.
  const present = fields.filter((m) => t.fields.some((f) => f.name === m[2]));
  assert.deepEqual(fields.filter((m) => !present.includes(m)).map((m) => m[2]), ['ShadowStackFrame', 'Spare']);
  for (const m of present) {
    const v = /^0x([0-9a-f`]+)/.exec(m[3]) ?? /^(\d+)/.exec(m[3]);
    if (v && !m[3].startsWith('[')) put(mem, t, trap, m[2], BigInt(v[0].replace('`', '').startsWith('0x') ? v[0].replace('`', '') : v[1]));
  }
  const { rows } = await structRows(t, trap, new TypedMemory(mem), { depth: 0, verbose: false }, []);
  const text = renderDt({ kind: 'dt', style: 'ddt', module: 'nt', type: '_KTRAP_FRAME', address: trap, rows, truncated: 0 });
  const lines = text.split('\n');
  assert.deepEqual(lines.slice(0, 3), ['', DDT_TRAP[0], DDT_TRAP[1]]);
  // Every line the walkthrough shows for a field this layout has, character for character.
  const want = present.map((m) => m[0]);
  assert.deepEqual([...lines.slice(3)].sort(), [...want].sort());
  // In the walkthrough's order, except inside a union: the ISF stores fields by name, so members that share
  // an offset (FaultAddress/ContextRecord, PreviousMode/InterruptRetpolineState) come in name order.
  assert.deepEqual(lines.slice(3).map((l) => l.slice(0, 10)), want.map((l) => l.slice(0, 10)));
  // Plain dt: no decimal, WinDbg's 16-column names; chars `0 ''` and `0x1 ''`.
  const plain = renderDt({ kind: 'dt', style: 'dt', module: 'nt', type: '_KTRAP_FRAME', address: trap, rows, truncated: 0 }).split('\n');
  assert.ok(plain.includes("   +0x172 Fill0            : 0 ''"), plain.join('\n'));
  assert.ok(plain.includes("   +0x02a FaultIndicator   : 0x1 ''"));
  assert.ok(plain.includes('   +0x02c MxCsr            : 0x1f80'));
  assert.ok(plain.includes('   +0x030 Rax              : 0xffffe506`8d8a3db0'));
  assert.ok(plain.includes('   +0x040 Rdx              : 0x33f4d0'));
  assert.ok(plain.includes('   +0x050 R9               : 7'));
  assert.ok(plain.includes('   +0x174 Fill1            : [2] 0'));
});

test('the expected text above is the walkthroughs\' own (when ../shared/reference is present)', (t) => {
  const path = repo('../shared/reference/walkthrough-bugcheck-0x50-000_00f47b712fb2cc93.md');
  if (!existsSync(path)) {
    t.skip('../shared/reference is not present');
    return;
  }
  const text = readFileSync(path, 'utf8');
  assert.ok(text.includes(`0: kd> !ddt nt!_KTRAP_FRAME fffff90fb6d8ede0\n\n${DDT_TRAP.join('\n')}\n`));
});
