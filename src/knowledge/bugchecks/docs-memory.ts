// Bugchecks about memory access, paging, pool and the memory manager, in this project's words.
import { type BugcheckDoc, RESERVED, sub } from './types.js';

/** x64/x86 page-fault error code bits, as 0x50 passes them in argument 2 (Windows 10 1507 and later). */
export function pageFaultAccess(code: bigint): string {
  const parts = [code & 0x10n ? 'instruction fetch (execute)' : code & 0x2n ? 'write' : 'read'];
  parts.push(code & 0x1n ? 'of a present page (protection violation)' : 'of a not-present page');
  if (code & 0x8n) parts.push('with reserved PTE bits set (corrupt PTE)');
  if (code & 0x4n) parts.push('from user mode');
  return parts.join(' ');
}

/** 0x0A argument 3: bit 0 write, bit 3 execute. */
function irqlAccess(v: bigint): string {
  return v & 0x8n ? 'execute' : v & 0x1n ? 'write' : 'read';
}

/** 0xD1/0xC5/0xD3-style argument 3: 0 read, 1 write, 2 or 8 execute. */
function simpleAccess(v: bigint): string | undefined {
  return ({ 0: 'read', 1: 'write', 2: 'execute', 8: 'execute' } as Record<string, string>)[v.toString()];
}

const IRQL = 'IRQL at the time of the access (2 = DISPATCH_LEVEL; page faults cannot be served at 2 or above)';
const RW = 'Kind of access: 0 = read, 1 = write';
const FREED_ARGS = ['Address that was referenced', RW, 'Address of the instruction that made the reference (0 if unknown)', RESERVED] as const;

