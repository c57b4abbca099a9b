// 0x9F DRIVER_POWER_STATE_FAILURE. Case 3: Arg4 is the power IRP a device stack held too long; its current
// stack location names the device, and the device's driver object the driver holding it. Case 4: Arg3 is the
// thread holding the PnP lock; its stack (from its switch frame) shows the driver it is waiting in.
import type { RootCauseClaim } from '../report.js';
import { isOsModule } from '../os-modules.js';
import { addr64 } from '../../util/hex.js';
import { blameAt, isKernelAddress, readView, typesFor, walkFrames } from './common.js';
import { driverOf, IRP_MJ_POWER, type IrpDriver, type IrpLocation, readIrp } from './irp.js';
import { emptyResult, type Family, type FamilyInput, type FamilyResult } from './types.js';

export const powerStateFailure: Family = async (x) => {
  const res = emptyResult();
  const sub = x.args[0];
  res.fields.push({ key: 'DRVPOWERSTATE_SUBCODE', value: sub.toString(16) });
  if (sub === 3n) await blockedIrp(x, res);
  else if (sub === 4n) await pnpLockThread(x, res);
  else if (sub === 1n || sub === 2n) await namedDriver(x, res);
  return res;
};

/** A power IRP asking for a lower state than working (S1–S5, D1–D3): WinDbg tags its buckets POWER_DOWN. */
function powersDown(l: IrpLocation | undefined): boolean {
  return !!l?.power && l.power.state > 1;
}

/**
 * Cases 1 and 2 name the device (Arg2 for case 1, Arg3 for case 2) and, for case 2, the driver object
 * (Arg4) directly: its DriverStart gives the module, its DriverName the driver.
 */
async function namedDriver(x: FamilyInput, res: FamilyResult): Promise<void> {
  const { t, args } = x;
  const sub = Number(args[0]);
  const device = sub === 1 ? args[1] : args[2];
  const kt = await typesFor(t, res, `naming the driver of case ${sub}`);
  if (!kt) return;
  let driver: IrpDriver | undefined;
  let how = '';
  let command = '';
  if (sub === 2 && isKernelAddress(args[3])) {
    const drv = await readView(t, kt, '_DRIVER_OBJECT', args[3], res, `driver object ${addr64(args[3])} (Arg4)`);
    if (drv) {
      const start = drv.has('DriverStart') ? drv.uint('DriverStart') : undefined;
      const m = start ? t.modules.at(start) : undefined;
      driver = { driverObject: args[3], driverName: drv.has('DriverName') ? await t.readUnicodeString(drv.sub('DriverName')) : undefined, module: m?.name, imageName: m?.imageName };
      how = `Arg4 ${addr64(args[3])} is the driver object`;
      command = `dt nt!_DRIVER_OBJECT ${args[3].toString(16)} DriverName DriverStart`;
    }
  }
  if (!driver && isKernelAddress(device)) {
    driver = await driverOf(t, kt, device, IRP_MJ_POWER, res);
    how = `Arg${sub === 1 ? 2 : 3} ${addr64(device)} is the device object; its DriverObject is ${driver ? addr64(driver.driverObject) : 'unreadable'}`;
    command = `dt nt!_DEVICE_OBJECT ${device.toString(16)} DriverObject`;
  }
  if (!driver) {
    res.notes.push(`case ${sub}: neither the device object nor the driver object in the arguments could be read`);
    return;
  }
  res.fields.push({ key: 'DEVICE_OBJECT', value: addr64(device) }, { key: 'DRIVER_OBJECT', value: addr64(driver.driverObject) });
  const m = driver.module ? t.modules.byModuleName(driver.module) : undefined;
  if (m) {
    res.blame = { module: m.name, imageName: m.imageName, symbolName: m.imageName, offset: 0 };
    res.bucket = { tag: String(sub), site: `IMAGE_${m.imageName}` };
  }
  const name = driver.driverName ?? driver.imageName ?? addr64(driver.driverObject);
  const what = sub === 1 ? 'is being freed while a power request it was sent is still outstanding' : 'completed a system power IRP without calling PoStartNextPowerIrp, so the power manager could not send the next one';
  res.claims.push({
    rule: 'power-driver-named',
    claim: `The device ${addr64(device)} of ${name}${driver.imageName && driver.driverName ? ` (${driver.imageName})` : ''} ${what}. The bugcheck names that driver directly.`,
    confidence: m && !isOsModule(m.name) ? 'high' : 'medium',
    evidence: [{ fact: how, command }, ...(driver.driverName ? [{ fact: `DriverName is ${driver.driverName}${driver.imageName ? `, its code is ${driver.imageName}` : ''}`, command: `dt nt!_DRIVER_OBJECT ${driver.driverObject.toString(16)} DriverName DriverStart` }] : [])],
    command,
    confirm: sub === 1 ? `The driver deletes its device (IoDeleteDevice) in its remove or unload path before the power IRP it sent or holds completes.` : `The driver's power dispatch routine completes the IRP without PoStartNextPowerIrp (Windows before Vista requires it).`,
    refute: 'The driver object is shared by a filter stack and another driver in it did the wrong thing.',
    ...(m ? { modules: [m.name] } : {}),
    facts: { summary: `${name} broke the power rules: its device ${what}; Windows stopped the system (DRIVER_POWER_STATE_FAILURE case ${sub}).` },
  });
}

