// KDDEBUGGER_DATA64: the kernel's table of its own globals that debuggers read (wdbgexts.h ABI). Its layout
// is fixed and versioned by the header's Size (newer Windows appends fields), so offsets here are part of
// that ABI, not per-build structure layouts. Fields beyond Size are absent, never guessed.
import { LE } from '../io/bytes.js';
import { FormatError } from '../io/errors.js';

type Kind = 'u64' | 'u32' | 'u16' | 'u8';
// [name, offset, kind] in ABI order.
const FIELDS: [string, number, Kind][] = [
  ['KernBase', 0x18, 'u64'], ['BreakpointWithStatus', 0x20, 'u64'], ['SavedContext', 0x28, 'u64'],
  ['ThCallbackStack', 0x30, 'u16'], ['NextCallback', 0x32, 'u16'], ['FramePointer', 0x34, 'u16'],
  ['KiCallUserMode', 0x38, 'u64'], ['KeUserCallbackDispatcher', 0x40, 'u64'], ['PsLoadedModuleList', 0x48, 'u64'],
  ['PsActiveProcessHead', 0x50, 'u64'], ['PspCidTable', 0x58, 'u64'], ['ExpSystemResourcesList', 0x60, 'u64'],
  ['ExpPagedPoolDescriptor', 0x68, 'u64'], ['ExpNumberOfPagedPools', 0x70, 'u64'], ['KeTimeIncrement', 0x78, 'u64'],
  ['KeBugCheckCallbackListHead', 0x80, 'u64'], ['KiBugcheckData', 0x88, 'u64'], ['IopErrorLogListHead', 0x90, 'u64'],
  ['ObpRootDirectoryObject', 0x98, 'u64'], ['ObpTypeObjectType', 0xa0, 'u64'], ['MmSystemCacheStart', 0xa8, 'u64'],
  ['MmSystemCacheEnd', 0xb0, 'u64'], ['MmSystemCacheWs', 0xb8, 'u64'], ['MmPfnDatabase', 0xc0, 'u64'],
  ['MmSystemPtesStart', 0xc8, 'u64'], ['MmSystemPtesEnd', 0xd0, 'u64'], ['MmSubsectionBase', 0xd8, 'u64'],
  ['MmNumberOfPagingFiles', 0xe0, 'u64'], ['MmLowestPhysicalPage', 0xe8, 'u64'], ['MmHighestPhysicalPage', 0xf0, 'u64'],
  ['MmNumberOfPhysicalPages', 0xf8, 'u64'], ['MmMaximumNonPagedPoolInBytes', 0x100, 'u64'], ['MmNonPagedSystemStart', 0x108, 'u64'],
  ['MmNonPagedPoolStart', 0x110, 'u64'], ['MmNonPagedPoolEnd', 0x118, 'u64'], ['MmPagedPoolStart', 0x120, 'u64'],
  ['MmPagedPoolEnd', 0x128, 'u64'], ['MmPagedPoolInformation', 0x130, 'u64'], ['MmPageSize', 0x138, 'u64'],
  ['MmSizeOfPagedPoolInBytes', 0x140, 'u64'], ['MmTotalCommitLimit', 0x148, 'u64'], ['MmTotalCommittedPages', 0x150, 'u64'],
  ['MmSharedCommit', 0x158, 'u64'], ['MmDriverCommit', 0x160, 'u64'], ['MmProcessCommit', 0x168, 'u64'],
  ['MmPagedPoolCommit', 0x170, 'u64'], ['MmExtendedCommit', 0x178, 'u64'], ['MmZeroedPageListHead', 0x180, 'u64'],
  ['MmFreePageListHead', 0x188, 'u64'], ['MmStandbyPageListHead', 0x190, 'u64'], ['MmModifiedPageListHead', 0x198, 'u64'],
  ['MmModifiedNoWritePageListHead', 0x1a0, 'u64'], ['MmAvailablePages', 0x1a8, 'u64'], ['MmResidentAvailablePages', 0x1b0, 'u64'],
  ['PoolTrackTable', 0x1b8, 'u64'], ['NonPagedPoolDescriptor', 0x1c0, 'u64'], ['MmHighestUserAddress', 0x1c8, 'u64'],
  ['MmSystemRangeStart', 0x1d0, 'u64'], ['MmUserProbeAddress', 0x1d8, 'u64'], ['KdPrintCircularBuffer', 0x1e0, 'u64'],
  ['KdPrintCircularBufferEnd', 0x1e8, 'u64'], ['KdPrintWritePointer', 0x1f0, 'u64'], ['KdPrintRolloverCount', 0x1f8, 'u64'],
  ['MmLoadedUserImageList', 0x200, 'u64'], ['NtBuildLab', 0x208, 'u64'], ['KiNormalSystemCall', 0x210, 'u64'],
  ['KiProcessorBlock', 0x218, 'u64'], ['MmUnloadedDrivers', 0x220, 'u64'], ['MmLastUnloadedDriver', 0x228, 'u64'],
  ['MmTriageActionTaken', 0x230, 'u64'], ['MmSpecialPoolTag', 0x238, 'u64'], ['KernelVerifier', 0x240, 'u64'],
  ['MmVerifierData', 0x248, 'u64'], ['MmAllocatedNonPagedPool', 0x250, 'u64'], ['MmPeakCommitment', 0x258, 'u64'],
  ['MmTotalCommitLimitMaximum', 0x260, 'u64'], ['CmNtCSDVersion', 0x268, 'u64'], ['MmPhysicalMemoryBlock', 0x270, 'u64'],
  ['MmSessionBase', 0x278, 'u64'], ['MmSessionSize', 0x280, 'u64'], ['MmSystemParentTablePage', 0x288, 'u64'],
  ['MmVirtualTranslationBase', 0x290, 'u64'],
  ['OffsetKThreadNextProcessor', 0x298, 'u16'], ['OffsetKThreadTeb', 0x29a, 'u16'], ['OffsetKThreadKernelStack', 0x29c, 'u16'],
  ['OffsetKThreadInitialStack', 0x29e, 'u16'], ['OffsetKThreadApcProcess', 0x2a0, 'u16'], ['OffsetKThreadState', 0x2a2, 'u16'],
  ['SizeEProcess', 0x2a8, 'u16'], ['OffsetEprocessPeb', 0x2aa, 'u16'], ['OffsetEprocessParentCID', 0x2ac, 'u16'],
  ['OffsetEprocessDirectoryTableBase', 0x2ae, 'u16'], ['SizePrcb', 0x2b0, 'u16'], ['OffsetPrcbDpcRoutine', 0x2b2, 'u16'],
  ['OffsetPrcbCurrentThread', 0x2b4, 'u16'], ['OffsetPrcbMhz', 0x2b6, 'u16'], ['OffsetPrcbCpuType', 0x2b8, 'u16'],
  ['OffsetPrcbVendorString', 0x2ba, 'u16'], ['OffsetPrcbProcStateContext', 0x2bc, 'u16'], ['OffsetPrcbNumber', 0x2be, 'u16'],
  ['SizeEThread', 0x2c0, 'u16'], ['L1tfHighPhysicalBitIndex', 0x2c2, 'u8'], ['L1tfSwizzleBitIndex', 0x2c3, 'u8'],
  ['KdPrintCircularBufferPtr', 0x2c8, 'u64'], ['KdPrintBufferSize', 0x2d0, 'u64'], ['KeLoaderBlock', 0x2d8, 'u64'],
  ['SizePcr', 0x2e0, 'u16'], ['OffsetPcrSelfPcr', 0x2e2, 'u16'], ['OffsetPcrCurrentPrcb', 0x2e4, 'u16'],
  ['OffsetPcrContainedPrcb', 0x2e6, 'u16'], ['OffsetPcrInitialStack', 0x2ec, 'u16'], ['OffsetPcrStackLimit', 0x2ee, 'u16'],
  ['OffsetPrcbPcrPage', 0x2f0, 'u16'], ['OffsetPrcbProcStateSpecialReg', 0x2f2, 'u16'],
  ['GdtR0Code', 0x2f4, 'u16'], ['GdtR0Data', 0x2f6, 'u16'], ['GdtR0Pcr', 0x2f8, 'u16'], ['GdtR3Code', 0x2fa, 'u16'],
  ['GdtR3Data', 0x2fc, 'u16'], ['GdtR3Teb', 0x2fe, 'u16'], ['GdtLdt', 0x300, 'u16'], ['GdtTss', 0x302, 'u16'],
  ['Gdt64R3CmCode', 0x304, 'u16'], ['Gdt64R3CmTeb', 0x306, 'u16'],
  ['IopNumTriageDumpDataBlocks', 0x308, 'u64'], ['IopTriageDumpDataBlocks', 0x310, 'u64'], ['VfCrashDataBlock', 0x318, 'u64'],
  ['MmBadPagesDetected', 0x320, 'u64'], ['MmZeroedPageSingleBitErrorsDetected', 0x328, 'u64'], ['EtwpDebuggerData', 0x330, 'u64'],
  ['OffsetPrcbContext', 0x338, 'u16'], ['OffsetPrcbMaxBreakpoints', 0x33a, 'u16'], ['OffsetPrcbMaxWatchpoints', 0x33c, 'u16'],
  ['OffsetKThreadStackLimit', 0x340, 'u32'], ['OffsetKThreadStackBase', 0x344, 'u32'], ['OffsetKThreadQueueListEntry', 0x348, 'u32'],
  ['OffsetEThreadIrpList', 0x34c, 'u32'], ['OffsetPrcbIdleThread', 0x350, 'u16'], ['OffsetPrcbNormalDpcState', 0x352, 'u16'],
  ['OffsetPrcbDpcStack', 0x354, 'u16'], ['OffsetPrcbIsrStack', 0x356, 'u16'], ['SizeKDPC_STACK_FRAME', 0x358, 'u16'],
  ['OffsetKPriQueueThreadListHead', 0x35a, 'u16'], ['OffsetKThreadWaitReason', 0x35c, 'u16'],
  ['PteBase', 0x360, 'u64'], ['RetpolineStubFunctionTable', 0x368, 'u64'], ['RetpolineStubFunctionTableSize', 0x370, 'u32'],
  ['RetpolineStubOffset', 0x374, 'u32'], ['RetpolineStubSize', 0x378, 'u32'], ['OffsetEProcessMmHotPatchContext', 0x37c, 'u16'],
  ['OffsetKThreadShadowStackLimit', 0x380, 'u32'], ['OffsetKThreadShadowStackBase', 0x384, 'u32'], ['ShadowStackEnabled', 0x388, 'u64'],
  ['PointerAuthMask', 0x390, 'u64'], ['OffsetPrcbExceptionStack', 0x398, 'u16'],
];

