// An IRP and its stack locations, read by field name (`!irp`-like): which device, and so which driver,
// holds each location, and which location is current. Bounded by the IRP's own StackCount (at most 32).
import type { KernelTarget } from '../../target/kernel-target.js';
import type { KernelTypes } from '../../target/struct-view.js';
import { addr64 } from '../../util/hex.js';
import { isKernelAddress, optUint, readView } from './common.js';
import type { FamilyResult } from './types.js';

const MAX_LOCATIONS = 32;

// IRP_MJ_* and the power/PnP minor codes are fixed WDK constants (wdm.h).
const MAJOR = ['CREATE', 'CREATE_NAMED_PIPE', 'CLOSE', 'READ', 'WRITE', 'QUERY_INFORMATION', 'SET_INFORMATION', 'QUERY_EA', 'SET_EA', 'FLUSH_BUFFERS', 'QUERY_VOLUME_INFORMATION', 'SET_VOLUME_INFORMATION', 'DIRECTORY_CONTROL', 'FILE_SYSTEM_CONTROL', 'DEVICE_CONTROL', 'INTERNAL_DEVICE_CONTROL', 'SHUTDOWN', 'LOCK_CONTROL', 'CLEANUP', 'CREATE_MAILSLOT', 'QUERY_SECURITY', 'SET_SECURITY', 'POWER', 'SYSTEM_CONTROL', 'DEVICE_CHANGE', 'QUERY_QUOTA', 'SET_QUOTA', 'PNP'];
const POWER_MINOR = ['IRP_MN_WAIT_WAKE', 'IRP_MN_POWER_SEQUENCE', 'IRP_MN_SET_POWER', 'IRP_MN_QUERY_POWER'];
export const IRP_MJ_POWER = 0x16;
const SYSTEM_STATES = ['PowerSystemUnspecified', 'PowerSystemWorking (S0)', 'PowerSystemSleeping1 (S1)', 'PowerSystemSleeping2 (S2)', 'PowerSystemSleeping3 (S3)', 'PowerSystemHibernate (S4)', 'PowerSystemShutdown (S5)'];
const DEVICE_STATES = ['PowerDeviceUnspecified', 'PowerDeviceD0', 'PowerDeviceD1', 'PowerDeviceD2', 'PowerDeviceD3'];

/** The minor function's name (`IRP_MN_SET_POWER`), when this file knows it. */
export function minorName(major: number, minor: number): string | undefined {
  return major === IRP_MJ_POWER ? POWER_MINOR[minor] : undefined;
}

export function majorName(major: number): string {
  return MAJOR[major] ? `IRP_MJ_${MAJOR[major]}` : `major 0x${major.toString(16)}`;
}

export interface IrpDriver {
  driverObject: bigint;
  /** '\\Driver\\EvilDriver' from DriverName, when readable. */
  driverName?: string;
  /** The loaded module whose image holds DriverStart. */
  module?: string;
  imageName?: string;
  /** The driver's dispatch routine for this location's major function. */
  dispatch?: bigint;
}

export interface IrpLocation {
  index: number;
  address: bigint;
  major: number;
  minor: number;
  /** 'IRP_MJ_POWER / IRP_MN_SET_POWER (PowerDeviceD3)'. */
  what: string;
  deviceObject: bigint;
  driver?: IrpDriver;
  current: boolean;
  /** What `!irp` shows per location, when nt's types have the field. */
  flags?: number;
  control?: number;
  fileObject?: bigint;
  completionRoutine?: bigint;
  context?: bigint;
  /** Parameters.Others.Argument1–4. */
  args?: bigint[];
  /** A set/query power IRP's Parameters.Power.Type (0 system, 1 device) and State. */
  power?: { type: number; state: number };
}

export interface IrpInfo {
  address: bigint;
  stackCount: number;
  currentLocation: number;
  currentStackLocation: bigint;
  locations: IrpLocation[];
  mdl?: bigint;
  systemBuffer?: bigint;
  thread?: bigint;
  /** IoStatus.Status, when readable. */
  status?: number;
}

function minorText(v: { num(p: string): number; has(p: string): boolean }, major: number, minor: number): string {
  if (major !== IRP_MJ_POWER) return `minor 0x${minor.toString(16)}`;
  let s = POWER_MINOR[minor] ?? `minor 0x${minor.toString(16)}`;
  if ((minor === 2 || minor === 3) && v.has('Parameters.Power.Type') && v.has('Parameters.Power.State')) {
    const type = v.num('Parameters.Power.Type');
    const state = v.num('Parameters.Power.State');
    const name = type === 0 ? SYSTEM_STATES[state] : type === 1 ? DEVICE_STATES[state] : undefined;
    s += ` (${name ?? `power type ${type}, state ${state}`})`;
  }
  return s;
}

