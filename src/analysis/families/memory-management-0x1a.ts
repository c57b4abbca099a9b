// 0x1A MEMORY_MANAGEMENT: the memory manager found its own structures inconsistent. Per subcode: which
// arguments are addresses (a virtual address, a PTE's address, a PFN entry), the page-table evidence for
// them, two values that should agree (one flipped bit between them points at RAM), and how likely
// hardware is compared with a driver corrupting memory.
import { bugcheckInfo } from '../../knowledge/bugchecks/index.js';
import type { KernelTarget } from '../../target/kernel-target.js';
import { addr64, hex16 } from '../../util/hex.js';
import type { Evidence } from '../report.js';
import { optUint, pageFact, popcount, readPointer } from './common.js';
import { emptyResult, type Family, type FamilyResult } from './types.js';

type Likely = 'hardware' | 'software' | 'either';

interface SubcodeFacts {
  likely: Likely;
  why: string;
  /** Index (0-based) of an argument that is a virtual address. */
  va?: number;
  /** Index of an argument that is the address of a PTE. */
  pte?: number;
  /** Index of the argument holding what that PTE contained. */
  pteValue?: number;
  /** Indexes of two arguments that should have been equal. */
  compare?: [number, number];
  /** Index of an argument that is the address of a _MMPFN entry. */
  pfnEntry?: number;
}

const DRIVER_API = 'a driver misused a memory-manager API (MDLs, locked sections, mappings): software';
const FACTS = new Map<number, SubcodeFacts>([
  [0x31, { likely: 'hardware', why: 'image code or its relocation data changed while in memory, which software rarely does' }],
  [0x3f, { likely: 'hardware', why: 'a page read back from the paging file failed its CRC: the disk path or RAM corrupted it' }],
  [0x403, { likely: 'either', why: 'a PTE and the PFN database disagree', compare: [2, 3] }],
  [0x404, { likely: 'either', why: 'a PTE did not hold the value its PFN entry expected', compare: [1, 2] }],
  [0x411, { likely: 'either', why: 'a PTE is corrupt', pte: 1 }],
  [0x1010, { likely: 'software', why: DRIVER_API }],
  [0x1233, { likely: 'software', why: DRIVER_API }],
  [0x1234, { likely: 'software', why: DRIVER_API }],
  [0x1235, { likely: 'software', why: DRIVER_API }],
  [0x1236, { likely: 'software', why: DRIVER_API }],
  [0x1240, { likely: 'software', why: DRIVER_API, pte: 2 }],
  [0x3300, { likely: 'either', why: 'a write hit a page wrongly marked copy-on-write', va: 1, pteValue: 2 }],
  [0x4477, { likely: 'software', why: 'a driver wrote to an unallocated user address in the system process', va: 1 }],
  [0x5100, { likely: 'software', why: 'an allocation bitmap was corrupted by a double free or a stray write' }],
  [0x5305, { likely: 'software', why: 'an invalid pool address was freed', va: 1 }],
  [0x41201, { likely: 'either', why: 'a PTE and its PFN entry disagree', pte: 1, pteValue: 2 }],
  [0x41202, { likely: 'either', why: 'a non-zero PTE is corrupt', pte: 1, pteValue: 2 }],
  [0x41283, { likely: 'either', why: 'a working set list entry is corrupt', va: 1 }],
  [0x41284, { likely: 'either', why: 'a PTE or the working set list is corrupt', va: 1 }],
  [0x41286, { likely: 'software', why: 'a pool address in the middle of an allocation was freed' }],
  [0x41287, { likely: 'software', why: 'a page fault happened while the working set lock was held: code touched pageable memory where it must not', va: 1 }],
  [0x41785, { likely: 'either', why: 'the working set list is corrupt' }],
  [0x41790, { likely: 'either', why: 'a page table page\'s count of valid entries is wrong; failing RAM and drivers corrupting page tables both do this', pfnEntry: 1 }],
  [0x41793, { likely: 'either', why: 'a page table page\'s count of valid entries is wrong', pfnEntry: 1 }],
  [0x41792, { likely: 'either', why: 'a corrupt PTE was found', pte: 1, pteValue: 2 }],
  [0x61940, { likely: 'either', why: 'a PDE was invalidated unexpectedly' }],
  [0x61941, { likely: 'software', why: 'the paging hierarchy of the faulting address is invalid; usually a driver referencing a bad address', va: 1 }],
  [0x61946, { likely: 'software', why: DRIVER_API }],
  [0x61948, { likely: 'software', why: DRIVER_API }],
  [0x61949, { likely: 'software', why: DRIVER_API }],
  [0x6194a, { likely: 'software', why: DRIVER_API }],
  [0x8884, { likely: 'either', why: 'two standby-list pages disagree: PFN entries are corrupt' }],
  [0x9696, { likely: 'either', why: 'a PFN entry no longer links to its owner: PFN entries are corrupt' }],
  [0x888a, { likely: 'either', why: 'internal memory manager structures (likely a PTE or PFN entry) are corrupt' }],
  [0x15000, { likely: 'software', why: 'memory was unsecured with a wrong address', va: 1 }],
  [0x15001, { likely: 'software', why: 'memory was unsecured from the wrong process', va: 1 }],
]);

