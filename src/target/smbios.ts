// The firmware's SMBIOS structure table, as the kernel keeps its location (nt!WmipSMBiosTablePhysicalAddress
// and nt!WmipSMBiosTableLength, read by symbol): mex's `!di` shows the System Information structure's
// (type 1) manufacturer and product name. The table is read from physical memory, so only dumps that hold
// it (full and bitmap dumps that captured the page) answer. Every length is checked against the table.
import type { KernelTarget } from './kernel-target.js';

export interface SmbiosSystem {
  manufacturer?: string;
  productName?: string;
}

/** A table larger than this is not an SMBIOS structure table (real ones are a few KiB). */
const MAX_TABLE = 0x10000;
/** Structures walked at most (each is at least a 4-byte header and its two NULs). */
const MAX_STRUCTURES = 4096;
const SYSTEM_INFORMATION = 1;
const END_OF_TABLE = 127;

/** The System Information strings of an SMBIOS structure table (the bytes of the table itself). */
export function parseSmbiosSystem(table: Uint8Array): SmbiosSystem | undefined {
  let at = 0;
  for (let n = 0; n < MAX_STRUCTURES && at + 4 <= table.length; n++) {
    const type = table[at];
    const length = table[at + 1];
    if (length < 4 || at + length > table.length) return undefined;
    // The strings follow the formatted part, each NUL-terminated, the set ended by a second NUL.
    const strings: string[] = [];
    let p = at + length;
    if (table[p] === 0 && table[p + 1] === 0) p += 2;
    else {
      while (p < table.length && table[p] !== 0) {
        const end = table.indexOf(0, p);
        if (end < 0) return undefined;
        strings.push(new TextDecoder('latin1').decode(table.subarray(p, end)));
        p = end + 1;
      }
      p += 1;
    }
    if (type === SYSTEM_INFORMATION && length >= 6) {
      const text = (index: number) => (index > 0 && index <= strings.length && /^[\x20-\x7e]+$/.test(strings[index - 1]) ? strings[index - 1].trim() : undefined);
      return { manufacturer: text(table[at + 4]), productName: text(table[at + 5]) };
    }
    if (type === END_OF_TABLE) return undefined;
    at = p;
  }
  return undefined;
}

async function readGlobal(t: KernelTarget, name: string, size: 4 | 8): Promise<bigint | undefined> {
  const at = await t.resolveSymbol(`nt!${name}`).catch(() => undefined);
  const b = at !== undefined ? await t.memory.read(at, size).catch(() => undefined) : undefined;
  if (!b) return undefined;
  const dv = new DataView(b.buffer, b.byteOffset, size);
  return size === 8 ? dv.getBigUint64(0, true) : BigInt(dv.getUint32(0, true));
}

/** The System Information strings, when nt's symbols locate the table and the dump holds its pages. */
export async function readSmbiosSystem(t: KernelTarget): Promise<SmbiosSystem | undefined> {
  const phys = t.dump.physical;
  if (!phys) return undefined;
  const pa = await readGlobal(t, 'WmipSMBiosTablePhysicalAddress', 8);
  const length = await readGlobal(t, 'WmipSMBiosTableLength', 4);
  if (!pa || !length || length > BigInt(MAX_TABLE) || pa > BigInt(Number.MAX_SAFE_INTEGER) - length) return undefined;
  const table = await phys.read(Number(pa), Number(length)).catch(() => undefined);
  return table ? parseSmbiosSystem(table) : undefined;
}
