// Symbol names as WinDbg shows them. A PDB names an import slot `__imp_ExFreePoolWithTag`; WinDbg (dbghelp's
// undecoration) shows it with one underscore less, `nt!_imp_HalRequestSoftwareInterrupt`, and so does the
// 19041 kernel's ISF (built from the same PDB: 189 `_imp_` names, no `__imp_` one).

const IMPORT_PREFIX = '__imp_';

/** The name WinDbg displays for a public symbol. */
export function windbgPublicName(name: string): string {
  return name.startsWith(IMPORT_PREFIX) ? name.slice(1) : name;
}