const SIZES: Record<Kind, number> = { u64: 8, u32: 4, u16: 2, u8: 1 };
const KDBG_TAG = 0x4742444b; // 'KDBG'

export interface DebuggerData {
  /** Header.Size: how many bytes of the block the kernel filled in. */
  size: number;
  /** Every field present within `size`: pointers as bigint, offsets/sizes as number. */
  fields: Map<string, bigint | number>;
  pointer(name: string): bigint | undefined;
  number(name: string): number | undefined;
}

/** Decodes a KDDEBUGGER_DATA64 block. `where` names its origin for error messages. */
export function decodeDebuggerData(bytes: Uint8Array, where: string): DebuggerData {
  const le = new LE(bytes, `KDDEBUGGER_DATA64 (${where})`);
  if (bytes.length < 0x18) throw new FormatError(le.format, `only ${bytes.length} bytes, the header alone needs 0x18`, 0);
  const tag = le.u32(0x10);
  if (tag !== KDBG_TAG) {
    throw new FormatError(le.format, `owner tag is 0x${tag.toString(16)}, not 'KDBG': the block is encoded or not a debugger data block`, 0x10);
  }
  const declared = le.u32(0x14);
  const size = Math.min(declared, bytes.length);
  const fields = new Map<string, bigint | number>();
  for (const [name, off, kind] of FIELDS) {
    if (off + SIZES[kind] > size) continue;
    fields.set(name, kind === 'u64' ? le.u64(off) : kind === 'u32' ? le.u32(off) : kind === 'u16' ? le.u16(off) : le.u8(off));
  }
  return {
    size: declared,
    fields,
    pointer: (n) => {
      const v = fields.get(n);
      return typeof v === 'bigint' && v !== 0n ? v : undefined;
    },
    number: (n) => {
      const v = fields.get(n);
      return typeof v === 'number' ? v : typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined;
    },
  };
}

