// The facts `dumpscope info` reports, as plain JSON-safe data (codes and addresses as 0x hex strings).
import { hex0x } from '../../util/hex.js';
import type { MinidumpInfo } from '../minidump/header.js';
import { bugcheckName } from '../../knowledge/bugchecks/index.js';
import { dumpTypeName, type KernelDump } from './kernel-dump.js';

export interface DumpInfo {
  file: string;
  fileSize: number;
  format: 'kernel' | 'minidump';
  [key: string]: unknown;
}

export function describeKernelDump(d: KernelDump): DumpInfo {
  const h = d.header;
  const info: DumpInfo = {
    file: d.source.name,
    fileSize: d.source.size,
    format: 'kernel',
    signature: h.is64 ? 'PAGEDU64' : 'PAGEDUMP',
    dumpType: dumpTypeName(d),
    dumpTypeValue: h.dumpTypeValue,
    machine: h.machine,
    majorVersion: h.majorVersion,
    ntBuild: h.ntBuild,
    processors: h.processors,
    bugcheck: { code: hex0x(h.bugcheckCode), name: bugcheckName(h.bugcheckCode) ?? null, args: h.bugcheckArgs.map(hex0x) },
    directoryTableBase: hex0x(h.directoryTableBase),
    psLoadedModuleList: hex0x(h.psLoadedModuleList),
    psActiveProcessHead: hex0x(h.psActiveProcessHead),
    kdDebuggerDataBlock: hex0x(h.kdDebuggerDataBlock),
    pfnDatabase: hex0x(h.pfnDatabase),
    systemTime: h.systemTime ?? null,
    systemUptimeSeconds: h.systemUpTime === undefined ? null : Number(h.systemUpTime) / 1e7,
    attributes: h.attributes === undefined ? null : hex0x(h.attributes),
    comment: h.comment ?? null,
    productType: h.productType ?? null,
    suiteMask: h.suiteMask === undefined ? null : hex0x(h.suiteMask),
    miniDumpFields: h.miniDumpFields === undefined ? null : hex0x(h.miniDumpFields),
    bootId: h.bootId ?? null,
  };
  // A converted dump's metadata trailer: how much of its pages is real, and its notes.
  if (d.trailer) {
    const r = d.trailer.ranges;
    info.trailer = { ranges: r ? r.length : null, realBytes: r ? r.reduce((n, x) => n + x.end - x.start, 0) : null, notes: d.trailer.notes };
  }
  if (d.truncation) info.truncated = { expectedSize: d.truncation.expectedSize, actualSize: d.truncation.actualSize, missingBytes: d.truncation.expectedSize - d.truncation.actualSize };
  if (d.limitations.length) info.limitations = d.limitations;
  if (h.dumpType === 'full') {
    info.physicalRuns = h.physicalRuns.map((r) => ({ basePage: hex0x(r.basePage), pageCount: hex0x(r.pageCount) }));
    info.physicalPages = h.physicalPages;
  }
  if (d.bitmap) {
    info.bitmap = { signature: d.bitmap.signature, pages: d.bitmap.pages, presentPages: d.bitmap.totalPresentPages, firstPageOffset: hex0x(d.bitmap.firstPage) };
    info.physicalPages = d.bitmap.totalPresentPages;
  }
  if (d.triage) {
    const t = d.triage;
    info.triage = {
      drivers: t.drivers.length,
      unloadedDrivers: t.unloadedDrivers.map((u) => ({ name: u.name, start: hex0x(u.start), end: hex0x(u.end) })),
      // The blocks read (a damaged DataBlocksCount is clipped by the reader; its limitation says so).
      dataBlocks: t.blocks.filter((b) => b.what === 'data block').length,
      callStack: { topOfStack: hex0x(t.header.topOfStack), size: t.header.sizeOfCallStack },
      debuggerDataBlock: t.debuggerData ? t.debuggerData.length : 0,
    };
    const nt = t.drivers[0];
    if (nt) info.kernelBase = hex0x(nt.base);
  }
  if (d.context) info.context = Object.fromEntries(Object.entries(d.context).map(([k, v]) => [k, typeof v === 'bigint' || typeof v === 'number' ? hex0x(v) : v]));
  if (d.exception && d.exception.code !== 0) {
    info.exception = { code: hex0x(d.exception.code), flags: hex0x(d.exception.flags), address: hex0x(d.exception.address), parameters: d.exception.parameters.map(hex0x) };
  }
  return info;
}

export function describeMinidump(m: MinidumpInfo, file: string, fileSize: number): DumpInfo {
  return {
    file,
    fileSize,
    format: 'minidump',
    dumpType: 'user-mode',
    version: m.version,
    streams: m.streamCount,
    timestamp: m.timestamp,
    flags: hex0x(m.flags),
    note: 'user-mode minidumps are recognised; their analysis is not implemented yet',
  };
}
