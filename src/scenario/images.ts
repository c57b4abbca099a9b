// Loads PE images into a scenario's memory at their linked base: headers and sections as the loader maps
// them, exports collected by name, and import address tables bound to the exporting image (the drivers'
// calls into the scenario kernel go through them).
import { LE } from '../io/bytes.js';
import { FormatError } from '../io/errors.js';
import { PdbFile } from '../formats/pdb/pdb.js';
import { PeImage } from '../formats/pe/pe-image.js';
import { BufferSource } from '../io/buffer-source.js';
import type { MemoryBuilder } from './memory-builder.js';

export interface LoadedImage {
  /** File name as in the loaded-module list ('ntoskrnl.exe', 'Driver.sys'). */
  fileName: string;
  base: bigint;
  pe: PeImage;
  bytes: Uint8Array;
  pdb: PdbFile;
  exports: Map<string, bigint>;
}

export async function loadImage(mem: MemoryBuilder, fileName: string, bytes: Uint8Array, pdbBytes: Uint8Array): Promise<LoadedImage> {
  const pe = await PeImage.open(async (o, n) => (o >= 0 && o + n <= bytes.length ? bytes.subarray(o, o + n) : undefined), false, fileName);
  const base = pe.imageBase;
  mem.map(base, pe.sizeOfImage);
  const headerSize = Math.min(bytes.length, pe.sections.length ? Math.min(...pe.sections.map((s) => s.rawPointer || bytes.length)) : 0x400);
  mem.write(base, bytes.subarray(0, headerSize));
  for (const s of pe.sections) {
    const raw = bytes.subarray(s.rawPointer, s.rawPointer + Math.min(s.rawSize, s.virtualSize || s.rawSize));
    mem.write(base + BigInt(s.virtualAddress), raw);
  }
  const image: LoadedImage = { fileName, base, pe, bytes, pdb: await PdbFile.open(new BufferSource(pdbBytes, `${fileName} pdb`)), exports: new Map() };
  const dir = pe.directories[0];
  if (dir?.rva && dir.size) {
    const e = new LE(mem.read(base + BigInt(dir.rva), 40), `${fileName} export directory`);
    const count = e.u32(24);
    const functions = e.u32(28);
    const names = e.u32(32);
    const ordinals = e.u32(36);
    for (let i = 0; i < count; i++) {
      const nameRva = new DataView(mem.read(base + BigInt(names + i * 4), 4).buffer).getUint32(0, true);
      const ord = new DataView(mem.read(base + BigInt(ordinals + i * 2), 2).buffer).getUint16(0, true);
      const fnRva = new DataView(mem.read(base + BigInt(functions + ord * 4), 4).buffer).getUint32(0, true);
      image.exports.set(cstr(mem, base + BigInt(nameRva)), base + BigInt(fnRva));
    }
  }
  return image;
}

function cstr(mem: MemoryBuilder, at: bigint): string {
  const b = mem.read(at, 256);
  const end = b.indexOf(0);
  return new TextDecoder('latin1').decode(b.subarray(0, end < 0 ? 256 : end));
}

/** Fills `image`'s import address table with the addresses `providers` export. */
export function bindImports(mem: MemoryBuilder, image: LoadedImage, providers: LoadedImage[]): void {
  const dir = image.pe.directories[1];
  if (!dir?.rva) return;
  for (let d = 0; d < 64; d++) {
    const desc = new LE(mem.read(image.base + BigInt(dir.rva + d * 20), 20), `${image.fileName} import descriptor`);
    const lookup = desc.u32(0) || desc.u32(16);
    const nameRva = desc.u32(12);
    const iat = desc.u32(16);
    if (!nameRva) return;
    const dll = cstr(mem, image.base + BigInt(nameRva)).toLowerCase();
    const provider = providers.find((p) => p.fileName.toLowerCase() === dll);
    if (!provider) throw new FormatError(image.fileName, `imports from ${dll}, which the scenario does not load`);
    for (let i = 0; i < 4096; i++) {
      const entry = new DataView(mem.read(image.base + BigInt(lookup + i * 8), 8).buffer).getBigUint64(0, true);
      if (entry === 0n) break;
      const name = cstr(mem, image.base + (entry & 0x7fffffffn) + 2n);
      const target = provider.exports.get(name);
      if (target === undefined) throw new FormatError(image.fileName, `imports ${dll}!${name}, which it does not export`);
      mem.u64(image.base + BigInt(iat + i * 8), target);
    }
  }
}

/** Address of a function or variable by name, from the image's PDB. */
export async function symbolAddress(image: LoadedImage, name: string): Promise<bigint> {
  const s = await image.pdb.lookup(name);
  if (!s) throw new FormatError(image.fileName, `has no symbol ${name}`);
  return image.base + BigInt(s.rva);
}