for (const c of [0x8885, 0x8886, 0x8887, 0x8888, 0x8889]) FACTS.set(c, FACTS.get(0x8884)!);

/** The virtual address a PTE at `pteAddr` maps, through the self-map (each 8-byte PTE maps 4 KiB). */
function vaOfPte(pteAddr: bigint, pteBase: bigint): bigint | undefined {
  if (pteAddr < pteBase || pteAddr >= pteBase + 0x8000000000n || (pteAddr & 7n) !== 0n) return undefined;
  const va = ((pteAddr - pteBase) >> 3n) << 12n;
  return va & 0x800000000000n ? va | 0xffff000000000000n : va;
}

/** A _MMPFN entry by field name: which PFN it describes and whether the PTE it names maps that PFN back. */
async function pfnEvidence(t: KernelTarget, entry: bigint, res: FamilyResult, ev: Evidence[]): Promise<void> {
  const kt = await t.kernelTypes().catch(() => undefined);
  const dbVar = t.debuggerData?.pointer('MmPfnDatabase');
  const base = dbVar ? await readPointer(t, dbVar) : undefined;
  const type = kt ? await kt.struct('_MMPFN').catch(() => undefined) : undefined;
  if (!kt || !type || !base) {
    res.notes.push(`PFN entry ${addr64(entry)}: ${!type ? "nt's types have no _MMPFN" : 'MmPfnDatabase is unknown'}, so it was not examined`);
    return;
  }
  const off = entry - base;
  if (off < 0n || off % BigInt(type.size) !== 0n) {
    res.notes.push(`${addr64(entry)} is not a PFN entry: it is not a whole number of ${type.size}-byte entries from MmPfnDatabase ${addr64(base)}`);
    return;
  }
  const pfn = off / BigInt(type.size);
  const v = await kt.read(t.memory, '_MMPFN', entry).catch(() => undefined);
  if (!v) {
    ev.push({ fact: `PFN ${pfn.toString(16)}: its entry ${addr64(entry)} is not in this dump`, command: `!pfn ${pfn.toString(16)}` });
    return;
  }
  const pteAddr = optUint(v, 'PteAddress');
  const share = optUint(v, 'u2.ShareCount');
  const refs = optUint(v, 'u3.e2.ReferenceCount');
  ev.push({ fact: `PFN ${pfn.toString(16)} (entry ${addr64(entry)}): PteAddress ${pteAddr !== undefined ? addr64(pteAddr) : '?'}, ShareCount ${share ?? '?'}, ReferenceCount ${refs ?? '?'}`, command: `dt nt!_MMPFN ${entry.toString(16)} PteAddress u2.ShareCount u3.e2.ReferenceCount` });
  const pte = pteAddr ? await readPointer(t, pteAddr) : undefined;
  if (pte !== undefined && (pte & 1n) === 1n) {
    const mapped = (pte >> 12n) & 0xfffffffffn;
    ev.push({ fact: mapped === pfn ? `the PTE at ${addr64(pteAddr!)} maps PFN ${pfn.toString(16)} back: the entry and the page table agree` : `the PTE at ${addr64(pteAddr!)} maps PFN ${mapped.toString(16)}, not ${pfn.toString(16)}: the PFN entry and the page table disagree`, command: `dq ${pteAddr!.toString(16)} L1` });
  }
}

