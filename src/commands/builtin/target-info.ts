// `vertarget`/`!di`, `.bugcheck`, `.lastevent`, `!crash`: what the dump is and how the machine stopped.
import { bugcheckName } from '../../knowledge/bugchecks/index.js';
import { exceptionShortName } from '../../knowledge/exception-names.js';
import { cpuText, productName, type SystemInfo, sessionTimeText, suiteNames, systemInfo, timeZoneBiasMinutes, uptimeText } from '../../target/system-info.js';
import { addr64 } from '../../util/hex.js';
import type { CommandSpec } from '../command.js';
import { buildStackListing } from './stack.js';
import { kernelTarget } from './target-access.js';
import { renderStack, type StackListing } from '../../render/stack.js';

export interface VertargetResult {
  kind: 'vertarget';
  /** `!di` (mex's display information) adds the computer name, CPU and bugcheck to vertarget's lines. */
  style: 'vertarget' | 'di';
  info: SystemInfo;
}

const hexUp = (v: bigint | number) => v.toString(16).toUpperCase();

function windowsLine(i: SystemInfo): string {
  return `Windows ${i.majorVersion === 0xf || i.majorVersion === 0xc ? '10' : i.majorVersion} Kernel Version ${i.build} ${i.processors > 1 ? 'MP' : 'UP'} (${i.processors} procs) ${i.majorVersion === 0xc ? 'Checked' : 'Free'} ${i.machine}`;
}

function productLine(i: SystemInfo): string | undefined {
  const product = productName(i.productType);
  if (!product) return undefined;
  const suites = suiteNames(i.suiteMask);
  return suites.length ? `Product: ${product}, suite: ${suites.join(' ')}` : `Product: ${product}`;
}

function kernelBaseLine(i: SystemInfo): string | undefined {
  return i.kernelBase !== undefined ? `Kernel base = 0x${addr64(i.kernelBase)} PsLoadedModuleList = ${i.psLoadedModuleList ? `0x${addr64(i.psLoadedModuleList)}` : '?'}` : undefined;
}

function renderVertarget(i: SystemInfo): string {
  const L = [windowsLine(i), productLine(i), i.buildLab && `Edition build lab: ${i.buildLab}`, 'Machine Name:', kernelBaseLine(i)];
  if (i.sessionTime) L.push(`Debug session time: ${sessionTimeText(i.sessionTime, i.timeZoneBiasMinutes)}`);
  if (i.uptime !== undefined) L.push(`System Uptime: ${uptimeText(i.uptime)}`);
  return L.filter((l): l is string => !!l).join('\n');
}

/**
 * mex's `!di`: vertarget's facts plus the computer name ("Not Found": it lives in the registry), the SMBIOS
 * manufacturer and product (when the dump holds the firmware's table), the CPU, the bugcheck and the dump's
 * path as opened. The share path is the debugger machine's UNC name for that file: not a fact of the dump,
 * left out.
 */
function renderDi(i: SystemInfo): string {
  const L = [`Computer Name:  ${i.computerName ?? 'Not Found'}`, windowsLine(i), productLine(i), i.buildLab && `Edition build lab: ${i.buildLab}`, kernelBaseLine(i)];
  if (i.sessionTime) L.push(`Debug session time: ${sessionTimeText(i.sessionTime, i.timeZoneBiasMinutes)}`);
  if (i.uptime !== undefined) L.push(`System Uptime: ${uptimeText(i.uptime)}`);
  if (i.smbios?.manufacturer) L.push(`SystemManufacturer = ${i.smbios.manufacturer}`);
  if (i.smbios?.productName) L.push(`SystemProductName = ${i.smbios.productName}`);
  if (i.cpu) L.push(`Processor: ${cpuText(i.cpu)}`);
  L.push(`Bugcheck: ${hexUp(i.bugcheckCode)} (${i.bugcheckArgs.map(hexUp).join(', ')})`);
  if (i.dumpPath) L.push(`KernelMode Dump Path: ${i.dumpPath}`);
  return L.filter((l): l is string => !!l).join('\n');
}

