// "Which driver uses this pool tag?": search the code sections of PE images for the tag as a 32-bit
// immediate. Compilers load the tag straight into the argument register (`mov edx, imm32` for
// ExFreePoolWithTag, `mov r8d, imm32` for ExAllocatePool2/ExAllocatePoolWithTag), so a hit inside an
// executable section is strong evidence that the image allocates or frees with it.
import type { PeImage, PeSection } from '../formats/pe/pe-image.js';
import { DumpscopeError } from '../io/errors.js';
import { PROTECTED_POOL_TAG_BIT } from './pool-tag.js';

const IMAGE_SCN_CNT_CODE = 0x20;
const IMAGE_SCN_MEM_EXECUTE = 0x20000000;
/** Sections larger than this are not scanned (no driver has 256 MB of code; the header would be lying). */
const MAX_SECTION_BYTES = 256 << 20;
const CHUNK = 64 << 10;
const PAGE = 0x1000;

const REG32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
const REG32_EXT = ['r8d', 'r9d', 'r10d', 'r11d', 'r12d', 'r13d', 'r14d', 'r15d'];

export interface PoolTagHit {
  section: string;
  rva: number;
  /** `mov REG, imm32` when the bytes before the tag form that instruction, else undefined (raw bytes). */
  instruction?: string;
  /** The hit carries the protected bit (0x80000000). */
  protected: boolean;
}

/** Names the `mov reg32, imm32` (B8+r, optionally with REX.B) ending just before `at`, if it is one. */
function movBefore(bytes: Uint8Array, at: number): string | undefined {
  const op = bytes[at - 1];
  if (op === undefined || op < 0xb8 || op > 0xbf) return undefined;
  const rex = bytes[at - 2];
  if (rex === 0x41) return `mov ${REG32_EXT[op - 0xb8]}, imm32`;
  return `mov ${REG32[op - 0xb8]}, imm32`;
}

/** Bytes at an RVA, or undefined when the image cannot supply them (paged out, or past the end of a file). */
async function tryRead(pe: PeImage, rva: number, length: number): Promise<Uint8Array | undefined> {
  try {
    return await pe.readRva(rva, length);
  } catch (e) {
    if (e instanceof DumpscopeError) return undefined;
    throw e;
  }
}

function isCode(s: PeSection): boolean {
  return (s.characteristics & (IMAGE_SCN_CNT_CODE | IMAGE_SCN_MEM_EXECUTE)) !== 0;
}

/**
 * Every place in the image's code sections where the tag (with or without the protected bit) appears as
 * four little-endian bytes. Reads section by section in chunks; parts that cannot be read (paged out of a
 * dump) are skipped. At most `maxHits` hits are returned.
 */
export async function findPoolTagInImage(pe: PeImage, tag: number, maxHits = 256): Promise<PoolTagHit[]> {
  const plain = (tag & ~PROTECTED_POOL_TAG_BIT) >>> 0;
  const wanted = [plain, (plain | PROTECTED_POOL_TAG_BIT) >>> 0];
  const hits: PoolTagHit[] = [];
  for (const s of pe.sections) {
    if (!isCode(s)) continue;
    const size = Math.min(pe.mapped ? s.virtualSize || s.rawSize : Math.min(s.rawSize, s.virtualSize || s.rawSize), MAX_SECTION_BYTES);
    // Each chunk is read with the 5 bytes before it, so a tag straddling the boundary (it starts at most 3
    // bytes before) is found here, with its opcode bytes. If the bytes before are unreadable (a missing page)
    // the chunk is read alone.
    const step = pe.mapped ? PAGE : CHUNK;
    for (let off = 0; off < size && hits.length < maxHits; off += step) {
      const end = Math.min(size, off + step);
      let start = Math.max(0, off - 5);
      let bytes = await tryRead(pe, s.virtualAddress + start, end - start);
      if (!bytes && start < off) {
        start = off;
        bytes = await tryRead(pe, s.virtualAddress + off, end - off);
      }
      if (!bytes) continue;
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = Math.max(0, off - 3 - start); i + 4 <= bytes.length && hits.length < maxHits; i++) {
        const v = dv.getUint32(i, true);
        if (v !== wanted[0] && v !== wanted[1]) continue;
        hits.push({ section: s.name, rva: s.virtualAddress + start + i, instruction: movBefore(bytes, i), protected: v === wanted[1] });
      }
    }
  }
  return hits;
}

export interface ImageTagMatch {
  image: string;
  hits: PoolTagHit[];
}

/** The images (e.g. a dump's loaded drivers) whose code contains the tag; instruction hits rank first. */
export async function imagesUsingPoolTag(images: readonly PeImage[], tag: number): Promise<ImageTagMatch[]> {
  const out: ImageTagMatch[] = [];
  for (const pe of images) {
    const hits = await findPoolTagInImage(pe, tag);
    if (hits.length > 0) out.push({ image: pe.name, hits });
  }
  const score = (m: ImageTagMatch) => m.hits.filter((h) => h.instruction).length;
  return out.sort((a, b) => score(b) - score(a));
}