export const MEMORY_DOCS: ReadonlyArray<readonly [number, BugcheckDoc]> = [
  [0x0a, {
    summary: 'Kernel code touched pageable or invalid memory while running at an IRQL too high to take a page fault (DISPATCH_LEVEL or above). Nearly always a bad pointer in a driver, or pageable data used at raised IRQL.',
    args: ['Address that was referenced', IRQL, 'Kind of access: bit 0 set = write, clear = read; bit 3 set = execute', 'Address of the instruction that made the reference'],
    decode: (a) => (a[2] === undefined ? {} : { 3: irqlAccess(a[2]) }),
  }],
  [0xd1, {
    summary: 'A driver touched pageable or invalid memory at DISPATCH_LEVEL or above. Like 0x0A, but the faulting address is inside a driver; the instruction address names it.',
    args: ['Address that was referenced', IRQL, 'Kind of access: 0 = read, 1 = write, 2 or 8 = execute', 'Address of the instruction that made the reference'],
    decode: (a) => {
      const s = a[2] === undefined ? undefined : simpleAccess(a[2]);
      return s ? { 3: s } : {};
    },
  }],
  [0x50, {
    summary: 'Memory that must be valid was referenced at an address that is not: freed pool, an unmapped or non-canonical address, or a corrupted pointer. This fault cannot be caught by an exception handler. The instruction address in argument 3 usually names the culprit.',
    args: [
      'Address that was referenced',
      'Kind of access (1507 and later: the page-fault error code; 0 = read, 2 = write, 0x10 = execute; bit 0 set = protection violation on a present page, bit 3 = corrupt PTE; before 1507: 0 = read, 1 = write)',
      'Address of the instruction that made the reference (0 if unknown)',
      'Why the reference failed: 0 = the PTE is marked free, 2 = no valid page table, 3 = session address without a session, 4 = non-canonical address, 0xF = kernel touched a user address where that is not allowed',
    ],
    decode: (a) => {
      const notes: Partial<Record<1 | 2 | 3 | 4, string>> = {};
      if (a[1] !== undefined) notes[2] = pageFaultAccess(a[1]);
      const why: Record<string, string> = { 0: 'PTE marked free', 2: 'no valid page table', 3: 'session address in a process with no session', 4: 'non-canonical address', 15: 'user address accessed from kernel where not allowed' };
      if (a[3] !== undefined && why[a[3].toString()]) notes[4] = why[a[3].toString()];
      return notes;
    },
  }],
  [0xbe, {
    summary: 'A driver wrote to read-only memory (for example its own code section or a read-only page).',
    args: ['Address that was written', 'Contents of the PTE that maps it', RESERVED, RESERVED],
  }],
  [0xfc, {
    summary: 'The processor was asked to execute code on a page marked no-execute: a corrupted function pointer or return address, or an attempt to run data as code.',
    args: ['Address whose execution was attempted', 'Contents of the PTE that maps it', RESERVED, RESERVED],
  }],
  [0xc5, {
    summary: 'A driver touched memory at too high an IRQL and the pool was found corrupt: usually a driver wrote past or after its pool allocation. Enable Driver Verifier special pool to catch the writer.',
    args: ['Address that was referenced', IRQL, RW, 'Address of the instruction that made the reference'],
    decode: (a) => {
      const s = a[2] === undefined ? undefined : simpleAccess(a[2]);
      return s ? { 3: s } : {};
    },
  }],
  [0xd3, {
    summary: 'A driver touched pageable memory at raised IRQL: part of the driver that must stay resident was marked pageable.',
    args: ['Address that was referenced', IRQL, RW, 'Address of the instruction that made the reference'],
  }],
  [0xd5, { summary: 'A driver (under Driver Verifier special pool) touched pool it had already freed: a use after free.', args: FREED_ARGS }],
  [0xd6, { summary: 'A driver (under Driver Verifier special pool) read or wrote past the end of its pool allocation: a buffer overrun.', args: FREED_ARGS }],
  [0xce, { summary: 'A driver unloaded while it still had work pending (timers, DPCs, worker items, lookaside lists) and that work then ran in freed driver memory.', args: FREED_ARGS }],
  [0x19, {
    summary: 'A pool header (the small record in front of each pool allocation) is corrupt. The block or its neighbour was overrun or used after free; the code that noticed is usually a victim, not the culprit.',
    args: ['Kind of damage (see the sub-case)', 'Depends on argument 1', 'Depends on argument 1', 'Depends on argument 1'],
    selector: 1,
    subcodes: [
      sub(0x2, 'The special pool fill pattern was damaged: the owner wrote outside its block.', { 2: 'Pool entry being checked', 3: 'Size of the block', 4: 'Zero' }),
      sub(0x3, 'The pool free list is corrupt: the links read back do not agree.', { 2: 'Pool entry being checked', 3: 'Forward link read back', 4: 'Backward link read back' }),
      sub(0x5, 'Two neighbouring pool blocks have headers that contradict each other.', { 2: 'One pool entry', 3: RESERVED, 4: 'The other pool entry' }),
      sub(0x6, 'A block header\'s previous-size field is too large.', { 2: 'Entry whose size was computed wrongly', 3: RESERVED, 4: 'The bad entry' }),
      sub(0x7, 'A block header\'s size is corrupt.', { 2: 'Zero', 3: RESERVED, 4: 'The bad entry' }),
      sub(0x8, 'A block header\'s size is zero.', { 2: 'Zero', 3: RESERVED, 4: 'The bad entry' }),
      sub(0x9, 'A block header\'s size is too large.', { 2: 'Entry whose size was computed wrongly', 3: RESERVED, 4: 'The bad entry' }),
      sub(0xa, 'A block header\'s size is corrupt: the expected entry was not found in its page.', { 2: 'Entry that should have been found', 3: RESERVED, 4: 'Address of the page that should hold it' }),
      sub([0xd, 0xe, 0xf, 0x23, 0x24, 0x25], 'The header of a free block changed after it was freed, usually because the block before it was overrun.'),
      sub(0x20, 'A block header\'s size is corrupt.', { 2: 'Entry that should have been found', 3: 'Next entry', 4: RESERVED }),
      sub(0x21, 'The bytes after a block being freed were overwritten: the owner overran it.', { 2: 'Pointer being freed', 3: 'Bytes allocated', 4: 'Corrupt value found after the block' }),
      sub(0x22, 'An address being freed has no tracking entry: a double free or a free of something never allocated.', { 2: 'Address being freed', 3: RESERVED, 4: RESERVED }),
    ],
  }],
  [0xc2, {
    summary: 'A pool allocation or free was done wrongly by its caller: freeing twice, freeing with the wrong tag, at the wrong IRQL, or a corrupt header. The caller on the stack is usually the culprit.',
    args: ['Kind of misuse (see the sub-case)', 'Depends on argument 1', 'Depends on argument 1', 'Depends on argument 1'],
    selector: 1,
    subcodes: [
      sub(0x0, 'A zero-byte pool allocation was requested.', { 2: 'Zero', 3: 'Pool type', 4: 'Pool tag' }),
      sub([0x1, 0x2, 0x4], 'A pool header is corrupt.', { 2: 'Address of the pool header', 3: 'First part of the header', 4: 'Zero' }),
      sub(0x6, 'Pool that was already freed is being freed again.', { 2: RESERVED, 3: 'Address of the pool header', 4: 'Header contents' }),
      sub(0x7, 'Pool that was already freed is being freed again.', { 2: RESERVED, 3: 'Header contents', 4: 'Address of the block being freed' }),
      sub(0x8, 'Pool was allocated at an IRQL that does not allow it.', { 2: 'Current IRQL', 3: 'Pool type', 4: 'Size in bytes' }),
      sub(0x9, 'Pool was freed at an IRQL that does not allow it.', { 2: 'Current IRQL', 3: 'Pool type', 4: 'Address of the pool' }),
      sub(0xa, 'Pool was freed with a tag different from the one it was allocated with (it may belong to someone else).', { 2: 'Address of the pool', 3: 'Tag it was allocated with', 4: 'Tag used to free it' }),
      sub([0xb, 0xc, 0xd], 'Quota was released on a pool block whose quota process pointer is corrupt.', { 2: 'Address of the pool', 3: 'Its tag', 4: 'Bad quota process pointer' }),
      sub(0x40, 'Kernel pool was freed at a user-mode address.', { 2: 'Start address', 3: 'Start of system address space', 4: 'Zero' }),
      sub([0x41, 0x44, 0x47], 'A nonpaged pool address that is not allocated was freed.', { 2: 'Start address' }),
      sub([0x42, 0x43], 'An address that was never in any pool was freed.', { 2: 'Address being freed' }),
      sub(0x46, 'An invalid pool address was freed.', { 2: 'Start address' }),
      sub([0x48, 0x50], 'A paged pool address that is not allocated was freed.', { 2: 'Start address' }),
      sub(0x60, 'An invalid contiguous-memory address was freed (MmFreeContiguousMemory got a bad pointer).', { 2: 'Start address' }),
      sub(0x99, 'Pool was freed with an invalid address (or its header is corrupt).', { 2: 'Address being freed' }),
      sub(0x9a, 'An allocation asked for must-succeed pool, which is no longer supported.', { 2: 'Pool type', 3: 'Bytes requested', 4: 'Pool tag' }),
      sub(0x9b, 'An allocation used a tag of zero.', { 2: 'Pool type', 3: 'Bytes requested', 4: 'Caller address' }),
      sub(0x9c, 'An allocation used the reserved tag "BIG".', { 2: 'Pool type', 3: 'Bytes requested', 4: 'Caller address' }),
      sub(0x9d, 'An allocation used a tag with no letters or digits.', { 2: 'The tag', 3: 'Pool type', 4: 'Caller address' }),
      sub(0x41286, 'A paged pool free was given a pointer inside a block rather than its start.', { 4: 'Offset from the start of paged pool, in pages' }),
    ],
  }],
  [0x1a, {
    summary: 'The memory manager found its own structures (page tables, the PFN database, working sets) inconsistent. Causes range from driver bugs that corrupt memory to failing RAM; argument 1 says which check failed.',
    args: ['Kind of failure (see the sub-case)', 'Depends on argument 1', 'Depends on argument 1', 'Depends on argument 1'],
    selector: 1,
    subcodes: [
      sub(0x31, 'An image\'s relocation table or code was corrupted (probably hardware).'),
      sub(0x3f, 'A page read in from the paging file failed its CRC check.', { 2: 'Paging file offset', 3: 'CRC of the page', 4: 'Expected CRC' }),
      sub(0x403, 'A page table and the PFN database disagree; if arguments 3 and 4 differ by one bit, suspect RAM.'),
      sub(0x404, 'While deleting a system page, its PFN and PTE disagreed.', { 2: 'Expected PTE', 3: 'PTE contents', 4: 'PTE recorded in the PFN' }),
      sub(0x411, 'A PTE is corrupt.', { 2: 'Address of the PTE' }),
      sub(0x1010, 'A pageable section that is not locked was unlocked (never locked, or unlocked twice).'),
      sub(0x1233, 'A driver mapped a physical page that was not locked.', { 2: 'PFN of the page' }),
      sub(0x1234, 'A pageable section that does not exist was locked.'),
      sub(0x1235, 'An MDL with an invalid mapping was protected.'),
      sub(0x1236, 'An MDL holds an unlocked or invalid physical page.', { 2: 'Address of the MDL', 3: 'Pointer to the bad PFN entry', 4: 'The bad PFN' }),
      sub(0x1240, 'An MDL was built for a virtual range that is not resident.', { 2: 'Address of the MDL', 3: 'Address of the PTE' }),
      sub(0x3300, 'A write hit an address wrongly marked copy-on-write.', { 2: 'Faulting address', 3: 'PTE contents', 4: 'Kind of address space' }),
      sub(0x3451, 'The PTEs of a swapped-out kernel stack are corrupt.'),
      sub(0x3453, 'After a process exited, some of its page table pages could not be released (references still held, or damaged page tables).'),
      sub(0x3470, 'A cached kernel stack was corrupted while on the free list.'),
      sub(0x4477, 'A driver wrote to an unallocated user address in the system process.', { 2: 'Address written' }),
      sub(0x5100, 'The allocation bitmap is corrupt: an address already in use was about to be reused.'),
      sub(0x5305, 'An invalid pool address was freed.', { 2: 'Address being freed', 3: 'Region size' }),
      sub(0x6001, 'The memory store\'s private range is corrupt.', { 2: 'Status returned', 3: 'Address in the store\'s range', 4: 'MDL' }),
      sub([0x8884, 0x8885, 0x8886, 0x8887], 'Two standby-list pages that should share a priority do not.', { 4: 'The differing values' }),
      sub([0x8888, 0x8889], 'Internal memory manager structures are corrupt.'),
      sub(0x888a, 'Internal memory manager structures (likely a PTE or PFN) are corrupt.'),
      sub(0x9696, 'A PFN\'s links no longer lead to its owning process (corrupted PFN entries).', { 2: 'The PFN' }),
      sub([0x15000, 0x15001], 'Memory was unsecured with a wrong address or from the wrong process.', { 2: 'Address being unsecured' }),
      sub(0x41201, 'While querying an address, its PFN and PTE disagreed.', { 2: 'PTE address', 3: 'PTE contents', 4: 'VAD' }),
      sub([0x41283, 0x41284], 'Either a PTE or the working set list is damaged.'),
      sub(0x41202, 'A non-zero PTE is corrupt (found while computing its protection).', { 2: 'PTE address', 3: 'PTE contents', 4: 'VAD' }),
      sub(0x41286, 'An invalid pool address was freed.'),
      sub(0x41287, 'A page fault happened while the working set lock was held.', { 2: 'Address referenced' }),
      sub(0x41785, 'The working set list is corrupt.'),
      sub([0x41790, 0x41793], 'A page table page is corrupt (its count of valid entries is wrong).', { 2: 'PFN entry of the page table page (x64)' }),
      sub(0x41792, 'A corrupt PTE was found.', { 2: 'PTE address', 3: 'Low part of the PTE', 4: 'High part of the PTE' }),
      sub(0x61940, 'A PDE was invalidated unexpectedly.'),
      sub(0x61941, 'The paging hierarchy is corrupt.', { 2: 'Address that faulted' }),
      sub(0x61946, 'A flawed MDL was being built (typically a write MDL for a paging read).'),
      sub([0x61948, 0x61949, 0x6194a], 'I/O-space page reference counts went wrong (a range unlocked twice or never locked).'),
      sub(0x03030308, 'A memory range in use by the loader was about to be removed.', { 2: 'Highest physical page' }),
    ],
  }],
  [0x4e, {
    summary: 'The page frame number (PFN) database, which tracks every physical page, is corrupt. Often a driver passing a bad MDL, or faulty RAM.',
    args: ['Kind of corruption (see the sub-case)', 'Depends on argument 1', 'Depends on argument 1', 'Depends on argument 1'],
    selector: 1,
    subcodes: [
      sub(0x1, 'A page list head is corrupt.', { 2: 'The list head', 3: 'Pages available', 4: 'Zero' }),
      sub(0x2, 'A list entry is corrupt.', { 2: 'Entry being removed', 3: 'Highest physical page', 4: 'Its reference count' }),
      sub(0x6, 'A hardware or prototype PTE is corrupt (bit errors, bad DMA).', { 2: 'Page frame number', 3: 'Prototype PTE', 4: 'PTE contents' }),
      sub(0x7, 'A driver unlocked a page more times than it locked it.', { 2: 'Page frame number', 3: 'Current share count', 4: 'Zero' }),
      sub(0x8d, 'The free page list is corrupt (most likely hardware).', { 2: 'Page frame number in a bad state' }),
      sub(0x8f, 'A free or zeroed page list head is corrupt.', { 2: 'New page number', 3: 'Old page number' }),
      sub(0x99, 'A PTE or PFN entry is corrupt.', { 2: 'Page frame number', 3: 'Current page state' }),
      sub(0x9a, 'A driver freed a page that is still locked for I/O.', { 2: 'Page frame number', 3: 'Current page state', 4: 'Reference count' }),
    ],
  }],
  [0x7a, {
    summary: 'A page of kernel data could not be read back from the paging file or an image file. Argument 2 holds the I/O status: disk, controller, cable or storage-driver failures are the usual cause (0xC000009C / 0xC000016A point at bad sectors, 0xC000009D at a lost device).',
    args: ['Lock type held, or the address of the PTE of the missing page', 'I/O status of the failed read (an NTSTATUS)', 'Depends on argument 1: current process, InPageSupport address, or the PTE contents', 'Address that could not be paged in'],
  }],
  [0x77, {
    summary: 'A page of a kernel thread\'s stack could not be read back from the paging file: disk or storage-driver trouble, or bad memory.',
    args: ['0/1/2 = where the page came from and what was wrong with its signature; otherwise the status of the read', 'Value found where the signature should be, or the I/O status', 'Zero, or the paging file number', 'Address of the stack signature, or the offset in the paging file'],
  }],
  [0xc1, {
    summary: 'Driver Verifier\'s special pool caught a driver writing where it must not: before or after its allocation, or freeing something wrongly. Argument 4 says which case.',
    args: ['Address involved (usually the one being freed)', 'Depends on argument 4', 'Depends on argument 4', 'Kind of violation (see the sub-case)'],
    selector: 4,
    subcodes: [
      sub(0x20, 'Pool that was not allocated was freed.'),
      sub([0x21, 0x22], 'A bad address was freed.', { 2: 'Bytes requested', 3: 'Bytes actually given' }),
      sub(0x23, 'Bytes near the freed block, in the same page, were corrupted.', { 2: 'Address where bytes were corrupted' }),
      sub(0x24, 'Bytes after the end of the allocation were overwritten.', { 2: 'Address where bytes were corrupted' }),
      sub(0x30, 'Pool was allocated at the wrong IRQL.', { 1: 'Current IRQL', 2: 'Pool type', 3: 'Bytes' }),
      sub(0x31, 'Pool was freed at the wrong IRQL.', { 1: 'Current IRQL', 2: 'Pool type', 3: 'Address being freed' }),
      sub(0x32, 'A single bit flipped near the freed block (suspect hardware).', { 2: 'Address with the bad bit' }),
    ],
  }],
  [0x13a, {
    summary: 'The kernel-mode heap (the segment heap behind pool on Windows 10 and later) found corruption: overrun, underrun, double free or use after free by some driver.',
    args: ['Kind of corruption (see the sub-case)', 'Address of the heap that reported it', 'Address where the corruption was found', RESERVED],
    selector: 1,
    subcodes: [
      sub(0x3, 'A corrupt block header.'),
      sub(0x4, 'Several corrupt block headers.'),
      sub(0x5, 'A corrupt header on a large allocation.'),
      sub(0x6, 'Corruption that looks like a buffer overrun.'),
      sub(0x7, 'Corruption that looks like a buffer underrun.'),
      sub(0x8, 'A free block was given to an operation that needs a busy one (double free?).'),
      sub(0x9, 'An invalid argument was passed to the heap.'),
      sub(0xa, 'Internal error about the allocation type.'),
      sub(0xb, 'Corruption that looks like use after free.'),
      sub(0xc, 'The wrong heap was given for the operation.'),
      sub(0xd, 'A corrupt free list (use after free or an overrun of the block before).'),
      sub(0xe, 'A pool list was found damaged (not the free list).'),
      sub(0xf, 'An operation that is illegal on a free block (free, size query) was done on one.'),
      sub([0x10, 0x11, 0x12], 'Invalid internal heap state (overrun, double free or use after free).'),
      sub(0x13, 'A NULL heap handle was passed.'),
      sub(0x14, 'The allocation is larger than the current limit.'),
      sub(0x15, 'A commit would exceed the commit limit.'),
      sub(0x16, 'Internal heap error (bad address or corruption).'),
      sub(0x17, 'A block on the delayed-free list was corrupted (use after free or overrun).'),
    ],
  }],
  [0x12b, {
    summary: 'A page was found corrupted in a way only physical-address access could cause: bad RAM, DMA by a device or driver into the wrong page, or firmware writing memory it should not.',
    args: ['Virtual address of the corrupted page, or the failure status (compressed store)', 'Physical page number, or the compressed size', 'Zero, or the source buffer', 'Zero, or the target buffer'],
  }],
  [0x3f, {
    summary: 'The system ran out of page table entries for mapping system memory (system PTEs), typically because a driver leaks mappings or maps huge ranges.',
    args: ['0 = system expansion PTEs, 1 = nonpaged pool expansion PTEs', 'Size of the request', 'Free system PTEs', 'Total system PTEs'],
  }],
  [0xd8, {
    summary: 'A driver used up the system PTEs (too many mappings).',
    args: ['Name of the driver (UNICODE_STRING), or zero', 'PTEs the driver uses (when argument 1 is set)', 'Free system PTEs', 'Total system PTEs'],
  }],
  [0x76, {
    summary: 'A process ended while a driver still had its pages locked (an MDL was never unlocked).',
    args: ['0 = pages left locked at exit; 1 = unlock of pages that were not locked', 'Process object, or the MDL', 'Number of locked pages', 'Driver stack trace pointer when tracking is on, else 0'],
  }],
  [0xcb, {
    summary: 'A driver failed to unlock pages (an MDL) it had locked in a process, found when the I/O finished or the process exited.',
    args: ['Address of the lock tracking structure', RESERVED, 'Address of the MDL holding the locked pages', 'Number of locked pages'],
  }],
  [0xab, {
    summary: 'A session ended with pool still allocated in it: some driver (often a display or printer driver) leaked session pool.',
    args: ['Session id', 'Leaked paged pool bytes', 'Leaked nonpaged pool bytes', 'Leaked allocation counts (nonpaged in the upper half, paged in the lower)'],
  }],
  [0xde, { summary: 'A driver corrupted pool that backs file data in the cache.', args: [RESERVED, RESERVED, RESERVED, RESERVED] }],
  [0x41, { summary: 'Must-succeed pool was exhausted (old systems).', args: ['Size requested', 'Pages used', 'Pages requested', 'Pages available'] }],
  [0x7d, {
    summary: 'Not enough physical memory to start Windows.',
    args: ['Physical pages found', 'Lowest physical page', 'Highest physical page', 'Zero'],
  }],
];
