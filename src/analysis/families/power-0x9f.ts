// 0x9F DRIVER_POWER_STATE_FAILURE. Case 3: Arg4 is the power IRP a device stack held too long; its current
// stack location names the device, and the device's driver object the driver holding it. Case 4: Arg3 is the
// thread holding the PnP lock; its stack (from its switch frame) shows the driver it is waiting in.
import type { RootCauseClaim } from '../report.js';
import { isOsModule } from '../os-modules.js';
import { addr64 } from '../../util/hex.js';
import { blameAt, readView, typesFor, walkFrames } from './common.js';
import { type IrpLocation, readIrp } from './irp.js';
import { emptyResult, type Family, type FamilyInput, type FamilyResult } from './types.js';

export const powerStateFailure: Family = async (x) => {
  const res = emptyResult();
  const sub = x.args[0];
  res.fields.push({ key: 'DRVPOWERSTATE_SUBCODE', value: sub.toString(16) });
  if (sub === 3n) await blockedIrp(x, res);
  else if (sub === 4n) await pnpLockThread(x, res);
  return res;
};

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
  const th = await t.thread(threadAddr);
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
  });
}