export const vertargetCommand: CommandSpec<VertargetResult> = {
  names: ['vertarget', '!di'],
  summary: 'Version of the crashed system (vertarget); !di adds computer name, CPU and bugcheck',
  usage: 'vertarget | !di',
  async run(session, _args, name) {
    return { kind: 'vertarget', style: name === '!di' ? 'di' : 'vertarget', info: await systemInfo(kernelTarget(session)) };
  },
  renderText: (r) => (r.style === 'di' ? renderDi(r.info) : renderVertarget(r.info)),
};

export interface BugcheckResult {
  kind: 'bugcheck';
  code: number;
  name?: string;
  args: bigint[];
}

function renderBugcheck(r: BugcheckResult): string {
  return `Bugcheck code ${r.code.toString(16).toUpperCase().padStart(8, '0')}\nArguments ${r.args.map(addr64).join(' ')}`;
}

export const dotBugcheckCommand: CommandSpec<BugcheckResult> = {
  names: ['.bugcheck'],
  summary: 'The bugcheck code and its four arguments',
  usage: '.bugcheck',
  async run(session) {
    const h = kernelTarget(session).dump.header;
    return { kind: 'bugcheck', code: h.bugcheckCode, name: bugcheckName(h.bugcheckCode), args: h.bugcheckArgs };
  },
  renderText: (r) => renderBugcheck(r),
};

export interface LastEventResult {
  kind: 'last-event';
  /** The processor the event happened on, WinDbg's kernel-mode event "thread" (`3.0:`: processor 3). */
  processor: number;
  /**
   * The event a kernel dump stores: the EXCEPTION_RECORD64 in its header (offset 0xF00; Windows writes a
   * breakpoint, 0x80000003, at KeBugCheckEx). 0 when the header holds none.
   */
  exceptionCode: number;
  /** WinDbg's short name for the code (`Break instruction exception`); undefined: "Unknown exception". */
  exceptionName?: string;
  exceptionAddress?: bigint;
  time?: string;
  /** The target's time zone (minutes west of UTC), when KUSER_SHARED_DATA has it. */
  timeZoneBiasMinutes?: number;
}

export const lastEventCommand: CommandSpec<LastEventResult> = {
  names: ['.lastevent'],
  summary: 'The event the dump was taken for (the exception record in the dump header)',
  usage: '.lastevent',
  async run(session) {
    const t = kernelTarget(session);
    const crash = await t.crashState();
    const processor = crash.prcb ? crash.prcb.number : session.processor;
    const e = t.dump.exception;
    const exceptionCode = (e?.code ?? 0) >>> 0;
    // WinDbg names only the codes it has a short name for; any other, NTSTATUS or not, is "Unknown exception".
    return { kind: 'last-event', processor, exceptionCode, exceptionName: exceptionShortName(exceptionCode), exceptionAddress: e?.address, time: t.dump.header.systemTime, timeZoneBiasMinutes: await timeZoneBiasMinutes(t) };
  },
  renderText: (r) => {
    const text = `Last event: ${r.processor.toString(16)}.0: ${r.exceptionName ?? 'Unknown exception'} - code ${r.exceptionCode.toString(16).padStart(8, '0')} (first/second chance not available)`;
    return `${text}${r.time ? `\n  debugger time: ${sessionTimeText(r.time, r.timeZoneBiasMinutes)}` : ''}`;
  },
};

export interface CrashResult {
  kind: 'crash';
  info: SystemInfo;
  bugcheck: BugcheckResult;
  stack?: StackListing;
}

export const crashCommand: CommandSpec<CrashResult> = {
  names: ['!crash'],
  summary: 'Summary of the crash: system, bugcheck and the stack of the bugcheck context',
  usage: '!crash',
  async run(session, _args, _name, signal) {
    const t = kernelTarget(session);
    const h = t.dump.header;
    const regs = await t.defaultRegisters();
    return {
      kind: 'crash',
      info: await systemInfo(t),
      bugcheck: { kind: 'bugcheck', code: h.bugcheckCode, name: bugcheckName(h.bugcheckCode), args: h.bugcheckArgs },
      stack: regs ? await buildStackListing(t, regs, false, 64, { signal }) : undefined,
    };
  },
  renderText: (r) => {
    const rule = '='.repeat(44);
    const L = ['Dump Info', rule, renderDi(r.info), '', '', 'Bugcheck details', rule, renderBugcheck(r.bugcheck), '', 'Crashing Stack', rule];
    L.push(r.stack ? renderStack(r.stack, 'k') : '(no register context)');
    return L.join('\n');
  },
};