/** Writes a KDDEBUGGER_DATA64 block (for dumps dumpscope builds): header, then the named fields. */
export function encodeDebuggerData(values: Record<string, bigint | number>, size = 0x3a0): Uint8Array {
  const b = new Uint8Array(size);
  const dv = new DataView(b.buffer);
  dv.setUint32(0x10, KDBG_TAG, true);
  dv.setUint32(0x14, size, true);
  for (const [name, off, kind] of FIELDS) {
    const v = values[name];
    if (v === undefined || off + SIZES[kind] > size) continue;
    if (kind === 'u64') dv.setBigUint64(off, BigInt(v), true);
    else if (kind === 'u32') dv.setUint32(off, Number(v), true);
    else if (kind === 'u16') dv.setUint16(off, Number(v), true);
    else dv.setUint8(off, Number(v));
  }
  return b;
}

/** What undoing KdEncodeDataBlock needs: the values of KiWaitNever and KiWaitAlways, the address of KdpDataBlockEncoded. */
export interface KdbgKeys {
  waitNever: bigint;
  waitAlways: bigint;
  flagAddress: bigint;
}

const M64 = (1n << 64n) - 1n;

function rotl64(v: bigint, n: number): bigint {
  const k = BigInt(n & 63);
  return k === 0n ? v : ((v << k) | (v >> (64n - k))) & M64;
}

