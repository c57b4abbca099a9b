import { describeKernelDump, describeMinidump } from '../../formats/kernel-dump/describe.js';
import { openDump } from '../../formats/open-dump.js';
import { PageCache } from '../../io/page-cache.js';
import { FileSource } from '../../node/file-source.js';
import { renderDumpInfo } from '../../render/dump-info.js';
import { openError } from '../fs-errors.js';
import { type CliCommand, UsageError } from '../command.js';
import { parseCommonOptions } from '../options.js';

export const infoCommand: CliCommand = {
  name: 'info',
  summary: "Show a dump's header facts (format, build, machine, bugcheck, memory layout)",
  usage: [
    'Usage: dumpscope info DUMP [--json]',
    '',
    'Reads only the header (and, for small dumps, the driver list): fast on dumps of any size.',
    '  --json   machine-readable facts; codes and addresses are lower-case 0x hex strings',
  ].join('\n'),
  async run(args, io) {
    const opts = parseCommonOptions(args);
    if (!opts.dump) throw new UsageError('missing DUMP');
    // A missing or unreadable file in words ("cannot open X: no such file or directory").
    const file = await FileSource.open(opts.dump, 'dump file').catch((e) => {
      throw openError(e, opts.dump as string);
    });
    const source = new PageCache(file);
    try {
      const d = await openDump(source);
      const info = d.format === 'kernel' ? describeKernelDump(d) : describeMinidump(d, source.name, source.size);
      // What the file lacks (a truncated dump) comes first: every other line is read with that in mind.
      const warnings = d.format === 'kernel' ? d.limitations.map((l) => `WARNING: ${l}\n`).join('') : '';
      io.out(opts.json ? JSON.stringify(info, null, 2) : `${warnings}${renderDumpInfo(info)}`);
      return 0;
    } finally {
      await source.close();
    }
  },
};
