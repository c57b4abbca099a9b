// Rarer and older bugchecks from 0x00 to 0xAD (early boot, legacy drivers and file systems, NDIS, ACPI, licensing), in this project's words.
import { type BugcheckDoc, RESERVED, sub } from './types.js';

type Notes = Partial<Record<1 | 2 | 3 | 4, string>>;

const DEPENDS = 'Depends on argument 1';
const ZERO = 'Zero';
const NOT_USED = 'Not used';
const NOT_DOCUMENTED = 'Not documented';
/** Microsoft's page for the code has no parameter section at all. */
const UNDOCUMENTED_ARGS = [NOT_DOCUMENTED, NOT_DOCUMENTED, NOT_DOCUMENTED, NOT_DOCUMENTED] as const;
/** Microsoft's page says the code takes no parameters. */
const NO_ARGS = ['None (this code carries no parameters)', NOT_USED, NOT_USED, NOT_USED] as const;
const NO_PARAMS = ' Microsoft publishes no parameter meanings for it; start from the faulting stack (!analyze -v).';
const RARE = ' It is very rarely seen.';
const INIT_TAIL = ' It happens during start-up, so look at what changed in the installation (drivers, system files, hardware) and, if a debugger can attach early, at the failing stack.';

const FILE_LINE = 'Source file id (high 16 bits) and line number (low 16 bits) where the check fired';
const EXR_IF = (filter: string) => `Exception record address, if ${filter} is on the stack`;
const CXR_IF = (filter: string) => `Context record address, if ${filter} is on the stack (use .cxr, then kb)`;
const INIT_STATUS = 'NTSTATUS telling why initialization failed (see !error)';
const POOL_HINT = ' Exhausted nonpaged pool can also cause it (see !vm and !poolused).';

const ADAPTER = 'Miniport adapter block (!ndiskd.netadapter)';
const DRIVER_BLOCK = 'The NDIS_M_DRIVER_BLOCK';
const DRIVER_OBJECT = 'The DRIVER_OBJECT';
const NDIS_INTERRUPT = 'The NDIS_MINIPORT_INTERRUPT';
const NDIS_TIMERS = 'The driver\'s timer queue (NDIS_MINIPORT_TIMER)';
const PACKET_ARGS = { 2: ADAPTER, 3: 'Packet descriptor the driver used (!ndiskd.pkt)', 4: 'Packet array holding that descriptor' } as const;
const NDIS_DRIVER = 'Handle of the driver (!ndiskd.minidriver or !ndiskd.filterdriver)';

const ACPI_EXT = 'ACPI device extension concerned';
const ACPI_METHOD = 'Pointer to the method';
const AML_TYPE = 'Data type actually returned (see Amli.h)';
const PRT = 'Pointer to the _PRT object';

const LICENSE_STATUS = 'Status code of the failure';

/** Splits a "file id in the high 16 bits, line in the low 16 bits" argument. */
function fileLine(v: bigint | undefined): string | undefined {
  if (v === undefined) return undefined;
  const low32 = v & 0xffffffffn;
  return `file id 0x${(low32 >> 16n).toString(16)}, line ${low32 & 0xffffn}`;
}

function lookup(table: Record<string, string>, v: bigint | undefined): string | undefined {
  return v === undefined ? undefined : table[v.toString()];
}

const FILE_LINE_DECODE = (a: readonly bigint[]): Notes => ({ 1: fileLine(a[0]) });

/** 0x27 argument 1: the high 16 bits name the part of RDBSS that failed. */
const RDBSS_AREAS: Record<string, string> = {
  [0xca55]: 'RDBSS_BUG_CHECK_CACHESUP (cache support)',
  [0xc1ee]: 'RDBSS_BUG_CHECK_CLEANUP (cleanup)',
  [0xc10e]: 'RDBSS_BUG_CHECK_CLOSE (close)',
  [0xbaad]: 'RDBSS_BUG_CHECK_NTEXCEPT (exception handling)',
};

/** 0x79 sub-case 2: build types of the kernel and the HAL. */
const BUILD_TYPES: Record<string, string> = {
  0: 'multiprocessor free build',
  1: 'multiprocessor checked build',
  2: 'uniprocessor free build',
  3: 'uniprocessor checked build',
};

/** 0x85 sub-case 1: which video set-up step failed. */
const SETUP_VIDEO_STEPS: Record<string, string> = {
  0: 'opening \\device\\video0 (NtCreateFile) failed',
  1: 'IOCTL_VIDEO_QUERY_NUM_AVAIL_MODES failed',
  2: 'IOCTL_VIDEO_QUERY_AVAIL_MODES failed',
  3: 'the wanted video mode is not supported (internal setup error)',
  4: 'IOCTL_VIDEO_SET_CURRENT_MODE failed (mode could not be set)',
  5: 'IOCTL_VIDEO_MAP_VIDEO_MEMORY failed',
  6: 'IOCTL_VIDEO_LOAD_AND_SET_FONT failed',
};

/** 0x85 sub-case 3: which keyboard set-up step failed. */
const SETUP_KEYBOARD_STEPS: Record<string, string> = {
  0: 'opening \\device\\KeyboardClass0 failed (no keyboard found)',
  1: 'loading the keyboard layout DLL failed (the file is not on the media)',
};

/** 0x7C sub-case 0x1F argument 2. */
const NDIS_STATE_TRANSITIONS: Record<string, string> = {
  1: 'NdisMPauseComplete was called with no pause pending',
  2: 'NdisMRestartComplete was called with no restart pending',
};

/** 0x7C sub-case 0x23 argument 2: the Packet Direct error subtype. */
const NDIS_PD_ERRORS: Record<string, string> = {
  1: 'a call came from a thread other than the required one (argument 3: NDIS_PD_EC, argument 4: the expected ETHREAD)',
  2: 'a PD client armed the provider in an illegal state (argument 3: NDIS_PD_QUEUE_TRACKER, argument 4: PD client)',
  3: 'a PD provider signalled a drain notification while not armed (argument 4: PD provider)',
  4: 'a PD provider signalled an ISR drain notification while not armed (argument 4: PD provider)',
  5: 'a filter driver interfered with the Packet Direct path (argument 3: filter module, argument 4: PD provider)',
  6: 'a PD provider illegally left a buffer manager group (argument 3: the group, if known)',
  7: 'a malformed PD buffer setup request (argument 3: source memory handle or buffer, argument 4: target PD_BUFFER)',
};

/** 0x7C sub-case 0x25 argument 2: the operation the NDIS watchdog gave up on. */
const NDIS_WATCHDOG_OPS: Record<string, string> = {
  [0x01]: 'pausing a protocol driver',
  [0x02]: 'delivering a PnP event to a protocol driver (argument 4: NET_PNP_EVENT_CODE)',
  [0x03]: 'delivering a status indication to a protocol driver (argument 4: NDIS_STATUS)',
  [0x04]: 'unbinding a protocol driver',
  [0x11]: 'pausing a filter driver',
  [0x12]: 'delivering a PnP event to a filter driver (argument 4: NET_PNP_EVENT_CODE)',
  [0x13]: 'delivering a status indication to a filter driver (argument 4: NDIS_STATUS)',
  [0x14]: 'detaching a filter driver',
  [0x21]: 'pausing a miniport adapter',
  [0x22]: 'halting a miniport adapter',
  [0x23]: 'delivering an OID request to a miniport adapter (argument 4: the OID)',
  [0x24]: 'delivering an OID request to a filter driver (argument 4: the OID)',
  [0x25]: 'idling a miniport adapter',
  [0x26]: 'cancelling an idle request on a miniport adapter',
};