function bswap64(v: bigint): bigint {
  let out = 0n;
  for (let i = 0; i < 8; i++) out = (out << 8n) | ((v >> BigInt(i * 8)) & 0xffn);
  return out;
}

/**
 * Decodes a debugger data block the kernel encoded in place (KdpDataBlockEncoded set; Windows 8 and
 * later, on machines booted without a debugger). Each qword q of the block was replaced by an encoding
 * keyed on KiWaitNever, KiWaitAlways and the flag's own address; the inverse, qword by qword, is
 *   KiWaitAlways ⊕ byteswap(flagAddress ⊕ rotl(KiWaitNever ⊕ q, KiWaitNever mod 64)).
 * (KeBugCheck2 decodes the block before a crash dump is written, so crash dumps rarely need this; live
 * dumps and memory images do.) A trailing partial qword is left as it is.
 */
export function decodeKdbgBlock(bytes: Uint8Array, keys: KdbgKeys): Uint8Array {
  const out = new Uint8Array(bytes);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const rot = Number(keys.waitNever & 63n);
  for (let o = 0; o + 8 <= out.length; o += 8) {
    const q = dv.getBigUint64(o, true);
    dv.setBigUint64(o, keys.waitAlways ^ bswap64(keys.flagAddress ^ rotl64(keys.waitNever ^ q, rot)), true);
  }
  return out;
}

/** Does this block carry the 'KDBG' owner tag (i.e. it is not encoded, or was decoded right)? */
export function hasKdbgTag(bytes: Uint8Array): boolean {
  return bytes.length >= 0x18 && new DataView(bytes.buffer, bytes.byteOffset, 0x18).getUint32(0x10, true) === KDBG_TAG;
}