function isWindowsDriver(l: IrpLocation): boolean {
  return l.driver?.module ? isOsModule(l.driver.module) : false;
}

async function blockedIrp(x: FamilyInput, res: FamilyResult): Promise<void> {
  const { t, args } = x;
  const [, pdo, , irpAddr] = args;
  res.fields.push({ key: 'IRP_ADDRESS', value: addr64(irpAddr) }, { key: 'DEVICE_OBJECT', value: addr64(pdo) });
  const kt = await typesFor(t, res, 'reading the blocked IRP');
  if (!kt) return;
  const irp = await readIrp(t, kt, irpAddr, res);
  if (!irp) return;
  const current = irp.locations.find((l) => l.current);
  const evidence = [{ fact: `IRP ${addr64(irpAddr)}: ${irp.stackCount} stack locations, location ${irp.currentLocation} is current (Tail.Overlay.CurrentStackLocation = ${addr64(irp.currentStackLocation)})`, command: `dt nt!_IRP ${irpAddr.toString(16)} StackCount CurrentLocation Tail.Overlay.CurrentStackLocation` }];
  for (const l of irp.locations.filter((l) => l.deviceObject)) {
    const who = l.driver ? `${l.driver.driverName ?? addr64(l.driver.driverObject)}${l.driver.imageName ? ` (${l.driver.imageName})` : ''}` : 'an unreadable driver object';
    evidence.push({ fact: `${l.current ? '>' : ' '}[${l.index}] ${l.what}, device ${addr64(l.deviceObject)}, driver ${who}`, command: `dt nt!_IO_STACK_LOCATION ${l.address.toString(16)} MajorFunction MinorFunction DeviceObject` });
  }
  if (!current?.driver) {
    res.notes.push(`IRP ${addr64(irpAddr)}: its current stack location ${addr64(irp.currentStackLocation)} is not one of its ${irp.stackCount} locations, or its device's driver object is unreadable`);
    return;
  }
  // The driver whose location is current holds the IRP; if that is part of Windows (a bus driver below
  // the real culprit), the first third-party driver above it, which sent the IRP down, is the suspect.
  const above = irp.locations.filter((l) => l.index > current.index && l.driver?.module && !isWindowsDriver(l));
  const suspect = !isWindowsDriver(current) ? current : (above[0] ?? current);
  const d = suspect.driver!;
  res.fields.push({ key: 'DRIVER_OBJECT', value: addr64(d.driverObject) });
  if (d.module) {
    const viaDispatch = d.dispatch && t.modules.at(d.dispatch)?.name === d.module ? await blameAt(t, d.dispatch) : undefined;
    const m = t.modules.byModuleName(d.module)!;
    res.blame = viaDispatch ?? { module: m.name, imageName: m.imageName, symbolName: m.imageName, offset: 0 };
    // Public buckets: 0x9F_3_POWER_DOWN_tcpip!Flp…, 0x9F_3_RtsPer_IMAGE_pci.sys (a third-party driver above the
    // Windows driver that holds the IRP), 0x9F_4_IMAGE_usbehci.sys (no function known).
    const tag = powersDown(current) ? '3_POWER_DOWN' : '3';
    const holder = current.driver?.imageName;
    res.bucket = suspect !== current && holder ? { tag, site: `${m.name}_IMAGE_${holder}` } : viaDispatch?.symbol ? { tag } : { tag, site: `IMAGE_${m.imageName}` };
  }
  const name = d.driverName ?? d.imageName ?? addr64(d.driverObject);
  const holds = suspect === current ? 'holds it: its device\'s stack location is the current one' : `sent it down to ${current.driver?.driverName ?? 'a Windows driver'}, which is part of Windows and still holds it`;
  const claim: RootCauseClaim = {
    rule: 'power-irp-blocked',
    claim: `A power IRP (${current.what}) has been pending too long in the device stack of PDO ${addr64(pdo)}. ${name}${d.imageName && d.driverName ? ` (${d.imageName})` : ''} ${holds}. That driver did not complete or pass on the power request in time.`,
    confidence: d.module && !isOsModule(d.module) ? 'high' : 'medium',
    evidence,
    command: `!irp ${irpAddr.toString(16)}`,
    confirm: `The driver's power dispatch routine${d.dispatch ? ` (${(await t.symbolize(d.dispatch)) ?? addr64(d.dispatch)})` : ''} returns STATUS_PENDING without completing the IRP or calling PoCallDriver; an updated driver fixes it.`,
    refute: 'The IRP is waiting on a lower device (a completion routine of a lower location still pending), or the device hardware itself stopped responding.',
    ...(d.module ? { modules: [d.module] } : {}),
    facts: { summary: `${name} did not finish a power request in time: the power IRP ${addr64(irpAddr)} (${current.what}) ${suspect === current ? 'is still held by its device' : `was sent down by it and is still held by ${current.driver?.driverName ?? 'a Windows driver'} below it`}; after the watchdog's wait Windows stopped the system (DRIVER_POWER_STATE_FAILURE case 3).` },
  };
  res.claims.push(claim);
}

