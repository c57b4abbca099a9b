// Bugchecks about hardware errors, watchdogs, graphics, critical processes and deliberate crashes, in this
// project's words.
import { type BugcheckDoc, RESERVED, sub } from './types.js';

const WHEA_RECORD = 'Address of the WHEA_ERROR_RECORD (use !errrec on it)';
const TDR_ARGS = ['Address of the TDR recovery context, if any', 'Address inside the responsible display driver module', 'Status of the last failed operation, or a driver-specific key', 'Internal context data, if any'] as const;

export const SYSTEM_DOCS: ReadonlyArray<readonly [number, BugcheckDoc]> = [
  [0x124, {
    summary: 'The hardware reported an error it could not correct, through the Windows Hardware Error Architecture (WHEA): a machine check from the CPU, caches or memory controller, a PCI Express error, or another platform error. Almost always hardware (CPU, RAM, overclocking, power, firmware), not a driver.',
    args: ['Kind of error source (see the sub-case)', WHEA_RECORD, 'For machine checks: high 32 bits of the bank\'s MCi_STATUS; otherwise reserved', 'For machine checks: low 32 bits of the bank\'s MCi_STATUS; otherwise reserved'],
    selector: 1,
    subcodes: [
      sub(0x0, 'A machine check exception: the processor reported an uncorrectable error.'),
      sub(0x1, 'A corrected machine check was escalated.'),
      sub(0x2, 'A corrected platform error was escalated.'),
      sub(0x3, 'A non-maskable interrupt (NMI) reported an error.'),
      sub(0x4, 'An uncorrectable PCI Express error.'),
      sub(0x5, 'A generic hardware error.'),
      sub(0x6, 'An error during initialisation.'),
      sub(0x7, 'An error reported at boot.'),
      sub(0x8, 'A scalable coherent interface (SCI) generic error.'),
      sub(0x9, 'An uncorrectable Itanium machine check abort.', { 3: 'Length of the SAL log', 4: 'Address of the SAL log' }),
      sub([0xa, 0xb], 'A corrected Itanium machine check or platform error.'),
      sub(0xc, 'Another kind of error source (v2).'),
      sub(0xd, 'An ACPI generic hardware error source (GHESv2).'),
      sub(0xe, 'Error information from the baseboard management controller (BMC).'),
      sub(0xf, 'A persistent-memory address range scrub (ARS) error.'),
      sub(0x10, 'An error reported by a device driver error source.'),
      sub(0x11, 'An ARM synchronous external abort.'),
      sub(0x12, 'An ARM SError interrupt.'),
    ],
  }],
  [0x9c, {
    summary: 'The processor signalled a fatal machine check (older systems; newer ones report 0x124). A hardware fault in the CPU, memory or bus.',
    args: ['Machine check bank number (or low 32 bits of P5_MC_TYPE on old CPUs)', 'Address of the MCA_EXCEPTION record', 'High 32 bits of the bank\'s MCi_STATUS', 'Low 32 bits of the bank\'s MCi_STATUS'],
  }],
  [0x80, {
    summary: 'A non-maskable interrupt signalled a hardware failure (memory parity, bus error) or was triggered on purpose by an NMI button. No parameters identify the cause.',
    args: [RESERVED, RESERVED, RESERVED, RESERVED],
  }],
  [0x101, {
    summary: 'One processor stopped answering clock interrupts for too long, so the others gave up on it. Often a hung CPU (firmware, microcode, overclocking, hardware) or a driver spinning with interrupts disabled; look at the stuck processor named in argument 4.',
    args: ['Time-out interval, in clock ticks', 'Zero', 'Address of the PRCB of the processor that did not answer', 'Index of the processor that did not answer'],
  }],
  [0x102, {
    summary: 'The DPC watchdog did not run within its time limit (older counterpart of 0x133).',
    args: ['Time-out interval, in clock ticks', 'Address of the PRCB of the hung processor', RESERVED, RESERVED],
  }],
  [0x133, {
    summary: 'A processor spent too long at DISPATCH_LEVEL or above: either one DPC or interrupt routine ran past its budget (argument 1 = 0), or the processor stayed at raised IRQL too long in total (argument 1 = 1). The stack of that processor usually shows the driver.',
    args: ['0 = one DPC/ISR ran too long, 1 = too long at DISPATCH_LEVEL cumulatively', 'Depends on argument 1', 'Depends on argument 1', 'Depends on argument 1'],
    selector: 1,
    subcodes: [
      sub(0, 'A single DPC or interrupt routine ran past its time allotment; the stack at the crash is usually in it.', { 2: 'Time the DPC has run, in ticks', 3: 'Time allotment, in ticks', 4: 'nt!DPC_WATCHDOG_GLOBAL_TRIAGE_BLOCK with more detail' }),
      sub(1, 'The processor stayed at DISPATCH_LEVEL or above for too long in total (many DPCs, or a long spin at raised IRQL).', { 2: 'Watchdog period', 3: 'nt!DPC_WATCHDOG_GLOBAL_TRIAGE_BLOCK with more detail', 4: RESERVED }),
    ],
  }],
  [0x1ca, {
    summary: 'The system-wide synthetic watchdog expired: the machine stopped processing timer ticks (a hang).',
    args: ['Time since the watchdog was last reset (interrupt time)', 'Current interrupt time', 'Current QPC timestamp', 'Index of the clock processor'],
  }],
  [0x1cf, {
    summary: 'The hardware watchdog expired: the machine stopped processing timer ticks (a hang).',
    args: ['Time since the watchdog was last reset (interrupt time)', 'Current interrupt time', 'Current QPC timestamp', 'Index of the clock processor'],
  }],
  [0x1db, {
    summary: 'A processor was stuck in an inter-processor interrupt (IPI) loop for longer than allowed.',
    args: ['QPC frequency', 'Current QPC value', 'QPC value when the wait began', RESERVED],
  }],
  [0x1d5, {
    summary: 'A driver did not complete a Plug and Play operation within the system-wide watchdog time.',
    args: ['First characters of the service name of the device', 'nt!TRIAGE_PNP_WATCHDOG (Windows 10 1803 and later)', 'Thread responsible', 'Milliseconds since the watchdog was armed'],
  }],
  [0xef, {
    summary: 'A process the system cannot run without (csrss, wininit, smss, services, lsass, …) ended or one of its critical threads did. Find why that process exited: an unhandled exception inside it, a kill by another process, or a failed disk read of its code.',
    args: ['Address of the process object that ended', '0 = the process ended, 1 = a thread ended', RESERVED, RESERVED],
  }],
  [0xf4, {
    summary: 'A process or thread marked critical ended (the older form of 0xEF). Argument 3 names the process image; argument 4 may point at an explanation string.',
    args: ['Kind of object: 3 = process, 6 = thread', 'Address of the object that ended', 'Image file name of its process', 'Address of an ASCII explanation'],
  }],
  [0xc000021a, {
    summary: 'A vital user-mode subsystem (Winlogon or the client/server runtime csrss) failed, so the system cannot continue.',
    args: ['Address of a string naming the problem', 'Error code', RESERVED, RESERVED],
  }],
  [0xc0000218, {
    summary: 'A registry hive file could not be loaded at start-up (damaged or missing file, or disk trouble).',
    args: ['Address of the name of the hive that failed', 'Zero', 'Zero', 'Zero'],
  }],
  [0xc0000221, {
    summary: 'A driver or system DLL failed its image checksum: the file on disk is damaged.',
    args: [RESERVED, RESERVED, RESERVED, RESERVED],
  }],
  [0x116, {
    summary: 'The display driver stopped responding and the timeout detection and recovery (TDR) mechanism could not reset it. Usually a graphics driver or GPU problem (also overheating or power).',
    args: TDR_ARGS,
  }],
  [0x117, {
    summary: 'The display driver stopped responding in time and was reset (a live dump taken at a TDR, not always a crash).',
    args: TDR_ARGS,
  }],
  [0x141, {
    summary: 'A GPU engine stopped responding in time (a TDR on one engine; usually a live dump).',
    args: TDR_ARGS,
  }],
  [0x119, {
    summary: 'The GPU scheduler in the DirectX graphics kernel found a fatal violation, most often by the display driver (invalid fence, failed command submission).',
    args: ['Kind of violation (see the sub-case)', 'Depends on argument 1', 'Depends on argument 1', 'Depends on argument 1'],
    selector: 1,
    subcodes: [
      sub(0x1, 'The driver reported an invalid fence id.'),
      sub(0x2, 'The driver failed to submit a command.'),
      sub(0x3, 'The driver failed to patch a command buffer.'),
      sub(0x4, 'The driver reported an invalid flip capability.'),
      sub(0x5, 'The driver failed a system or paging command.'),
      sub(0x6, 'The driver reported an empty adapter mask for an interrupt on a multi-adapter GPU.'),
      sub(0x7, 'The driver reported a display VSync on a render-only adapter.'),
      sub(0x8, 'The engine causing a reset was not in the node mask.'),
      sub(0x9, 'The driver failed a cancel command.'),
      sub(0xa, 'The driver reported an aborted fence out of range.'),
      sub(0xb, 'The driver failed a multi-plane overlay source address command.'),
      sub(0xc, 'The driver reported page fault flags that mean a fatal hardware fault.'),
      sub(0xd, 'The driver reported wrong page fault flags for a DMA page fault.'),
      sub(0xe, 'The driver reported VSync for an overlay plane index out of range.'),
      sub(0x10, 'The driver reported an interrupt after an engine reset but before the OS resumed the engine.'),
      sub(0x11, 'The driver reported a suspend fence value the OS never produced.'),
      sub([0x12, 0x13], 'The driver failed to update a native fence value.'),
      sub([0x400, 0x1000, 0xa000, 0x10000], 'Internal graphics kernel state is inconsistent (memory corruption or bad hardware).'),
      sub(0xe00, 'The graphics kernel ran out of pre-allocated packets for flip requests.'),
    ],
  }],
  [0x10e, {
    summary: 'The video memory manager in the DirectX graphics kernel found an inconsistency it cannot recover from, usually caused by the display driver.',
    args: ['Kind of video memory failure', 'Depends on argument 1', 'Depends on argument 1', 'Depends on argument 1'],
  }],
  [0x113, {
    summary: 'The DirectX graphics kernel detected a violation it cannot continue from (typically a display driver bug).',
    args: ['Reason code of the violation', 'Depends on argument 1', 'Depends on argument 1', 'Depends on argument 1'],
  }],
  [0x154, {
    summary: 'The store manager behind memory compression (the compressed-page store) hit an unexpected exception, often because a page could not be read back from disk.',
    args: ['Address of the store context or data manager', 'Exception information', RESERVED, RESERVED],
  }],
  [0x14f, {
    summary: 'A component did not answer the power dependency coordinator (connected standby) in time.',
    args: ['Client id of the hung component', 'Client type: 1 notification, 2 resiliency, 3 activator, 0x100 monitor-on request', 'Depends on argument 2 (the client)', 'Depends on argument 2 (a triage block)'],
  }],
  [0x15f, {
    summary: 'Connected standby stayed out of its deepest idle state for too long; a live dump was taken.',
    args: ['Kind of watchdog that fired', 'Depends on argument 1', 'Depends on argument 1', RESERVED],
  }],
  [0x160, {
    summary: 'win32k found functions on the stack inside an atomic operation when that is not allowed.',
    args: ['Number of functions on the stack inside an atomic operation', RESERVED, RESERVED, RESERVED],
  }],
  [0x164, {
    summary: 'win32k (the kernel part of the window and graphics subsystem) found a fatal inconsistency. Argument 1 says which.',
    args: ['Kind of failure', 'Depends on argument 1', 'Depends on argument 1', 'Depends on argument 1'],
  }],
  [0x18b, {
    summary: 'The secure kernel (Virtualization-Based Security) hit a fatal error.',
    args: [RESERVED, RESERVED, RESERVED, RESERVED],
  }],
  [0x17e, {
    summary: 'Processors in the machine run different microcode revisions.',
    args: ['CPUID signature of the mismatching processor', 'Expected microcode revision', 'Revision actually reported', 'Index of the mismatching processor'],
  }],
  [0x14c, {
    summary: 'An unrecoverable error or an abnormal reset of the system was detected (no details are passed).',
    args: [RESERVED, RESERVED, RESERVED, RESERVED],
  }],
  [0xe2, {
    summary: 'The user crashed the machine on purpose from the keyboard (the CrashOnCtrlScroll setting) or a debugger. Not a fault: the dump shows the state at that moment, typically taken to diagnose a hang.',
    args: [RESERVED, RESERVED, RESERVED, RESERVED],
  }],
  [0xdeaddead, {
    summary: 'The user crashed the machine on purpose (a manually initiated crash, for example through the debugger or a special key sequence). Not a fault in itself.',
    args: [RESERVED, RESERVED, RESERVED, RESERVED],
  }],
  [0x1c8, {
    summary: 'The machine was crashed on purpose by holding the power button long enough (the system looked hung). The dump shows what was running at that moment.',
    args: ['How long the button was held, in milliseconds', 'Address of nt!_POP_POWER_BUTTON_TRIAGE_BLOCK', RESERVED, RESERVED],
  }],
  [0x1d, {
    summary: 'No spin lock was available (rarely seen).',
    args: [RESERVED, RESERVED, RESERVED, RESERVED],
  }],
  [0xfd, {
    summary: 'No free pages were left because too many modified pages could not be written out (a paging file or writer is stuck).',
    args: ['Total dirty pages', 'Dirty pages that cannot be written', RESERVED, 'Most recent write-error status'],
  }],
  [0xe4, {
    summary: 'An executive work item was found where it must not be: an active or queued work item was freed or queued again.',
    args: ['Where the problem was found (0 = active item freed, 1 = active item queued, 2 = queued I/O item freed, …)', 'Address of the work item', 'Depends on argument 1', 'Depends on argument 1'],
  }],
  [0x128, {
    summary: 'A worker routine returned with the worker thread\'s I/O priority changed.',
    args: ['Address of the worker routine (names the driver)', 'Current I/O priority', 'Work item parameter', 'Work item address'],
  }],
];
