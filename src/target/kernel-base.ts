// Where a full dump's model starts: the debugger data block (KDDEBUGGER_DATA64) at the header's
// KdDebuggerDataBlock gives the kernel base and the kernel's lists. When it is unreadable or encoded the
// dump header still names PsLoadedModuleList, whose kernel entry (by name, else the first: the loader
// loads nt first) gives the base; once nt's symbols are known, an encoded block is decoded with the
// kernel's own keys (KiWaitNever, KiWaitAlways, KdpDataBlockEncoded), and a header without the block's
// address gets it from the KdDebuggerDataBlock symbol.
import type { AddressSpace } from '../memory/address-space.js';
import { type DebuggerData, decodeDebuggerData, decodeKdbgBlock, hasKdbgTag } from './debugger-data.js';
import { isKernelImageName } from './modules.js';
import { walkList } from './list-walk.js';
import type { KernelTypes } from './struct-view.js';

/** The block is at most this large (Windows 11's is 0x3a0); more is not believed. */
const MAX_KDBG = 0x1000;

export type RawKdbg = { data: DebuggerData } | { raw: Uint8Array; error: string } | { error: string };

const hex = (v: bigint) => v.toString(16);

/** The block at `va`: decoded when its tag is there, else its raw bytes (perhaps encoded) and why it failed. */
export async function readKdbg(memory: AddressSpace, va: bigint): Promise<RawKdbg> {
  let head: Uint8Array;
  try {
    head = await memory.read(va, 0x18);
  } catch (e) {
    return { error: `debugger data block at ${hex(va)} unreadable: ${(e as Error).message}` };
  }
  // An encoded block's Size is encoded too: read a whole page's worth then, bounded by what is present.
  const declared = new DataView(head.buffer, head.byteOffset, 0x18).getUint32(0x14, true);
  const size = hasKdbgTag(head) ? Math.min(Math.max(declared, 0x18), MAX_KDBG) : 0x400;
  const bytes = await memory.read(va, size).catch(() => head);
  try {
    return { data: decodeDebuggerData(bytes, `memory at ${hex(va)}`) };
  } catch (e) {
    return { raw: bytes, error: `debugger data block unreadable: ${(e as Error).message}` };
  }
}

/** Symbol RVAs of nt, as its PDB or ISF gives them. */
export type NtSymbol = (name: string) => Promise<number | undefined>;

async function u64(memory: AddressSpace, va: bigint): Promise<bigint | undefined> {
  const b = await memory.read(va, 8).catch(() => undefined);
  return b ? new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true) : undefined;
}

/**
 * Decodes an encoded block with the keys from nt's symbols; undefined with why when they are missing or
 * the result does not carry the 'KDBG' tag (then the block is damaged, not encoded).
 */
export async function decodeEncodedKdbg(memory: AddressSpace, raw: Uint8Array, va: bigint, ntBase: bigint, symbol: NtSymbol): Promise<{ data?: DebuggerData; note: string }> {
  const rva = { never: await symbol('KiWaitNever'), always: await symbol('KiWaitAlways'), flag: await symbol('KdpDataBlockEncoded') };
  if (rva.never === undefined || rva.always === undefined || rva.flag === undefined) {
    return { note: 'KDBG is encoded (or damaged), and nt\'s symbols lack KiWaitNever, KiWaitAlways or KdpDataBlockEncoded to decode it' };
  }
  const waitNever = await u64(memory, ntBase + BigInt(rva.never));
  const waitAlways = await u64(memory, ntBase + BigInt(rva.always));
  if (waitNever === undefined || waitAlways === undefined) return { note: 'KDBG is encoded, and KiWaitNever or KiWaitAlways is not in the dump to decode it' };
  const flagAddress = ntBase + BigInt(rva.flag);
  const head = decodeKdbgBlock(raw.subarray(0, 0x18), { waitNever, waitAlways, flagAddress });
  if (!hasKdbgTag(head)) return { note: `the debugger data block at ${hex(va)} has no 'KDBG' tag, decoded (KdpDataBlockEncoded) or not: it is damaged` };
  const size = Math.min(Math.max(new DataView(head.buffer, head.byteOffset, 0x18).getUint32(0x14, true), 0x18), MAX_KDBG);
  const bytes = size <= raw.length ? raw.subarray(0, size) : await memory.read(va, size).catch(() => raw);
  const data = decodeDebuggerData(decodeKdbgBlock(bytes, { waitNever, waitAlways, flagAddress }), `memory at ${hex(va)}, decoded`);
  return { data, note: 'the debugger data block was encoded (KdpDataBlockEncoded); decoded with KiWaitNever and KiWaitAlways from nt\'s symbols' };
}

/**
 * The kernel base from the loaded-module list at `head` (the dump header's PsLoadedModuleList), read
 * through the loader entry's fixed x64 head: the entry named like the kernel image, else the first one,
 * accepted only when an MZ header is mapped at its DllBase.
 */
export async function kernelBaseFromModuleList(memory: AddressSpace, kt: KernelTypes, head: bigint): Promise<{ base?: bigint; note: string }> {
  const walk = await walkList(memory, head, await kt.offsetOf('_KLDR_DATA_TABLE_ENTRY', 'InLoadOrderLinks'), 64);
  const entries: { base: bigint; name?: string }[] = [];
  for (const a of walk.items) {
    const e = await kt.read(memory, '_KLDR_DATA_TABLE_ENTRY', a).catch(() => undefined);
    if (!e) continue;
    const name = e.sub('BaseDllName');
    const len = Math.min(name.num('Length'), 0x200) & ~1;
    const buf = len ? await memory.read(name.uint('Buffer'), len).catch(() => undefined) : undefined;
    entries.push({ base: e.uint('DllBase'), name: buf ? new TextDecoder('utf-16le').decode(buf) : undefined });
  }
  const pick = entries.find((e) => e.name && isKernelImageName(e.name)) ?? entries[0];
  if (!pick) return { note: `the dump header's PsLoadedModuleList (${hex(head)}) gives no entry${walk.note ? ` (${walk.note})` : ''}` };
  const mz = await memory.read(pick.base, 2).catch(() => undefined);
  if (mz?.[0] !== 0x4d || mz[1] !== 0x5a) return { note: `the kernel entry of PsLoadedModuleList points at ${hex(pick.base)}, where no image header is in the dump` };
  return { base: pick.base, note: `kernel base ${hex(pick.base)} from the ${pick.name && isKernelImageName(pick.name) ? `${pick.name} entry` : 'first entry'} of the dump header's PsLoadedModuleList` };
}
