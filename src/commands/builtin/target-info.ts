// `vertarget`/`!di`, `.bugcheck`, `.lastevent`, `!crash`: what the dump is and how the machine stopped.
import { bugcheckName } from '../../knowledge/bugchecks/index.js';
import { ntstatusName } from '../../knowledge/errors.js';
import { productName, type SystemInfo, sessionTimeText, systemInfo, uptimeText } from '../../target/system-info.js';
import { addr64 } from '../../util/hex.js';
import type { CommandSpec } from '../command.js';
import { buildStackListing } from './stack.js';
import { kernelTarget } from './target-access.js';
import { renderStack, type StackListing } from '../../render/stack.js';

export interface VertargetResult {
  kind: 'vertarget';
  info: SystemInfo;
}

function renderVertarget(i: SystemInfo): string {
  const L = [`Windows ${i.majorVersion === 0xf ? '10' : i.majorVersion} Kernel Version ${i.build} ${i.processors > 1 ? 'MP' : 'UP'} (${i.processors} procs) Free ${i.machine}`];
  const product = productName(i.productType);
  if (product) L.push(`Product: ${product}`);
  if (i.buildLab) L.push(`Edition build lab: ${i.buildLab}`);
  if (i.kernelBase !== undefined) L.push(`Kernel base = 0x${addr64(i.kernelBase)} PsLoadedModuleList = ${i.psLoadedModuleList ? `0x${addr64(i.psLoadedModuleList)}` : '?'}`);
  if (i.sessionTime) L.push(`Debug session time: ${sessionTimeText(i.sessionTime)}`);
  if (i.uptime !== undefined) L.push(`System Uptime: ${uptimeText(i.uptime)}`);
  L.push(`Dump type: ${i.dumpType}`);
  return L.join('\n');
}

export const vertargetCommand: CommandSpec<VertargetResult> = {
  names: ['vertarget', '!di'],
  summary: 'Version of the crashed system: build, build lab, processors, kernel base, session time, uptime',
  usage: 'vertarget',
  async run(session) {
    return { kind: 'vertarget', info: await systemInfo(kernelTarget(session)) };
  },
  renderText: (r) => renderVertarget(r.info),
};

export interface BugcheckResult {
  kind: 'bugcheck';
  code: number;
  name?: string;
  args: bigint[];
}

export const dotBugcheckCommand: CommandSpec<BugcheckResult> = {
  names: ['.bugcheck'],
  summary: 'The bugcheck code and its four arguments',
  usage: '.bugcheck',
  async run(session) {
    const h = kernelTarget(session).dump.header;
    return { kind: 'bugcheck', code: h.bugcheckCode, name: bugcheckName(h.bugcheckCode), args: h.bugcheckArgs };
  },
  renderText: (r) => `Bugcheck code ${r.code.toString(16).toUpperCase().padStart(8, '0')}\nArguments ${r.args.map(addr64).join(' ')}`,
};

export interface LastEventResult {
  kind: 'last-event';
  text: string;
  time?: string;
}

export const lastEventCommand: CommandSpec<LastEventResult> = {
  names: ['.lastevent'],
  summary: 'The event the dump was taken for',
  usage: '.lastevent',
  async run(session) {
    const t = kernelTarget(session);
    const h = t.dump.header;
    const crash = await t.crashState();
    const where = crash.prcb ? `${crash.prcb.number}` : `${session.processor}`;
    const name = bugcheckName(h.bugcheckCode) ?? 'unknown bugcheck';
    // For exception bugchecks the first argument is the exception code: name it as WinDbg does.
    const exc = [0x7e, 0x8e, 0x1e, 0x3b].includes(h.bugcheckCode & 0xfffffff) ? Number(h.bugcheckArgs[0] & 0xffffffffn) : undefined;
    const excName = exc !== undefined ? ntstatusName(exc) : undefined;
    const text = `Last event: ${where}.0: Bugcheck ${h.bugcheckCode.toString(16).toUpperCase()} (${name})${excName ? `, exception ${exc?.toString(16)} (${excName})` : ''}`;
    return { kind: 'last-event', text, time: h.systemTime };
  },
  renderText: (r) => `${r.text}${r.time ? `\n  debugger time: ${sessionTimeText(r.time)}` : ''}`,
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
  async run(session) {
    const t = kernelTarget(session);
    const h = t.dump.header;
    const regs = await t.defaultRegisters();
    return {
      kind: 'crash',
      info: await systemInfo(t),
      bugcheck: { kind: 'bugcheck', code: h.bugcheckCode, name: bugcheckName(h.bugcheckCode), args: h.bugcheckArgs },
      stack: regs ? await buildStackListing(t, regs, false, 64) : undefined,
    };
  },
  renderText: (r) =>
    [
      renderVertarget(r.info),
      '',
      `${r.bugcheck.name ?? 'Bugcheck'} (${r.bugcheck.code.toString(16)})`,
      `Arguments ${r.bugcheck.args.map(addr64).join(' ')}`,
      '',
      r.stack ? renderStack(r.stack, 'k') : '(no register context)',
    ].join('\n'),
};
