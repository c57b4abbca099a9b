// Bugchecks 0xB1–0x15B not covered elsewhere (boot, storage, file systems, power, kernel misuse), in this project's words.
import { type BugcheckDoc, RESERVED, sub } from './types.js';

type Notes = Partial<Record<1 | 2 | 3 | 4, string>>;

const DEPENDS = 'Depends on argument 1';
const ZERO = 'Zero';
const NOT_DOC = 'Not documented';
const NO_PARAMS = 'Not used (Microsoft documents no parameters)';
const NONE4 = [NO_PARAMS, NO_PARAMS, NO_PARAMS, NO_PARAMS] as const;
const UNDOC4 = [NOT_DOC, NOT_DOC, NOT_DOC, NOT_DOC] as const;
const RES4 = [RESERVED, RESERVED, RESERVED, RESERVED] as const;
const ALL_RES = { 2: RESERVED, 3: RESERVED, 4: RESERVED } as const;
const RW = 'Kind of access: 0 = read, 1 = write';
const REF = 'Address that was referenced';
const REF_IP = 'Address of the instruction that made the reference';
const REF_IP_KNOWN = 'Address of the instruction that made the reference (if known)';
const WORK_PARAM = 'Parameter of the work item';
const WORK_ITEM = 'Address of the work item';
const WORKER_LN = 'Address of the worker routine (run ln on it to find the driver)';
const DIRTY = 'Total number of dirty pages';
const DIRTY_PF = 'Dirty pages destined for the paging file';
const POOL_2003 = 'Server 2003: nonpaged pool available, in pages; Vista and later: reserved';
const FROM_BIOS = 'Set by the BIOS; only the hardware vendor can interpret it';
const STATUS = 'NTSTATUS of the failure';
const TAG = "Caller's identifying tag";
const OWNER_TAG = "Owner's identifying tag";
const FIRST_MAP = 'First mapping address';
const HWDE = "Miniport's HW_DEVICE_EXTENSION";
const DELAY = 'Requested delay, in microseconds';
const CBD = 'Callback data of the operation (!fltkd.cbd)';
const CTX_ARGS = { 2: "The minifilter's context structure", 3: 'The CONTEXT_NODE structure', 4: ZERO } as const;
const SRC_ARGS = { 2: 'Error source type', 3: 'Source ID', 4: ZERO } as const;
const SESSION = 'Session to the server';
const BINDING = 'The binding handle';
const GPIO_CRIT = 'Whether a critical transition is being requested';

const access = (v: bigint | undefined): string | undefined => (v === 0n ? 'read' : v === 1n ? 'write' : undefined);

/** WHEA error source types as 0x122 reports them. */
const WHEA_SOURCE: Record<string, string> = {
  0: 'machine check exception',
  1: 'corrected machine check',
  2: 'corrected platform error',
  3: 'non-maskable interrupt',
  4: 'PCI Express error',
  5: 'generic / other error source',
  6: 'IA-64 INIT error source',
  7: 'boot error source',
  8: 'SCI-based generic error source',
  9: 'Itanium machine check abort',
  10: 'Itanium corrected machine check',
  11: 'Itanium corrected platform error',
};

const hex2 = (v: bigint): string => v.toString(16).padStart(2, '0');

