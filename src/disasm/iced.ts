// Loads iced-x86 on first use: disassembly is rare next to `info`/`analyze`, and the WebAssembly module
// costs start-up time. A browser bundle aliases 'iced-x86' to its web build; the core only sees this function.
import type * as IcedModule from 'iced-x86';

export type Iced = typeof IcedModule;
let loading: Promise<Iced> | undefined;

export function loadIced(): Promise<Iced> {
  loading ??= import('iced-x86').then((m) => ((m as unknown as { default?: Iced }).default ?? m) as Iced);
  return loading;
}
