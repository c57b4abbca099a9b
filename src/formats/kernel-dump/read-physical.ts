import { MemoryNotPresentError } from '../../io/errors.js';
import { PAGE_SIZE, type PhysicalMemory } from '../../memory/physical.js';

/** Reads a physical range page by page; throws for the first page the dump does not contain. */
export async function readPhysical(mem: PhysicalMemory, pa: number, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const addr = pa + done;
    const pfn = Math.floor(addr / PAGE_SIZE);
    const page = await mem.readPage(pfn);
    if (!page) throw new MemoryNotPresentError('physical', BigInt(addr), `page frame 0x${pfn.toString(16)} is not in the dump`);
    const inPage = addr % PAGE_SIZE;
    const n = Math.min(PAGE_SIZE - inPage, length - done);
    out.set(page.subarray(inPage, inPage + n), done);
    done += n;
  }
  return out;
}
