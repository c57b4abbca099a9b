import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { convertKernelDump } from '../../formats/kernel-dump/convert.js';
import { openKernelDump } from '../../formats/kernel-dump/kernel-dump.js';
import { PageCache } from '../../io/page-cache.js';
import { writeTriageDump } from '../../formats/kernel-dump/triage-writer.js';
import { FileSink } from '../../node/file-sink.js';
import { openSession } from '../../node/open-session.js';
import { triageContent } from '../../target/triage-export.js';
import { fullFromTriage } from '../../target/triage-import.js';
import { type WriteLayout, writeKernelDump } from '../../formats/kernel-dump/writer.js';
import { FileSource } from '../../node/file-source.js';
import { type CliCommand, UsageError } from '../command.js';

const LAYOUTS = ['full', 'kernel-bitmap', 'full-bitmap', 'triage'] as const;

/** '16G', '512M', '0x400000' (pages) → a page count. */
function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMGT])i?B?$/i.exec(text);
  if (m) return Math.ceil((Number(m[1]) * 1024 ** ' KMGT'.indexOf(m[2].toUpperCase())) / 4096);
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`--physical-size: '${text}' is not a size (16G, 512M) or a page count`);
  return n;
}

export const convertCommand: CliCommand = {
  name: 'convert',
  summary: 'Rewrite a dump in another layout (full, kernel-bitmap, full-bitmap, triage), like .dump /f, /k and /m',
  usage: [
    'Usage: dumpscope convert IN OUT --to full|kernel-bitmap|full-bitmap|triage [--physical-size SIZE] [-y SYMPATH]',
    '',
    'Keeps the header facts, context, exception record and exactly the memory pages of IN.',
    '  --to LAYOUT           the layout to write',
    '  --physical-size SIZE  size of the physical address space of a bitmap layout (e.g. 16G): makes',
    '                        large sparse dumps for benchmarks; at least the highest page present',
    '  -y, --sympath PATH    (triage) where nt\'s symbols are: the crashing thread and process are found through them',
    '--to triage keeps the crashing PRCB, thread, process and stack, the module list, the debugger data and',
    'the pages the analysis reads (contexts, records, pointers in registers, module images, their PTEs).',
    'OUT is written to a temporary file and renamed, so an interrupted run leaves no half file;',
    'IN is never overwritten.',
  ].join('\n'),
  async run(args, io) {
    let to: string | undefined;
    let physicalPages: number | undefined;
    let sympath: string | undefined;
    let offline = false;
    const files: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a === '--to') to = args[++i];
      else if (a.startsWith('--to=')) to = a.slice(5);
      else if (a === '--physical-size') physicalPages = parseSize(args[++i] ?? '');
      else if (a === '-y' || a === '--sympath') sympath = args[++i];
      else if (a === '--offline') offline = true;
      else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
      else files.push(a);
    }
    if (files.length !== 2) throw new UsageError('need IN and OUT');
    if (!to || !(LAYOUTS as readonly string[]).includes(to)) throw new UsageError(`--to must be one of ${LAYOUTS.join(', ')}`);
    const [input, output] = files;
    const realIn = await realpath(input);
    const realOut = await realpath(output).catch(() => resolve(output));
    if (realIn === realOut) throw new UsageError('OUT is the same file as IN: refusing to overwrite the input');
    if (to === 'triage') {
      // A triage dump is built from the kernel model (crashing thread, process, modules): open a session.
      const { session, target, close } = await openSession(input, { sympath, offline, json: false, markdown: false, commands: [], rest: [] }, io);
      void session;
      try {
        const { facts, content } = await triageContent(target);
        const sink = await FileSink.create(output);
        try {
          const size = await writeTriageDump(sink, facts, content);
          await sink.commit();
          io.out(`wrote ${output}: triage, ${content.blocks.length} data blocks, ${size} bytes`);
        } catch (e) {
          await sink.abort();
          throw e;
        }
        return 0;
      } finally {
        await close();
      }
    }
    const source = new PageCache(await FileSource.open(input));
    try {
      const dump = await openKernelDump(source);
      if (dump.triage) {
        // Up from a small dump: rebuild memory, page tables and the kernel lists through the kernel model.
        const { target, close } = await openSession(input, { sympath, offline, json: false, markdown: false, commands: [], rest: [] }, io);
        try {
          const { facts, pages } = await fullFromTriage(target);
          const sink = await FileSink.create(output);
          try {
            const size = await writeKernelDump(sink, facts, pages, { layout: to as WriteLayout, physicalPages });
            await sink.commit();
            io.out(`wrote ${output}: ${to}, ${pages.size} pages, ${size} bytes`);
          } catch (e) {
            await sink.abort();
            throw e;
          }
          return 0;
        } finally {
          await close();
        }
      }
      const sink = await FileSink.create(output);
      try {
        const r = await convertKernelDump(dump, sink, { layout: to as (typeof LAYOUTS)[number], physicalPages });
        await sink.commit();
        io.out(`wrote ${output}: ${to}, ${r.pages} pages, ${r.size} bytes`);
      } catch (e) {
        await sink.abort();
        throw e;
      }
      return 0;
    } finally {
      await source.close();
    }
  },
};