export const MORE_DOCS_2: ReadonlyArray<readonly [number, BugcheckDoc]> = [
  [0xb1, {
    summary: 'Microsoft lists this code but publishes no description and no parameters for it, and it is rarely seen. Use !analyze and the stack to find the component that raised it.',
    args: NONE4,
  }],
  [0xb4, {
    summary: 'Windows could not switch to graphics mode because no display driver started, usually because no video miniport driver loaded successfully. Check the display driver installation. No parameters are documented.',
    args: NONE4,
  }],
  [0xb9, {
    summary: 'By its name, an error reported by the chipset; it is very rare and Microsoft gives no further description and no parameters. Treat it as a possible platform hardware fault; !analyze may say more.',
    args: UNDOC4,
  }],
  [0xba, {
    summary: 'A session was being torn down while a driver loaded in that session still had views mapped. The leaking driver is a session driver: win32k.sys, atmfd.dll, rdpdd.dll or a display driver.',
    args: ['Session ID', 'Number of mapped views that were leaked', "Address of the session's mapped-view table", "Size of the session's mapped-view table"],
  }],
  [0xbb, {
    summary: 'While booting from the network, a critical step of I/O initialisation failed. Argument 1 says which step and argument 2 holds the failure status.',
    args: ['Step that failed (see the sub-case)', 'Status of the failure', RESERVED, RESERVED],
    selector: 1,
    subcodes: [
      sub(1, 'Updating the registry failed.'),
      sub(2, 'Starting the network stack failed: after the IOCTLs to the redirector and datagram receiver, the redirector did not become ready in time.'),
      sub(3, 'Sending the DHCP IOCTL to TCP (the way the transport learns its IP address) failed.'),
    ],
  }],
  [0xbc, {
    summary: "While booting from the network, another machine answered the ARP for this machine's IP address, so the address is in use twice. This is fatal during network boot; fix the address assignment.",
    args: [
      'IP address as a DWORD with its bytes reversed (aa.bb.cc.dd reads as 0xDDCCBBAA)',
      "Other machine's hardware address (Ethernet: the first four bytes of the MAC)",
      "Other machine's hardware address (Ethernet: the last two bytes of the MAC, in the high half)",
      "Other machine's hardware address (zero for Ethernet)",
    ],
    decode: (a) => {
      const notes: Notes = {};
      if (a[0] !== undefined) {
        const ip = a[0] & 0xffffffffn;
        notes[1] = [0n, 8n, 16n, 24n].map((s) => ((ip >> s) & 0xffn).toString()).join('.');
      }
      if (a[3] === 0n && a[1] !== undefined && a[2] !== undefined) {
        const hi = a[1] & 0xffffffffn;
        const lo = (a[2] >> 16n) & 0xffffn;
        const bytes = [hi >> 24n, hi >> 16n, hi >> 8n, hi, lo >> 8n, lo].map((b) => hex2(b & 0xffn));
        notes[2] = `Ethernet MAC ${bytes.join('-')}`;
      }
      return notes;
    },
  }],
  [0xbd, {
    summary: 'On resume from hibernation the saved memory image did not fit the hardware: the configuration changed while the machine was hibernated. Argument 1 says what changed.',
    args: ['What changed (see the sub-case)', DEPENDS, DEPENDS, RESERVED],
    selector: 1,
    subcodes: [
      sub(1, 'Fewer processors are present than when the machine hibernated.', { 2: 'Processor count before hibernation', 3: 'Processor count after resume' }),
    ],
  }],
  [0xbf, {
    summary: 'A thread tried to acquire a mutex it already owns: a recursive-locking bug in the code on the stack.',
    args: ['Address of the mutex', 'Thread that tried to acquire it', ZERO, RESERVED],
  }],
  [0xc3, {
    summary: 'This code appears in bugcodes.h, but Microsoft publishes no description or parameter documentation for it. Use !analyze and the stack to see which component raised it.',
    args: UNDOC4,
  }],
  [0xc6, {
    summary: 'A driver touched pool memory after it had been freed (a use after free). The faulty driver is usually on the current kernel stack.',
    args: [REF, RW, 'Mode: 0 = kernel mode, 1 = user mode', RESERVED],
    decode: (a) => {
      const notes: Notes = {};
      const rw = access(a[1]);
      if (rw) notes[2] = rw;
      if (a[2] === 0n) notes[3] = 'kernel mode';
      else if (a[2] === 1n) notes[3] = 'user mode';
      return notes;
    },
  }],
  [0xc8, {
    summary: 'The processor was not at the IRQL expected at that point, usually because a driver raised IRQL (for example by taking a spin lock) and did not restore it. Argument 1 packs both IRQLs and a tag saying which check fired.',
    args: [
      '(current IRQL << 16) | (expected IRQL << 8) | tag; the tag sets the meaning of arguments 2–4',
      'Depends on the tag in argument 1',
      'Depends on the tag in argument 1',
      'Depends on the tag in argument 1',
    ],
    decode: (a) => {
      if (a[0] === undefined) return {};
      const cur = (a[0] >> 16n) & 0xffn;
      const exp = (a[0] >> 8n) & 0xffn;
      const tag = a[0] & 0xffn;
      const notes: Notes = { 1: `current IRQL ${cur}, expected IRQL ${exp}, tag 0x${tag.toString(16)}` };
      if (tag === 0n || tag === 1n) Object.assign(notes, { 2: 'APC KernelRoutine', 3: 'the APC', 4: 'APC NormalRoutine' });
      else if (tag === 2n) Object.assign(notes, { 2: 'callout routine', 3: "callout's parameter" });
      else if (tag === 3n) Object.assign(notes, { 2: "interrupt's ServiceRoutine", 3: 'the KINTERRUPT' });
      else if (tag === 0xfen) notes[2] = '1 if APCs are disabled';
      return notes;
    },
  }],
  [0xcc, {
    summary: 'Driver Verifier special pool caught a reference to memory that had already been freed, often a synchronisation bug between a driver and the system. An exception handler cannot catch this; the driver name, when known, is saved in KiBugCheckDriver.',
    args: [REF, RW, REF_IP_KNOWN, RESERVED],
  }],
  [0xcd, {
    summary: "Driver Verifier special pool caught an access past the end of a driver's pool allocation (more bytes used than were allocated). An exception handler cannot catch this; the driver name, when known, is saved in KiBugCheckDriver.",
    args: [REF, RW, REF_IP_KNOWN, RESERVED],
  }],
  [0xcf, {
    summary: 'A driver used a session-space address while running in the system process, where no session is mapped, typically after handing work to a system worker thread. The driver breaks the Terminal Services memory rules; its name, when known, is in KiBugCheckDriver.',
    args: [REF, RW, REF_IP_KNOWN, RESERVED],
  }],
  [0xd0, {
    summary: 'Pageable or invalid memory was touched at too high an IRQL, and the root cause is almost certainly a driver that corrupted system pool, usually a large allocation (a page or more; smaller ones give 0xC5). Use Driver Verifier special pool, or special pool by tag, to catch the writer.',
    args: [REF, 'IRQL at the time of the reference', RW, REF_IP],
  }],
  [0xd2, {
    summary: 'An NDIS miniport driver misused NDIS (Windows 2000 and XP only; later versions report 0x7C): shared memory allocated at raised IRQL, freed wrongly or overrun, a reset completed with none pending, a corrupt packet array, or unloading without deregistering its interrupt or cancelling timers. The debugger message names the case.',
    args: [
      'Address of the miniport block (the MiniBlock for the AddDevice and unload cases)',
      'Depends on the case (bytes requested, reset status, packet, page or interrupt address)',
      'Depends on the case',
      'Depends on the case; for the unload cases 1 = initialisation failed, 2 = during halt',
    ],
  }],
  [0xd4, {
    summary: "A driver unloaded without cancelling its pending work (lookaside lists, DPCs, worker threads and the like), and the system then touched the driver's former address range at raised IRQL. The driver name, when known, is in KiBugCheckDriver; Driver Verifier helps reproduce it.",
    args: [REF, 'IRQL at the time of the reference', RW, REF_IP],
  }],
  [0xd7, {
    summary: 'A driver tried to unmap (or commit) a view at an address that was never mapped. The driver on the stack is the culprit.',
    args: ['Virtual address to unmap', '1 = the view is being unmapped, 2 = the view is being committed', ZERO, ZERO],
  }],
  [0xd9, {
    summary: "The memory manager's tracking of locked pages (per MDL) is corrupt: an MDL was inserted twice or found in the wrong list when freed. Argument 1 says which check failed.",
    args: ['Check that failed (see the sub-case)', DEPENDS, DEPENDS, DEPENDS],
    selector: 1,
    subcodes: [
      sub(1, 'An MDL was inserted a second time into the same process list.', { 2: 'Internal lock-tracking structure', 3: 'Address of the MDL', 4: 'Pages locked for the current process' }),
      sub(2, 'An MDL was inserted a second time into the system-wide list.', { 2: 'Internal lock-tracking structure', 3: 'Address of the MDL', 4: 'Pages locked for the current process' }),
      sub(3, 'Freeing the MDL showed it linked into the process\'s list twice.', { 2: 'First tracking structure found', 3: 'Internal lock-tracking structure', 4: 'Address of the MDL' }),
      sub(4, 'When freed, the MDL was still in the system-wide list although it had been removed.', { 2: 'Internal lock-tracking structure', 3: 'Address of the MDL', 4: ZERO }),
    ],
  }],
  [0xda, {
    summary: 'A driver misused the system PTE and mapping routines: freeing a mapping twice or with the wrong size or address, changing an MDL after mapping it, or misusing reserved mapping ranges. Argument 1 names the check; the driver is on the stack.',
    args: ['Check that failed (see the sub-case)', DEPENDS, DEPENDS, DEPENDS],
    selector: 1,
    subcodes: [
      sub(0x1, 'The mapping being freed duplicates another.', { 2: 'Internal lock-tracking structure', 3: 'Address of the MDL', 4: 'The duplicate tracking structure' }),
      sub(0x2, 'The number of mappings being freed is wrong.', { 2: 'Internal lock-tracking structure', 3: 'Mappings the system expects to free', 4: 'Mappings the driver asks to free' }),
      sub(0x3, 'The mapping address being freed is wrong.', { 2: 'First tracking structure found', 3: 'Mapping address the system expects', 4: 'Mapping address the driver gave' }),
      sub(0x4, "The MDL's first page changed after the MDL was mapped.", { 2: 'Internal lock-tracking structure', 3: 'PFN expected first in the MDL', 4: 'PFN now first in the MDL' }),
      sub(0x5, "The MDL's start virtual address changed after it was mapped.", { 2: 'First tracking structure found', 3: 'Virtual address the system expects', 4: 'Virtual address the driver gave' }),
      sub(0x6, 'The MDL being freed is not mapped (or never was).', { 2: 'MDL given by the driver', 3: 'Virtual address given by the driver', 4: 'Mappings to free (given by the driver)' }),
      sub(0x7, '(Windows 2000) A mapping range is being allocated twice.', { 2: 'Initial mapping', 3: 'Number of mappings', 4: RESERVED }),
      sub(0x8, '(Windows 2000) The caller frees the wrong number of mappings.', { 2: 'Initial mapping', 3: 'Mappings the caller frees', 4: 'Mappings the system expects to free' }),
      sub(0x9, '(Windows 2000) Several mappings are freed and at least one is not allocated.', { 2: 'Initial mapping', 3: 'Mappings the caller frees', 4: 'Mapping index the system thinks is already free' }),
      sub(0xa, '(Windows 2000) Zero mappings were requested.', { 2: '1 = the MDL asks for a bugcheck on failure, 0 = it does not', 3: 'Mappings being allocated', 4: 'Mapping pool type requested' }),
      sub(0xb, '(Windows 2000) The mapping list was already corrupt at allocation; the bad entry lies below the lowest mapping address.', { 2: 'The corrupt mapping', 3: 'Mappings being allocated', 4: 'Mapping pool type requested' }),
      sub(0xc, '(Windows 2000) The mapping list was already corrupt at allocation; the bad entry lies above the lowest mapping address.', { 2: 'The corrupt mapping', 3: 'Mappings being allocated', 4: 'Mapping pool type requested' }),
      sub(0xd, '(Windows 2000) Zero mappings are being freed.', { 2: 'Initial mapping', 3: 'Mappings being freed', 4: 'Mapping pool type' }),
      sub(0xe, '(Windows 2000) Mappings are being freed but the guard mapping was overwritten.', { 2: 'Initial mapping', 3: 'Mappings being freed', 4: 'Mapping pool type' }),
      sub([0xf, 0x10, 0x11], '(Windows 2000) A mapping that does not exist is being freed (0xF: below the lowest mapping address, 0x10: above the highest, 0x11: at the base).', { 2: 'The non-existent mapping', 3: 'Mappings being freed', 4: 'Mapping pool type being freed' }),
      sub(0x100, 'Zero mappings were requested.', { 2: 'Mappings requested', 3: TAG, 4: "Address of the routine that called the caller" }),
      sub(0x101, 'A caller frees a mapping range it does not own.', { 2: FIRST_MAP, 3: TAG, 4: OWNER_TAG }),
      sub(0x102, 'The mapping range being freed appears to be empty.', { 2: FIRST_MAP, 3: TAG, 4: RESERVED }),
      sub(0x103, 'The mapping range being freed is still reserved: MmUnmapReservedMapping must be called before MmFreeMappingAddress.', { 2: 'Address of the invalid mapping', 3: TAG, 4: 'Mappings in the range' }),
      sub(0x104, 'An MDL is mapped into a reserved range the caller does not own.', { 2: FIRST_MAP, 3: TAG, 4: OWNER_TAG }),
      sub(0x105, 'An MDL is mapped into an invalid reserved range (most likely a bad address).', { 2: FIRST_MAP, 3: TAG, 4: RESERVED }),
      sub(0x107, 'An MDL is mapped into a reserved range that still holds a mapping; MmUnmapReservedMapping should come before MmMapLockedPagesWithReservedMapping.', { 2: FIRST_MAP, 3: 'Address of the mapping still present', 4: 'Last mapping address' }),
      sub(0x108, 'A locked range the caller does not own is being unmapped.', { 2: FIRST_MAP, 3: TAG, 4: OWNER_TAG }),
      sub(0x109, 'A locked range being unmapped appears to be empty.', { 2: FIRST_MAP, 3: TAG, 4: RESERVED }),
      sub(0x10a, 'More mappings are being unmapped than the locked range holds.', { 2: FIRST_MAP, 3: 'Mappings in the locked range', 4: 'Mappings to unmap' }),
      sub(0x10b, 'Part of a locked range that is not mapped is being unmapped.', { 2: FIRST_MAP, 3: TAG, 4: 'Mappings to unmap' }),
      sub(0x10c, 'The locked range is not being unmapped in full.', { 2: FIRST_MAP, 3: TAG, 4: 'Mappings to unmap' }),
      sub(0x200, 'A range containing no mappings is being reserved.', { 2: FIRST_MAP, 3: ZERO, 4: ZERO }),
      sub([0x201, 0x202], 'One of the mappings being reserved is already reserved.', { 2: 'First mapping address to reserve', 3: 'The mapping already reserved', 4: 'Mappings to reserve' }),
      sub(0x300, 'A range containing no mappings is being released.', { 2: 'First mapping address to release', 3: ZERO, 4: ZERO }),
      sub(0x301, 'The caller releases a mapping it is not allowed to release.', { 2: 'Address of the mapping', 3: ZERO, 4: ZERO }),
      sub(0x302, 'A system address that is not mapped is being released.', { 2: 'Address being released', 3: RESERVED, 4: RESERVED }),
      sub(0x303, 'A range that was never reserved is being released.', { 2: FIRST_MAP, 3: 'Mappings to release', 4: ZERO }),
      sub(0x304, 'The range being released starts inside a different allocation.', { 2: FIRST_MAP, 3: 'Mappings to release', 4: ZERO }),
      sub(0x305, 'The wrong number of mappings is being released.', { 2: FIRST_MAP, 3: 'Mappings the caller releases', 4: 'Mappings that should be released' }),
      sub(0x306, 'One of the mappings being released is already free.', { 2: FIRST_MAP, 3: 'The free mapping address', 4: 'Mappings to release' }),
      sub(0x400, 'An I/O space mapping the system does not know about is being freed.', { 2: 'Base address of the I/O space mapping', 3: 'Pages to free', 4: ZERO }),
    ],
  }],
  [0xdb, {
    summary: 'Pageable or invalid memory was touched at too high an IRQL, almost always because a driver corrupted system PTEs. Setting TrackPtes = 3 under the Memory Management registry key and rebooting turns a repeat into 0xDA with the culprit on the stack.',
    args: [REF, 'IRQL at the time of the reference', RW, REF_IP],
  }],
  [0xdc, {
    summary: "A driver accessed a stack address below the thread's current stack pointer, memory that is not part of the live stack. No parameters are documented; the driver is on the stack.",
    args: NONE4,
  }],
  [0xdf, {
    summary: 'A work item returned to its system worker thread while still impersonating another security context; it must end impersonation before returning. Run ln on argument 1 to find the driver.',
    args: ['Worker routine that returned while impersonating', 'Parameter passed to the worker routine', WORK_ITEM, RESERVED],
  }],
  [0xe0, {
    summary: 'The firmware (BIOS) reported that a system component is too faulty for Windows to run. A hardware problem: run the vendor diagnostics and contact the system vendor, who alone can read the arguments.',
    args: [FROM_BIOS, FROM_BIOS, FROM_BIOS, FROM_BIOS],
  }],
  [0xe1, {
    summary: 'A work item routine returned to its worker thread at DISPATCH_LEVEL or above (it raised IRQL or took a spin lock and did not undo it). Run ln on argument 1 to find the driver.',
    args: ['Address of the worker routine', 'IRQL at which it returned', WORK_PARAM, WORK_ITEM],
  }],
  [0xe5, {
    summary: 'This code appears in bugcodes.h (by its name, a simulated power failure), but Microsoft publishes no description or parameter documentation for it.',
    args: UNDOC4,
  }],
  [0xe7, {
    summary: "A thread's saved floating-point state failed a validity check when it was restored: bad flags, a different IRQL, or another thread's state. Usually a driver that pairs KeSaveFloatingPointState and KeRestoreFloatingPointState wrongly.",
    args: ['Check that failed (see the sub-case)', DEPENDS, DEPENDS, 'Not used'],
    selector: 1,
    subcodes: [
      sub(0, 'The saved flags are invalid: FLOAT_SAVE_VALID is clear or reserved bits are set.', { 2: 'The flags field', 3: ZERO }),
      sub(1, 'The current IRQL differs from the IRQL at which the state was saved.', { 2: 'IRQL when saved', 3: 'Current IRQL' }),
      sub(2, 'The saved state belongs to a different thread.', { 2: 'Thread that owns the saved state', 3: 'Current thread' }),
    ],
  }],
  [0xe8, {
    summary: 'IoCancelFileOpen was handed a file object it cannot cancel (the object must have exactly one reference); blame the driver that called it.',
    args: ['File object passed to IoCancelFileOpen', 'Device object passed to IoCancelFileOpen', RESERVED, RESERVED],
  }],
  [0xe9, {
    summary: 'An executive worker thread was terminated while active, without going through worker thread rundown; work items queued to the system worker queues must never end their thread. The stack shows who did it.',
    args: ['The exiting ETHREAD', RESERVED, RESERVED, RESERVED],
  }],
  [0xeb, {
    summary: 'Free pages ran out because modified pages could not be written: the file system stack deadlocked, or a storage driver stopped processing requests, and most dirty pages are destined for it. Any file system, filter or storage driver may be at fault; use !vm 3 and !process 0 7.',
    args: [DIRTY, DIRTY_PF, POOL_2003, 'Server 2003: transition pages stranded; Vista and later: latest modified-write error status'],
  }],
  [0xec, {
    summary: 'A session went away while one of its drivers still owned special pool blocks: a leak by a session driver (win32k.sys, atmfd.dll, rdpdd.dll or the display driver).',
    args: ['Session ID', 'Number of special pool pages leaked', RESERVED, RESERVED],
  }],
  [0xf0, {
    summary: 'A storage miniport driver did not complete a request (SRB): not even after a reset or an abort, not within its time-out, or not for an inline-crypto key operation. Argument 2 names the miniport driver.',
    args: ['Kind of failure (see the sub-case)', 'Address of a UNICODE_STRING with the miniport driver name', DEPENDS, DEPENDS],
    selector: 1,
    subcodes: [
      sub(1, 'The request was still not completed after a successful reset.', { 3: 'Address of the SRB', 4: 'Storport unit device object' }),
      sub(2, 'The request was still not completed after its SRB was successfully aborted.', { 3: 'Address of the abort SRB', 4: 'The SRB being aborted' }),
      sub(3, 'A request was not completed within its time-out.', { 3: 'Address of the SRB', 4: 'Time-out of the request' }),
      sub(4, 'A crypto operation was not completed (for example installing a key on a UFS host with an inline crypto engine).', { 3: 'STOR_CRYPTO_OPERATION_TYPE of the failure (usually StorCryptoOperationInsertKey)', 4: RESERVED }),
    ],
  }],
  [0xf1, {
    summary: "Driver Verifier's SCSI or Storport verification caught a storage miniport driver breaking a rule. It only happens with Driver Verifier on; argument 1 names the rule.",
    args: ['Rule that was broken (see the sub-case)', DEPENDS, DEPENDS, DEPENDS],
    selector: 1,
    subcodes: [
      sub(0x1000, 'Bad arguments were passed to ScsiPortInitialize.', { 2: 'First argument passed', 3: 'Second argument passed', 4: RESERVED }),
      sub(0x1001, 'ScsiPortStallExecution was asked to stall for more than 0.1 s.', { 2: DELAY, 3: RESERVED, 4: RESERVED }),
      sub(0x1002, 'A storage miniport routine took longer than 0.5 s to return to the port driver (5 s for HwInitialize; FindAdapter has no limit).', { 2: 'Address of the slow routine', 3: HWDE, 4: 'Run time, in microseconds' }),
      sub(0x1003, 'The miniport completed a request more than once.', { 2: HWDE, 3: 'Address of the SRB', 4: RESERVED }),
      sub(0x1004, 'A request came back from the miniport with an SRB status that is not valid.', { 2: 'Address of the SRB', 3: HWDE, 4: RESERVED }),
      sub(0x1005, 'The miniport asked for NextLuRequest through ScsiPortNotification while an untagged request was still active.', { 2: HWDE, 3: 'Address of the LOGICAL_UNIT_EXTENSION', 4: RESERVED }),
      sub(0x1006, 'ScsiPortGetPhysicalAddress got an invalid virtual address (usually one outside the common buffer).', { 2: HWDE, 3: 'The invalid virtual address', 4: RESERVED }),
      sub(0x1007, 'The bus reset hold period ended with requests still outstanding in the miniport.', { 2: 'Address of the ADAPTER_EXTENSION', 3: HWDE, 4: RESERVED }),
      sub(0x2001, 'StorPortStallExecution was asked to stall for more than 0.1 s.', { 2: DELAY, 3: RESERVED, 4: RESERVED }),
      sub(0x2002, 'StorPortGetUncachedExtension was called outside HwStorFindAdapter (only allowed there, for bus-master adapters, after SrbExtensionSize is set).', ALL_RES),
      sub(0x2003, 'StorPortGetDeviceBase got an address that Plug and Play did not assign to the driver.', ALL_RES),
      sub(0x2004, 'The Storport miniport completed the same request more than once.', ALL_RES),
      sub(0x2005, 'A StorPortReadXxx or StorPortWriteXxx routine got an address outside the ranges mapped by StorPortGetDeviceBase.', ALL_RES),
    ],
  }],
  [0xf2, {
    summary: 'A level-triggered interrupt stayed asserted (an interrupt storm) that would otherwise hang the machine: a device not dropping its interrupt line, a driver not telling it to or claiming an interrupt that is not its own, a wrong ELCR setting, or edge- and level-triggered devices sharing an IRQ. Look at the other devices on the same IRQ.',
    args: ['Address of the ISR (the first one in the chain) on the storming vector', 'ISR context value', 'Address of the interrupt object of the storming vector', '1 = ISR not chained, 2 = ISR chained'],
    selector: 4,
    subcodes: [
      sub(1, 'Only one ISR is connected: its module is very likely the culprit (a driver bug or faulty hardware).'),
      sub(2, 'The ISR is the first of a chain, so its module is not necessarily the culprit.'),
    ],
  }],
  [0xf3, {
    summary: 'Shutdown could not finish because free pages ran out: applications and drivers kept using memory after the modified page writer had stopped, so no page could be reclaimed.',
    args: [DIRTY, DIRTY_PF, POOL_2003, 'Server 2003: current shutdown stage; Vista and later: latest modified-write error status'],
  }],
  [0xf5, {
    summary: 'The Filter Manager hit a failure it cannot recover from, usually caused by a file system minifilter misusing it (callbacks, contexts, name information). Argument 1 names the problem; the !fltkd extension helps.',
    args: ['Kind of failure (see the sub-case)', DEPENDS, DEPENDS, DEPENDS],
    selector: 1,
    subcodes: [
      sub(0x66, 'A minifilter\'s pre-operation callback asked for post-processing (FLT_PREOP_SUCCESS_WITH_CALLBACK or FLT_PREOP_SYNCHRONIZE) for an operation it has no post-operation callback for.', { 2: CBD, 3: ZERO, 4: ZERO }),
      sub(0x67, 'Filter Manager could not grow one of its internal objects (often a sign of a nonpaged pool leak).', { 2: CBD, 3: ZERO, 4: 'NTSTATUS of the operation' }),
      sub(0x68, 'A FLT_FILE_NAME_INFORMATION structure was released too many times.', { 2: RESERVED, 3: 'Address of the FLT_FILE_NAME_INFORMATION', 4: RESERVED }),
      sub(0x6a, 'A file open or create could not be cancelled because handles to the file already exist.', { 2: 'File object of the file', 3: ZERO, 4: ZERO }),
      sub(0x6b, 'An internal "back pocket" IRP control structure is in an invalid state.', { 2: 'Frame ID', 3: ZERO, 4: 'Thread' }),
      sub(0x6c, 'Too many nested page faults for a back-pocket IRP control structure.', { 2: 'Frame ID', 3: 'Back-pocket list', 4: 'Thread' }),
      sub(0x6d, 'A minifilter context was released too often (FltReleaseContext): its CONTEXT_NODE count reached zero while still attached.', CTX_ARGS),
      sub(0x6e, 'A minifilter context was referenced after it had been freed (FltReferenceContext after deletion).', CTX_ARGS),
    ],
  }],
  [0xf6, {
    summary: "The PCI driver's verifier found a device or the BIOS misbehaving. Only argument 1 is meaningful.",
    args: ['Kind of failure (see the sub-case)', NOT_DOC, NOT_DOC, NOT_DOC],
    selector: 1,
    subcodes: [
      sub(1, 'The BIOS reprogrammed an active bridge during a docking event.'),
      sub(2, 'A device\'s PMCSR power-state register did not change within the delay the PCI specification allows.'),
      sub(3, "A driver wrote to parts of a PCI device's configuration space that Windows controls."),
    ],
  }],
  [0xf8, {
    summary: 'Booting from a RAM disk failed during initialisation. Argument 1 says which step; argument 2 holds the NTSTATUS.',
    args: ['Step that failed (see the sub-case)', STATUS, ZERO, ZERO],
    selector: 1,
    subcodes: [
      sub(1, 'The loader memory list holds no LoaderXIPRom descriptor.'),
      sub(2, 'The RAM disk driver (ramdisk.sys, \\Device\\Ramdisk) could not be opened.'),
      sub(3, 'FSCTL_CREATE_RAM_DISK failed.'),
      sub(4, 'A binary GUID could not be converted to a string.'),
      sub(5, 'The symbolic link to the RAM disk device could not be created.'),
    ],
  }],
  [0xf9, {
    summary: 'A driver answered an IRP_MJ_CREATE for a volume itself (no trailing file name) with STATUS_REPARSE, which is only allowed for opens with a trailing name. A file system or filter driver bug.',
    args: ['Device object that was opened', 'Device object the IRP_MJ_CREATE was sent to', 'Address of the UNICODE_STRING with the new name to reparse to', 'Information the driver returned for the create'],
  }],
  [0xfa, {
    summary: 'The HTTP kernel driver (http.sys) found its own state corrupt and cannot recover. Argument 1 says which check failed.',
    args: ['Check that failed (see the sub-case)', DEPENDS, DEPENDS, DEPENDS],
    selector: 1,
    subcodes: [
      sub(1, 'A work item is invalid; left alone it would corrupt the thread pool and end in an access violation.', { 2: 'Address of the work item', 3: 'Name of the source file holding the check', 4: 'Line number of the check in that file' }),
    ],
  }],
  [0xff, {
    summary: 'An item was inserted into a reserve queue that was already full, so the queue overflowed.',
    args: ['Address of the reserve queue', 'Size of the reserve queue', ZERO, ZERO],
  }],
  [0x100, {
    summary: 'The loader parameter block passed by the boot loader is invalid or does not match the system being started. Suspect mismatched or damaged boot files.',
    args: ['The value 3', 'Size of the loader block extension', 'Major version of the loader block', 'Minor version of the loader block'],
  }],
  [0x103, {
    summary: 'The multiple UNC provider (MUP) found invalid or unexpected data and cannot route a remote file request to a network redirector. A file system filter driver is the usual cause.',
    args: ['Kind of violation (see the sub-case)', DEPENDS, DEPENDS, DEPENDS],
    selector: 1,
    subcodes: [
      sub(1, 'MUP has no file context for a file object, typically because it never saw the IRP_MJ_CREATE for it; most likely a filter driver.', { 2: 'The pending IRP', 3: 'File object whose context is missing', 4: 'The device object' }),
      sub(2, 'The file object has a file context, but not the expected one (for example NULL).', { 2: 'Expected file context', 3: 'Value actually read from the file object', 4: RESERVED }),
      sub(3, 'An IRP completed with an unexpected or invalid status (checked builds only: a filter on a legacy redirector failed IRP_MJ_CLEANUP or IRP_MJ_CLOSE).', { 2: 'The IRP context', 3: 'Completion status of the IRP', 4: 'Driver object of the UNC provider that completed it (may be NULL)' }),
      sub(4, 'I/O was started on a file object before its create request had completed.', { 2: 'The IRP', 3: 'The file object', 4: 'File context of the file object' }),
    ],
  }],
  [0x104, {
    summary: 'The GPU wrote to AGP memory that had not been committed. Usually an unsigned or poorly tested video driver, or an old BIOS; update both.',
    args: ['Offset, in ULONGs, into the AGP verifier page of the first corrupted ULONG', ZERO, ZERO, ZERO],
  }],
  [0x105, {
    summary: 'The AGP graphics aperture remapping table (GART) is corrupt, usually because a driver performed bad DMA. Enable Driver Verifier on unsigned drivers to find it.',
    args: ['Virtual base address of the GART', 'Offset into the GART where the damage was found', 'Virtual base of the cached copy of the GART', ZERO],
  }],
  [0x106, {
    summary: 'The AGP hardware was reprogrammed by something not entitled to do so: its command register no longer holds the value Windows set. Usually an unsigned or poorly tested video driver.',
    args: ['Command register value originally programmed', 'Current command register value', ZERO, ZERO],
  }],
  [0x108, {
    summary: 'A non-Microsoft file system or filter driver met a failure it could not recover from: disk corruption or bad sectors, faulty storage drivers, or exhausted nonpaged pool. Run .cxr on argument 3 and then kb to see the failing stack.',
    args: ['File system that failed (see the sub-case)', 'Address of the exception record', 'Address of the context record', RESERVED],
    selector: 1,
    subcodes: [sub(1, 'Polyserve (Psfs.sys).')],
  }],
  [0x10a, {
    summary: 'By its name, application tagging failed to initialise. It is very rare, and Microsoft gives no further description and no parameters.',
    args: UNDOC4,
  }],
  [0x10c, {
    summary: 'A check in the FsRtl extra create parameter (ECP) package failed: an ECP or ECP list is corrupt, was not allocated by FsRtl, or carries undefined or forbidden flags. Look at the driver that built or passed the ECPs.',
    args: ['Kind of violation (see the sub-case)', ZERO, 'Address of the ECP', 'Start address of the ECP list'],
    selector: 1,
    subcodes: [
      sub(0x1, 'The ECP signature is invalid (a bad pointer or memory corruption).'),
      sub(0x2, 'The ECP has undefined flags set.'),
      sub(0x3, 'The ECP was not allocated by FsRtl.'),
      sub(0x4, 'The ECP has flags set that a create caller may not pass.'),
      sub(0x5, 'The ECP is corrupt: its size is smaller than its header.'),
      sub(0x6, 'An ECP being freed still has non-empty list links, so it may still be on a list.'),
      sub(0x11, 'The ECP list signature is invalid (a bad pointer or memory corruption).'),
      sub(0x12, 'The ECP list has undefined flags set.'),
      sub(0x13, 'The ECP list was not allocated by FsRtl.'),
      sub(0x14, 'The ECP list has flags set that a create caller may not pass.'),
      sub(0x15, 'The create caller passed an empty ECP list.'),
    ],
  }],
  [0x10f, {
    summary: 'A kernel-mode resource manager raised an exception in a callback made directly by the kernel transaction manager (KTM) and is left in an unrecoverable state.',
    args: ['Address of the exception record', 'Address of the context record', 'Address of the exception code', 'Address of the resource manager'],
  }],
  [0x111, {
    summary: 'A non-maskable interrupt arrived while an earlier one was still being handled. This points at firmware: system management interrupt (SMI) code that interrupted the NMI handler and re-enabled interrupts. No parameters are documented.',
    args: UNDOC4,
  }],
  [0x112, {
    summary: 'The kernel RPC driver (msrpc.sys) stopped the system because its caller broke the rules for calls, binding handles, pipes or asynchronous handles. Argument 1 names the rule; only arguments 1 and 2 matter.',
    args: ['Kind of violation (see the sub-case)', DEPENDS, 'Not of interest', 'Not of interest'],
    selector: 1,
    subcodes: [
      sub(0x01, 'The caller continued an exception that cannot be continued.', { 2: 'The exception code' }),
      sub(0x02, 'ALPC returned an invalid error.', { 2: 'The error' }),
      sub(0x03, 'The MSRPC driver was unloaded while still in use (binding handles are probably still open).', { 2: SESSION }),
      sub([0x04, 0x05], 'ALPC delivered an invalid close command.', { 2: SESSION }),
      sub(0x06, 'An RPC binding handle was bound a second time.', { 2: BINDING }),
      sub(0x07, 'An operation was attempted on a binding handle that is not bound.', { 2: BINDING }),
      sub(0x08, 'Security information was set on a binding handle that is already bound.', { 2: BINDING }),
      sub(0x09, 'An option was set on a binding handle that is already bound.', { 2: BINDING }),
      sub(0x0a, 'An invalid asynchronous call was cancelled.', { 2: 'The call object' }),
      sub(0x0b, 'A push on an asynchronous pipe call came when none was expected.', { 2: 'The call object' }),
      sub([0x0c, 0x0e], 'A push on an asynchronous pipe was made without waiting for notification.', { 2: 'The pipe object' }),
      sub(0x0f, 'A pipe was terminated synchronously a second time.', { 2: 'The pipe object' }),
      sub(0x15, 'An internal RPC error.', { 2: 'Object nearest to the error' }),
      sub(0x16, 'Calls that must stay ordered were made in a way that RPC cannot keep in order.', { 2: RESERVED }),
      sub(0x17, 'A server manager routine completed its call without unsubscribing from notifications.', { 2: 'The call object' }),
      sub(0x18, 'An invalid operation was done on an asynchronous handle.', { 2: 'The async handle' }),
    ],
  }],
  [0x114, {
    summary: 'The video shadow driver detected a violation. It is very rare and Microsoft documents no parameters.',
    args: UNDOC4,
  }],
  [0x115, {
    summary: 'The AGP (accelerated graphics port) driver detected a violation. It is very rare and Microsoft documents no parameters.',
    args: UNDOC4,
  }],
  [0x11a, {
    summary: 'By its name, the kernel errata manager (EM) failed to initialise. It is very rare, and Microsoft gives no further description and no parameters.',
    args: UNDOC4,
  }],
  [0x11b, {
    summary: "A driver's Cancel routine returned without releasing the global cancel spin lock, so later cancellations would deadlock or fail. The routine in argument 2 must release the lock (IoReleaseCancelSpinLock) before returning.",
    args: ['IRP that was cancelled (may not be valid)', 'Address of the Cancel routine', NOT_DOC, NOT_DOC],
  }],
  [0x11c, {
    summary: "Something wrote to the configuration manager's (registry's) read-only protected storage. The driver name, when known, is saved in KiBugCheckDriver.",
    args: ['Virtual address of the attempted write', 'Contents of the PTE', RESERVED, RESERVED],
  }],
  [0x11d, {
    summary: 'Event Tracing for Windows (ETW) hit an unexpected fatal error. Argument 1 names the subtype; the other arguments are documented only for a few subtypes.',
    args: ['Subtype (see the sub-case)', 'Depends on argument 1 (not documented for most subtypes)', NOT_DOC, NOT_DOC],
    selector: 1,
    subcodes: [
      sub(0x1, 'Security could not be initialised.'),
      sub(0x2, 'A processor could not be initialised.'),
      sub(0x3, 'A kernel-mode registration is corrupt.'),
      sub(0x4, 'An unregistration was given an invalid handle.'),
      sub(0x5, 'An EventWrite call overran its data.'),
      sub(0x6, 'An event was lost.'),
      sub(0x7, 'A trace buffer is corrupt.'),
      sub(0x8, 'Cache-aware rundown protection for an ETW logger context could not be allocated.', { 2: 'Logger ID' }),
      sub(0x9, 'An ETW GUID entry has a reference count that is illegal for its state.', { 2: 'Pointer to the ETW_GUID_ENTRY' }),
    ],
  }],
  [0x11e, {
    summary: 'Under low-resource conditions a file system caused more nested (recursive) faults than can be handled. No parameters are documented.',
    args: NONE4,
  }],
  [0x11f, {
    summary: 'The first handle to a driver object was closed by someone between inserting the driver object and referencing that handle.',
    args: ['Handle value of the driver object', 'Status returned when referencing the object', 'Address of the DRIVER_OBJECT', RESERVED],
  }],
  [0x120, {
    summary: 'BitLocker drive encryption hit a problem it cannot recover from. Microsoft does not publish the meaning of the problem types in argument 1.',
    args: ['Kind of problem (values not documented)', RESERVED, RESERVED, RESERVED],
  }],
  [0x121, {
    summary: 'A driver called a routine at an IRQL the routine does not allow. The stack names the driver.',
    args: ['Kind of violation (see the sub-case)', 'Current IRQL', DEPENDS, RESERVED],
    selector: 1,
    subcodes: [
      sub(0x1, 'The routine may only be called at one specific IRQL.', { 3: 'Required IRQL' }),
      sub(0x2, 'The IRQL is higher than the routine allows.', { 3: 'Highest allowed IRQL' }),
    ],
  }],
  [0x122, {
    summary: "The Windows Hardware Error Architecture itself failed (this is not a hardware error report): often a bug in a vendor's PSHED plug-in, or in the firmware's error records or error injection. Argument 1 says what failed.",
    args: ['What failed (see the sub-case)', DEPENDS, DEPENDS, DEPENDS],
    selector: 1,
    subcodes: [
      sub(0x1, 'WHEA could not allocate memory for every error source listed in the HEST table.', { 2: 'Size of memory', 3: 'Number of error sources', 4: ZERO }),
      sub(0x2, 'Not enough memory could be allocated for a WHEA information block per processor.', { 2: 'Number of processors', 3: ZERO, 4: ZERO }),
      sub(0x5, 'Allocating memory for the error sources, or enumerating them, failed.', { 2: 'Status', 3: 'Initialisation phase', 4: ZERO }),
      sub(0x6, 'An error source (type in argument 4) failed to initialise during the phase in argument 3.', { 2: 'Status', 3: 'Phase', 4: 'Error source type' }),
      sub(0x7, 'A memory allocation failed.', { 2: 'Status', 3: ZERO, 4: ZERO }),
      sub(0x8, 'Not enough memory could be allocated for all error source descriptors.', { 2: 'Number of error sources', 3: ZERO, 4: ZERO }),
      sub(0x9, 'An uncorrected error arrived from an invalid error source.', SRC_ARGS),
      sub(0xa, 'No error record could be allocated for an uncorrected error.', SRC_ARGS),
      sub(0xb, 'The error record for an uncorrected error could not be filled in.', SRC_ARGS),
    ],
    decode: (a) => {
      const name = (v: bigint | undefined) => (v === undefined ? undefined : WHEA_SOURCE[v.toString()]);
      if (a[0] === 0x6n) {
        const s = name(a[3]);
        return s ? { 4: s } : {};
      }
      if (a[0] === 0x9n || a[0] === 0xan || a[0] === 0xbn) {
        const s = name(a[1]);
        return s ? { 2: s } : {};
      }
      return {};
    },
  }],
  [0x123, {
    summary: 'A mandatory self-test of a cryptographic algorithm failed while the system was starting. No parameters are documented.',
    args: NONE4,
  }],
  [0x125, {
    summary: "The network module registrar (NMR), which attaches network providers and clients to each other, found something in an invalid state. Microsoft's list of argument 1 values appears to be copied from bug check 0x124, so it is not reproduced here.",
    args: ['Subtype of the invalid state', 'Pointer to the handle involved (Microsoft calls it the "NMI handle")', 'Pointer to the expected type, when available', RESERVED],
  }],
  [0x126, {
    summary: 'A bad request was made to a memory pool managed by NETIO (such as its FSB and MDL pools): a pool or an MDL was found in an invalid state.',
    args: ['Subtype (see the sub-case)', DEPENDS, DEPENDS, DEPENDS],
    selector: 1,
    subcodes: [
      sub(0x1, 'The pool is in an invalid state.', { 2: 'Memory block or MDL', 3: 'Page', 4: 'Per-CPU pool' }),
      sub(0x2, 'An MDL is in an invalid state.', { 2: 'The MDL', 3: 'Per-CPU pool', 4: 'Pool header' }),
    ],
  }],
  [0x127, {
    summary: 'A page that should have been all zeros was not: either a memory hardware fault, or a privileged component that wrote to the page after freeing it.',
    args: ['Virtual address that maps the damaged page', 'Physical page number', 'Zero (reserved)', 'Zero (reserved)'],
  }],
  [0x129, {
    summary: "A work item routine changed its worker thread's paging I/O priority and did not restore it before returning. Run ln on argument 1 to find the driver.",
    args: [WORKER_LN, 'Current paging I/O priority', WORK_PARAM, WORK_ITEM],
  }],
  [0x12a, {
    summary: 'Windows found no installed, licensed language pack for the system default UI language. Repair the language packs or the default UI language setting.',
    args: ['Subtype (see the sub-case)', 'NTSTATUS giving the reason', RESERVED, RESERVED],
    selector: 1,
    subcodes: [
      sub(0x1, 'No installed language packs were found during phase 1 initialisation.'),
      sub(0x2, 'No installed, licensed pack for the default UI language was found while building the kernel cache.'),
    ],
  }],
  [0x12d, {
    summary: 'The volume shadow copy driver (volsnap) accessed one shared table from two threads at once, which can corrupt it. No parameters are documented.',
    args: NONE4,
  }],
  [0x12e, {
    summary: 'IoBuildPartialMdl was asked to describe a virtual range that lies outside the source MDL. Usually a bug in the driver that called it; the arguments are those of the call.',
    args: ['Source MDL passed to IoBuildPartialMdl', 'Target MDL passed to it', 'Virtual address passed to it', 'Length passed to it'],
  }],
  [0x12f, {
    summary: 'Booting from a virtual hard disk (VHD) failed during initialisation. Argument 1 says which step; argument 2 holds the NTSTATUS.',
    args: ['Step that failed (see the sub-case)', STATUS, RESERVED, RESERVED],
    selector: 1,
    subcodes: [
      sub(1, 'The VHD information could not be read from the boot device.'),
      sub(2, 'The device holding the parent VHD did not appear in time.'),
      sub(3, 'Memory for the VHD path string could not be allocated.'),
      sub(4, 'The VHD path could not be built.'),
      sub(5, 'Mounting the VHD boot device failed.'),
      sub(6, 'Sleep states could not be disabled.'),
      sub(7, 'Memory for the VHD information could not be allocated.'),
      sub(8, 'The VHD information could not be built.'),
    ],
  }],
  [0x130, {
    summary: 'A processor added while the system was running is not compatible with the current processor configuration. No parameters are documented.',
    args: NONE4,
  }],
  [0x131, {
    summary: 'Saving or restoring extended processor state was attempted with an invalid combination of parameters: a bad feature mask, too high an IRQL, or a save and restore that do not match in level or thread. Look at the driver calling the extended-state save/restore routines.',
    args: ['Check that failed (see the sub-case)', DEPENDS, DEPENDS, DEPENDS],
    selector: 1,
    subcodes: [
      sub(0, 'The feature mask is invalid, or extended processor state is not enabled.', { 2: 'Nonzero if extended state is enabled', 3: 'Low 32 bits of the feature mask', 4: 'High 32 bits of the feature mask' }),
      sub(1, 'Extended state was saved or restored above DISPATCH_LEVEL.', { 2: 'The IRQL', 3: RESERVED, 4: RESERVED }),
      sub(2, 'The state saved earlier is for the same or a higher level.', { 2: 'Saved level', 3: 'Current level', 4: RESERVED }),
      sub(3, 'The state saved earlier belongs to another thread.', { 2: 'Thread that saved it', 3: 'Current thread', 4: RESERVED }),
      sub(4, 'The state saved earlier is for a different level.', { 2: 'Saved level', 3: 'Current level', 4: RESERVED }),
    ],
  }],
  [0x132, {
    summary: 'An executive resource (ERESOURCE) routine was given an owner pointer that is not valid.',
    args: ['The resource', "The resource's OwnerTable", 'Current thread', 'Owner pointer that was supplied'],
  }],
  [0x134, {
    summary: 'The Drive Extender component (storage pooling in Windows Home Server) hit a severe internal error. No parameters are documented.',
    args: NONE4,
  }],
  [0x135, {
    summary: 'A registry filter driver let an exception escape from its registry notification callback. Argument 3 names the callback; run .cxr on argument 2 to see where it faulted.',
    args: ['Exception code', 'Address of the context record of the exception', "Address of the driver's callback routine", RESERVED],
  }],
  [0x136, {
    summary: 'Booting from a VHD failed because the volume holding the VHD file lacks the free space to expand it to its full size. Free up space on the host volume.',
    args: ['0 = the VHD file could not be expanded to its full size', 'NTSTATUS', RESERVED, RESERVED],
  }],
  [0x137, {
    summary: 'The win32k (USER) handle manager detected a fatal error. Sometimes more arguments than those listed are supplied.',
    args: [RESERVED, 'Address of the object, if available', RESERVED, RESERVED],
  }],
  [0x138, {
    summary: 'The GPIO class extension driver hit a fatal error, caused by a GPIO controller driver, a client driver, the power framework or firmware data. Argument 1 says which.',
    args: ['Kind of error (see the sub-case)', DEPENDS, DEPENDS, DEPENDS],
    selector: 1,
    subcodes: [
      sub(1, 'No GPIO controller is registered for the given GSIV.', { 2: 'The GSIV', 3: RESERVED, 4: RESERVED }),
      sub(2, 'A GPIO client sent a lock or unlock request with a context that is not valid.', { 2: 'Context value', 3: RESERVED, 4: RESERVED }),
      sub(3, 'The power framework (PoFx) asked for a bank to go through F1 inappropriately, and/or through a critical transition.', { 2: GPIO_CRIT, 3: 'Whether the bank is already in F1 from a non-critical transition', 4: 'Whether the bank is already in F1 from a critical transition' }),
      sub(4, 'The power framework (PoFx) asked for a bank to go through F0 inappropriately, and/or through a critical transition.', { 2: GPIO_CRIT, 3: 'Whether the bank is in F1 from a non-critical transition', 4: 'Whether the bank is in F1 from a critical transition' }),
      sub(5, 'An interrupt operation on an on-SoC GPIO controller failed.', { 2: 'NTSTATUS', 3: 'GPIO device extension', 4: 'GPIO interrupt parameters' }),
      sub(6, 'An I/O operation on an on-SoC GPIO controller failed.', { 2: 'NTSTATUS', 3: 'GPIO device extension', 4: 'GPIO I/O parameters' }),
      sub(7, 'A _DSM method returned malformed data.', { 2: 'Revision ID', 3: 'Function index', 4: RESERVED }),
    ],
  }],
  [0x13b, {
    summary: 'The kernel found a passive-level interrupt misused: a driver tried to take an interrupt spin lock on a passive-level interrupt object.',
    args: ['Kind of error (see the sub-case)', 'Address of the KINTERRUPT of the passive-level interrupt', RESERVED, RESERVED],
    selector: 1,
    subcodes: [sub(1, 'An interrupt spin lock was acquired with a passive-level interrupt object.')],
  }],
  [0x13c, {
    summary: 'A thread exited with a non-zero I/O boost state (it must be zero at exit): an I/O priority boost or throttle was never undone.',
    args: ['Thread with the invalid boost state', 'Current boost state or throttle count', RESERVED, RESERVED],
  }],
  [0x13d, {
    summary: 'Early kernel initialisation failed. All arguments are reserved.',
    args: RES4,
  }],
  [0x140, {
    summary: 'The storage driver stack saw a device respond too slowly too often (past the allowed threshold) or stop responding. Check the disk, its firmware and cabling, and the controller driver; no parameters are documented.',
    args: NONE4,
  }],
  [0x142, {
    summary: 'A live kernel dump taken for diagnosis, not a crash: an application was blocked from using the graphics hardware. Secondary data with tag {270A33FD-3DA6-460D-BA89-3C1BAE21E39B} (.enumtag) holds more TDR detail.',
    args: ['TDR recovery context (TDR_RECOVERY_CONTEXT), if any', 'Pointer into the responsible driver module (for example an owner tag)', 'Secondary driver-specific bucketing key', 'ID of the process blocked from the GPU'],
  }],
  [0x143, {
    summary: "The processor power management (PPM) driver met a condition it cannot reconcile, usually while changing idle or performance states; the root cause may lie in the kernel, the HAL or the platform's power engine plug-in (PEP). Argument 1 says which.",
    args: ['Kind of failure (see the sub-case)', DEPENDS, DEPENDS, DEPENDS],
    selector: 1,
    subcodes: [
      sub(1, 'The PEP did not accept a notification it is required to accept.', { 2: 'PEP runtime notification type', 3: 'The notification message', 4: 'Processor device context (FDO_DATA) that sent it' }),
      sub(2, 'The PEP returned an invalid processor idle state.', {
        2: 'Kind: 0 = too many processors for a coordinated idle state, 1 = bad processor idle state, 2 = bad platform idle state',
        3: 'If kind 0: processors requested; 1: idle state index; 2: platform idle state index',
        4: 'Processor device context (FDO_DATA) concerned',
      }),
    ],
  }],
  [0x145, {
    summary: 'Secure Boot policy enforcement could not start: the policy is invalid or a required step was not completed.',
    args: ['Status code of the failure', 'Address of the Secure Boot policy', 'Size of the Secure Boot policy', RESERVED],
  }],
  [0x147, {
    summary: 'The machine reset without going through a bugcheck: nothing saved registers or exception records, and no bugcheck callback ran. Suspect power, firmware or hardware resets; no parameters are documented.',
    args: NONE4,
  }],
  [0x149, {
    summary: 'The ReFS file system hit an error. If RefsExceptionFilter is on the stack, run .exr on argument 2 and .cxr on argument 3, then kb, to see where it happened.',
    args: ['Source line number (__LINE__) where it was raised', 'Exception record', 'Context record', 'Exception address (from the exception record)'],
  }],
  [0x14a, {
    summary: 'The kernel WMI subsystem hit a fatal internal error. Argument 1 says which.',
    args: ['Kind of error (see the sub-case)', DEPENDS, RESERVED, RESERVED],
    selector: 1,
    subcodes: [
      sub(0, "A kernel WMI entry's reference count was incremented from zero.", { 2: 'The kernel WMI entry' }),
      sub(1, 'A kernel WMI data source was removed too early.', { 2: 'The kernel WMI data source' }),
    ],
  }],
  [0x14b, {
    summary: 'A subsystem of the system on a chip (SoC), such as an audio DSP, had an unrecoverable fault. Dump argument 1 with dt nt!SOC_SUBSYSTEM_FAILURE_DETAILS and work with the SoC vendor on the data.',
    args: ['Address of the SOC_SUBSYSTEM_FAILURE_DETAILS structure', RESERVED, RESERVED, 'Address of a vendor-supplied data block (optional)'],
  }],
  [0x14d, {
    summary: 'Exception dispatching found its own state inconsistent (an internal error). All arguments are reserved.',
    args: RES4,
  }],
  [0x14e, {
    summary: 'A device critical to the system on a chip (SoC) was removed unexpectedly or failed.',
    args: ['ID of the removed device, when known (four characters packed into one value)', RESERVED, RESERVED, RESERVED],
  }],
  [0x150, {
    summary: 'TCP/IP kept an active reference on a network adapter (for always-on, always-connected standby) that it should have dropped once the send queue drained: a reference leak. No parameters are documented.',
    args: NONE4,
  }],
  [0x151, {
    summary: 'Code tried to run in a processor instruction mode Windows does not allow, for example classic ARM rather than Thumb-2 instructions.',
    args: ['Program counter when the problem was found', 'Trap frame', RESERVED, RESERVED],
  }],
  [0x152, {
    summary: 'A push lock routine was called with invalid flags; the caller on the stack is at fault.',
    args: ['The invalid flags passed by the caller', 'Address of the push lock', RESERVED, RESERVED],
  }],
  [0x153, {
    summary: 'A thread ended while it still had AutoBoost lock entries, typically because it never released a lock it acquired (leaving that to another thread) or passed inconsistent flags to the lock routines.',
    args: ['Address of the thread', 'Address of the entry that was not freed', 'State of the entry (see the sub-case)', RESERVED],
    selector: 3,
    subcodes: [
      sub(1, 'The entry still had a lock pointer.'),
      sub(2, "Reserved bits were set in the entry's thread pointer."),
      sub(3, "The entry's thread pointer was corrupt."),
      sub(4, 'The entry still carried I/O or CPU boosts.'),
    ],
  }],
  [0x155, {
    summary: 'By its name, the kernel detected tampering with operating system data; Microsoft gives no further description and documents no parameters. Look for software that patches kernel data.',
    args: NONE4,
  }],
  [0x156, {
    summary: "A live kernel dump taken for diagnosis; the machine did not crash. While handling closesocket, Winsock (AFD) found the transport's close of the endpoint hung, took this dump, and completed closesocket without waiting.",
    args: ['AFD endpoint (!afdkd.endp; that extension is for hardware partners only)', 'Transport endpoint type (see the sub-case)', 'Buffered send bytes (datagram endpoints)', 'afd!NETIO_SUPER_TRIAGE_BLOCK'],
    selector: 2,
    subcodes: [
      sub(1, 'UDP datagram endpoint.'),
      sub(2, 'Raw datagram endpoint.'),
      sub(3, 'TCP listener.'),
      sub(4, 'TCP endpoint.'),
    ],
  }],
  [0x157, {
    summary: "An illegal operation was done on a thread's priority floor: a priority floor counter overflowed or underflowed, or the target priority was invalid.",
    args: ['Address of the thread', 'Target priority', 'Kind of violation (see the sub-case)', RESERVED],
    selector: 3,
    subcodes: [
      sub(1, 'The counter for the target priority overflowed.'),
      sub(2, 'The counter for the target priority underflowed.'),
      sub(3, 'The target priority value is illegal.'),
    ],
  }],
  [0x158, {
    summary: 'The IOMMU reported a device page fault for an address space ID (ASID) that is not valid; acting on it is unsafe because the ASID may already be reused.',
    args: ['The invalid ASID', 'Number of ASIDs in use', 'Process using this ASID', 'Reference count of the ASID'],
  }],
  [0x159, {
    summary: 'The IOMMU faulted on an address space (ASID) that was already being torn down: a driver left device requests in flight when it should have finished them.',
    args: ['IOMMU vendor disambiguation value (0x3xxx: arguments 2–4 are status, PASID, DirectoryBase)', 'Pointer to the fault packet', 'Vendor-specific fault packet data', 'Vendor-specific fault packet data'],
    decode: (a) => (a[0] !== undefined && (a[0] & ~0xfffn) === 0x3000n ? { 2: 'Status', 3: 'PASID', 4: 'DirectoryBase' } : {}),
  }],
  [0x15a, {
    summary: 'An SD-attached device suffered an unrecoverable hardware failure, reported by the SD bus driver.',
    args: ['Internal SD work packet that failed', 'Controller socket information', 'The SD request packet passed to the bus driver', RESERVED],
  }],
  [0x15b, {
    summary: "A work item routine left its worker thread's system page priority raised when it returned (a leak). Run ln on argument 1 to find the driver.",
    args: [WORKER_LN, 'Current system page priority', WORK_PARAM, WORK_ITEM],
  }],
];
