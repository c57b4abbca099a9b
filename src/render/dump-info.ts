// `dumpscope info` as text: WinDbg-like lines (`Windows 10 Kernel Version 19041 MP (16 procs) Free x64`).
import type { DumpInfo } from '../formats/kernel-dump/describe.js';

const up = (s: unknown) => String(s).replace(/^0x/, '').toUpperCase();

function uptime(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${d} days ${h}:${String(m).padStart(2, '0')}:${s.toFixed(3).padStart(6, '0')}`;
}

export function renderDumpInfo(i: DumpInfo): string {
  const lines: [string, string][] = [];
  const add = (k: string, v: unknown) => {
    if (v !== null && v !== undefined) lines.push([k, String(v)]);
  };
  add('Dump file', `${i.file} (${i.fileSize} bytes)`);
  if (i.format === 'minidump') {
    add('Format', 'user-mode minidump (MDMP)');
    add('Streams', i.streams);
    add('Timestamp', i.timestamp);
    add('Note', i.note);
  } else {
    const bc = i.bugcheck as { code: string; name: string | null; args: string[] };
    add('Format', `kernel dump (${i.signature}), ${i.dumpType} (DumpType ${i.dumpTypeValue})`);
    add('Windows', `Windows 10 Kernel Version ${i.ntBuild} ${(i.processors as number) > 1 ? 'MP' : 'UP'} (${i.processors} procs) ${i.majorVersion === 0xc ? 'Checked' : 'Free'} ${i.machine}`);
    add('Bugcheck', `${up(bc.code)} (${bc.args.map(up).join(', ')})${bc.name ? ` ${bc.name}` : ''}`);
    add('Kernel base', i.kernelBase);
    add('PsLoadedModuleList', i.psLoadedModuleList);
    add('PsActiveProcessHead', i.psActiveProcessHead);
    add('KdDebuggerDataBlock', i.kdDebuggerDataBlock);
    add('MmPfnDatabase', i.pfnDatabase);
    add('DirectoryTableBase', i.directoryTableBase);
    add('Debug session time', i.systemTime);
    if (typeof i.systemUptimeSeconds === 'number') add('System Uptime', uptime(i.systemUptimeSeconds));
    add('Dump attributes', i.attributes);
    add('Comment', i.comment);
    if (i.physicalRuns) {
      const runs = i.physicalRuns as { basePage: string; pageCount: string }[];
      add('Physical memory', `${runs.length} runs, ${i.physicalPages} pages`);
      for (const r of runs) add('  run', `base page ${r.basePage}, ${r.pageCount} pages`);
    }
    if (i.bitmap) {
      const b = i.bitmap as { signature: string; pages: number; presentPages: number };
      add('Physical memory', `${b.signature} bitmap over ${b.pages} page frames, ${b.presentPages} present`);
    }
    if (i.triage) {
      const t = i.triage as { drivers: number; unloadedDrivers: { name: string }[]; dataBlocks: number; callStack: { topOfStack: string; size: number } };
      add('Drivers', `${t.drivers} loaded, ${t.unloadedDrivers.length} unloaded (${t.unloadedDrivers.map((u) => u.name).join(', ')})`);
      add('Captured memory', `call stack at ${t.callStack.topOfStack} (0x${t.callStack.size.toString(16)} bytes), ${t.dataBlocks} data blocks`);
    }
    if (i.exception) {
      const e = i.exception as { code: string; address: string };
      add('Exception', `${e.code} at ${e.address}`);
    }
  }
  const w = Math.max(...lines.map((l) => l[0].length));
  return lines.map(([k, v]) => `${`${k}:`.padEnd(w + 2)}${v}`).join('\n');
}