export const memoryManagement: Family = async (x) => {
  const res = emptyResult();
  const { t, args } = x;
  const sub = Number(args[0] & 0xffffffffn);
  const meaning = bugcheckInfo(0x1a, args).subcode?.meaning;
  const f = FACTS.get(sub);
  res.fields.push({ key: 'MEMORY_MANAGEMENT_SUBCODE', value: sub.toString(16) });
  const ev: Evidence[] = [{ fact: `Arg1 0x${sub.toString(16)}: ${meaning ?? 'a check the knowledge base does not describe'}`, command: '.bugcheck' }];
  let likely: Likely | 'unknown' = f?.likely ?? 'unknown';
  let oneBit = false;
  if (f?.compare) {
    const [a, b] = f.compare;
    const diff = args[a] ^ args[b];
    if (args[a] !== args[b]) {
      oneBit = popcount(diff) === 1;
      ev.push({ fact: `Arg${a + 1} ${hex16(args[a])} and Arg${b + 1} ${hex16(args[b])} differ in ${popcount(diff)} bit(s)${oneBit ? ` (only bit ${diff.toString(2).length - 1})` : ''}`, command: '.bugcheck' });
      if (oneBit) likely = 'hardware';
    }
  }
  const pteBase = await t.pteBase();
  let va = f?.va !== undefined ? args[f.va] & ~0xfffn : undefined;
  if (f?.pte !== undefined) {
    const pteAddr = args[f.pte];
    const mapped = pteBase !== undefined ? vaOfPte(pteAddr, pteBase) : undefined;
    if (mapped === undefined) res.notes.push(`Arg${f.pte + 1} ${addr64(pteAddr)} is not inside the page-table self-map${pteBase === undefined ? ' (MmPteBase unknown)' : ''}, so the address it maps is unknown`);
    else {
      va = mapped;
      ev.push({ fact: `Arg${f.pte + 1} ${addr64(pteAddr)} is the PTE of ${addr64(mapped)}`, command: `!pte ${mapped.toString(16)}` });
      const now = await readPointer(t, pteAddr);
      if (now !== undefined && f.pteValue !== undefined) {
        const was = args[f.pteValue];
        const d = now ^ was;
        ev.push({ fact: now === was ? `the PTE in the dump still holds ${hex16(now)}, as Arg${f.pteValue + 1} says` : `the PTE in the dump holds ${hex16(now)}; Arg${f.pteValue + 1} says ${hex16(was)} (${popcount(d)} bit(s) differ)`, command: `dq ${pteAddr.toString(16)} L1` });
        if (now !== was && popcount(d) === 1) {
          oneBit = true;
          likely = 'hardware';
        }
      }
    }
  }
  if (va !== undefined) ev.push({ fact: await pageFact(t, va), command: `!pte ${va.toString(16)}` });
  if (f?.pfnEntry !== undefined) await pfnEvidence(t, args[f.pfnEntry], res, ev);
  // The knowledge base's meaning and the subcode's reason often say the same thing: say it once.
  const same = (a: string, b: string) => a.toLowerCase().replace(/[.\s]+$/, '') === b.toLowerCase().replace(/[.\s]+$/, '');
  const why = f && !(meaning && same(meaning, f.why)) ? f.why : undefined;
  const verdict = oneBit
      ? 'Two values that must agree differ in a single bit: the signature of failing RAM (or unstable overclocking), not of a driver.'
      : likely === 'hardware'
        ? `Hardware is the likely cause${why ? `: ${why}` : ''}.`
        : likely === 'software'
          ? `Software is the likely cause${why ? `: ${why}` : ''}.`
          : likely === 'either'
            ? `Hardware or software${why ? ` (${why})` : ''}: a driver writing through a stale pointer and failing RAM both look like this; recurring crashes in different places point at RAM.`
            : 'dumpscope has no hardware-or-software judgement for this subcode.';
  if (oneBit) {
    res.fields.push({ key: 'MEMORY_CORRUPTOR', value: 'ONE_BIT' });
    res.bucket = { bucket: 'MEMORY_CORRUPTION_ONE_BIT' };
  }
  res.claims.push({
    rule: oneBit ? 'memory-one-bit' : 'memory-management',
    claim: `MEMORY_MANAGEMENT 0x${sub.toString(16)}: ${meaning ?? 'the memory manager found an inconsistency'} ${verdict}`,
    confidence: oneBit ? 'high' : f ? 'medium' : 'low',
    evidence: ev,
    command: va !== undefined ? `!pte ${va.toString(16)}` : '.bugcheck',
    confirm: likely === 'software' ? 'Driver Verifier on the third-party drivers catches the culprit in the act.' : 'A memory test (Windows Memory Diagnostic, MemTest86) finds errors, or the crashes stop with one module removed.',
    refute: likely === 'software' ? 'The same check fails with different drivers loaded, or with RAM errors reported by WHEA.' : 'Driver Verifier with special pool names a driver writing into memory it does not own.',
    facts: { summary: oneBit ? `The memory manager found two values that must agree differing in a single bit (MEMORY_MANAGEMENT 0x${sub.toString(16)}): failing RAM or an unstable overclock, not a driver, most likely corrupted it; Windows stopped the system.` : `The memory manager found its own data inconsistent (MEMORY_MANAGEMENT 0x${sub.toString(16)}: ${meaning ?? 'an inconsistency'}); ${likely === 'hardware' ? 'hardware is the likely cause' : likely === 'software' ? 'a driver is the likely cause' : 'a driver or failing RAM can do this'}, and Windows stopped the system.` },
  });
  if (oneBit) res.blame = { module: 'hardware', imageName: 'memory_corruption', symbolName: 'MEMORY_CORRUPTION_ONE_BIT' };
  return res;
};
