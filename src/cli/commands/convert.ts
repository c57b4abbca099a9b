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
import { type WriteLayout, type WriteResult, writeKernelDump } from '../../formats/kernel-dump/writer.js';
import { FileSource } from '../../node/file-source.js';
import { type CliCommand, UsageError } from '../command.js';

const LAYOUTS = ['full', 'kernel-bitmap', 'full-bitmap', 'triage'] as const;

/** '16G', '512M', '64T', '1.5GiB' → a page count. A unit is required: a bare number could mean bytes or pages. */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGTP])(?:i?B)?$/i.exec(text);
  if (!m) throw new UsageError(`--physical-size: '${text}' is not a size with a unit (K, M, G, T or P, powers of 1024: 512M, 16G, 4T)`);
  const bytes = Number(m[1]) * 1024 ** ' KMGTP'.indexOf(m[2].toUpperCase());
  const pages = Math.ceil(bytes / 4096);
  if (!Number.isSafeInteger(pages) || pages <= 0) throw new UsageError(`--physical-size: '${text}' is not a usable size`);
  return pages;
}

/** The one-line summary of a write, mentioning runs merged to fit a full dump's header. */
function summary(output: string, layout: string, r: WriteResult): string {
  let s = `wrote ${output}: ${layout}, ${r.pages} pages, ${r.size} bytes`;
  if (r.mergedFrom) {
    s += `; the ${r.mergedFrom} runs of present pages were merged into ${r.headerRuns} (a full dump's header holds at most 42), ${r.zeroPages} absent pages between them written as zeros`;
  }
  return s;
}

export const convertCommand: CliCommand = {
  name: 'convert',
  summary: 'Rewrite a dump in another layout (full, kernel-bitmap, full-bitmap, triage), like .dump /f, /k and /m',
  usage: [
    'Usage: dumpscope convert IN OUT --to full|kernel-bitmap|full-bitmap|triage [--physical-size SIZE] [-y SYMPATH]',
    '',
    'Keeps the header facts, context, exception record and exactly the memory pages of IN.',
    '  --to LAYOUT           the layout to write',
    '  --physical-size SIZE  size of the physical address space of a bitmap layout, with a unit (16G, 4T):',
    '                        makes large sparse dumps for benchmarks; at least the highest page present',
    '  -y, --sympath PATH    (triage) where nt\'s symbols are: the crashing thread and process are found through them',
    '--to triage keeps the crashing PRCB, thread, process and stack, the module list, the debugger data and',
    'the pages the analysis reads (contexts, records, pointers in registers, module images, their PTEs).',
    '--to full writes at most 42 runs of pages (the header\'s limit): more are merged, the absent pages',
    'between them written as zeros (the summary says how many); --to kernel-bitmap keeps exactly the pages.',
    'OUT is written to a temporary file, flushed and renamed, so an error or Ctrl-C leaves no half file;',
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
    if (physicalPages !== undefined && (to === 'full' || to === 'triage')) {
      throw new UsageError(`--physical-size applies to the bitmap layouts (kernel-bitmap, full-bitmap); a ${to} dump has no bitmap`);
    }
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
    const source = new PageCache(await FileSource.open(input, 'dump file'));
    try {
      const dump = await openKernelDump(source);
      if (dump.triage) {
        // Up from a small dump: rebuild memory, page tables and the kernel lists through the kernel model.
        const { target, close } = await openSession(input, { sympath, offline, json: false, markdown: false, commands: [], rest: [] }, io);
        try {
          const { facts, pages, notes } = await fullFromTriage(target);
          const sink = await FileSink.create(output);
          try {
            const r = await writeKernelDump(sink, facts, pages, { layout: to as WriteLayout, physicalPages });
            await sink.commit();
            io.out(summary(output, to, r));
            for (const n of notes) io.out(`note: ${n}`);
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
        io.out(summary(output, to, r));
        // OUT is a whole file of what IN still had: say that the rest was already gone.
        if (dump.truncation) io.out(`note: IN is truncated, so OUT holds only the pages before the cut (${dump.limitations[0]})`);
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