/** 0xA5 sub-case 0x02 argument 3 (values 0–3; anything else is a pointer). */
const ACPI_PCI_ROOT_PROBLEMS: Record<string, string> = {
  0: 'the BIOS resource list (QUERY_RESOURCES) could not be converted; argument 4 is the IRP',
  1: 'the BIOS resource list (QUERY_RESOURCE_REQUIREMENTS) could not be converted; argument 4 is the IRP',
  2: 'the resource list is empty',
  3: 'the current bus number is missing from _CRS; argument 4 is the CRS descriptor',
};

/** 0xA5 sub-case 0x10 argument 3. */
const ACPI_SLEEP_MAPPING: Record<string, string> = {
  0: '_PRx maps back to an S-state the system does not support (argument 4: the D-state, as x+1)',
  1: 'no D-state could be paired with this S-state (argument 4: the S-state)',
  2: 'the device claims it can wake from an S-state the system lacks (argument 4: the S-state)',
};

/** 0xA5 sub-case 0x11 argument 2: why ACPI mode could not be entered. */
const ACPI_MODE_FAILURES: Record<string, string> = {
  [0x0]: 'the AML interpreter could not be initialised',
  [0x1]: 'the RSDT was not found',
  [0x2]: 'critical driver structures could not be allocated',
  [0x3]: 'the RSDT could not be loaded',
  [0x4]: 'the DDBs could not be loaded',
  [0x5]: 'the interrupt vector could not be connected',
  [0x6]: 'SCI_EN never became set in the PM1 control register',
  [0x7]: 'a table has a bad checksum (argument 3: the table, argument 4: creator revision)',
  [0x8]: 'a DDB failed to load (argument 3: the table, argument 4: creator revision)',
  [0x9]: 'the firmware version is unsupported (argument 3: FADT version)',
  [0xa]: 'the MADT was not found',
  [0xb]: 'the MADT holds no valid Local SAPIC structures',
};

/** 0x9E argument 3: which component created the watchdog (mostly failover clustering). */
const HEALTH_SOURCES: ReadonlyArray<readonly [number, string]> = [
  [0x0, 'No source given.'],
  [0x1, 'RHS (Resource Hosting Subsystem) was exiting normally and did not go away in time.'],
  [0x2, 'RHS was told to bugcheck at once because a resource deadlocked.'],
  [0x3, 'A resource let an exception escape from an entry point; RHS was terminating and did not go away in time.'],
  [0x4, 'RHS hit an unhandled exception and did not go away in time while terminating.'],
  [0x5, 'RHS was terminating because of a resource deadlock and did not go away in time.'],
  [0x6, 'RHS was terminating because of a resource type deadlock and did not go away in time.'],
  [0x7, 'The cluster service (clussvc) hit an unhandled exception and did not go away in time while terminating.'],
  [0x8, 'Another cluster node asked this node to bugcheck.'],
  [0x9, 'The user-mode watchdog expired and created a netft watchdog that bugchecked the node.'],
  [0xa, 'The cluster service stopped sending its heartbeats to netft (normally every 500 ms): it was not getting CPU time.'],
  [0x65, 'Resource deadlock (physical disk resource).'],
  [0x66, 'Resource deadlock (storage pool resource).'],
  [0x67, 'Resource deadlock (file server resource).'],
  [0x68, 'Resource deadlock (scale-out file server resource).'],
  [0x69, 'Resource deadlock (Storage Replica resource).'],
  [0x6a, 'Resource deadlock (storage QoS resource).'],
  [0x6b, 'Resource deadlock (NFS v2 resource).'],
  [0xc9, 'Resource type deadlock (physical disk).'],
  [0xca, 'Resource type deadlock (storage pool).'],
  [0xcb, 'Resource type deadlock (file server).'],
  [0xcc, 'Resource type deadlock (scale-out file server).'],
  [0xcd, 'Resource type deadlock (Storage Replica).'],
  [0xce, 'Resource type deadlock (storage QoS).'],
  [0xcf, 'Resource type deadlock (NFS v2).'],
];

