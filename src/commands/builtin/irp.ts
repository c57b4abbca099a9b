// `!irp ADDRESS`: an IRP and its stack locations in WinDbg's layout, read by field name through nt's types
// (src/analysis/families/irp.ts, the reader 0x9F's analysis uses): which location is current, each one's
// major/minor function, device, file object, completion routine and context, and the driver of its device.
import { type IrpInfo, majorName, minorName, readIrp } from '../../analysis/families/irp.js';
import { emptyResult } from '../../analysis/families/types.js';
import { DumpscopeError } from '../../io/errors.js';
import type { CommandSpec } from '../command.js';
import { evalArg, kernelTarget } from './target-access.js';

export interface IrpLocationView {
  current: boolean;
  major: number;
  minor: number;
  flags?: number;
  control?: number;
  device: bigint;
  fileObject?: bigint;
  completionRoutine?: bigint;
  context?: bigint;
  completionSymbol?: string;
  driverName?: string;
  args?: bigint[];
}

export interface IrpResult {
  kind: 'irp';
  irp: IrpInfo;
  locations: IrpLocationView[];
  notes: string[];
}

export const irpCommand: CommandSpec<IrpResult> = {
  names: ['!irp'],
  summary: 'An IRP: its stack locations, the current one, their devices, drivers and completion routines',
  usage: '!irp ADDRESS',
  async run(session, args) {
    if (!args.trim()) throw new DumpscopeError('!irp needs the address of an IRP', 'BAD_ARGUMENT');
    const t = kernelTarget(session);
    const address = await evalArg(session, args.trim().split(/\s+/)[0]);
    const kt = await t.kernelTypes();
    if (!kt) throw new DumpscopeError("!irp reads _IRP and _IO_STACK_LOCATION by field name and needs nt's types (its PDB or an ISF table on the symbol path)", 'NO_TYPES');
    const res = emptyResult();
    const irp = await readIrp(t, kt, address, res);
    if (!irp) throw new DumpscopeError(res.notes.join('; ') || `${address.toString(16)} is not a readable IRP`, 'UNREADABLE');
    const locations: IrpLocationView[] = [];
    for (const l of irp.locations) {
      locations.push({
        current: l.current,
        major: l.major,
        minor: l.minor,
        flags: l.flags,
        control: l.control,
        device: l.deviceObject,
        fileObject: l.fileObject,
        completionRoutine: l.completionRoutine,
        context: l.context,
        completionSymbol: l.completionRoutine ? await t.symbolize(l.completionRoutine) : undefined,
        driverName: l.driver?.driverName,
        args: l.args,
      });
    }
    return { kind: 'irp', irp, locations, notes: res.notes };
  },
  renderText: renderIrp,
};

const h = (v: bigint | undefined) => (v ?? 0n).toString(16).padStart(16, '0');

/** `Irp is active with N stacks M is current (= 0x…)`, then each location as WinDbg lays it out. */
export function renderIrp(r: IrpResult): string {
  const i = r.irp;
  const L = [`Irp is active with ${i.stackCount} stacks ${i.currentLocation} is current (= 0x${i.currentStackLocation.toString(16).padStart(16, '0')})`];
  L.push(` ${i.mdl ? `Mdl=${h(i.mdl)}` : 'No Mdl'}: ${i.systemBuffer ? `System buffer=${h(i.systemBuffer)}` : 'No System Buffer'}: Thread ${h(i.thread)}:  Irp stack trace.  `);
  L.push('     cmd  flg cl Device   File     Completion-Context');
  for (const l of r.locations) {
    const minor = minorName(l.major, l.minor) ?? 'N/A';
    L.push(`${l.current ? '>' : ' '}[${majorName(l.major)}(${l.major.toString(16)}), ${minor}(${l.minor.toString(16)})]`);
    const c = l.control ?? 0;
    const when = [c & 0x40 ? 'Success' : '', c & 0x80 ? 'Error' : '', c & 0x20 ? 'Cancel' : '', c & 0x01 ? 'pending' : ''].filter(Boolean).join(' ');
    L.push(`            ${(l.flags ?? 0).toString(16).padStart(1)} ${c.toString(16).padStart(2)} ${h(l.device)} ${h(l.fileObject)} ${h(l.completionRoutine)}-${h(l.context)}${when ? ` ${when}` : '    '}`);
    L.push(`           ${l.driverName ?? '(driver unknown)'}${l.completionSymbol ? ` ${l.completionSymbol}` : ''}`);
    if (l.args) L.push(`            Args: ${l.args.map(h).join(' ')}`);
  }
  if (i.status !== undefined) L.push(`IoStatus.Status: ${i.status.toString(16).padStart(8, '0')}`);
  for (const n of r.notes) L.push(`(${n})`);
  return L.join('\n');
}
