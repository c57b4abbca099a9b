// A small dump rewritten as a small dump (`convert --to triage` of a triage dump, like `.dump /m` of a
// minidump): the parts the reader validated — PRCB, process and thread copies, call stack, drivers,
// unloaded drivers, debugger data, data page and data blocks — laid out again by the triage writer, so
// the copy ends with a valid 'TRGD' marker and lists its parts in MiniDumpFields. Damaged entries the
// reader skipped (and bytes a cut file lost) are not carried over; the reader's limitations say which.
import { UnsupportedError } from '../../io/errors.js';
import { factsOf } from './convert.js';
import type { KernelDump } from './kernel-dump.js';
import type { TriageContent } from './triage-writer.js';
import type { DumpFacts } from './writer.js';

export async function triageCopy(d: KernelDump): Promise<{ facts: DumpFacts; content: TriageContent }> {
  const t = d.triage;
  if (!t) throw new UnsupportedError('the dump is not a small (triage) dump');
  if (!d.header.is64) throw new UnsupportedError('32-bit small dumps cannot be rewritten (dumpscope writes small dumps in the 64-bit layout only)');
  const read = (offset: number, size: number) => (size > 0 ? d.source.read(offset, size) : Promise.resolve(new Uint8Array(0)));
  const stack = t.blocks.find((b) => b.what === 'call stack');
  const blocks: TriageContent['blocks'] = [];
  for (const b of t.blocks) if (b !== stack) blocks.push({ va: b.va, bytes: await read(b.fileOffset, b.size) });
  return {
    facts: factsOf(d),
    content: {
      prcb: await read(t.prcb.offset, t.prcb.size),
      process: await read(t.process.offset, t.process.size),
      thread: await read(t.thread.offset, t.thread.size),
      callStack: { va: stack?.va ?? t.header.topOfStack, bytes: stack ? await read(stack.fileOffset, stack.size) : new Uint8Array(0) },
      drivers: t.drivers.map((x) => ({ path: x.path, base: x.base, size: x.size, checksum: x.checksum, timestamp: x.timestamp })),
      unloaded: t.unloadedDrivers.map((u) => ({ name: u.name, start: u.start, end: u.end })),
      debuggerData: t.debuggerData,
      blocks,
    },
  };
}
