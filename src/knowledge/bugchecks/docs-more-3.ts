// Bugchecks and live dump codes 0x15C and up: watchdogs, clusters, graphics, verifiers and newer kernel checks, in this project's words.
import { type BugcheckDoc, RESERVED, type SubcodeDoc, sub } from './types.js';

const DEPENDS = 'Depends on argument 1';
const DEPENDS2 = 'Depends on argument 2';
const SEE_SUB = '(see the sub-case)';
const NOT_DOCUMENTED = 'Not documented by Microsoft';
const NOT_FOR_CASE = 'Not documented for this case';
const LIVE = 'Live kernel dump taken for diagnosis; the machine did not crash. ';
const CLUSSVC_PID = 'Process ID of the Cluster Service';
const NO_ARGS = [RESERVED, RESERVED, RESERVED, RESERVED] as const;
const UNDOCUMENTED_ARGS = [NOT_DOCUMENTED, NOT_DOCUMENTED, NOT_DOCUMENTED, NOT_DOCUMENTED] as const;
const ONLY_R = { 3: RESERVED, 4: RESERVED } as const;

/** Where a Cluster Shared Volume was heading (argument 2 of 0x168 and 0x16F). */
const CSV_TARGET_STATES: readonly SubcodeDoc[] = [
  sub(0, 'The volume was to reach the Init state.'),
  sub(1, 'The volume was to reach the Paused state.'),
  sub(2, 'The volume was to reach the Draining state.'),
  sub(3, 'The volume was to reach the Set-Down-Level state.'),
  sub(4, 'The volume was to reach the Active state.'),
];

/** The kernel's guess at which stack should be in use (argument 2 of 0x1AA and 0x1AB). */
const STACK_KINDS: readonly SubcodeDoc[] = [
  sub(0x0, 'The bugcheck stack (or any stack, when the limits are worked out at bugcheck time).'),
  sub(0x1, 'A processor\'s DPC stack.'),
  sub(0x2, 'A stack made by KeExpandKernelStackAndCallout(Ex).'),
  sub(0x3, 'An ordinary kernel thread stack.'),
  sub(0x4, 'A kernel thread stack in the middle of a context swap (which thread is active is unclear).'),
  sub(0x5, 'A Win32k kernel/user callout stack.'),
  sub(0x6, 'A processor\'s interrupt (ISR) stack.'),
  sub(0x7, 'The kernel debugger\'s stack (while it handles debugger I/O).'),
  sub(0x8, 'A processor\'s NMI stack.'),
  sub(0x9, 'A processor\'s machine check stack.'),
  sub(0xa, 'A processor exception stack (used for some exceptions raised at high IRQL).'),
];

const STACK_ARGS = ['Current stack pointer', 'Kind of stack the kernel expected to be active, its best guess ' + SEE_SUB, 'Address of the context record being dispatched or unwound (use .cxr on it)'] as const;

/** UCSI class extension failures (0x1D4 live dump and 0x1D8 bugcheck). */
const UCSI_ARGS = ['Kind of failure ' + SEE_SUB, 'The UCSI command', 'If not zero, address of extra data (dt UcmUcsiCx!UCMUCSICX_TRIAGE)', RESERVED] as const;
const UCSI_SUBS: readonly SubcodeDoc[] = [
  sub(0x0, 'A UCSI command timed out: the firmware did not answer in time.'),
  sub(0x1, 'A UCSI command failed: the client driver returned a failure or the firmware reported an error.'),
];

/** Driver Verifier DDI compliance rules that 0x1C4 can name in argument 1: ID, rule, whether arguments 3–4 hold !ruleinfo state. */
const VERIFIER_RULES: ReadonlyArray<readonly [number, string, boolean]> = [
  [0x00020002, 'IrqlApcLte', false], [0x00020003, 'IrqlDispatch', false], [0x00020004, 'IrqlExAllocatePool', false],
  [0x00020005, 'IrqlExApcLte1', false], [0x00020006, 'IrqlExApcLte2', false], [0x00020007, 'IrqlExApcLte3', false],
  [0x00020008, 'IrqlExPassive', false], [0x00020009, 'IrqlIoApcLte', false], [0x0002000a, 'IrqlIoPassive1', false],
  [0x0002000b, 'IrqlIoPassive2', false], [0x0002000c, 'IrqlIoPassive3', false], [0x0002000d, 'IrqlIoPassive4', false],
  [0x0002000e, 'IrqlIoPassive5', false], [0x0002000f, 'IrqlKeApcLte1', false], [0x00020010, 'IrqlKeApcLte2', false],
  [0x00020011, 'IrqlKeDispatchLte', false], [0x00020015, 'IrqlKeReleaseSpinLock', false], [0x00020016, 'IrqlKeSetEvent', false],
  [0x00020019, 'IrqlMmApcLte', false], [0x0002001a, 'IrqlMmDispatch', false], [0x0002001b, 'IrqlObPassive', false],
  [0x0002001c, 'IrqlPsPassive', false], [0x0002001d, 'IrqlReturn', true], [0x0002001e, 'IrqlRtlPassive', false],
  [0x0002001f, 'IrqlZwPassive', false], [0x00020022, 'IrqlIoDispatch', false],
  [0x00040003, 'CriticalRegions', true], [0x00040006, 'QueuedSpinLock', true], [0x00040007, 'QueuedSpinLockRelease', true],
  [0x00040009, 'SpinLock', true], [0x0004000a, 'SpinlockRelease', true], [0x0004000e, 'GuardedRegions', true],
  [0x0004100b, 'RequestedPowerIrp', false], [0x0004100f, 'IoSetCompletionExCompleteIrp', true], [0x00043006, 'PnpRemove', false],
  [0x00071001, 'PcIrqlDDIs', false], [0x00071003, 'PcIrqlIport', false], [0x00071004, 'PcUnmapAllocatedPages', true],
  [0x00071005, 'PcAllocatedPages', true], [0x00071006, 'PcRegisterAdapterPower', true], [0x00071007, 'PcAddAdapterDevice', false],
  [0x00071008, 'PcPropertyRequest', false], [0x00071009, 'PcAllocateAndMapPages', false], [0x0007100a, 'PcPoRequestPowerIrp', false],
  [0x00072001, 'PcTimedWaveRtStreamSetState', true],
  [0x00081001, 'KsDeviceMutex', true], [0x00081002, 'KsStreamPointerClone', true], [0x00081003, 'KsStreamPointerLock', false],
  [0x00081004, 'KsStreamPointerUnlock', true], [0x00081005, 'KsCallbackReturn', false], [0x00081006, 'KsIrqlDeviceCallbacks', true],
  [0x00081007, 'KsIrqlFilterCallbacks', true], [0x00081008, 'KsIrqlPinCallbacks', true], [0x00081009, 'KsIrqlDDIs', false],
  [0x0008100a, 'KsFilterMutex', true], [0x0008100b, 'KsProcessingMutex', true], [0x00082001, 'KsTimedPinSetDeviceState', true],
  [0x00082002, 'KsTimedDeviceCallbacks', true], [0x00082003, 'KsTimedFilterCallbacks', true], [0x00082004, 'KsTimedPinCallbacks', true],
  [0x00082005, 'KsTimedProcessingMutex', true],
  [0x00091001, 'NdisOidComplete', true], [0x00091002, 'NdisOidDoubleComplete', true], [0x0009100e, 'NdisOidDoubleRequest', true],
  [0x00092003, 'NdisTimedOidComplete', true], [0x0009200d, 'NdisTimedDataSend', true], [0x0009200f, 'NdisTimedDataHang', true],
  [0x00092010, 'NdisFilterTimedPauseComplete', true], [0x00092011, 'NdisFilterTimedDataSend', true],
  [0x00092012, 'NdisFilterTimedDataReceive', true], [0x00093004, 'WlanAssociation', true], [0x00093005, 'WlanConnectionRoaming', true],
  [0x00093006, 'WlanDisassociation', true], [0x00093101, 'WlanAssert', false], [0x00094007, 'WlanTimedAssociation', true],
  [0x00094008, 'WlanTimedConnectionRoaming', true], [0x00094009, 'WlanTimedConnectRequest', true],
  [0x0009400b, 'WlanTimedLinkQuality', true], [0x0009400c, 'WlanTimedScan', true],
];
const RULE_STATE = { 3: 'Address of the rule\'s internal state (second argument to !ruleinfo)', 4: 'Address of supplemental state (third argument to !ruleinfo)' } as const;

