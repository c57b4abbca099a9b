// Well-known Windows pool tags (memory order, as !pool and poolmon show them) with the component that
// uses them. The tag-to-owner facts come from Microsoft's public pooltag.txt (Windows Server 2003 resource
// kit edition; the core kernel tags are unchanged since); the descriptions are this project's. A `*` or
// `?` in a tag is pooltag.txt's family wildcard and matches one character. "tag|owner|description" rows.
const ROWS = `Irp |nt!io|I/O request packets (IRPs)
Mdl |nt!io|Memory descriptor lists (MDLs) built by the I/O manager
File|nt!io|File objects
Devi|nt!io|Device objects
Driv|nt!io|Driver objects
Io  |nt!io|General I/O manager allocations
IoCc|nt!io|I/O completion contexts
IoEa|nt!io|Extended attribute buffers
IoEr|nt!io|Error log packets
IoNm|nt!io|Name buffers used while parsing object names
IoOp|nt!io|Open packets of file creates
IoSe|nt!io|I/O security data
IoTi|nt!io|I/O timers
IoUs|nt!io|I/O completion context allocations
Ioin|nt!io|Interrupt objects
Proc|nt!ps|Process objects
Thre|nt!ps|Thread objects
Ps  |nt!ps|General process manager allocations
PsAp|nt!ps|APCs queued by user-mode processes
PsEx|nt!ps|Process exit APCs
PsIm|nt!ps|Thread impersonation information
PsQb|nt!ps|Process quota blocks
Pstb|nt!ps|Process and thread id (CID) tables
Toke|nt!se|Access token objects
Se  |nt!se|General security allocations
SeAc|nt!se|Access control lists
SeLs|nt!se|Logon sessions
SePr|nt!se|Privilege sets
SeSa|nt!se|SIDs with attributes
SeSc|nt!se|Captured security descriptors
SeSd|nt!se|Security descriptors
SeSi|nt!se|SIDs
SeTd|nt!se|Dynamic part of tokens (default DACL, primary group)
SeUs|nt!se|Captured Unicode strings
Sect|nt!mm|Section objects
Even|nt!ke|Event objects
Muta|nt!ke|Mutant (mutex) objects
Sema|nt!ke|Semaphore objects
Time|nt!ke|Timer objects
Key |nt!cm|Registry key objects
Port|nt!lpc|LPC port objects
LpcM|nt!lpc|LPC message blocks
Symb|nt!ob|Symbolic link objects
Dire|nt!ob|Object directory objects
Type|nt!ob|Object type objects
ObjT|nt!ob|Object type objects
ObNm|nt!ob|Object names
ObDi|nt!ob|Object directory entries
ObHd|nt!ob|Per-process handle count database
ObSq|nt!ob|Security descriptors captured for queries
ObCi|nt!ob|Create information captured by ObCreateObject
ObSc|nt!ob|Security descriptor cache blocks
ObSt|nt!ob|Object manager temporary storage
Obtb|nt!ob|Handle tables
ObDm|nt!ob|Device maps (DOS drive letters)
Mm  |nt!mm|General memory manager allocations
MmCa|nt!mm|Control areas of mapped data files
MmCi|nt!mm|Control areas of executable images
MmCm|nt!mm|Contiguous memory from MmAllocateContiguousMemory
MmSt|nt!mm|Prototype PTEs of section objects (grows with mapped files)
MmSb|nt!mm|Subsections
MmSg|nt!mm|Segments
MmSc|nt!mm|Subsections of mapped data files
MmSm|nt!mm|Segments of mapped data files
MmIn|nt!mm|In-page I/O structures
MmLd|nt!mm|Loaded module database
MmRw|nt!mm|Buffers for reading and writing another process's memory
MmDb|nt!mm|Allocations of the NtMapViewOfSection service
MmWe|nt!mm|Work entries for writing modified file pages
Mmdl|nt!mm|MDLs used for flushes
Mmpp|nt!mm|Prototype PTEs for pool
Vad |nt!mm|Virtual address descriptors
Vadl|nt!mm|Virtual address descriptors (long form)
VadS|nt!mm|Virtual address descriptors (short form)
VadF|nt!mm|VADs made by splitting a range on free
Cont|nt!mm|Contiguous physical memory for device drivers
BIG |nt!mm|Large allocations tracked in the big-page table (no pool header carries the tag)
Pool|nt!ex|Pool tables and pool bookkeeping
Call|nt!ex|Kernel callback objects
ExWl|nt!ex|Executive worker list entries
Atom|nt!ex|Atom tables
Cc  |nt!cc|Cache manager (catch-all)
CcBc|nt!cc|Cache manager buffer control blocks (BCBs)
CcSc|nt!cc|Cache manager shared cache maps
CcPc|nt!cc|Cache manager private cache maps
CcVa|nt!cc|Cache manager arrays of views (VACBs)
CcVp|nt!cc|Cache manager VACB pointer arrays of a cached stream
CcWk|nt!cc|Cache manager lookaside list entries
CcWq|nt!cc|Cache manager work queue items
CcZe|nt!cc|Cache manager buffer of zeros
CcDw|nt!cc|Cache manager deferred writes
CcPf|nt!ccpf|Prefetcher
CM  |nt!cm|Configuration manager (registry)
CMkb|nt!cm|Registry key control blocks
CMVa|nt!cm|Registry value cache
CMNb|nt!cm|Registry notification blocks
CMSc|nt!cm|Registry security cache
CMVw|nt!cm|Registry views of hive files
CMAl|nt!cm|Registry internal memory allocator
Ntfx|ntfs.sys|NTFS general allocations
Ntf0|ntfs.sys|NTFS general pool allocations
NtfC|ntfs.sys|NTFS context control blocks (CCBs)
Ntff|ntfs.sys|NTFS file control blocks (FCB data)
NtfF|ntfs.sys|NTFS file control blocks (FCB index)
Ntfi|ntfs.sys|NTFS IRP contexts
NtfI|ntfs.sys|NTFS I/O contexts
Ntfk|ntfs.sys|NTFS file locks
Ntfl|ntfs.sys|NTFS link control blocks (LCBs)
Ntfn|ntfs.sys|NTFS nonpaged stream control blocks
Ntfr|ntfs.sys|NTFS ERESOURCEs
Ntfs|ntfs.sys|NTFS stream control blocks (SCB data)
NtFs|ntfs.sys|NTFS structure support allocations
Ntf9|ntfs.sys|NTFS large temporary buffers
Fat |fastfat.sys|FAT file system allocations
Npf*|npfs.sys|Named pipe file system allocations
Mup |mup.sys|Multiple UNC provider allocations
Lfs |ntfs.sys|Log file service allocations
FSrt|nt!fsrtl|File system runtime library allocations
Afd?|afd.sys|Winsock kernel (AFD) objects
AfdB|afd.sys|Winsock (AFD) data buffers
AfdC|afd.sys|Winsock (AFD) connections
AfdE|afd.sys|Winsock (AFD) endpoints
AfdR|afd.sys|Winsock (AFD) remote address buffers
AfdW|afd.sys|Winsock (AFD) work items
ND  |ndis.sys|General NDIS allocations
NDam|ndis.sys|NDIS memory from NdisAllocateMemory
NDpp|ndis.sys|NDIS packet pools
NDob|ndis.sys|NDIS open blocks (protocol to adapter bindings)
NDpb|ndis.sys|NDIS protocol blocks
NDwi|ndis.sys|NDIS work items
TCPC|tcpip.sys|TCP connections
TCPT|tcpip.sys|TCP control blocks
TCPr|tcpip.sys|TCP requests
PciB|pci.sys|PCI bus enumerator
ACPI|acpi.sys|ACPI driver
HidC|hidclass.sys|HID class driver
HidP|hidparse.sys|HID parser
Ppcr|nt!pnp|Plug and Play critical allocations
Ppen|nt!pnp|Plug and Play device enumeration
PpEE|nt!pnp|Plug and Play device event entries
Hal |hal.dll|Hardware abstraction layer
Dump|nt!io|Allocations made while writing a crash dump
Dlck|nt!vf|Driver Verifier deadlock detection
IoTt|nt!vf|I/O Verifier IRP tracking table
WmiG|nt!wmi|WMI GUID objects
Wmip|nt!wmi|WMI general allocations
WmiR|nt!wmi|WMI registration blocks
Ddk |<driver>|Default tag for drivers that allocate without naming a tag (ntddk.h)
None|<driver>|ExAllocatePool without a tag`;

export interface KnownPoolTag {
  tag: string;
  owner: string;
  description: string;
}

let table: Map<string, KnownPoolTag> | undefined;
function known(): Map<string, KnownPoolTag> {
  if (!table) {
    table = new Map();
    for (const line of ROWS.split('\n')) {
      const [tag, owner, description] = line.split('|');
      if (tag && owner && description && !table.has(tag)) table.set(tag, { tag, owner, description });
    }
  }
  return table;
}

function wildcardMatch(pattern: string, tag: string): boolean {
  return [...pattern].every((c, i) => c === '*' || c === '?' || c === tag[i]);
}

/** Owner and meaning of a well-known tag given in memory order ("Irp ", "File"); undefined if not listed. */
export function knownPoolTag(text: string): KnownPoolTag | undefined {
  const tag = text.padEnd(4, ' ');
  const exact = known().get(tag);
  if (exact) return exact;
  for (const [pattern, entry] of known()) if (/[*?]/.test(pattern) && wildcardMatch(pattern, tag)) return entry;
  return undefined;
}

export function knownPoolTags(): KnownPoolTag[] {
  return [...known().values()];
}
