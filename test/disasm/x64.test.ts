import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, renderInstruction } from '../../src/disasm/x64.js';

// Byte strings and expected lines are WinDbg's own output in ../shared/reference (0x50 and 0x7E walkthroughs).
const DRIVER = 0xfffff801197f0000n;
const symbolize = async (a: bigint) => (a >= DRIVER && a < DRIVER + 0x7000n ? `Driver+0x${(a - DRIVER).toString(16)}` : undefined);
const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => Number.parseInt(b, 16)));

async function line(bytes: string, address: bigint): Promise<string> {
  const [d] = await decode(hex(bytes), address, 1, symbolize);
  return renderInstruction(d);
}

test('instructions render exactly as WinDbg printed them', async () => {
  const cases: [string, bigint, string][] = [
    ['0f2949c0', 0xfffff801197f1d1en, 'fffff801`197f1d1e 0f2949c0        movaps  xmmword ptr [rcx-40h],xmm1'],
    ['0f100c11', 0xfffff801197f1d00n, 'fffff801`197f1d00 0f100c11        movups  xmm1,xmmword ptr [rcx+rdx]'],
    ['0f10541110', 0xfffff801197f1d04n, 'fffff801`197f1d04 0f10541110      movups  xmm2,xmmword ptr [rcx+rdx+10h]'],
    ['4883c140', 0xfffff801197f1d17n, 'fffff801`197f1d17 4883c140        add     rcx,40h'],
    ['49ffc9', 0xfffff801197f1d1bn, 'fffff801`197f1d1b 49ffc9          dec     r9'],
    ['666666666666660f1f840000000000', 0xfffff801197f1cf1n, 'fffff801`197f1cf1 666666666666660f1f840000000000 nop word ptr [rax+rax]'],
    ['488bcf', 0xfffff801197f1158n, 'fffff801`197f1158 488bcf          mov     rcx,rdi'],
    ['ff15ff0e0000', 0xfffff801197f115bn, 'fffff801`197f115b ff15ff0e0000    call    qword ptr [Driver+0x2060 (fffff801`197f2060)]'],
    ['bb9a0000c0', 0xfffff801197f1161n, 'fffff801`197f1161 bb9a0000c0      mov     ebx,0C000009Ah'],
    ['eb5a', 0xfffff801197f1166n, 'fffff801`197f1166 eb5a            jmp     Driver+0x11c2 (fffff801`197f11c2)'],
    ['e88a0a0000', 0xfffff801197f1171n, 'fffff801`197f1171 e88a0a0000      call    Driver+0x1c00 (fffff801`197f1c00)'],
    ['3300', 0xfffff8076624f3d4n, 'fffff807`6624f3d4 3300            xor     eax,dword ptr [rax]'],
    ['488b4dc7', 0xfffff80784da111dn, 'fffff807`84da111d 488b4dc7        mov     rcx,qword ptr [rbp-39h]'],
    ['488d45df', 0xfffff80784da1121n, 'fffff807`84da1121 488d45df        lea     rax,[rbp-21h]'],
    ['48895c2428', 0xfffff80784da113bn, 'fffff807`84da113b 48895c2428      mov     qword ptr [rsp+28h],rbx'],
    ['ba31427257', 0xfffff80784da114bn, 'fffff807`84da114b ba31427257      mov     edx,57724231h'],
    ['4c8d043f', 0xfffff80784da110cn, 'fffff807`84da110c 4c8d043f        lea     r8,[rdi+rdi]'],
  ];
  for (const [bytes, address, expected] of cases) assert.equal(await line(bytes, address), expected);
});

test('branch without a symbol shows the bare address; undecodable bytes show ???', async () => {
  const [d] = await decode(hex('e800000000'), 0x1000n, 1, async () => undefined);
  assert.equal(d.operands, '00000000`00001005');
  const bad = await decode(hex('0f0b'.replace('0b', 'ff')), 0x1000n, 1);
  assert.equal(bad[0].valid, false);
});

test('memory operand details feed the effective-address annotation', async () => {
  const [d] = await decode(hex('0f2949c0'), 0n, 1);
  assert.deepEqual(d.memory, { base: 'rcx', index: undefined, scale: 1, displacement: 0xffffffffffffffc0n, size: 16, segment: 'ds', isLea: false });
});

test('ub finds the 8 instructions WinDbg showed before Driver+0x1176', async () => {
  const { instructionsBefore } = await import('../../src/disasm/backward.js');
  // The bytes of the walkthrough's `ub Driver+0x1176`, preceded by junk that must not confuse the vote.
  const code = hex('cccccccc4883c420' + '488bcf' + 'ff15ff0e0000' + 'bb9a0000c0' + 'eb5a' + '4c8bc3' + '488bd7' + '488bce' + 'e88a0a0000');
  const target = 0xfffff801197f1176n;
  const start = target - BigInt(code.length);
  const ins = await instructionsBefore(code, start, target, 8, symbolize);
  assert.deepEqual(
    ins.map((i) => renderInstruction(i)),
    [
      'fffff801`197f1158 488bcf          mov     rcx,rdi',
      'fffff801`197f115b ff15ff0e0000    call    qword ptr [Driver+0x2060 (fffff801`197f2060)]',
      'fffff801`197f1161 bb9a0000c0      mov     ebx,0C000009Ah',
      'fffff801`197f1166 eb5a            jmp     Driver+0x11c2 (fffff801`197f11c2)',
      'fffff801`197f1168 4c8bc3          mov     r8,rbx',
      'fffff801`197f116b 488bd7          mov     rdx,rdi',
      'fffff801`197f116e 488bce          mov     rcx,rsi',
      'fffff801`197f1171 e88a0a0000      call    Driver+0x1c00 (fffff801`197f1c00)',
    ],
  );
});