export const MORE_DOCS_1: ReadonlyArray<readonly [number, BugcheckDoc]> = [
  [0x00, {
    summary: 'Zero is not a real stop code and Microsoft has no page for it: a dump or crash record that shows 0 usually means no bugcheck code was recorded. Check how the dump was produced before reading anything into its arguments.',
    args: UNDOCUMENTED_ARGS,
  }],
  [0x02, {
    summary: 'A kernel device queue was found not busy at a point where it had to be in use: an internal consistency check on device queue handling.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x03, {
    summary: 'The kernel was handed a processor affinity set it could not accept.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x04, {
    summary: 'A data access trap occurred that the kernel considers invalid.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x05, {
    summary: 'A thread attached to another process where that is not allowed: typically KeAttachProcess on a thread that is already attached, a return from a call while still attached, or KeStackAttachProcess used wrongly (for example while a DPC runs). Drivers should prefer KeStackAttachProcess.',
    args: [
      'Target process object, or the original process if the thread was already attached',
      'Process the thread is attached to right now',
      'The thread\'s APC state index',
      'Non-zero if a DPC is running on this processor',
    ],
  }],
  [0x06, {
    summary: 'A thread detached from a process in a way that is not allowed. One known cause is calling KeStackAttachProcess and then KeUnstackDetachProcess inside a load-image notify routine, which runs in a thread of the process that loaded the image.' + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x07, {
    summary: 'A software interrupt was requested that the kernel considers invalid.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x08, {
    summary: 'Code that must run at exactly DISPATCH_LEVEL was found at another IRQL.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x09, {
    summary: 'The IRQL was lower than a kernel routine required (it must be at or above some level).' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x0b, {
    summary: 'The kernel found that exception handling support was missing where it was needed.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x0c, {
    summary: 'A thread waited on too many objects at once: KeWaitForMultipleObjects or FsRtlCancellableWaitForMultipleObjects got a Count above MAXIMUM_WAIT_OBJECTS (when the caller supplied a wait block array) or above THREAD_WAIT_OBJECTS (when it did not). The caller on the stack is at fault.',
    args: NO_ARGS,
  }],
  [0x0d, {
    summary: 'Mutexes were acquired out of their required level order (a lock hierarchy violation).' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x0e, {
    summary: 'A system thread\'s start routine returned to its caller, which system threads must never do: they have to end with PsTerminateSystemThread. The start routine on the stack names the driver.' + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x0f, {
    summary: 'A spin lock was requested by code that already owns it: a recursive acquire (possibly through a called function), or a lock holder that dropped its IRQL below the lock\'s IRQL so another thread could run and ask for the same lock.',
    args: NO_ARGS,
  }],
  [0x10, {
    summary: 'A spin lock was released (or used) by code that does not own it.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x11, {
    summary: 'A thread tried to release a mutex that it does not own.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x12, {
    summary: 'The processor raised a trap or interrupt the kernel could not classify. Argument 1 says which kind; for an unexpected interrupt, !idt shows what is wired to the vector, and interrupt-storm techniques apply.',
    args: ['Kind of unknown trap (see the sub-case)', DEPENDS, RESERVED, RESERVED],
    selector: 1,
    subcodes: [
      sub(1, 'An unexpected interrupt arrived.', { 2: 'The interrupt vector' }),
      sub(2, 'A floating-point exception of unknown cause.'),
      sub(3, 'Enabled and asserted status bits (their meaning is processor-specific).'),
    ],
  }],
  [0x13, {
    summary: 'A thread reaper list was found empty. Microsoft states Windows does not currently use this code.',
    args: UNDOCUMENTED_ARGS,
  }],
  [0x14, {
    summary: 'A create/delete lock was expected to be held but was not.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x15, {
    summary: 'The last-chance exception path meant for user mode was reached from kernel mode.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x16, {
    summary: 'Creating a client ID (process or thread ID) handle failed.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x17, {
    summary: 'Deleting a client ID (process or thread ID) handle failed.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x18, {
    summary: 'An object\'s reference count does not fit its state: it reached zero while handles were still open, or went below zero. Almost always a driver that dereferences an object more times than it referenced it; !object on argument 2 shows the counts.',
    args: ['Object type of the object being dereferenced', 'The object whose reference count is being lowered', RESERVED, RESERVED],
  }],
  [0x1b, {
    summary: 'A page frame (PFN) share count was found inconsistent. Microsoft states this code is no longer used by Windows.',
    args: UNDOCUMENTED_ARGS,
  }],
  [0x1c, {
    summary: 'A reference count went wrong: it overflowed, underflowed, or an object was used after being freed. Despite the name, it is raised for reference counts in general, not only memory manager PFNs; the stack shows whose count it is.',
    args: [NOT_USED, NOT_USED, NOT_USED, NOT_USED],
  }],
  [0x1f, {
    summary: 'Converting a shared resource (ERESOURCE) between shared and exclusive ownership failed.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x21, {
    summary: 'Quota accounting went negative: more quota was given back to a process\'s quota block than had been charged to it. The code returning the quota on the stack is the suspect.',
    args: ['Process that was originally charged, if known', 'Quota type (values are listed in ps.h in the WDK)', 'Amount of quota being returned', 'Amount of quota that could not be returned'],
  }],
  [0x22, {
    summary: 'A generic file system failure was reported.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x25, {
    summary: 'The named pipe file system (NPFS) hit a fatal problem. Argument 1 encodes where in its source.' + POOL_HINT,
    args: [FILE_LINE, RESERVED, RESERVED, RESERVED],
    decode: FILE_LINE_DECODE,
  }],
  [0x26, {
    summary: 'The CD-ROM file system (CDFS) hit a fatal problem: on-disc or file-system corruption, bad sectors, a misbehaving storage driver, or exhausted nonpaged pool. Use .cxr with argument 3, then kb, to see the failing stack.',
    args: [FILE_LINE, EXR_IF('CdExceptionFilter'), CXR_IF('CdExceptionFilter'), RESERVED],
    decode: FILE_LINE_DECODE,
  }],
  [0x27, {
    summary: 'The SMB redirector file system (RDBSS) hit a fatal problem. Argument 1\'s high 16 bits say which part failed; use .cxr with argument 3, then kb, to see the failing stack.' + POOL_HINT,
    args: ['Kind of problem in the high 16 bits (0xCA55 cache support, 0xC1EE cleanup, 0xC10E close, 0xBAAD exception)', EXR_IF('RxExceptionFilter'), CXR_IF('RxExceptionFilter'), RESERVED],
    decode: (a) => {
      const area = a[0] === undefined ? undefined : RDBSS_AREAS[((a[0] & 0xffffffffn) >> 16n).toString()];
      return { 1: area };
    },
  }],
  [0x28, {
    summary: 'An access token was found corrupt.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x29, {
    summary: 'The security subsystem hit a fatal internal failure.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x2a, {
    summary: 'An IRP\'s fields contradict each other, for example an IRP being completed while still marked as queued on a device queue. Microsoft notes the system does not currently raise it; it exists for debugging.',
    args: ['The inconsistent IRP', RESERVED, RESERVED, RESERVED],
  }],
  [0x2b, {
    summary: 'The kernel-mode stack overflowed and the processor had to switch to the panic stack. Usually a driver using too much stack (deep recursion, large locals, deep filter stacks); serious kernel data corruption can also cause it.',
    args: ['The trap frame', RESERVED, RESERVED, RESERVED],
  }],
  [0x2c, {
    summary: 'A storage port driver hit an internal error.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x2d, {
    summary: 'The SCSI disk driver hit an internal error.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x2e, {
    summary: 'A bus error on a data access, typically a parity error in system memory. Nearly always hardware (bad RAM, L2 cache or video memory, badly seated or incompatible cards); a driver touching an address with no physical memory behind it can also cause it.',
    args: ['Virtual address of the fault', 'Physical address of the fault', 'Processor status register (PSR)', 'Faulting instruction register (FIR)'],
  }],
  [0x2f, {
    summary: 'A bus error occurred while fetching instructions (the instruction-side counterpart of 0x2E); suspect hardware.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x30, {
    summary: 'Something tried to set a trap frame\'s stack pointer below the current stack pointer. Letting that through would leave the kernel on stack that is no longer valid.',
    args: ['New stack pointer', 'Old stack pointer', 'Address of the trap frame', ZERO],
  }],
  [0x31, {
    summary: 'Windows start-up failed very early, in phase 0 of initialization. Only a debugger attached from boot can show why.',
    args: NO_ARGS,
  }],
  [0x32, {
    summary: 'Windows start-up failed in phase 1 of initialization. Argument 1 is the status that explains it.',
    args: [INIT_STATUS, RESERVED, RESERVED, RESERVED],
  }],
  [0x33, {
    summary: 'An initialization routine was called when it was not expected.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x34, {
    summary: 'The file system cache manager hit a fatal problem. Argument 1 encodes where in its source.' + POOL_HINT,
    args: [FILE_LINE, RESERVED, RESERVED, RESERVED],
    decode: FILE_LINE_DECODE,
  }],
  [0x36, {
    summary: 'A driver deleted one of its device objects while the object\'s reference count was still above zero, so something still had reasons to use it. A bug in the driver doing the delete.',
    args: ['The device object', RESERVED, RESERVED, RESERVED],
  }],
  [0x37, {
    summary: 'The floppy disk driver hit an internal error.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x38, {
    summary: 'The serial port driver hit an internal error.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x39, {
    summary: 'A worker routine returned while still holding a mutex; the worker thread would go on to other work and the mutex would never be released. ln on argument 1 names the driver.',
    args: ['The worker routine', 'Parameter passed to the worker routine', 'The work item', RESERVED],
  }],
  [0x3a, {
    summary: 'An unwind reached a previous user-mode frame where that is not allowed.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x3c, {
    summary: 'An exception unwind tried to go through an interrupt frame.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x3e, {
    summary: 'The processors in this machine are not all of the same type and level, so they cannot be run symmetrically.',
    args: NO_ARGS,
  }],
  [0x40, {
    summary: 'A driver called IoBuildPartialMdl with a target MDL too small for the range it asked to map. The caller\'s size calculation is wrong; the stack shows the call.',
    args: NO_ARGS,
  }],
  [0x42, {
    summary: 'The AT disk driver hit an internal error.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x43, {
    summary: 'A partition that was asked for does not exist.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x45, {
    summary: 'Not enough system map registers were available for DMA.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x46, {
    summary: 'A logon session that the security subsystem does not know was dereferenced.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x47, {
    summary: 'A logon session that the security subsystem does not know was referenced.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x48, {
    summary: 'An IRP with a cancel routine was completed normally and then its cancel routine was called anyway: a driver completed the IRP and then tried to cancel it, or two drivers handled the same IRP wrongly. The cancel routine in argument 2 points at the driver.',
    args: ['The IRP', 'Cancel routine the driver set', RESERVED, RESERVED],
  }],
  [0x49, {
    summary: 'A page fault happened while interrupts were disabled, where it cannot be served.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x4b, {
    summary: 'The STREAMS environment hit an internal error.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x4c, {
    summary: 'A hard error that nothing could handle stopped the system, usually during start-up. An old Microsoft support article (Windows 2000) links it mostly to a damaged registry hive or system file and gives argument 1 as an NTSTATUS; the current reference lists no parameters.',
    args: ['NTSTATUS of the failure (old support article only)', NOT_USED, NOT_USED, NOT_USED],
  }],
  [0x4d, {
    summary: 'No free physical pages were left to go on. Usual causes: a driver deadlocked the modified or mapped page writers, a storage driver stopped processing requests, a high-priority real-time thread starved the memory manager\'s threads, or the storage stack lacked pool to write pages out. Start with !vm 3.',
    args: ['Total number of dirty pages', 'Dirty pages destined for the page file', 'Nonpaged pool available at the time (small = pool shortage)', 'Status of the most recent failed modified-page write'],
  }],
  [0x4f, {
    summary: 'NDIS (the network driver interface) hit an internal error.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x52, {
    summary: 'The mailslot file system hit a fatal problem.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x53, {
    summary: 'No device to boot from was found.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x54, {
    summary: 'The LAN Manager server hit an internal error.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x55, {
    summary: 'The processor reported a data coherency exception.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x56, {
    summary: 'The processor reported an instruction coherency exception.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x57, {
    summary: 'The XNS network transport hit an internal error.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x58, {
    summary: 'The system started from the wrong half of a mirrored partition: the registry says the mirror copy is good when it is not and the shadow partition should be used. It almost always follows the primary partition being revived; boot from the shadow partition.',
    args: NO_ARGS,
  }],
  [0x59, {
    summary: 'The HPFS ("Pinball") file system hit a fatal problem. Argument 1 encodes where in its source.' + POOL_HINT,
    args: [FILE_LINE, RESERVED, RESERVED, RESERVED],
    decode: FILE_LINE_DECODE,
  }],
  [0x5a, {
    summary: 'A service the system cannot start without failed.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x5b, {
    summary: 'Setting a system environment variable failed.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x5c, {
    summary: 'The hardware abstraction layer (HAL), among the first code to start, failed to initialise.' + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x5d, {
    summary: 'The processor is not one this version of Windows supports: it needs a more capable CPU.',
    args: NO_ARGS,
  }],
  [0x5e, {
    summary: 'The object manager failed to initialise (phase 0).' + INIT_TAIL + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x5f, {
    summary: 'The security subsystem failed to initialise (phase 0).' + INIT_TAIL + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x60, {
    summary: 'The process manager failed to initialise.' + INIT_TAIL + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x61, {
    summary: 'The HAL failed in phase 1 of its initialization.' + INIT_TAIL + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x62, {
    summary: 'The object manager failed in phase 1 of its initialization.' + INIT_TAIL + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x63, {
    summary: 'The security subsystem failed in phase 1 of its initialization.' + INIT_TAIL + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x64, {
    summary: 'Symbolic link initialization failed.' + INIT_TAIL + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x65, {
    summary: 'The memory manager failed in phase 1 of its initialization.' + INIT_TAIL + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x66, {
    summary: 'The cache manager failed to initialise.' + INIT_TAIL + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x67, {
    summary: 'The registry could not get the pool it needs to hold the registry files. That pool is taken very early in start-up, so this should not happen; suspect something that exhausted or corrupted memory first.',
    args: [RESERVED, 'Location selector', 'NTSTATUS of the failure', RESERVED],
  }],
  [0x68, {
    summary: 'File system support failed to initialise.' + INIT_TAIL + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x69, {
    summary: 'The I/O system failed to initialise, and there is little data to go on. Most often the installation went wrong or the system was reconfigured (drivers, boot devices).',
    args: NO_ARGS,
  }],
  [0x6a, {
    summary: 'The local procedure call (LPC) facility failed to initialise.' + INIT_TAIL + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x6c, {
    summary: 'The security reference monitor failed to initialise.' + INIT_TAIL + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x6d, {
    summary: 'Windows initialization failed (session manager stage 1). Argument 1 is the status that explains it.',
    args: [INIT_STATUS, ZERO, ZERO, ZERO],
  }],
  [0x6e, {
    summary: 'Windows initialization failed (session manager stage 2). Argument 1 is the status that explains it.',
    args: [INIT_STATUS, ZERO, ZERO, ZERO],
  }],
  [0x6f, {
    summary: 'Windows initialization failed (session manager stage 3). Argument 1 is the status that explains it.',
    args: [INIT_STATUS, ZERO, ZERO, ZERO],
  }],
  [0x70, {
    summary: 'Windows initialization failed (session manager stage 4). Argument 1 is the status that explains it.',
    args: [INIT_STATUS, ZERO, ZERO, ZERO],
  }],
  [0x71, {
    summary: 'Windows initialization failed (session manager stage 5). Argument 1 is the status that explains it.',
    args: [INIT_STATUS, ZERO, ZERO, ZERO],
  }],
  [0x72, {
    summary: 'Drive letters could not be assigned during start-up.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x73, {
    summary: 'A core registry hive (SAM, SECURITY, SOFTWARE or DEFAULT) loaded fine but could not be linked into the registry tree. Argument 2 tells why: 0xC000017D (no log space) usually means the system drive is full, 0xC000009A means a pool allocation failed.',
    args: ['Always 1', 'NTSTATUS explaining why the hive could not be linked', 'Index of the hive in the hive list', 'UNICODE_STRING holding the hive\'s file name'],
  }],
  [0x74, {
    summary: 'The registry is damaged: the SYSTEM hive is corrupt (rare, since the loader checks it) or keys and values Windows needs are missing, often after manual edits or a misbehaving program. Argument 4 holds the status; !reg shows hives and open keys.',
    args: [RESERVED, RESERVED, RESERVED, 'NTSTATUS of the failure, when available (see !error)'],
  }],
  [0x75, {
    summary: 'The SYSTEM hive file could not be turned into a mapped file, typically because pool ran out and the hive could not be reopened. It happens early in start-up, when pool should be plentiful, so it is very unusual.',
    args: ['Always 1', 'NTSTATUS explaining why the hive could not be converted', RESERVED, RESERVED],
  }],
  [0x78, {
    summary: 'An unexpected breakpoint was hit while the HAL was initialising, for example when the boot options ask to break into the debugger (/break) but kernel debugging is not enabled.' + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x79, {
    summary: 'The HAL does not match the kernel or the machine: often a hand-replaced ntoskrnl.exe or hal.dll, one of them out of date, or a multiprocessor HAL paired with a uniprocessor kernel (or the reverse). Restore matching files.',
    args: ['Kind of mismatch (see the sub-case)', DEPENDS, DEPENDS, DEPENDS],
    selector: 1,
    subcodes: [
      sub(1, 'The processor control block (PRCB) release levels differ: one file is out of date.', { 2: 'Major PRCB level of ntoskrnl.exe', 3: 'Major PRCB level of hal.dll', 4: RESERVED }),
      sub(2, 'The build types differ (0 = MP free, 1 = MP checked, 2 = UP free, 3 = UP checked).', { 2: 'Build type of ntoskrnl.exe', 3: 'Build type of hal.dll', 4: RESERVED }),
      sub(3, 'The loader (ntldr) and HAL versions differ.', { 2: 'Size of the loader parameter extension', 3: 'Its major version', 4: 'Its minor version' }),
    ],
    decode: (a) => (a[0] === 2n ? { 2: lookup(BUILD_TYPES, a[1]), 3: lookup(BUILD_TYPES, a[2]) } : {}),
  }],
  [0x7c, {
    summary: 'NDIS caught a network driver breaking its rules; the miniport driver is the usual culprit. Argument 1 names the rule; !ndiskd.netadapter lists the adapters and !ndiskd.netreport gives an overview of the network stack.',
    args: ['Kind of violation (see the sub-case)', DEPENDS, DEPENDS, DEPENDS],
    selector: 1,
    subcodes: [
      sub(0x01, 'NdisMAllocateSharedMemory was called at raised IRQL.', { 2: ADAPTER, 3: 'Length of shared memory requested', 4: 'Current IRQL' }),
      sub(0x02, 'NDIS found a previously allocated shared memory page corrupted (noticed in NdisMAllocateSharedMemory).', { 2: ADAPTER, 3: 'The corrupted shared memory page', 4: 'NDIS_WRAPPER_CONTEXT tracking the driver\'s shared memory' }),
      sub(0x03, 'NdisMFreeSharedMemory(Async) was given shared memory that was already freed.', { 2: ADAPTER, 3: 'Page the shared memory came from', 4: 'Virtual address of the shared memory' }),
      sub(0x04, 'AddDevice was called for a driver not registered with NDIS (only checked by instrumented NDIS builds).', { 2: DRIVER_BLOCK, 3: DRIVER_OBJECT, 4: ZERO }),
      sub(0x05, 'An Ethernet driver indicated a received packet with a descriptor the protocol stack still owned (caught by the stack location check).', PACKET_ARGS),
      sub(0x06, 'An Ethernet driver indicated a received packet with a descriptor the protocol stack still owned (caught by the reference count).', PACKET_ARGS),
      sub(0x07, 'An FDDI driver indicated a received packet with a descriptor the protocol stack still owned (caught by the reference count).', PACKET_ARGS),
      sub(0x08, 'A miniport was halted without deregistering its interrupt.', { 2: ADAPTER, 3: NDIS_INTERRUPT, 4: ZERO }),
      sub(0x09, 'A miniport was halted without cancelling all its timers.', { 2: ADAPTER, 3: NDIS_TIMERS, 4: ZERO }),
      sub(0x0a, 'A miniport driver was unloaded too early.', { 2: DRIVER_BLOCK, 3: DRIVER_OBJECT, 4: 'Reference count of the miniport driver' }),
      sub(0x0b, 'A miniport failed initialization without deregistering its interrupt.', { 2: ADAPTER, 3: NDIS_INTERRUPT, 4: ZERO }),
      sub(0x0c, 'A miniport failed initialization without cancelling all its timers.', { 2: ADAPTER, 3: NDIS_TIMERS, 4: ZERO }),
      sub(0x0d, 'A miniport halted from its initialize path (after reporting success) without deregistering its interrupt.', { 2: ADAPTER, 3: NDIS_INTERRUPT, 4: ZERO }),
      sub(0x0e, 'A miniport halted from its initialize path (after reporting success) without cancelling all its timers.', { 2: ADAPTER, 3: NDIS_TIMERS, 4: ZERO }),
      sub(0x0f, 'A miniport called NdisMResetComplete with no reset pending.', { 2: ADAPTER, 3: 'The reset status', 4: 'AddressingReset (BOOLEAN)' }),
      sub(0x10, 'After leaving a low-power state, a miniport failed initialization without deregistering its interrupt.', { 2: ADAPTER, 3: NDIS_INTERRUPT, 4: ZERO }),
      sub(0x11, 'After leaving a low-power state, a miniport failed initialization without cancelling all its timers.', { 2: ADAPTER, 3: NDIS_TIMERS, 4: ZERO }),
      sub(0x12, 'A miniport indicated a received packet with a descriptor the protocol stack still owned (caught by the reference count).', PACKET_ARGS),
      sub(0x13, 'A Token Ring miniport indicated a received packet with a descriptor the protocol stack still owned (caught by the reference count).', PACKET_ARGS),
      sub(0x14, 'NdisWaitEvent was called at an IRQL where waiting is not allowed.', { 2: 'The IRQL', 3: ZERO, 4: ZERO }),
      sub(0x15, 'A miniport called an API kept for older (NDIS 5) drivers; only NDIS 6.x APIs are allowed.', { 2: ADAPTER, 3: ZERO, 4: ZERO }),
      sub(0x16, 'A protocol driver opened an adapter incorrectly while binding.', { 2: 'The protocol (!ndiskd.protocol)', 3: 'Bind context area of the protocol (ndis!NDIS_BIND_CONTEXT)', 4: 'The open handle (!ndiskd.mopen)' }),
      sub(0x17, 'An interface provider deregistered (NdisIfDeregisterProvider) before removing all its interfaces.', { 2: 'Interface provider handle (!ndiskd.ifprovider)', 3: ZERO, 4: ZERO }),
      sub(0x1b, 'Adding an entry to the ifStackTable would have created a cycle (see !ndiskd.ifstacktable).', { 2: 'HigherLayerIfIndex being added', 3: 'LowerLayerIfIndex being added', 4: ZERO }),
      sub(0x1c, 'A miniport failed an OID request that is not allowed to fail (resources would leak).', { 2: ADAPTER, 3: 'The OID that failed (!ndiskd.help names it)', 4: 'NDIS_STATUS the request was completed with' }),
      sub(0x1d, 'An OID request was completed in a way NDIS forbids by a miniport or filter; a BytesWritten larger than the buffer is the usual mistake.', { 2: 'Miniport adapter or filter module (!ndiskd.netadapter / !ndiskd.filter)', 3: 'The NDIS_OID_REQUEST (!ndiskd.oid)', 4: ZERO }),
      sub(0x1e, 'An internal NDIS reference count went wrong: more releases than references, or a tag mismatch.', { 2: ZERO, 3: 'Internal handle (ndis!NDIS_REFCOUNT_BLOCK; !ndiskd.ndisref)', 4: 'Current reference tag' }),
      sub(0x1f, 'A miniport completed a pause or restart that was not pending (argument 2: 1 = pause, 2 = restart).', { 2: 'What failed: 1 = pause completion, 2 = restart completion', 3: ADAPTER, 4: ZERO }),
      sub(0x20, 'A miniport or filter made an illegal NDIS_STATUS_INDICATION.', { 2: 'Type of status indication (!ndiskd.help)', 3: 'Driver instance that made it (!ndiskd.netadapter / !ndiskd.filter)', 4: 'Payload of the indication' }),
      sub(0x21, 'A driver built an invalid NDIS_OBJECT_HEADER.', { 2: NDIS_DRIVER, 3: 'Object with the malformed header (its type depends on the API called)', 4: ZERO }),
      sub(0x22, 'A miniport or filter made an illegal NET_PNP_EVENT_NOTIFICATION.', { 2: NDIS_DRIVER, 3: 'The NET_PNP_EVENT_NOTIFICATION', 4: ZERO }),
      sub(0x23, 'An error in the Packet Direct (PD) data path.', { 2: 'Subtype of the PD error (1–7)', 3: 'Depends on argument 2', 4: 'Depends on argument 2' }),
      sub(0x24, 'An internal NDIS operation failed unexpectedly, probably a bug in ndis.sys itself.', { 2: 'Operation that failed: 1 = KeWaitForSingleObject', 3: 'Status it failed with', 4: ZERO }),
      sub(0x25, 'The NDIS watchdog fired: a call into another network driver did not finish in time (a deadlock, lost NBLs, or a stuck OID). Check the PrimaryThread in the triage block and !stacks 2 ndis.', { 2: 'Operation that took too long', 3: 'ndis!NDIS_WATCHDOG_TRIAGE_BLOCK (StartTime, TimeoutMilliseconds, TargetObject, PrimaryThread)', 4: 'Depends on argument 2: PnP event code, NDIS_STATUS, OID or zero' }),
      sub(0x26, 'A miniport completed an OID request that was not pending on it, for example completing the same request twice.', { 2: 'Miniport driver handle (!ndiskd.minidriver)', 3: 'The OID request (its memory may already be invalid)', 4: ZERO }),
      sub(0x27, 'A driver leaked a NET_BUFFER_LIST; the driver unbinding or deregistering while still holding NBLs is the likely culprit (!ndiskd.pendingnbls).', { 2: 'Where the leak was detected: 1 = the NBL tracker', 3: ZERO, 4: ZERO }),
    ],
    decode: (a) => {
      if (a[0] === 0x1fn) return { 2: lookup(NDIS_STATE_TRANSITIONS, a[1]) };
      if (a[0] === 0x23n) return { 2: lookup(NDIS_PD_ERRORS, a[1]) };
      if (a[0] === 0x25n) return { 2: lookup(NDIS_WATCHDOG_OPS, a[1]) };
      return {};
    },
  }],
  [0x81, {
    summary: 'Initialising a spin lock failed.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x82, {
    summary: 'The distributed file system (DFS) hit a fatal problem.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x85, {
    summary: 'Windows Setup hit a fatal error: damaged installation media, video or keyboard hardware Setup cannot drive, lack of memory, or a disk driver bug. Argument 1 says which.',
    args: ['Kind of failure (see the sub-case)', DEPENDS, DEPENDS, NOT_USED],
    selector: 1,
    subcodes: [
      sub(0x0, 'Setup cannot display text: the HAL\'s OEM font on the boot media is damaged and does not parse as a .fon file.', { 2: ZERO, 3: ZERO }),
      sub(0x1, 'Video initialization failed: the disk holding the video driver is damaged or the video hardware cannot be driven.', { 2: 'Which video step failed (0–6)', 3: 'Status returned by the failing call, if any' }),
      sub(0x2, 'Setup ran out of memory.', { 2: ZERO, 3: ZERO }),
      sub(0x3, 'Keyboard initialization failed: damaged keyboard driver on the media, unusable keyboard hardware, or a missing layout DLL.', { 2: 'Which keyboard step failed: 0 = no keyboard found, 1 = layout DLL not loaded', 3: ZERO }),
      sub(0x4, 'Setup could not resolve the ARC path of the device it started from (an internal Setup error).', { 2: ZERO, 3: ZERO }),
      sub(0x5, 'The partitioning sanity check failed, which points to a disk driver bug.', { 2: RESERVED, 3: RESERVED }),
    ],
    decode: (a) => {
      if (a[0] === 1n) return { 2: lookup(SETUP_VIDEO_STEPS, a[1]) };
      if (a[0] === 3n) return { 2: lookup(SETUP_KEYBOARD_STEPS, a[1]) };
      return {};
    },
  }],
  [0x8b, {
    summary: 'At boot, the master boot record checksum Windows computed did not match the one the loader handed over. The usual explanation is a boot-sector virus; scan from clean, write-protected media.',
    args: ['Disk signature from the MBR', 'MBR checksum computed by the OS loader', 'MBR checksum computed by the system', RESERVED],
  }],
  [0x8f, {
    summary: 'The Plug and Play manager failed in phase 0 of its initialization, early in start-up.',
    args: NO_ARGS,
  }],
  [0x90, {
    summary: 'The Plug and Play manager failed in phase 1 of its initialization, the stage that prepares the registry and environment drivers rely on before I/O initialization.',
    args: NO_ARGS,
  }],
  [0x92, {
    summary: 'A driver built for single-processor machines only was loaded on a system running more than one processor. Replace the driver with a multiprocessor-safe build.',
    args: ['Base address of the driver', RESERVED, RESERVED, RESERVED],
  }],
  [0x93, {
    summary: 'Kernel code (a driver, server or redirector) closed a handle that is invalid or protected, or, with bad-handle detection on, referenced an invalid kernel handle. The caller on the stack owns the bad handle.',
    args: ['The handle that was closed or referenced', 'For a close: 0 = protected handle, 1 = invalid handle; otherwise the handle table', ZERO, '1 = invalid reference caught by bad-handle detection, 0 = a bad close'],
    selector: 4,
    subcodes: [
      sub(0, 'NtClose was given a protected or invalid handle.', { 1: 'Handle passed to NtClose', 2: '0 = the handle is protected, 1 = the handle is invalid' }),
      sub(1, 'An invalid kernel handle was referenced while bad-handle detection was enabled.', { 1: 'Handle that was referenced', 2: 'The handle table' }),
    ],
    decode: (a) => (a[3] === 0n ? { 2: lookup({ 0: 'protected handle closed', 1: 'invalid handle closed or referenced' }, a[1]) } : {}),
  }],
  [0x94, {
    summary: 'A thread ended with its kernel stack still locked resident (marked not swappable).',
    args: NO_ARGS,
  }],
  [0x96, {
    summary: 'KeRemoveQueue took an entry whose forward or backward link is NULL. Usually a work item queued twice: an entry may only be on a queue once, and removing it a second time trips this. Argument 4 points at the worker routine, and so at the driver.',
    args: [
      'Queue entry with the NULL link',
      'Queue being used (normally an ExWorkerQueue)',
      'Base of the ExWorkerQueue array (to check the queue is one of them)',
      'Worker routine the item would have run, if the queue is an ExWorkerQueue',
    ],
  }],
  [0x97, {
    summary: 'A bound image was loaded that this system does not support.' + RARE + NO_PARAMS,
    args: UNDOCUMENTED_ARGS,
  }],
  [0x98, {
    summary: 'This is an evaluation copy of Windows and its trial period is over.',
    args: ['Low 32 bits of the expiry date', 'High 32 bits of the expiry date', RESERVED, RESERVED],
  }],
  [0x99, {
    summary: 'A caller passed bad parameters to ExInitializeRegion or ExInterlockedExtendRegion; blame the code on the stack that made the call.',
    args: NO_ARGS,
  }],
  [0x9a, {
    summary: 'Windows detected a breach of its licence terms, such as the product type or evaluation period of an offline installation being altered, or the licensing registry keys being unreadable. Argument 1 says which check failed.',
    args: ['Kind of violation (see the sub-case)', DEPENDS, DEPENDS, DEPENDS],
    selector: 1,
    subcodes: [
      sub(0x00, 'The product type was changed while the system was offline.', { 2: 'Expected product: 0 = WinNT, 1 = LanmanNT or ServerNT', 3: 'Part of the serial number', 4: 'First two characters of the product type in the product options' }),
      sub(0x01, 'The evaluation period was changed while the system was offline.', { 2: 'Evaluation time registered in one place', 3: 'Part of the serial number', 4: 'Evaluation time registered in the other place' }),
      sub(0x02, 'The setup key could not be opened.', { 2: LICENSE_STATUS, 3: ZERO, 4: ZERO }),
      sub(0x03, 'SetupType or SetupInProgress is missing from the setup key, so setup mode cannot be told.', { 2: LICENSE_STATUS, 3: ZERO, 4: ZERO }),
      sub(0x04, 'SystemPrefix is missing from the setup key.', { 2: LICENSE_STATUS, 3: ZERO, 4: ZERO }),
      sub(0x05, 'The number of licensed processors was changed while offline.', { 2: 'See the setup code', 3: 'Invalid value found for licensed processors', 4: 'Officially licensed number of processors' }),
      sub(0x06, 'The ProductOptions key could not be opened.', { 2: LICENSE_STATUS, 3: ZERO, 4: ZERO }),
      sub(0x07, 'The ProductType value could not be read.', { 2: LICENSE_STATUS, 3: ZERO, 4: ZERO }),
      sub(0x08, 'Change notification on ProductOptions failed.', { 2: LICENSE_STATUS, 3: ZERO, 4: ZERO }),
      sub(0x09, 'Change notification on SystemPrefix failed.', { 2: LICENSE_STATUS, 3: ZERO, 4: ZERO }),
      sub(0x0a, 'A workstation (NTW) installation was turned into a server (NTS).', { 2: ZERO, 3: ZERO, 4: ZERO }),
      sub(0x0b, 'Referencing the setup key failed.', { 2: LICENSE_STATUS, 3: ZERO, 4: ZERO }),
      sub(0x0c, 'Referencing the product options key failed.', { 2: LICENSE_STATUS, 3: ZERO, 4: ZERO }),
      sub(0x0d, 'The worker thread could not open ProductOptions.', { 2: LICENSE_STATUS, 3: ZERO, 4: ZERO }),
      sub(0x0f, 'Opening the setup key failed.', { 2: LICENSE_STATUS, 3: ZERO, 4: ZERO }),
      sub(0x10, 'The setup key worker thread failed.', { 2: LICENSE_STATUS, 3: '0 = setting a value failed, 1 = change notification failed', 4: ZERO }),
      sub(0x11, 'The product options key worker thread failed.', { 2: LICENSE_STATUS, 3: '0 = setting a value failed, 1 = change notification failed', 4: ZERO }),
      sub(0x12, 'The suite\'s LicenseInfoSuites key could not be opened.', { 2: LICENSE_STATUS, 3: ZERO, 4: ZERO }),
      sub(0x13, 'The suite\'s LicenseInfoSuites key could not be queried.', { 2: LICENSE_STATUS, 3: ZERO, 4: ZERO }),
      sub(0x14, 'A memory allocation failed.', { 2: 'Size of the allocation', 3: ZERO, 4: ZERO }),
      sub(0x15, 'ConcurrentLimit could not be reset for the suite key.', { 2: LICENSE_STATUS, 3: RESERVED, 4: ZERO }),
      sub(0x16, 'The licence key of a suite product could not be opened.', { 2: LICENSE_STATUS, 3: ZERO, 4: ZERO }),
      sub(0x17, 'ConcurrentLimit could not be reset for a suite product.', { 2: LICENSE_STATUS, 3: ZERO, 4: ZERO }),
      sub(0x18, 'Change notification on LicenseInfoSuites could not be started.', { 2: 'Status code of the open failure', 3: RESERVED, 4: ZERO }),
      sub(0x19, 'A product suite that requires the machine to be a primary domain controller (PDC) is running where it is not one.', { 2: ZERO, 3: ZERO, 4: ZERO }),
      sub(0x1a, 'Enumerating the suites failed.', { 2: LICENSE_STATUS, 3: ZERO, 4: ZERO }),
      sub(0x1b, 'Someone tried to change the policy cache.', { 2: ZERO, 3: ZERO, 4: ZERO }),
    ],
  }],
  [0x9b, {
    summary: 'The UDF file system (DVDs and some optical or removable media) hit a fatal problem: media or file-system corruption, bad sectors, a faulty storage driver, or exhausted nonpaged pool. Use .cxr with argument 3, then kb, to see the failing stack.',
    args: [FILE_LINE, EXR_IF('UdfExceptionFilter'), CXR_IF('UdfExceptionFilter'), RESERVED],
    decode: FILE_LINE_DECODE,
  }],
  [0x9e, {
    summary: 'A critical user-mode component (usually failover clustering: RHS or the cluster service) failed a health check within its time-out, so the node was stopped on purpose to restart services or let them fail over. Look at the system event log just before the stop and at the process in argument 1.',
    args: ['Process that missed its health check', 'Health-check time-out, in seconds', 'Which component set the watchdog (see the sub-case)', RESERVED],
    selector: 3,
    subcodes: HEALTH_SOURCES.map(([value, meaning]) => sub(value, meaning)),
  }],
  [0xa1, {
    summary: 'The PCI bus driver found its own internal structures inconsistent and could not go on.',
    args: NO_ARGS,
  }],
  [0xa2, {
    summary: 'An executable image in memory failed its CRC check; on wake from sleep or hibernation, regions of memory are checked to catch memory failures. Suspect RAM or the resume path.',
    args: ['Kind of failure (see the sub-case)', DEPENDS, DEPENDS, DEPENDS],
    selector: 1,
    subcodes: [
      sub(0x02, 'A table page failed its check.', { 2: 'Page number in the table page that failed (if argument 3 is 0), or the page with the failing run index', 3: 'Zero, or the index that did not match the run', 4: ZERO }),
      sub(0x03, 'The checksum of a memory range is wrong.', { 2: 'First physical page number of the range', 3: 'Length of the range, in pages', 4: 'Page number of the table page holding this run' }),
    ],
  }],
  [0xa3, {
    summary: 'The ACPI driver found an internal inconsistency too serious to carry on; a firmware (BIOS) error is one possible source.',
    args: [RESERVED, RESERVED, RESERVED, RESERVED],
  }],
  [0xa4, {
    summary: 'The CNSS file system filter hit a fatal problem. Argument 1 encodes where in its source.' + POOL_HINT,
    args: [FILE_LINE, RESERVED, RESERVED, RESERVED],
    decode: FILE_LINE_DECODE,
  }],
  [0xa5, {
    summary: 'The machine\'s ACPI firmware does not fully follow the ACPI specification (bad tables, methods returning the wrong type, broken interrupt routing). A firmware (BIOS/UEFI) update is the usual fix; !analyze -v shows the related device extension or namespace object.',
    args: ['Kind of incompatibility (see the sub-case)', DEPENDS, DEPENDS, DEPENDS],
    selector: 1,
    subcodes: [
      sub(0x01, 'ACPI could not find the System Control Interrupt (SCI) vector among the resources it was given at start.', { 2: 'ACPI\'s device extension', 3: 'ACPI\'s resource list', 4: '0 = no resource list, 1 = no IRQ resource in the list' }),
      sub(0x02, 'The resource list of the PCI root buses could not be processed.', { 2: 'ACPI extension of the PCI bus', 3: 'Problem 0–3, or a pointer to the PCI resource list (overlaps the E820 memory map)', 4: 'Depends on argument 3: IRP, CRS descriptor, zero, or the E820 table' }),
      sub(0x03, 'A control method failed while ACPI built device extensions for the namespace.', { 2: 'ACPI object being run', 3: 'Value the interpreter returned', 4: 'Name of the control method (as a ULONG)' }),
      sub(0x04, 'A _PRW package element was expected to be an integer and was not.', { 2: 'ACPI extension the _PRW belongs to', 3: ACPI_METHOD, 4: AML_TYPE }),
      sub(0x05, 'A _PRW package has fewer than the two elements the specification requires.', { 2: 'ACPI extension the _PRW belongs to', 3: 'Pointer to the _PRW', 4: 'Number of elements in it' }),
      sub(0x06, 'A named object referenced by _PRx could not be found.', { 2: 'ACPI extension the _PRx belongs to', 3: 'Pointer to the _PRx', 4: 'Pointer to the name being looked for' }),
      sub(0x07, 'A method was expected to return a buffer and returned another type.', { 2: ACPI_EXT, 3: ACPI_METHOD, 4: AML_TYPE }),
      sub(0x08, 'A method was expected to return an integer and returned another type.', { 2: ACPI_EXT, 3: ACPI_METHOD, 4: AML_TYPE }),
      sub(0x09, 'A method was expected to return a package and returned another type.', { 2: ACPI_EXT, 3: ACPI_METHOD, 4: AML_TYPE }),
      sub(0x0a, 'A method was expected to return a string and returned another type.', { 2: ACPI_EXT, 3: ACPI_METHOD, 4: AML_TYPE }),
      sub(0x0b, 'The object named by an _EJD string could not be found.', { 2: 'ACPI extension the _EJD belongs to', 3: 'Status the interpreter returned', 4: 'Name of the object being looked for' }),
      sub(0x0c, 'The firmware gives wrong or incomplete information for docking support.', { 2: 'ACPI extension a dock device was found for', 3: 'Pointer to the _EJD method', 4: '0 = firmware does not claim the system is dockable, 1 = duplicate extensions for the dock device' }),
      sub(0x0d, 'A required method or object is missing from the namespace (no _HID or _ADR).', { 2: 'ACPI extension that needs the object', 3: 'Name of the method looked for (as a ULONG)', 4: '0 = base case, 1 = conflict' }),
      sub(0x0e, 'A power resource lacks a required method (_ON, _OFF or _STA).', { 2: 'The power resource namespace object', 3: 'Name of the method looked for (as a ULONG)', 4: '0 = base case' }),
      sub(0x0f, 'A resource descriptor could not be parsed.', { 2: 'Buffer being parsed', 3: 'Its tag', 4: 'Its stated length' }),
      sub(0x10, 'The mapping between system sleep states (S-states) and device power states (D-states) is wrong.', { 2: 'ACPI extension whose mapping is needed', 3: 'Problem 0–2 (see the note)', 4: 'D-state (for problem 0) or the S-state that cannot be mapped' }),
      sub(0x11, 'The system could not enter ACPI mode.', { 2: 'Problem 0–0xB (see the note)', 3: 'Table pointer (problems 7, 8), FADT version (9), otherwise zero', 4: 'Creator revision (problems 7, 8), otherwise zero' }),
      sub(0x14, 'A resource descriptor could not be parsed: its length does not fit in 32 bits.', { 2: 'Buffer being parsed', 3: 'Its tag', 4: 'Pointer to its 64-bit length' }),
      sub(0x15, 'Loading an ACPI table failed fatally.', { 2: 'The AML context', 3: '1 = table not loaded, 2 = ParameterPath object not found, 3 = parameter data not stored in it, 4 = out of memory', 4: 'NTSTATUS of the failure' }),
      sub(0x16, 'An ACPI table (xSDT) declares an object under a parent object that may not have children.', { 2: 'Parent namespace object (NSOBJ)', 3: 'The illegal child object', 4: RESERVED }),
      sub(0x1000, 'An AML memory operation region asked to map memory the OS owns.', { 2: 'High part of the region\'s physical address', 3: 'Low part of the physical address', 4: 'Length being mapped' }),
      sub(0x2001, 'Evaluating the PIC control method failed.', { 2: 'Interrupt model (integer)', 3: 'Value the interpreter returned', 4: 'Pointer to the PIC control method' }),
      sub(0x10001, 'Interrupt routing failed.', { 2: 'The device object', 3: 'Parent of the device object', 4: PRT }),
      sub(0x10002, 'A link node named in a _PRT could not be found.', { 2: 'The device object', 3: 'Name that was looked for', 4: PRT }),
      sub(0x10003, 'The _PRT has no entry for a device.', { 2: 'The device object', 3: 'Device and function (bits 5:0 = PCI device, bits 8:6 = function)', 4: PRT }),
      sub(0x10005, 'A _PRT entry gives a function number; it should leave it as all F\'s.', { 2: PRT, 3: 'The offending _PRT element', 4: 'Device and function (bits 31:16 = PCI device, bits 15:0 = function)' }),
      sub(0x10006, 'A link node cannot be disabled because it has no _DIS method (link nodes must be disabled to reprogram them).', { 2: 'The link node', 3: ZERO, 4: ZERO }),
      sub(0x10007, 'The _PRT refers to a vector the I/O APIC entries of the MAPIC table do not describe.', { 2: 'The vector', 3: ZERO, 4: ZERO }),
      sub(0x10008, 'The ACPI SCI interrupt level is invalid.', { 2: 'The invalid level', 3: ZERO, 4: ZERO }),
      sub(0x10009, 'The FADT (Fixed ACPI Description Table) could not be found.', { 2: ZERO, 3: ZERO, 4: ZERO }),
      sub(0x1000a, 'The RSDP or XSDT could not be found.', { 2: ZERO, 3: ZERO, 4: ZERO }),
      sub(0x1000b, 'An ACPI table\'s length does not fit its revision.', { 2: 'Table signature', 3: 'Pointer to the table', 4: ZERO }),
      sub(0x1000c, 'The interrupt _DSM method returned malformed data.', { 2: 'Revision ID', 3: 'Function index', 4: ZERO }),
      sub(0x1000d, 'One device declares GPE and GPIO interrupts together; Windows does not allow that combination.', { 2: ACPI_EXT, 3: '0 = _PRW given with no wake-capable interrupts and a GPIO interrupt, 1 = _PRW GpeInfo should be 0xFFFFFFFF', 4: ZERO }),
      sub(0x1000e, 'The resources listed for a secure device in the SDEV table disagree with its _CRS or _PRS.', { 2: 'Status of the validation', 3: 'Namespace path (UNICODE_STRING)', 4: 'Resource list compared against the SDEV' }),
      sub(0x20000, 'The PM_TMR_BLK entry of the FADT does not point at a working ACPI timer.', { 2: 'I/O port given in the table', 3: ZERO, 4: ZERO }),
    ],
    decode: (a) => {
      if (a[0] === 0x02n) {
        const known = lookup(ACPI_PCI_ROOT_PROBLEMS, a[2]);
        return { 3: known ?? (a[2] === undefined ? undefined : 'PCI resource list: its ranges overlap the E820 memory map (argument 4)') };
      }
      if (a[0] === 0x10n) return { 3: lookup(ACPI_SLEEP_MAPPING, a[2]) };
      if (a[0] === 0x11n) return { 2: lookup(ACPI_MODE_FAILURES, a[1]) };
      return {};
    },
  }],
  [0xa7, {
    summary: 'The kernel handle table found an entry in an inconsistent state, which points to handle table corruption or misuse of a handle.',
    args: NO_ARGS,
  }],
  [0xac, {
    summary: 'The HAL could not get nonpaged pool for an allocation the system cannot do without. These allocations happen early in start-up, so this usually signals another problem such as pool corruption or runaway pool use.',
    args: ['Size of the allocation', ZERO, 'Pointer to a string with the source file name', RESERVED],
  }],
  [0xad, {
    summary: 'Not a crash: the video port wrote a minidump while the system kept running, because the display driver asked for a debug report. Only minidumps are made this way.',
    args: ['Driver-specific', 'Driver-specific', 'Driver-specific', 'Number of reports requested since boot'],
  }],
];
