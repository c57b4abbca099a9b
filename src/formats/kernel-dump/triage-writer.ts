// Writes a small-memory ("triage", DumpType 4) x64 dump: the PAGEDU64 header, then the TRIAGE_DUMP block at
// 0x2000 and its parts in the order the reader expects — the PRCB, process and thread copies, the call stack,
// the driver list and its string pool, unloaded drivers, the debugger data copy, and captured data blocks.
import { TRIAGE_DUMP_VALID, TRIAGE_FLAGS } from './triage.js';
import { type DumpFacts, type DumpSink, header64 } from './writer.js';

export interface TriageDriverOut {
  path: string;
  base: bigint;
  size: number;
  checksum: number;
  timestamp: number;
}

export interface TriageContent {
  prcb: Uint8Array;
  process: Uint8Array;
  thread: Uint8Array;
  callStack: { va: bigint; bytes: Uint8Array };
  drivers: TriageDriverOut[];
  unloaded: { name: string; start: bigint; end: bigint }[];
  debuggerData?: Uint8Array;
  blocks: { va: bigint; bytes: Uint8Array }[];
}

const TRIAGE_AT = 0x2000;
const DRIVER_ENTRY = 0x90;
const UNLOADED_ENTRY = 0x38;

const align = (n: number, a = 8) => (n + a - 1) & ~(a - 1);

export async function writeTriageDump(sink: DumpSink, facts: DumpFacts, c: TriageContent): Promise<number> {
  // Lay out the file first, then write each part at its offset.
  let at = TRIAGE_AT + 0x1000;
  const place = (size: number) => {
    const off = at;
    at = align(at + size);
    return off;
  };
  const prcbAt = place(c.prcb.length);
  const processAt = place(c.process.length);
  const threadAt = place(c.thread.length);
  const stackAt = place(c.callStack.bytes.length);
  const driversAt = place(c.drivers.length * DRIVER_ENTRY);
  const pool: { off: number; bytes: Uint8Array }[] = [];
  const poolAt = at;
  for (const d of c.drivers) {
    const b = new Uint8Array(4 + d.path.length * 2 + 2);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, d.path.length, true);
    for (let i = 0; i < d.path.length; i++) dv.setUint16(4 + i * 2, d.path.charCodeAt(i), true);
    pool.push({ off: place(b.length), bytes: b });
  }
  const poolSize = at - poolAt;
  const unloadedAt = c.unloaded.length ? place(8 + c.unloaded.length * UNLOADED_ENTRY) : 0;
  const kdAt = c.debuggerData ? place(c.debuggerData.length) : 0;
  const tableAt = place(c.blocks.length * 16);
  const blockAt = c.blocks.map((b) => place(b.bytes.length));
  // The validity marker ends the dump: debuggers check that the ULONG at ValidOffset is TRIAGE_DUMP_VALID
  // ('TRGD' in the file) and SizeOfDump is where it ends, as in the small dumps Windows writes.
  const validAt = place(4);
  const size = validAt + 4;
  // MiniDumpFields: the TRIAGE_DUMP_* flags of what is present (Windows always sets the basic ones).
  let fields = TRIAGE_FLAGS.BASIC_INFO;
  if (c.debuggerData) fields |= TRIAGE_FLAGS.DEBUGGER_DATA;
  if (c.blocks.length) fields |= TRIAGE_FLAGS.DATA_BLOCKS;

  await sink.write(0, header64({ ...facts, miniDumpFields: fields }, 4, undefined, size));
  const t = new Uint8Array(0x1000);
  const dv = new DataView(t.buffer);
  const u32 = (o: number, v: number) => dv.setUint32(o, v >>> 0, true);
  u32(0x0, 0);
  u32(0x4, size);
  u32(0x8, validAt);
  u32(0xc, 0x348);
  u32(0x10, 0xf00);
  u32(0x18, unloadedAt);
  u32(0x1c, prcbAt);
  u32(0x20, processAt);
  u32(0x24, threadAt);
  u32(0x28, stackAt);
  u32(0x2c, c.callStack.bytes.length);
  u32(0x30, driversAt);
  u32(0x34, c.drivers.length);
  u32(0x38, poolAt);
  u32(0x3c, poolSize);
  u32(0x44, 0xffffffff); // TriageOptions: Windows' small dumps carry all bits set
  dv.setBigUint64(0x48, c.callStack.va, true);
  u32(0x70, kdAt);
  u32(0x74, c.debuggerData?.length ?? 0);
  u32(0x78, tableAt);
  u32(0x7c, c.blocks.length);
  await sink.write(TRIAGE_AT, t);
  await sink.write(prcbAt, c.prcb);
  await sink.write(processAt, c.process);
  await sink.write(threadAt, c.thread);
  await sink.write(stackAt, c.callStack.bytes);
  const list = new Uint8Array(c.drivers.length * DRIVER_ENTRY);
  const ldv = new DataView(list.buffer);
  c.drivers.forEach((d, i) => {
    const e = i * DRIVER_ENTRY;
    ldv.setUint32(e, pool[i].off, true);
    // The loader-entry copy follows at +8: DllBase +0x30, SizeOfImage +0x40, CheckSum +0x78, TimeDateStamp +0x80.
    ldv.setBigUint64(e + 8 + 0x30, d.base, true);
    ldv.setUint32(e + 8 + 0x40, d.size, true);
    ldv.setUint32(e + 8 + 0x78, d.checksum >>> 0, true);
    ldv.setUint32(e + 8 + 0x80, d.timestamp >>> 0, true);
  });
  if (list.length) await sink.write(driversAt, list);
  for (const p of pool) await sink.write(p.off, p.bytes);
  if (unloadedAt) {
    const u = new Uint8Array(8 + c.unloaded.length * UNLOADED_ENTRY);
    const udv = new DataView(u.buffer);
    udv.setUint32(0, c.unloaded.length, true);
    c.unloaded.forEach((x, i) => {
      const e = 8 + i * UNLOADED_ENTRY;
      const name = x.name.slice(0, 12);
      udv.setUint16(e, name.length * 2, true);
      for (let k = 0; k < name.length; k++) udv.setUint16(e + 0x10 + k * 2, name.charCodeAt(k), true);
      udv.setBigUint64(e + 0x28, x.start, true);
      udv.setBigUint64(e + 0x30, x.end, true);
    });
    await sink.write(unloadedAt, u);
  }
  if (c.debuggerData) await sink.write(kdAt, c.debuggerData);
  const table = new Uint8Array(c.blocks.length * 16);
  const tdv = new DataView(table.buffer);
  c.blocks.forEach((b, i) => {
    tdv.setBigUint64(i * 16, b.va, true);
    tdv.setUint32(i * 16 + 8, blockAt[i], true);
    tdv.setUint32(i * 16 + 12, b.bytes.length, true);
  });
  if (table.length) await sink.write(tableAt, table);
  for (const [i, b] of c.blocks.entries()) await sink.write(blockAt[i], b.bytes);
  const valid = new Uint8Array(4);
  new DataView(valid.buffer).setUint32(0, TRIAGE_DUMP_VALID, true);
  await sink.write(validAt, valid);
  await sink.truncate(size);
  return size;
}
