import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderStack, type StackListing } from '../../src/render/stack.js';

// Rows and expected lines from the 0x50 walkthrough (`!crash` stack and `!analyze -v` STACK_TEXT).
const listing: StackListing = {
  rows: [
    { index: 0, childSp: 0xfffff90fb6d8ebb8n, retAddr: 0xfffff801164a1e1dn, callSite: 'nt!KeBugCheckEx', args: [0x50n, 0xffffe5068d8a4000n, 2n, 0xfffff90fb6d8ede0n] },
    { index: 3, childSp: 0xfffff90fb6d8ede0n, retAddr: 0xfffff801197f1d1en, callSite: 'nt!KiPageFault+0x369', trapFrame: 0xfffff90fb6d8ede0n, args: [0xfffff801197f1176n, 0x474n, 0xfffff801197f3001n, 0xffffa5084147a690n] },
    { index: 0xe, childSp: 0xfffff90fb6d8f5c0n, retAddr: 0n, callSite: 'nt!KiStartSystemThread+0x34', args: [0xfffff90fb6d90000n, 0xfffff90fb6d89000n, 0n, 0n] },
  ],
  notes: [],
};

test('k layout matches WinDbg', () => {
  assert.equal(
    renderStack(listing, 'k'),
    [
      ' # Child-SP          RetAddr               Call Site',
      '00 fffff90f`b6d8ebb8 fffff801`164a1e1d     nt!KeBugCheckEx',
      '03 fffff90f`b6d8ede0 fffff801`197f1d1e     nt!KiPageFault+0x369',
      '0e fffff90f`b6d8f5c0 00000000`00000000     nt!KiStartSystemThread+0x34',
    ].join('\n'),
  );
});

test('STACK_TEXT layout matches !analyze -v', () => {
  assert.equal(
    renderStack(listing, 'stack-text').split('\n')[0],
    'fffff90f`b6d8ebb8 fffff801`164a1e1d     : 00000000`00000050 ffffe506`8d8a4000 00000000`00000002 fffff90f`b6d8ede0 : nt!KeBugCheckEx',
  );
});

test('kv marks trap frames, kb shows unreadable arguments as ?, guessed frames are flagged', () => {
  const kv = renderStack(listing, 'kv').split('\n');
  assert.equal(kv[0], ' # Child-SP          RetAddr               : Args to Child                                                           : Call Site');
  assert.match(kv[2], /nt!KiPageFault\+0x369 \(TrapFrame @ fffff90f`b6d8ede0\)$/);
  const g = renderStack({ rows: [{ index: 0, childSp: 1n, retAddr: 2n, callSite: 'x', guessed: true }], notes: ['stopped'] }, 'kb');
  assert.match(g.split('\n')[1], /^WARNING: Stack unwind information not available/);
  assert.match(g, /\?{8}`\?{8}/);
  assert.match(g, /guessed/);
  assert.match(g, /stopped$/);
});

test('WinDbg\'s warning goes right before the first guessed frame, once; the context line before the header', () => {
  const rows = [
    { index: 0, childSp: 0x10n, retAddr: 0x20n, callSite: 'nt!IofCallDriver+0x55' },
    { index: 1, childSp: 0x30n, retAddr: 0x40n, callSite: 'nt!PnpAsynchronousCall+0xea', guessed: true, guess: 'epilog' as const },
    { index: 2, childSp: 0x50n, retAddr: 0n, callSite: 'nt!PnpSendIrp+0x9e', guessed: true, guess: 'symbol' as const },
  ];
  const text = renderStack({ rows, notes: [], preamble: ['  *** Stack trace for last set context - .thread/.cxr resets it'] }, 'k').split('\n');
  assert.deepEqual(text, [
    '  *** Stack trace for last set context - .thread/.cxr resets it',
    ' # Child-SP          RetAddr               Call Site',
    '00 00000000`00000010 00000000`00000020     nt!IofCallDriver+0x55',
    'WARNING: Stack unwind information not available. Following frames may be wrong.',
    '01 00000000`00000030 00000000`00000040     nt!PnpAsynchronousCall+0xea (guessed: found by running the epilog code)',
    '02 00000000`00000050 00000000`00000000     nt!PnpSendIrp+0x9e (guessed: found by stack scan, code not in the dump)',
  ]);
  // STACK_TEXT (inside !analyze) has no warning line.
  assert.ok(!renderStack({ rows, notes: [] }, 'stack-text').includes('WARNING'));
});