/** Cluster resource kinds for the deadlock sub-sources of 0x1C9 argument 3. */
const CLUSTER_RESOURCE_KINDS = ['Physical Disk', 'Storage Pool', 'File Server', 'SODA File Server', 'Storage Replica', 'Storage QoS', 'NFS v2'];

/** NDIS watchdog operations (0x15E, argument 1 = 0x25, argument 2). */
const NDIS_WATCHDOG_OPS: Record<string, string> = {
  1: 'pausing a protocol driver', 2: 'delivering a PnP event to a protocol driver', 3: 'delivering a status indication to a protocol driver',
  4: 'unbinding a protocol driver', 17: 'pausing a filter driver', 18: 'delivering a PnP event to a filter driver',
  19: 'delivering a status indication to a filter driver', 20: 'detaching a filter driver', 33: 'pausing a miniport adapter',
  34: 'halting a miniport adapter', 35: 'an OID request to a miniport adapter', 36: 'an OID request to a filter driver',
  37: 'idling a miniport adapter', 38: 'cancelling an idle request on a miniport adapter',
};

const POWER_WORKER = { 2: 'Address of the power request worker thread', 3: RESERVED, 4: RESERVED } as const;
const PPM_OP = 'Operation: 1 = MSR read, 2 = MSR write, 3 = I/O port read, 4 = I/O port write, 5 = idle state registration';
const BRB = 'Address of the BRB (Bluetooth Request Block)';

