// Who to blame from the stack: the first frame outside Windows; failing that, the first Windows frame that is
// neither a relay (nt, hal, KMDF in general) nor part of the machinery that raised the bugcheck (KeBugCheckEx,
// the trap and exception-dispatch handlers, exception filters). A faulting IP inside an unloaded driver's old
// range blames that driver, as WinDbg does, since its code is what ran.
import type { ModuleTable, UnloadedModuleInfo } from '../target/modules.js';
import { isOsModule } from './os-modules.js';
import type { StackEntry } from './report.js';

const RELAY_MODULES = new Set(['nt', 'hal', 'wdf01000', 'wdfldr']);

/** nt functions that raise, dispatch or report the crash: never the culprit themselves. */
const MACHINERY = new Set([
  'KeBugCheckEx', 'KeBugCheck', 'KeBugCheck2', 'KiBugCheckDispatch', 'KiBugCheckDebugBreak', 'DbgBreakPointWithStatus',
  'KiPageFault', 'KiGeneralProtectionFault', 'KiExceptionDispatch', 'KiDispatchException', 'RtlDispatchException',
  'RtlpExecuteHandlerForException', '_C_specific_handler', 'KiFastFailDispatch', 'KiRaiseSecurityCheckFailure',
  'KiDoubleFaultAbort', 'KiInvalidOpcodeFault', 'KiDivideErrorFault', 'KiBreakpointTrap', 'KiDebugTrapOrFault',
  'KiStackFault', 'KiSegmentNotPresentFault', 'KiAlignmentFault', 'KiNmiInterrupt', 'KiMcheckAbort',
  'KiSystemServiceExit', 'RtlRaiseStatus', 'ExRaiseStatus', 'KiRaiseException', 'MiSystemFault', 'MmAccessFault',
]);

/** True for a frame of the bugcheck/trap/exception machinery (including compiler-made exception filters). */
export function isMachineryFrame(s: StackEntry): boolean {
  if (!s.symbol || (s.module ?? '').toLowerCase() !== 'nt') return false;
  return MACHINERY.has(s.symbol) || s.symbol.includes('$filt$');
}

export interface StackBlame {
  /** The frame blamed, when any frame is meaningful. */
  frame?: StackEntry;
  /** Every frame was bugcheck machinery (or unnamed): WinDbg then names the module with an `unknown` function. */
  onlyMachinery: boolean;
}

export function blameFromStack(stack: StackEntry[]): StackBlame {
  const named = stack.filter((s) => s.module && !s.guessed);
  const meaningful = named.filter((s) => !isMachineryFrame(s));
  const frame = meaningful.find((s) => !isOsModule(s.module!)) ?? meaningful.find((s) => !RELAY_MODULES.has(s.module!.toLowerCase())) ?? meaningful[0];
  return { frame, onlyMachinery: !frame && named.length > 0 };
}

/** The unloaded driver whose old range holds the faulting IP (or the exception address), if any. */
export function unloadedAtIp(modules: ModuleTable, ips: (bigint | undefined)[]): { u: UnloadedModuleInfo; at: bigint } | undefined {
  for (const ip of ips) {
    if (ip === undefined || modules.at(ip)) continue;
    const u = modules.unloadedAt(ip);
    if (u) return { u, at: ip };
  }
  return undefined;
}

/** MODULE_NAME of an unloaded driver: its image name without the extension (OldFilter.sys → OldFilter). */
export function unloadedModuleName(u: UnloadedModuleInfo): string {
  return u.imageName.replace(/\.[^.]+$/, '');
}