export async function driverOf(t: KernelTarget, kt: KernelTypes, device: bigint, major: number, res: FamilyResult): Promise<IrpDriver | undefined> {
  const dev = await readView(t, kt, '_DEVICE_OBJECT', device, res, `device object ${addr64(device)}`);
  const drvAddr = dev ? optUint(dev, 'DriverObject') : undefined;
  if (!drvAddr) return undefined;
  const drv = await readView(t, kt, '_DRIVER_OBJECT', drvAddr, res, `driver object ${addr64(drvAddr)}`);
  if (!drv) return { driverObject: drvAddr };
  const driverName = drv.has('DriverName') ? await t.readUnicodeString(drv.sub('DriverName')) : undefined;
  const start = optUint(drv, 'DriverStart');
  const m = start ? t.modules.at(start) : undefined;
  let dispatch: bigint | undefined;
  if (drv.has('MajorFunction')) {
    const table = drv.raw('MajorFunction');
    if ((major + 1) * 8 <= table.length) dispatch = new DataView(table.buffer, table.byteOffset + major * 8, 8).getBigUint64(0, true);
  }
  return { driverObject: drvAddr, driverName, module: m?.name, imageName: m?.imageName, dispatch };
}

/**
 * Reads the IRP at `address`: its current stack location (Tail.Overlay.CurrentStackLocation) and every
 * location up to StackCount, each with the device it was sent to and that device's driver.
 */
export async function readIrp(t: KernelTarget, kt: KernelTypes, address: bigint, res: FamilyResult): Promise<IrpInfo | undefined> {
  const irp = await readView(t, kt, '_IRP', address, res, `IRP ${addr64(address)}`);
  if (!irp) return undefined;
  const irpType = await kt.struct('_IRP');
  const locType = await kt.struct('_IO_STACK_LOCATION').catch(() => undefined);
  if (!locType) {
    res.notes.push("nt's types have no _IO_STACK_LOCATION: the IRP's stack cannot be read");
    return undefined;
  }
  // IO_TYPE_IRP is 6 (wdm.h); anything else means Arg4 is not an IRP.
  if (irp.has('Type') && irp.num('Type') !== 6) res.notes.push(`IRP ${addr64(address)}: Type is ${irp.num('Type')}, not IO_TYPE_IRP (6); the address may not hold an IRP`);
  const stackCount = irp.int('StackCount');
  const currentLocation = irp.int('CurrentLocation');
  const current = irp.uint('Tail.Overlay.CurrentStackLocation');
  const extra = {
    mdl: optUint(irp, 'MdlAddress'),
    systemBuffer: optUint(irp, 'AssociatedIrp.SystemBuffer'),
    thread: optUint(irp, 'Tail.Overlay.Thread'),
    status: irp.has('IoStatus.Status') ? irp.int('IoStatus.Status') >>> 0 : undefined,
  };
  if (stackCount < 1 || stackCount > MAX_LOCATIONS) {
    res.notes.push(`IRP ${addr64(address)}: StackCount ${stackCount} is outside 1..${MAX_LOCATIONS}; its stack locations were not read`);
    return { address, stackCount, currentLocation, currentStackLocation: current, locations: [], ...extra };
  }
  // The stack locations follow the IRP itself; location i (1-based CurrentLocation = i + 1) is at first + i * size.
  const first = address + BigInt(irpType.size);
  const locations: IrpLocation[] = [];
  for (let i = 0; i < stackCount; i++) {
    const at = first + BigInt(i * locType.size);
    const loc = await kt.read(t.memory, '_IO_STACK_LOCATION', at).catch(() => undefined);
    if (!loc) {
      res.notes.push(`IRP ${addr64(address)}: stack location ${i + 1} at ${addr64(at)} is not readable`);
      continue;
    }
    const major = loc.num('MajorFunction');
    const minor = loc.num('MinorFunction');
    const device = loc.uint('DeviceObject');
    const driver = device && isKernelAddress(device) ? await driverOf(t, kt, device, major, res) : undefined;
    const args = ['1', '2', '3', '4'].map((n) => optUint(loc, `Parameters.Others.Argument${n}`));
    locations.push({
      index: i + 1,
      address: at,
      major,
      minor,
      what: `${majorName(major)} / ${minorText(loc, major, minor)}`,
      deviceObject: device,
      driver,
      current: at === current,
      flags: loc.has('Flags') ? loc.num('Flags') : undefined,
      control: loc.has('Control') ? loc.num('Control') : undefined,
      fileObject: optUint(loc, 'FileObject'),
      completionRoutine: optUint(loc, 'CompletionRoutine'),
      context: optUint(loc, 'Context'),
      ...(args.every((a) => a !== undefined) ? { args: args as bigint[] } : {}),
      ...(major === IRP_MJ_POWER && (minor === 2 || minor === 3) && loc.has('Parameters.Power.Type') && loc.has('Parameters.Power.State') ? { power: { type: loc.num('Parameters.Power.Type'), state: loc.num('Parameters.Power.State') } } : {}),
    });
  }
  return { address, stackCount, currentLocation, currentStackLocation: current, locations, ...extra };
}