async function pnpLockThread(x: FamilyInput, res: FamilyResult): Promise<void> {
  const { t, args } = x;
  const threadAddr = args[2];
  res.fields.push({ key: 'PNP_LOCK_THREAD', value: addr64(threadAddr) });
  const kt = await typesFor(t, res, 'reading the thread that holds the PnP lock');
  if (!kt) return;
  if (!(await readView(t, kt, '_ETHREAD', threadAddr, res, `thread ${addr64(threadAddr)} (Arg3)`))) return;
  // Not a thread (its dispatcher header's Type says another object): say so rather than stop the analysis.
  const th = await t.thread(threadAddr).catch((e: unknown) => void res.notes.push(`thread ${addr64(threadAddr)} (Arg3): ${(e as Error).message}`));
  if (!th) return;
  const regs = await t.threadRegisters(th).catch(() => undefined);
  if (!regs) {
    res.notes.push(`thread ${addr64(threadAddr)}: no switch frame at its KernelStack to start its stack from`);
    return;
  }
  const walk = await walkFrames(t, regs, { stackLimit: th.stackLimit, stackBase: th.stackBase });
  res.switchTo = { registers: regs, stackCommand: `.thread 0x${threadAddr.toString(16)} ; kb` };
  const evidence = walk.frames.slice(0, 8).map((f) => ({ fact: `frame ${f.index}: ${f.text}`, command: `.thread 0x${threadAddr.toString(16)} ; kb` }));
  if (walk.note) res.notes.push(`stack of thread ${addr64(threadAddr)}: ${walk.note}`);
  const o = walk.outside;
  res.bucket = { tag: '4' };
  res.claims.push({
    rule: 'pnp-lock-holder',
    claim: o
      ? `The power transition timed out (${args[1]} seconds) waiting for Plug and Play, whose lock thread ${addr64(threadAddr)} holds; that thread is inside ${o.text}, the first frame on its stack outside Windows: ${o.module} is keeping the PnP lock.`
      : `The power transition timed out (${args[1]} seconds) waiting for Plug and Play, whose lock thread ${addr64(threadAddr)} holds; every frame on its stack is part of Windows, so the driver it waits for is not visible here.`,
    confidence: o ? 'high' : 'low',
    evidence,
    command: `!thread ${threadAddr.toString(16)}`,
    confirm: o ? `${o.module} waits on an event or lock that a device of its own never signals (kb shows a KeWaitFor* call from it).` : 'Look at what the thread waits on (!thread) and who owns it.',
    refute: 'The thread is only waiting for a device that is itself stuck below the driver.',
    ...(o?.module ? { modules: [o.module] } : {}),
    facts: { summary: o ? `${o.module} kept the Plug and Play lock: the thread holding it is inside ${o.text}, so the power transition timed out after ${args[1]} seconds and Windows stopped the system (DRIVER_POWER_STATE_FAILURE case 4).` : `The power transition timed out after ${args[1]} seconds waiting for the Plug and Play lock; the thread holding it runs only Windows code here, so the driver it waits for is not visible (DRIVER_POWER_STATE_FAILURE case 4).` },
  });
}