export const MORE_DOCS_3: ReadonlyArray<readonly [number, BugcheckDoc]> = [
  [0x15c, {
    summary: LIVE + 'A component registered with the Power Dependency Coordinator (PDC) did not answer in time, holding up entry to or exit from connected (modern) standby. Argument 2 says what kind of client hung.',
    args: ['Client ID of the component that hung', 'Kind of client that hung ' + SEE_SUB, DEPENDS2, DEPENDS2],
    selector: 2,
    subcodes: [
      sub(0x1, 'A notification client did not respond.', { 3: 'Address of the client (pdc!_PDC_NOTIFICATION_CLIENT)', 4: 'Address of a pdc!PDC_14F_TRIAGE structure' }),
      sub(0x2, 'A resiliency client did not respond.', { 3: 'Address of the client (pdc!_PDC_RESILIENCY_CLIENT)', 4: 'Address of a pdc!PDC_14F_TRIAGE structure' }),
      sub(0x3, 'An activator client kept its reference too long.', { 3: 'Address of the client (pdc!_PDC_ACTIVATOR_CLIENT)', 4: 'Address of a pdc!PDC_14F_TRIAGE structure' }),
    ],
  }],
  [0x15d, {
    summary: LIVE + 'A System-on-Chip subsystem (such as an audio DSP) reported a critical fault and this dump was captured instead of a 0x14B bugcheck. Dump argument 1 with dt nt!SOC_SUBSYSTEM_FAILURE_DETAILS; the SoC vendor can decode the rest.',
    args: ['Address of the SOC_SUBSYSTEM_FAILURE_DETAILS structure', RESERVED, RESERVED, 'Optional: address of a data block supplied by the vendor'],
  }],
  [0x15e, {
    summary: LIVE + 'NDIS noticed and recovered from a serious problem in a network driver (a fatal miniport error, a call that overran its watchdog, or NBLs not returned); it may still lead to lost connectivity or a real crash later. Use the !ndiskd commands on the addresses given.',
    args: ['Kind of problem ' + SEE_SUB, DEPENDS, DEPENDS, DEPENDS],
    selector: 1,
    subcodes: [
      sub(0x01, 'A miniport driver hit a fatal error and asked to be re-enumerated (NDIS_BUGCHECK_MINIPORT_FATAL_ERROR).', {
        2: 'Address of the miniport block (use !ndiskd.minidriver)',
        3: 'The miniport\'s PDO',
        4: 'Cause: 70 user mode, 71 NdisMRemoveMiniport, 72 IM init failed, 73 MiniportRestart failed, 74/75 set power D0/Dx failed',
      }),
      sub(0x25, 'An NDIS call into another network driver overran its watchdog (NDIS_BUGCHECK_WATCHDOG): often a deadlock (!stacks 2 ndis), lost NBLs (!ndiskd.pendingnbls) or a stuck OID (!ndiskd.oid).', {
        2: 'Operation that took too long: 0x01–0x04 protocol, 0x11–0x14 filter, 0x21–0x26 miniport, OID and idle steps',
        3: 'Address of the ndis!NDIS_WATCHDOG_TRIAGE_BLOCK (start time, timeout, target object, primary thread)',
        4: 'For PnP events, status indications and OIDs: the stuck event code, NDIS_STATUS or OID; otherwise 0',
      }),
      sub(0x30, 'A miniport driver has held an NBL for a long time without returning it to the stack (NDIS_BUGCHECK_STUCK_NBL).', { 2: 'Address of the miniport block (use !ndiskd.minidriver)', 3: 'Zero', 4: 'Zero' }),
    ],
    decode: (a) => {
      if (a[0] !== 0x25n || a[1] === undefined) return {};
      const op = NDIS_WATCHDOG_OPS[a[1].toString()];
      return op ? { 2: `Stuck: ${op}` } : {};
    },
  }],
  [0x161, {
    summary: LIVE + 'A user or administrator asked for a live memory dump (for example from Task Manager in recent Windows builds, 25276 and later), so nothing necessarily went wrong.',
    args: ['0x005461736b6d6772 (the text "Taskmgr") when Task Manager took the dump', RESERVED, RESERVED, RESERVED],
    decode: (a) => (a[0] === 0x005461736b6d6772n ? { 1: 'Taken from Task Manager' } : {}),
  }],
  [0x162, {
    summary: 'A lock tracked by AutoBoost (the kernel\'s lock-owner priority boosting) was released by a thread that does not own it: one thread released it on another\'s behalf, which AutoBoost forbids, or a thread released a lock it no longer held.',
    args: ['Address of the thread', 'Address of the lock', 'Session ID of the thread', RESERVED],
  }],
  [0x163, {
    summary: 'A test of the kernel worker threads reported a failure. Argument 2 tells which test fired.',
    args: ['Test flags that were active', 'Flag of the test that raised the failure', RESERVED, RESERVED],
  }],
  [0x165, {
    summary: LIVE + 'On a failover cluster, the SMB client of a non-coordinating node saw an I/O on the Cluster Shared Volume coordinator take so long that it failed I/O with STATUS_IO_TIMEOUT. More data is in the dump\'s secondary data streams.',
    args: ['Process ID of the Cluster Service (optional)', 'ID of the cluster node that saw STATUS_IO_TIMEOUT', RESERVED, RESERVED],
  }],
  [0x166, {
    summary: LIVE + 'A call into a cluster resource ran past its configured timeout. Argument 3 says which call; the thread in argument 2 (inside the resource host monitor) is the one to inspect.',
    args: ['Process ID of the resource host monitor (RHS)', 'Thread ID of the thread handling the resource call', 'Which resource call ' + SEE_SUB, 'For resource (type) control calls: the control code'],
    selector: 3,
    subcodes: [
      sub(1, 'Open.'), sub(2, 'Close.'), sub(3, 'Online.'), sub(4, 'Offline.'), sub(5, 'Terminate.'), sub(6, 'Arbitrate.'), sub(7, 'Release.'),
      sub(8, 'Resource control.', { 4: 'Cluster resource control code' }),
      sub(9, 'Resource type control.', { 4: 'Cluster resource type control code' }),
      sub(10, 'LooksAlive check.'), sub(11, 'IsAlive check.'), sub(12, 'Failure notification.'), sub(13, 'Shutting down the process.'), sub(14, 'Cancel.'),
    ],
  }],
  [0x167, {
    summary: LIVE + 'A query from the Cluster Service to the volume snapshot driver (volsnap) for snapshot information took too long.',
    args: [CLUSSVC_PID, 'Thread ID of the thread handling the volsnap query', 'When it timed out ' + SEE_SUB, RESERVED],
    selector: 3,
    subcodes: [
      sub(1, 'The query timed out while the CSV volume was active.'),
      sub(2, 'The query still timed out after the CSV volume had been taken down.'),
    ],
  }],
  [0x168, {
    summary: LIVE + 'A Cluster Shared Volume took too long to move to a new state; argument 2 names the state it was heading for.',
    args: [CLUSSVC_PID, 'Target state of the volume ' + SEE_SUB, RESERVED, RESERVED],
    selector: 2,
    subcodes: CSV_TARGET_STATES,
  }],
  [0x169, {
    summary: LIVE + 'A new Cluster Shared Volume device object was requested, and the volume it waits for did not show up in time.',
    args: [CLUSSVC_PID, RESERVED, RESERVED, RESERVED],
  }],
  [0x16a, {
    summary: LIVE + 'A request to the Cluster Shared Volume Manager to remove a volume timed out.',
    args: [CLUSSVC_PID, RESERVED, RESERVED, RESERVED],
  }],
  [0x16b, {
    summary: LIVE + 'The Cluster Service\'s user-mode watchdog found a thread that had made no progress for a long time; argument 2 names it.',
    args: [CLUSSVC_PID, 'Thread ID of the stuck thread', RESERVED, RESERVED],
  }],
  [0x16c, {
    summary: 'A caller passed invalid flags to one of the kernel\'s rundown protection routines. The caller on the stack is at fault.',
    args: ['The invalid flags that were passed', 'Address of the rundown reference', RESERVED, RESERVED],
  }],
  [0x16d, {
    summary: 'A caller passed invalid flags to one of the kernel\'s slot allocator routines. The caller on the stack is at fault.',
    args: ['The invalid flags that were passed', RESERVED, RESERVED, RESERVED],
  }],
  [0x16e, {
    summary: 'ExReleaseResourceForThreadLite was given a wrong owner thread: the caller meant to release the resource from another thread but skipped handing ownership over (ExSetResourceOwnerPointerEx), or passed a value that ExGetCurrentResourceThread did not return.',
    args: ['Address of the resource being released', 'The current thread', 'The wrong target thread value that was passed', RESERVED],
  }],
  [0x16f, {
    summary: LIVE + 'A Cluster Shared Volume waited too long for the request for its next state transition, which never came; argument 2 names the state involved.',
    args: [CLUSSVC_PID, 'Target state of the volume ' + SEE_SUB, RESERVED, RESERVED],
    selector: 2,
    subcodes: CSV_TARGET_STATES,
  }],
  [0x170, {
    summary: 'A failover cluster node was crashed because the Cluster Service\'s disconnect made no progress before its watchdog expired. Look at the thread named in argument 1.',
    args: ['ID of the thread handling the cluster disconnect', 'Timeout, in milliseconds', RESERVED, RESERVED],
  }],
  [0x171, {
    summary: 'The kernel cryptographic library met a condition that should never happen and had no safe way to report it to its caller. Microsoft notes this can be a sign of an attack in progress.',
    args: ['ID of the failure', RESERVED, RESERVED, RESERVED],
  }],
  [0x173, {
    summary: 'CoreMessageCall hit an error it could not recover from. Microsoft documents only the failure type.',
    args: ['Type of failure', RESERVED, RESERVED, RESERVED],
  }],
  [0x174, {
    summary: 'CoreMessaging (a Windows messaging component) hit an error it could not recover from. Microsoft documents only the failure type.',
    args: ['Type of failure', RESERVED, RESERVED, RESERVED],
  }],
  [0x175, {
    summary: 'Live kernel dump written after a restart to collect crash data; it is not itself a crash. On Windows Phone devices the previous session ended in a fatal error or abnormal reset, for example a hardware watchdog on the application or auxiliary processor, or the user forcing a reset during a hang.',
    args: NO_ARGS,
  }],
  [0x178, {
    summary: 'An Early Launch Anti-Malware (ELAM) driver reported a fatal error: TPM attestation could not be revoked, or a failure its vendor defines. For vendor-defined failures, ask the anti-malware vendor.',
    args: ['Kind of failure ' + SEE_SUB, DEPENDS, DEPENDS, 'Optional: general-purpose data block supplied by the ELAM vendor'],
    selector: 1,
    subcodes: [
      sub(0x0, 'TPM attestation could not be revoked.', { 2: 'Address of the BDCB_IMAGE_INFORMATION for the driver being inspected', 3: 'TBS_RESULT failure code' }),
      sub(0x10000, 'A failure defined by the ELAM vendor.', { 2: 'Optional value supplied by the vendor', 3: 'Optional value supplied by the vendor' }),
    ],
  }],
  [0x179, {
    summary: LIVE + 'On a cluster initiator node the SMB client saw an I/O to a target node take so long that it failed I/O with STATUS_IO_TIMEOUT, so this dump was taken to show which I/O was slow. Secondary data streams hold more detail.',
    args: ['Address of the IRP that timed out', RESERVED, RESERVED, RESERVED],
  }],
  [0x17b, {
    summary: 'An illegal profiler configuration was detected. Microsoft publishes nothing beyond the name: no description and no parameters.',
    args: UNDOCUMENTED_ARGS,
  }],
  [0x17c, {
    summary: LIVE + 'A thread kept the Power Dependency Coordinator (PDC) lock longer than its watchdog allows. Run !thread on argument 1 to see why it still holds the lock.',
    args: ['Thread holding the PDC lock', 'Lock watchdog timeout, in milliseconds', RESERVED, RESERVED],
  }],
  [0x17d, {
    summary: LIVE + 'A Power Dependency Coordinator (PDC) activator was revoked when that was not expected.',
    args: ['Client ID of the revoked activator', 'The revoked activator client', 'The revoked activation instance', 'Address of the pdc!_PDC_CLIENT_PROCESS_INFO'],
  }],
  [0x187, {
    summary: LIVE + 'The Desktop Window Manager (DWM) kept failing to start, so Windows stopped the display adapters and fell back to the Basic Display Driver (BDD) instead of the vendor\'s graphics driver. Suspect the graphics driver.',
    args: ['Reason code ' + SEE_SUB, RESERVED, RESERVED, RESERVED],
    selector: 1,
    subcodes: [sub(0x1, 'DWM still failed to initialise after retries; display adapters were stopped and BDD used instead.')],
  }],
  [0x188, {
    summary: LIVE + 'The CSV file system (CSVFS) found a state that could lead to data corruption or inconsistency: a cache purge or flush failed while an oplock changed. Argument 1 says which.',
    args: ['Reason code ' + SEE_SUB, 'Address of the CSVFS!_SCB involved', RESERVED, RESERVED],
    selector: 1,
    subcodes: [
      sub(0x1, 'Purging the cache failed when an oplock was downgraded to none.'),
      sub(0x2, 'Purging the cache failed when an oplock was upgraded from none.'),
      sub(0x3, 'Purging the cache failed while setting purge failure mode.'),
      sub(0x4, 'Flushing the cache failed when an oplock was downgraded to none.'),
    ],
  }],
  [0x189, {
    summary: 'The header in front of a kernel object (OBJECT_HEADER) is corrupt: its type index or its security descriptor is invalid. Usually memory corruption, such as a driver overrunning or using the object after it was freed, or bad RAM.',
    args: ['Address of the corrupt OBJECT_HEADER', 'Address of the OBJECT_TYPE that the header\'s TypeIndex leads to', 'Kind of corruption ' + SEE_SUB, RESERVED],
    selector: 3,
    subcodes: [
      sub(0x0, 'The type index is corrupt.'),
      sub(0x1, 'The object\'s security descriptor is invalid.'),
    ],
  }],
  [0x18c, {
    summary: 'HyperGuard found critical kernel code or data modified. Causes: a driver patching the kernel (on purpose or by accident), a software breakpoint (bp) set by a debugger not attached since boot (use hardware breakpoints, ba), or failing memory.',
    args: ['Kind of region found corrupt ' + SEE_SUB, 'Information that depends on the kind of failure', RESERVED, RESERVED],
    selector: 1,
    subcodes: [
      sub(0x1001, 'A generic data region.'),
      sub(0x1002, 'A page hash did not match.'),
      sub(0x1004, 'A processor\'s IDT.'),
      sub(0x1005, 'A processor\'s GDT.'),
      sub(0x1007, 'A debug routine was modified.'),
      sub(0x1008, 'A dynamic code region.'),
      sub(0x1009, 'A generic shareable data region.'),
      sub(0x100a, 'A hypervisor overlay region.'),
      sub(0x100b, 'A processor mode is misconfigured.'),
      sub(0x100c, 'An extended processor control register.'),
      sub(0x100d, 'A secure memory region.'),
      sub(0x100e, 'A loaded module.'),
      sub(0x100f, 'A processor state region.'),
      sub(0x1010, 'The kernel CFG (Control Flow Guard) bitmap.'),
      sub(0x1011, 'The page at virtual address 0.'),
      sub(0x1012, 'The alternate inverted function table.'),
      sub(0x1013, 'An on-demand page verification failed.'),
      sub(0x1016, 'A secure image region.'),
      sub(0x1017, 'Protection of kernel virtual addresses is inconsistent.'),
      sub(0x1101, 'HyperGuard\'s internal context is corrupt.'),
      sub(0x1102, 'The IDTR was modified.'),
      sub(0x1103, 'The GDTR was modified.'),
    ],
  }],
  [0x18d, {
    summary: 'A secure fault raised by the secure kernel (virtualisation-based security) could not be handled: an execute, read or write blocked by second-level address translation (SLAT) protections, or a new secure fault before the last one was dismissed.',
    args: ['Secure fault bit mask: 0x1 = SLAT no-execute, 0x2 = SLAT read, 0x4 = SLAT write, 0x8 = double fault', 'Faulting virtual address (only for some kinds of fault)', 'Address of the exception record', 'Address of the context record'],
    decode: (a) => {
      const v = a[0];
      if (v === undefined) return {};
      const bits: Array<[bigint, string]> = [[0x1n, 'SLAT no-execute'], [0x2n, 'SLAT read'], [0x4n, 'SLAT write'], [0x8n, 'secure double fault']];
      const set = bits.filter(([b]) => (v & b) !== 0n).map(([, s]) => s);
      return set.length ? { 1: set.join(', ') } : {};
    },
  }],
  [0x18e, {
    summary: 'A partition object was dereferenced improperly: one was deleted while it still had references or queued work, or the system partition itself was deleted. Usually a kernel-mode driver mishandling partition references; sometimes serious kernel data corruption.',
    args: ['Kind of failure ' + SEE_SUB, 'Address of the partition', DEPENDS, RESERVED],
    selector: 1,
    subcodes: [
      sub(0x0, 'A partition that still has hard references is being deleted.', { 3: 'Number of hard references still outstanding' }),
      sub(0x1, 'The system partition is being deleted.', { 3: RESERVED }),
      sub(0x2, 'A partition with executive work queue items still outstanding is being deleted.', { 3: 'Address of the work queue that still has items' }),
    ],
  }],
  [0x190, {
    summary: LIVE + 'Win32k (the kernel side of the window manager and GDI) hit a critical failure: a region lay outside its surface, or memory was allocated with operator new.',
    args: ['Kind of failure ' + SEE_SUB, DEPENDS, DEPENDS, DEPENDS],
    selector: 1,
    subcodes: [
      sub(0x1, 'A region is outside the bounds of its surface (REGION_VALIDATION_FAILURE).', { 2: 'Address of the DC', 3: 'Address of the SURFACE', 4: 'Address of the REGION' }),
      sub(0x2, 'Memory was allocated with operator new (OPERATOR_NEW_USED).', { 2: RESERVED, 3: RESERVED, 4: RESERVED }),
    ],
  }],
  [0x191, {
    summary: 'The PF component detected corruption. Microsoft gives no description beyond the name and lists all four arguments as reserved.',
    args: NO_ARGS,
  }],
  [0x193, {
    summary: LIVE + 'The DirectX graphics kernel (dxgkrnl) took it to collect information about a graphics problem. The only documented reason code is 0x100 (internal).',
    args: ['Reason code (0x100 = internal)', RESERVED, RESERVED, RESERVED],
  }],
  [0x195, {
    summary: LIVE + 'The SMB server found a problem (an I/O that did not complete in reasonable time) and captured this dump.',
    args: ['Reason code ' + SEE_SUB, DEPENDS, RESERVED, RESERVED],
    selector: 1,
    subcodes: [sub(0x1, 'An I/O did not complete in a reasonable time.', { 2: 'Address of the I/O\'s SRV2_WORK_ITEM' })],
  }],
  [0x196, {
    summary: 'The boot loader\'s security version is older than the one this OS requires: someone booted it with a rolled-back loader.',
    args: ['Security version of the loader', 'Security version of the OS', RESERVED, RESERVED],
  }],
  [0x197, {
    summary: 'Win32k found a security-relevant inconsistency: an object\'s handle entry does not point back to the object. Treat it as corruption of Win32k data.',
    args: ['Kind of failure ' + SEE_SUB, DEPENDS, DEPENDS, DEPENDS],
    selector: 1,
    subcodes: [sub(0x1, 'An object\'s handle entry does not point back to the object.', { 2: 'Address of the object type', 3: 'Address of the handle entry', 4: 'The object that was expected' })],
  }],
  [0x198, {
    summary: LIVE + 'The USB function stack (UFX, used when the device acts as a USB peripheral) hit a problem, such as a class driver that could not activate the bus.',
    args: ['Kind of failure ' + SEE_SUB, DEPENDS, DEPENDS, DEPENDS],
    selector: 1,
    subcodes: [sub(0x1, 'Bus activation by a class driver failed.', { 2: 'Bit mask of child PDOs that were enumerated', 3: 'Bit mask of child PDOs that were activated', 4: RESERVED })],
  }],
  [0x199, {
    summary: 'A kernel storage slot could not be freed because an object is still using it.',
    args: ['Address of the storage array', RESERVED, RESERVED, RESERVED],
  }],
  [0x19a, {
    summary: 'A work item routine attached its worker thread to a silo and returned without detaching. Run ln on argument 1 to find the driver.',
    args: ['Address of the worker routine (ln on it names the driver)', 'Work item parameter', 'Address of the work item', RESERVED],
  }],
  [0x19b, {
    summary: 'The Terminal Topology Manager (TTM) hit a fatal error: it could not create a terminal object.',
    args: ['Kind of failure ' + SEE_SUB, DEPENDS, DEPENDS, DEPENDS],
    selector: 1,
    subcodes: [sub(0x1, 'A terminal object could not be created.', { 2: 'NTSTATUS of the failure', 3: RESERVED, 4: RESERVED })],
  }],
  [0x19c, {
    summary: 'Win32k did not turn the monitor back on in time. Argument 1 tells which step stalled (the power request queue, the power manager, GDI, DWM or the monitor driver); inspect the thread in argument 2.',
    args: ['Step that stalled (win32kbase!POWER_WATCHDOG_TYPE) ' + SEE_SUB, DEPENDS, DEPENDS, DEPENDS],
    selector: 1,
    subcodes: [
      sub(0x10, 'Power requests are queued and none completes.', { 2: 'Thread processing power requests, if any', 3: 'Address of the Win32k user lock', 4: 'Power request being processed (win32kbase!PPOWERREQUEST), if any' }),
      sub(0x20, 'Stuck calling the power manager (PO) to set the power state.', POWER_WORKER),
      sub(0x30, 'Stuck calling GDI to power on.', POWER_WORKER),
      sub(0x40, 'Stuck calling DWM to render.', POWER_WORKER),
      sub(0x50, 'Stuck calling the monitor driver to power on.', POWER_WORKER),
    ],
  }],
  [0x19d, {
    summary: LIVE + 'The shared virtual hard disk filter (SVHDX) found a state that could lead to inconsistency, such as a failed mount of a shared virtual disk.',
    args: ['Reason code ' + SEE_SUB, DEPENDS, DEPENDS, DEPENDS],
    selector: 1,
    subcodes: [sub(0x1, 'Mounting a shared virtual disk failed.', { 2: 'Address of Svhdxflt!_SVHDX_VIRTUALDISK_CONTEXT', 3: 'Address of the nt!_FILE_OBJECT', 4: 'NTSTATUS of the failure' })],
  }],
  [0x1a0, {
    summary: 'The Terminal Topology Manager waited past its configured timeout for a device operation (assigning the device to a terminal, or one of its callbacks). ln on the callout routine in argument 4 names the driver that stalled.',
    args: ['Operation that stalled ' + SEE_SUB, 'Address of the device', 'Address of the worker thread', 'Address of the callout routine'],
    selector: 1,
    subcodes: [
      sub(0x1, 'Assigning a device to a terminal is not making progress.'),
      sub(0x2, 'The device is stuck in its close callback.'),
      sub(0x3, 'The device is stuck in its set-input-mode callback.'),
      sub(0x4, 'The device is stuck in its set-display-state callback.'),
      sub(0x5, 'Setting the state of the device\'s built-in panel is not making progress.'),
      sub(0x6, 'Updating whether the device\'s primary display is visible is not making progress.'),
    ],
  }],
  [0x1a1, {
    summary: LIVE + 'A callout into Win32k did not return promptly; argument 1 is the thread holding it up.',
    args: ['Thread that keeps the Win32k callout from returning', RESERVED, RESERVED, RESERVED],
  }],
  [0x1a2, {
    summary: 'A callout into Win32k did not return promptly and the watchdog stopped the machine (the crashing counterpart of live dump 0x1A1). Inspect the thread in argument 1.',
    args: ['Thread that keeps the Win32k callout from returning', RESERVED, RESERVED, RESERVED],
  }],
  [0x1a3, {
    summary: LIVE + 'A call watched by a kernel watchdog did not return within its timeout; arguments 1 and 2 name the process and thread.',
    args: ['Process of the thread whose call did not return', 'Thread whose call did not return', 'Timeout, in milliseconds', 'Address of nt!_PO_CALL_HAS_NOT_RETURNED_WATCHDOG (use dt on it)'],
  }],
  [0x1a4, {
    summary: LIVE + 'During modern standby, the time spent in software DRIPS (the deepest runtime idle platform state) and in hardware DRIPS differed by more than the threshold: the hardware did not really reach its lowest power state much of the time.',
    args: ['Time in software DRIPS, in microseconds', 'Time in hardware DRIPS, in microseconds', RESERVED, RESERVED],
  }],
  [0x1a5, {
    summary: LIVE + 'During modern standby a USB device stopped its root controller from reaching low power (blocking DRIPS); it is about to be surprise-removed to unblock it.',
    args: ['PDO of the blocking USB device', RESERVED, RESERVED, RESERVED],
  }],
  [0x1a6, {
    summary: LIVE + 'The Bluetooth radio driver (bthport.sys) found the radio in an internal state it could not fix and started error recovery to reset it.',
    args: ['PDO of the Bluetooth radio', RESERVED, RESERVED, RESERVED],
  }],
  [0x1a7, {
    summary: LIVE + 'The SMB client (redirector) saw an I/O time out. It is produced only when LiveDumpFilter = 1 (DWORD) is set under HKLM\\System\\CurrentControlSet\\Services\\LanmanWorkstation\\Parameters.',
    args: ['Reason code ' + SEE_SUB, DEPENDS, RESERVED, RESERVED],
    selector: 1,
    subcodes: [sub(0x1, 'An I/O did not complete in a reasonable time.', { 2: 'Address of the connection object' })],
  }],
  [0x1a8, {
    summary: LIVE + 'The graphics kernel (dxgkrnl) captured it for a black screen, mostly at the user\'s request (hotkey, volume key combination, long power button press). Argument 1 says what triggered it.',
    args: ['What triggered the dump ' + SEE_SUB, RESERVED, RESERVED, RESERVED],
    selector: 1,
    subcodes: [
      sub(0x1, 'The black screen hotkey.'),
      sub(0x2, 'The volume key combination.'),
      sub(0x4, 'An internal trigger.'),
      sub(0x8, 'A long power button hold (LPBH).'),
      sub(0x9, 'Reserved for internal testing.'),
      sub(0xa, 'Automatic: a monitor is connected but no mode set could light up even one display path.'),
    ],
  }],
  [0x1a9, {
    summary: LIVE + 'A device failed a power transition call of the Directed Power Management Framework (Directed Fx).',
    args: ['Address of the POP_FX_DEVICE', '1 = the transition was a power-down, 0 = a power-up', RESERVED, RESERVED],
    decode: (a) => (a[1] === 1n ? { 2: 'Power-down' } : a[1] === 0n ? { 2: 'Power-up' } : {}),
  }],
  [0x1aa, {
    summary: 'While an exception was being dispatched, the kernel found itself on memory that is not a valid kernel stack: the stack pointer was corrupted (for example by a smashed frame pointer), or a driver is running on an illegal or exhausted stack. Use .cxr on argument 3 and .exr on argument 4.',
    args: [...STACK_ARGS, 'Address of the exception record being dispatched (use .exr on it)'],
    selector: 2,
    subcodes: STACK_KINDS,
  }],
  [0x1ab, {
    summary: 'While unwinding the stack, the kernel crossed onto memory that is not a valid kernel stack: the stack pointer was corrupted, or a driver is running on an illegal or exhausted stack. No exception record is available; use .cxr on argument 3.',
    args: [...STACK_ARGS, 'Exception record: reserved, always 0 for this code'],
    selector: 2,
    subcodes: STACK_KINDS,
  }],
  [0x1b0, {
    summary: LIVE + 'The graphics kernel (dxgkrnl) saw a display miniport driver fail to add or start its device. Argument 2 is the failure status.',
    args: ['Reason code ' + SEE_SUB, 'NTSTATUS of the failure', RESERVED, RESERVED],
    selector: 1,
    subcodes: [sub(0x1, 'Adding the device failed.'), sub(0x2, 'Starting the device failed.')],
  }],
  [0x1b8, {
    summary: LIVE + 'A display miniport dump was taken for a black screen, mostly at the user\'s request (hotkey, volume key combination, long power button press). Argument 1 says what triggered it.',
    args: ['What triggered the dump ' + SEE_SUB, RESERVED, RESERVED, RESERVED],
    selector: 1,
    subcodes: [
      sub(0x1, 'The black screen hotkey.'),
      sub(0x2, 'The volume key combination.'),
      sub(0x4, 'An internal trigger.'),
      sub(0x8, 'A long power button hold (LPBH).'),
    ],
  }],
  [0x1c4, {
    summary: LIVE + 'Driver Verifier, checking a driver that an administrator marked as suspect, caught it breaking a DDI compliance rule (IRQL, locking, kernel streaming, audio, NDIS or WLAN rules) and recorded it without crashing. Argument 1 is the rule; run !ruleinfo on arguments 1, 3 and 4.',
    args: ['ID of the rule that was broken ' + SEE_SUB, 'Address of a string describing the broken rule condition', 'Rule state for !ruleinfo, or reserved ' + SEE_SUB, 'Supplemental state for !ruleinfo, or reserved ' + SEE_SUB],
    selector: 1,
    subcodes: VERIFIER_RULES.map(([id, name, state]) => sub(id, `The ${name} rule was broken.`, state ? RULE_STATE : ONLY_R)),
  }],
  [0x1c5, {
    summary: LIVE + 'A kernel-mode thread pool (executive work queue) ran into a deadlock.',
    args: ['Pool number (0 = ExPoolUntrusted)', 'Address of the PEX_WORK_QUEUE', RESERVED, RESERVED],
  }],
  [0x1c6, {
    summary: 'A thread called a fast ERESOURCE routine in a way its rules forbid: wrong IRQL or APC state, a bad or mismatched owner entry, fast and legacy resources mixed up, or exiting while still holding acquisitions. Argument 1 names the rule; the caller on the stack is at fault.',
    args: ['Which rule was broken ' + SEE_SUB, DEPENDS, DEPENDS, DEPENDS],
    selector: 1,
    subcodes: [
      sub(0x0, 'Called at an IRQL above the highest the routine allows.', { 2: 'IRQL of the caller', 3: 'Highest IRQL the routine allows' }),
      sub(0x1, 'The owner entry passed is not valid (not initialised).', { 2: 'Address of the owner entry' }),
      sub(0x2, 'The owner entry passed already belongs to another acquisition.', { 2: 'Address of the owner entry', 3: 'Resource the owner entry is already tied to' }),
      sub(0x3, 'A legacy resource was passed to a fast resource routine.', { 2: 'Address of the resource' }),
      sub(0x4, 'The resource still has acquisitions outstanding.', { 2: 'Address of the resource' }),
      sub(0x5, 'Called from inside a DPC.'),
      sub(0x6, 'Called from inside a special kernel APC.'),
      sub(0x7, 'Called without normal kernel APCs disabled.'),
      sub([0x8, 0xc], 'The owner entry is not tied to an acquisition of the resource passed.', { 2: 'Resource that was passed', 3: 'Address of the owner entry', 4: 'Resource the owner entry is tied to' }),
      sub(0x9, 'The owner entry does not belong to the calling thread.', { 2: 'Address of the owner entry', 3: 'Thread the owner entry belongs to' }),
      sub(0xa, 'The owner entry has been disowned.', { 2: 'Address of the owner entry' }),
      sub(0xb, 'The owner entry\'s acquisition type differs from the one the caller gave.', { 2: 'Address of the owner entry', 3: 'High 16 bits: the entry\'s type; low 16 bits: the type given (1 = shared, 0 = exclusive)' }),
      sub(0xd, 'The owner entry has not been disowned.', { 2: 'Address of the owner entry' }),
      sub(0xe, 'A fast ERESOURCE was handed to an older ERESOURCE routine that cannot take one.', { 2: 'Address of the resource' }),
      sub(0xf, 'A fast resource went to a legacy routine, but was not initialised with EX_FAST_RESOURCE_ENABLE_LEGACY_APIS.', { 2: 'Address of the resource' }),
      sub(0x10, 'ExInitializeFastResource got invalid flags.', { 2: 'Address of the resource', 3: 'The flags that were passed' }),
      sub(0x11, 'ExReleaseResourceForThreadLite got a thread other than the current one.', { 2: 'Address of the resource', 3: 'The thread that was passed' }),
      sub(0x12, 'Tried to disown a resource that the current thread acquired exclusive recursively.', { 2: 'Address of the resource' }),
      sub(0x13, 'Tried to convert an acquisition while the thread still holds recursive acquisitions of the resource.', { 2: 'Address of the resource' }),
      sub(0x14, 'A thread exited still holding lock acquisitions.', { 2: 'The thread', 3: 'One of its outstanding owner entries' }),
      sub(0x15, 'A thread exited with disowned lock acquisitions still outstanding.', { 2: 'The thread', 3: 'One of its outstanding owner entries' }),
      sub(0x16, 'ExConvertExclusiveToSharedLite was called by a thread not holding the resource exclusive.', { 2: 'Address of the resource', 3: 'Address of the thread' }),
    ],
    decode: (a) => {
      if (a[0] !== 0xbn || a[2] === undefined) return {};
      const kind = (v: bigint) => (v === 1n ? 'shared' : v === 0n ? 'exclusive' : `type ${v}`);
      return { 3: `Owner entry: ${kind((a[2] >> 16n) & 0xffffn)}; requested: ${kind(a[2] & 0xffffn)}` };
    },
  }],
  [0x1c7, {
    summary: 'The memory manager\'s store (which holds compressed pages) found its own data structures corrupt. Usually physical memory corruption: bad RAM, a driver or device writing pages through a wrong DMA or MDL, or firmware changing memory across a power transition. Run a memory test.',
    args: ['Kind of corruption ' + SEE_SUB, DEPENDS, DEPENDS, DEPENDS],
    selector: 1,
    subcodes: [
      sub(0x0, 'A chunk heap buffer failed its hash check.', { 2: 'Chunk heap buffer whose hash did not match', 3: 'Expected hash', 4: 'Page frame number of the corrupt page' }),
      sub(0x1, 'An unhandled exception on the store thread, most likely caused by a chunk heap buffer that failed its hash check.', { 2: 'Chunk heap buffer whose hash did not match', 3: 'Expected hash', 4: 'Page frame number of the corrupt page' }),
      sub(0x2, 'Page data looked corrupt on a read, and the heap buffer holding its page record failed its hash check.', { 2: 'Chunk heap buffer (holding the page record) whose hash did not match', 3: 'Expected hash', 4: 'Page frame number of the corrupt page' }),
      sub(0x3, 'Page data looked corrupt on a read, and its page record changed while the read was under way.', { 2: 'Page location information captured from the page record when the read began', 3: 'Page record now in the page tree for the same key', 4: RESERVED }),
    ],
  }],
  [0x1c9, {
    summary: LIVE + 'A critical user-mode process (on clusters, the Resource Hosting Subsystem or the Cluster Service) failed its health check in time. Windows will try to end it and keep watching; if it does not go away in time, the machine is bugchecked with 0x9E.',
    args: ['Process that failed its health check', 'Health check timeout, in seconds', 'Watchdog source, shared with 0x9E ' + SEE_SUB, RESERVED],
    selector: 3,
    subcodes: [
      sub(0x0, 'No source was given.'),
      sub(0x1, 'RHS cleanup: checks that the RHS process goes away after a graceful exit.'),
      sub(0x2, 'RHS was told to bugcheck the machine at once on a resource deadlock.'),
      sub(0x3, 'A resource let an unhandled exception escape an entry point; checks that the terminating RHS process goes away.'),
      sub(0x4, 'Unhandled exception in RHS; checks that the terminating process goes away.'),
      sub(0x5, 'RHS is terminating over a resource deadlock; checks that it goes away.'),
      sub(0x6, 'RHS is terminating over a resource type deadlock; checks that it goes away.'),
      sub(0x7, 'Unhandled exception in the Cluster Service (clussvc); checks that it goes away.'),
      sub(0x8, 'Another cluster node sent a message asking this node to bugcheck.'),
      sub(0x9, 'The user-mode watchdog expired and set up a NetFT watchdog to bugcheck the node.'),
      sub(0xa, 'The Cluster Service stopped sending heartbeats to NetFT (sent every 500 ms, one per second expected): clussvc is not getting CPU time.'),
      ...CLUSTER_RESOURCE_KINDS.map((kind, i) => sub(0x65 + i, `Resource deadlock in a ${kind} resource (RHS terminating).`)),
      ...CLUSTER_RESOURCE_KINDS.map((kind, i) => sub(0xc9 + i, `Resource type deadlock for ${kind} resources (RHS terminating).`)),
    ],
  }],
  [0x1cb, {
    summary: 'A thread exited while still attached to a silo; whatever attached it failed to detach first.',
    args: ['Address of the thread that was attached', 'The silo it was attached to', 'Address of the thread\'s process', RESERVED],
  }],
  [0x1cd, {
    summary: 'A callback stack address turned out to be a user-mode address, which is never legal. Microsoft publishes no parameters for this code.',
    args: UNDOCUMENTED_ARGS,
  }],
  [0x1ce, {
    summary: 'An invalid initial kernel stack address came up during a context switch. Microsoft publishes no parameters for this code.',
    args: UNDOCUMENTED_ARGS,
  }],
  [0x1d0, {
    summary: 'The ACPI driver did not finish an operation (running the firmware\'s AML code) in the time allowed. Suspect the system firmware; argument 2 points at the name of the AML context.',
    args: ['Address of the AMLI context', 'Address of the Unicode name of the AML context', 'Address of the ACPI device extension', 'Address of the ACPI triage block'],
  }],
  [0x1d1, {
    summary: LIVE + 'A telemetry assertion (MICROSOFT_TELEMETRY_ASSERT) found its condition false; the call stack shows why.',
    args: ['Relative virtual address (RVA) in the module', 'Module name', 'Module time stamp', 'Module size of image'],
  }],
  [0x1d2, {
    summary: 'An executive worker thread was found in an invalid state; the one documented case is a worker thread that is terminating while it still has I/O outstanding.',
    args: ['Kind of failure ' + SEE_SUB, 'Address of the worker thread', RESERVED, RESERVED],
    selector: 1,
    subcodes: [sub(0x0, 'A terminating worker thread still has I/O outstanding.')],
  }],
  [0x1d3, {
    summary: 'A Windows Filtering Platform (WFP) callout driver did something not allowed; the documented case is injecting, inbound, an NBL that holds more than one NET_BUFFER. The callout driver on the stack is at fault.',
    args: ['Subtype ' + SEE_SUB, RESERVED, RESERVED, RESERVED],
    selector: 1,
    subcodes: [sub(0x1, 'The callout injected an inbound NBL with several NET_BUFFERs.', { 2: RESERVED, 3: 'Address of the NBL', 4: RESERVED })],
  }],
  [0x1d4, {
    summary: LIVE + 'The USB Type-C UCSI class extension (UcmUcsiCx.sys) hit an error: a UCSI command timed out because the firmware did not answer, or failed because the client driver or firmware reported an error.',
    args: UCSI_ARGS,
    selector: 1,
    subcodes: UCSI_SUBS,
  }],
  [0x1d6, {
    summary: 'A work item routine changed its worker thread\'s workload class and returned without putting it back. Run ln on argument 1 to find the driver.',
    args: ['Address of the worker routine (ln on it names the driver)', 'Workload class it was left with', 'Work item parameter', 'Address of the work item'],
  }],
  [0x1d7, {
    summary: 'The Encrypting File System (EFS) hit an error it cannot handle without losing or corrupting data; the documented case is a failure before crypto offloading, where only success is allowed. Check the NTSTATUS in argument 2 and the IRP in argument 3 (!irp).',
    args: ['Subclass ' + SEE_SUB, 'NTSTATUS returned by the operation', 'The current IRP at the time of the failure', 'File encryption context at the time of the failure'],
    selector: 1,
    subcodes: [sub(0x1, 'A failure before crypto offloading (pre-offloading).')],
  }],
  [0x1d8, {
    summary: 'The USB Type-C UCSI class extension (UcmUcsiCx.sys) hit an error and was set to crash instead of taking a live dump (compare 0x1D4). Usually the UCSI firmware stopped answering or failed a critical command; !rcdrkd.rcdrlogdump UcmUcsiCx shows its log.',
    args: UCSI_ARGS,
    selector: 1,
    subcodes: UCSI_SUBS,
  }],
  [0x1d9, {
    summary: 'The HAL\'s IOMMU library hit an internal error while deleting, unmapping pages from, or leaving an IOMMU domain.',
    args: ['Operation that failed ' + SEE_SUB, 'Status of the failed operation', 'Address of the IOMMU domain object', DEPENDS],
    selector: 1,
    subcodes: [
      sub(0x0, 'Deleting an IOMMU domain failed.', { 4: NOT_FOR_CASE }),
      sub(0x1, 'Unmapping pages from an IOMMU domain failed.', { 4: 'Logical address' }),
      sub(0x2, 'Leaving an IOMMU domain failed.', { 4: NOT_FOR_CASE }),
    ],
  }],
  [0x1da, {
    summary: 'The HAL\'s blocked-processor library hit an internal error: it failed to initialise, to start a processor, or to carry out a processor power management (PPM) operation in time, or a blocked processor took a fatal exception.',
    args: ['Kind of failure ' + SEE_SUB, DEPENDS, DEPENDS, DEPENDS],
    selector: 1,
    subcodes: [
      sub(0x1, 'The library failed to initialise.', { 2: 'NTSTATUS', 3: NOT_FOR_CASE, 4: NOT_FOR_CASE }),
      sub(0x2, 'A processor failed to start.', { 2: 'Processor index', 3: 'APIC ID', 4: NOT_FOR_CASE }),
      sub(0x3, 'Querying a PPM package ID failed.', { 2: 'Processor index', 3: NOT_FOR_CASE, 4: NOT_FOR_CASE }),
      sub(0x4, 'A PPM operation failed.', { 2: PPM_OP, 3: 'Processor index', 4: 'PPM mailbox' }),
      sub(0x5, 'A blocked processor took a fatal exception.', { 2: 'Processor index', 3: 'Vector number', 4: 'Address of the trap frame' }),
      sub(0x6, 'A PPM operation timed out.', { 2: PPM_OP, 3: 'Processor index', 4: 'PPM mailbox' }),
    ],
  }],
  [0x1dc, {
    summary: 'A driver misused the vectored DMA common buffer routines: wrong IRQL, freeing a vector that still holds buffers, an index out of range or already freed, or a leaked common buffer. The driver on the stack is at fault.',
    args: ['Kind of misuse ' + SEE_SUB, DEPENDS, DEPENDS, DEPENDS],
    selector: 1,
    subcodes: [
      sub(0x1, 'Called at the wrong IRQL.', { 2: 'Current IRQL' }),
      sub(0x2, 'The vector is not empty.', { 2: 'Index of a remaining buffer', 3: 'Virtual address of that buffer', 4: 'Logical address of that buffer' }),
      sub(0x3, 'The index is out of range.', { 2: 'Number of entries available', 3: 'Index that was requested' }),
      sub(0x4, 'The index was already freed.', { 2: 'Index that was requested' }),
      sub(0x5, 'A common buffer was leaked.'),
    ],
  }],
  [0x1dd, {
    summary: 'A mobile broadband client driver built on MBBCx (the Mobile Broadband WDF class extension) broke one of its rules. Argument 1 names the failure; look for the client driver on the call stack.',
    args: ['Failure code ' + SEE_SUB, RESERVED, RESERVED, RESERVED],
    selector: 1,
    subcodes: [
      sub(0, 'MBBCx\'s private globals are corrupt (FailureCode_CorruptedPrivateGlobals).'),
      sub(1, 'Called above PASSIVE_LEVEL where passive is required (FailureCode_IrqlIsNotPassive).'),
      sub(2, 'Called above DISPATCH_LEVEL (FailureCode_IrqlNotLessOrEqualDispatch).'),
      sub(3, 'A structure with an invalid type size was passed (FailureCode_InvalidStructTypeSize).'),
      sub(4, 'Invalid power capabilities (FailureCode_InvalidPowerCapabilities).'),
      sub(5, 'Invalid wake reason (FailureCode_InvalidWakeReason).'),
      sub(6, 'No disarm was in progress (FailureCode_DisarmNotInProgress).'),
      sub(7, 'A WDF object could not be created (FailureCode_WdfObjectCreateFailed).'),
    ],
  }],
  [0x1de, {
    summary: 'A Wi-Fi client driver built on WiFiCx (the Wi-Fi WDF class extension) broke one of its rules. Argument 1 names the failure; look for the client driver on the call stack.',
    args: ['Failure code ' + SEE_SUB, DEPENDS, DEPENDS, RESERVED],
    selector: 1,
    subcodes: [
      sub(0x0, 'WiFiCx\'s private globals are corrupt.'),
      sub(0x1, 'A WiFiCx API that needs PASSIVE_LEVEL was called at a higher IRQL.', { 2: 'Current IRQL' }),
      sub(0x2, 'A WiFiCx API that needs DISPATCH_LEVEL or lower was called at a higher IRQL.', { 2: 'Current IRQL' }),
      sub(0x3, 'A structure of invalid size was passed to a WiFiCx API.', { 2: 'Size of the structure the driver passed', 3: 'Size this WiFiCx version uses (older versions may use smaller ones)' }),
      sub(0x4, 'The driver reported an invalid wake reason.', { 2: 'The wake reason reported' }),
      sub(0x5, 'An invalid or corrupt WIFI_POWER_OFFLOAD_LIST was passed to a WiFiCx API.', { 2: 'Address of the list' }),
      sub(0x6, 'An invalid or corrupt WIFI_WAKE_SOURCE_LIST was passed to a WiFiCx API.', { 2: 'Address of the list' }),
      sub(0x7, 'An invalid or uninitialised WIFI_INTERFACE_CONTEXT was passed to a WiFiCx API.', { 2: 'Address of the context' }),
      sub(0x8, 'A WIFI_ADAPTER_TX_DEMUX arrived whose type is not valid.', { 2: 'Address of the demux', 3: 'Its WIFI_ADAPTER_TX_DEMUX_TYPE' }),
      sub(0x9, 'A WIFI_ADAPTER_TX_DEMUX arrived whose Range is out of bounds.', { 2: 'Address of the demux', 3: 'Its Range' }),
      sub(0xa, 'The driver reported a wake reason at the wrong time (it must come from the disarm wake callback).'),
      sub(0xb, 'The driver uses a deprecated field of a WiFiCx structure.', { 2: 'Address of a string naming the field' }),
    ],
  }],
  [0x1df, {
    summary: 'A processor did not start in the time allowed; this happens very early in OS initialisation. Suspect firmware or the processor hardware.',
    args: ['Virtual address of the processor state', RESERVED, 'NT processor number', 'Local unit ID of the processor'],
  }],
  [0x1e1, {
    summary: LIVE + 'A device hit an error and produced diagnostic data, which this dump collects. The documented case is a storage device panic.',
    args: ['Device class ' + SEE_SUB, DEPENDS, DEPENDS, DEPENDS],
    selector: 1,
    subcodes: [sub(0x1, 'A storage device.', { 2: 'Kind of storage issue (1 = device panic)', 3: 'IEEE organisation ID (vendor) of the device', 4: RESERVED })],
  }],
  [0x1e4, {
    summary: 'The system memory manager in the DirectX graphics kernel (dxgkrnl) found a rule broken: a bad physical object type, the IOMMU switched on or off for an invalid reason, address descriptor lists (ADLs) misused, or objects leaked.',
    args: ['Subcode ' + SEE_SUB, RESERVED, RESERVED, RESERVED],
    selector: 1,
    subcodes: [
      sub(0x1, 'Invalid physical object type.'),
      sub(0x2, 'The IOMMU was enabled for an invalid reason.'),
      sub(0x3, 'The IOMMU was disabled for an invalid reason.'),
      sub(0x4, 'An ADL is being built over memory that is not locked.'),
      sub(0x5, 'Memory is being unlocked while ADLs for it still exist.'),
      sub(0x6, 'Adapter objects were leaked.'),
      sub(0x7, 'An ADL was leaked.'),
      sub(0x8, 'A logical block pool was leaked.'),
      sub(0x9, 'A logical block pool allocator was leaked.'),
      sub(0xa, 'Reattaching a domain failed.'),
    ],
  }],
  [0x1e9, {
    summary: 'A driver tried to enable PCIe Address Translation Services (ATS) on a device already enabled for Shared Virtual Memory (SVM), which is not allowed.',
    args: ['The physical device object (PDO)', RESERVED, RESERVED, RESERVED],
  }],
  [0x1ea, {
    summary: 'Code in the normal kernel (VTL0) tried to reach PCI configuration space by mapping the PCI MCFG range directly, which is forbidden while secure PCI is on. Argument 4 points at the offending instruction.',
    args: ['Opcode of the instruction that faulted', 'Requester ID (RID) of the device', 'Offset of the configuration space access', 'Address of the instruction that faulted'],
  }],
  [0x1eb, {
    summary: 'After the device resumed from modern standby, the Desktop Activity Moderator (DAM) could not unfreeze a user session\'s non-exempt processes in the time allowed.',
    args: ['Address of the DAM user session delay context', RESERVED, RESERVED, RESERVED],
  }],
  [0x1ed, {
    summary: 'Kernel-mode code running on a system-critical thread used an invalid handle. All four arguments are reserved; the call stack shows the code involved.',
    args: NO_ARGS,
  }],
  [0x1f1, {
    summary: 'The Kernel Address Sanitizer (KASAN) hit an internal error in its own operation; this check guards KASAN itself. It appears only where KASAN is enabled.',
    args: ['Kind of operation that led to the error', 'Kind of internal error', 'Extra information about the error', 'Extra information about the error'],
  }],
  [0x1f2, {
    summary: 'The Kernel Address Sanitizer (KASAN) caught an illegal memory access, such as a buffer overflow, in code built with KASAN instrumentation. Argument 3 names the caller; argument 4 holds the shadow code and whether it was a write.',
    args: ['Address accessed illegally', 'Size of the access', 'Address of the caller', 'Bits 0–7: KASAN shadow code of the cell; bit 8: 1 = write, 0 = read'],
    decode: (a) => {
      const v = a[3];
      if (v === undefined) return {};
      const code = Number(v & 0xffn);
      const kind = v & 0x100n ? 'write' : 'read';
      const cell = code === 0 ? 'cell fully valid' : code <= 7 ? `first ${code} bytes of the cell valid` : code >= 0x80 ? `cell fully invalid (shadow code 0x${code.toString(16)})` : `shadow code 0x${code.toString(16)}`;
      return { 4: `${kind}; ${cell}` };
    },
  }],
  [0x1f5, {
    summary: LIVE + 'After an application hang was reported (for example through WerReportHang), the process would not terminate, most likely because a thread is stuck in kernel mode. The dump holds only that process\'s threads and only kernel memory.',
    args: NO_ARGS,
  }],
  [0x356, {
    summary: 'On Xbox consoles, eractrl.sys (the kernel driver that boots and manages a supporting virtual machine) could not move the console into or out of connected standby for a long time.',
    args: ['Documented only as "CS exit" (connected standby exit)', RESERVED, RESERVED, RESERVED],
  }],
  [0xbfe, {
    summary: 'The Bluetooth verifier caught a driver misusing the Bluetooth stack, mostly Bluetooth Request Blocks (BRBs) submitted or freed wrongly or invalid handles. Argument 1 names the violation; the driver on the stack is at fault.',
    args: ['Kind of fault ' + SEE_SUB, DEPENDS, DEPENDS, DEPENDS],
    selector: 1,
    subcodes: [
      sub(0x1, 'A BRB still in use was submitted again.', { 2: BRB, 3: RESERVED, 4: RESERVED }),
      sub(0x2, 'A BRB still in use was freed.', { 2: BRB, 3: RESERVED, 4: RESERVED }),
      sub(0x3, 'A BRB of an invalid type was allocated or initialised.', { 2: BRB, 3: 'PDO extension, if available', 4: RESERVED }),
      sub(0x4, 'An invalid BRB pointer was submitted.', { 2: BRB, 3: RESERVED, 4: RESERVED }),
      sub(0x5, 'A BRB of the wrong size was submitted.', { 2: BRB, 3: 'Actual size', 4: 'Expected size' }),
      sub(0x6, 'IOCTL_BTH_GET_DEVICE_INFO got bad parameters.', { 2: RESERVED, 3: RESERVED, 4: RESERVED }),
      sub(0x7, 'BRB_L2CA_UNREGISTER_SERVER named a server handle that is not valid.', { 2: 'Server handle', 3: RESERVED, 4: RESERVED }),
      sub(0x8, 'BRB_L2CA_CLOSE_CHANNEL named a channel handle that is not valid.', { 2: BRB, 3: 'Channel handle', 4: RESERVED }),
      sub(0x9, 'BRB_SCO_UNREGISTER_SERVER named a server handle that is not valid.', { 2: 'Server handle', 3: RESERVED, 4: RESERVED }),
    ],
  }],
  [0xbff, {
    summary: 'The verifier for Bluetooth miniport (transport) drivers caught a violation: a returned packet of the wrong type, an unexpected status, or a wrong byte count. The driver on the stack is at fault.',
    args: ['Kind of fault ' + SEE_SUB, DEPENDS, DEPENDS, DEPENDS],
    selector: 1,
    subcodes: [
      sub(0x1, 'A packet was returned with a type that does not match its request.', { 2: 'Type of the returned packet', 3: 'Expected type', 4: RESERVED }),
      sub(0x2, 'An unexpected status was returned, so the packet was thrown away.', { 2: 'The unexpected status', 3: RESERVED, 4: RESERVED }),
      sub(0x3, 'The lower transport driver reported a wrong number of bytes written to the output buffer.', { 2: 'Size reported', 3: 'Size expected', 4: RESERVED }),
    ],
  }],
  [0x21c8, {
    summary: LIVE + 'Someone pressed Ctrl+Shift+Win+B on a machine configured to take a dump on that hotkey, to capture the state behind a black screen.',
    args: NO_ARGS,
  }],
  [0x20001, {
    summary: 'The hypervisor hit a fatal error. Microsoft lists all four arguments as reserved, so the dump itself gives no detail of the cause.',
    args: NO_ARGS,
  }],
  [0x4000008a, {
    summary: 'A thread exited while it still owned a kernel mutex (KMUTEX) that a driver acquired on it: the driver returned to user mode without releasing it, or raised an exception while holding it and the thread was terminated. A driver just before exception handling on the stack is the culprit; otherwise run !pool or ln on the mutex address.',
    args: ['Address of the KTHREAD that owns the mutex', 'Address of the KMUTEX', RESERVED, RESERVED],
  }],
];
