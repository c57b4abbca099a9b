import { realpath, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { convertKernelDump, layoutFor, trailerFor } from '../../formats/kernel-dump/convert.js';
import { type KernelDump, openKernelDump } from '../../formats/kernel-dump/kernel-dump.js';
import { PageCache } from '../../io/page-cache.js';
import { triageCopy } from '../../formats/kernel-dump/triage-copy.js';
import { writeTriageDump } from '../../formats/kernel-dump/triage-writer.js';
import { FileSink } from '../../node/file-sink.js';
import { openSession } from '../../node/open-session.js';
import { triageContent } from '../../target/triage-export.js';
import { FROM_SMALL_DUMP_NOTE, fullFromTriage } from '../../target/triage-import.js';
import { type WriteResult, writeKernelDump } from '../../formats/kernel-dump/writer.js';
import { FileSource } from '../../node/file-source.js';
import { DumpscopeError, UnsupportedError } from '../../io/errors.js';
import type { CliIo } from '../command.js';
import type { CommonOptions } from '../options.js';
import { type CliCommand, UsageError } from '../command.js';
import { fsError } from '../fs-errors.js';
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
    s += `; the ${r.mergedFrom} runs of present pages were merged into ${r.headerRuns} (a full dump's header holds at most 42), the ${r.zeroPages} absent pages between them left as holes that read as not in the dump`;
  }
  return s;
}

/** IN must be a kernel dump that exists; says what else it is. */
async function checkInput(input: string): Promise<void> {
  const st = await stat(input).catch((e) => {
    throw fsError('open', input, e);
  });
  if (st.isDirectory()) throw new DumpscopeError(`cannot open ${input}: it is a directory, not a dump file`, 'NOT_A_FILE');
}

/** OUT: not a directory, its directory exists, and an existing file is replaced only with --force. */
async function checkOutput(output: string, force: boolean): Promise<void> {
  const st = await stat(output).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw fsError('write', output, e);
  });
  if (st?.isDirectory()) throw new DumpscopeError(`cannot write ${output}: it is a directory (give a file name for OUT)`, 'IS_A_DIRECTORY');
  if (st && !st.isFile()) throw new DumpscopeError(`cannot write ${output}: it is not a regular file`, 'NOT_A_FILE');
  if (st && !force) throw new DumpscopeError(`${output} exists: refusing to replace it (add --force to overwrite, like .dump /o)`, 'OUT_EXISTS');
  const dir = dirname(resolve(output));
  const d = await stat(dir).catch((e) => {
    throw fsError('write', output, e);
  });
  if (!d.isDirectory()) throw new DumpscopeError(`cannot write ${output}: ${dir} is not a directory`, 'NOT_A_DIRECTORY');
}

/** Writes through a FileSink: committed on success, removed on failure. */
async function withSink<T>(output: string, io: CliIo, write: (sink: FileSink) => Promise<T>): Promise<T> {
  const sink = await FileSink.create(output).catch((e) => {
    throw fsError('write', output, e);
  });
  for (const name of sink.removedStale) io.out(`note: removed ${name}, left by an interrupted convert that is no longer running`);
  try {
    const r = await write(sink);
    await sink.commit();
    return r;
  } catch (e) {
    await sink.abort();
    throw e;
  }
}

interface Request {
  input: string;
  output: string;
  to: (typeof LAYOUTS)[number];
  physicalPages?: number;
  session: CommonOptions;
}

async function convertOpened(dump: KernelDump, q: Request, io: CliIo): Promise<number> {
  const { input, output, to, physicalPages } = q;
  if (to === 'triage' && !dump.header.is64) {
    throw new UnsupportedError('--to triage is not supported for 32-bit (PAGEDUMP) dumps: dumpscope writes small dumps in the x64 layout only; --to full writes this dump in the 32-bit full layout');
  }
  if (to === 'triage' && dump.triage) {
    // A small dump rewritten (like .dump /m of a minidump): its validated parts laid out again, no session.
    const { facts, content } = await triageCopy(dump);
    const size = await withSink(output, io, (sink) => writeTriageDump(sink, facts, content));
    io.out(`wrote ${output}: triage (rewritten from a small dump), ${content.blocks.length} data blocks, ${size} bytes`);
    for (const l of dump.limitations) io.out(`note: IN: ${l}`);
    return 0;
  }
  if (to === 'triage') {
    // A triage dump is built from the kernel model (crashing thread, process, modules): open a session.
    const { target, close } = await openSession(input, q.session, io);
    try {
      const { facts, content } = await triageContent(target);
      const size = await withSink(output, io, (sink) => writeTriageDump(sink, facts, content));
      io.out(`wrote ${output}: triage, ${content.blocks.length} data blocks, ${size} bytes`);
      return 0;
    } finally {
      await close();
    }
  }
  if (dump.triage) {
    // Up from a small dump: rebuild memory, page tables and the kernel lists through the kernel model; the
    // trailer lists the bytes that are real, so the rest of each page reads as not in the dump.
    const { target, close } = await openSession(input, q.session, io);
    try {
      const { facts, pages, notes, ranges } = await fullFromTriage(target);
      const trailer = trailerFor(dump, [FROM_SMALL_DUMP_NOTE]);
      const r = await withSink(output, io, (sink) => writeKernelDump(sink, facts, pages, { layout: to, physicalPages, trailer: { notes: trailer?.notes ?? [], ranges } }));
      io.out(summary(output, to, r));
      for (const n of notes) io.out(`note: ${n}`);
      io.out(`note: ${FROM_SMALL_DUMP_NOTE}`);
      return 0;
    } finally {
      await close();
    }
  }
  // A 32-bit dump's full layout is the 32-bit one (PAGEDUMP); layoutFor refuses what cannot be written.
  const layout = layoutFor(dump, to);
  const r = await withSink(output, io, (sink) => convertKernelDump(dump, sink, { layout, physicalPages }));
  io.out(summary(output, layout === 'full32' ? 'full (32-bit PAGEDUMP)' : to, r));
  return 0;
}

export const convertCommand: CliCommand = {
  name: 'convert',
  summary: 'Rewrite a dump in another layout (full, kernel-bitmap, full-bitmap, triage), like .dump /f, /k and /m',
  usage: [
    'Usage: dumpscope convert IN OUT --to full|kernel-bitmap|full-bitmap|triage [--physical-size SIZE] [-y SYMPATH] [--force]',
    '',
    'Keeps the header facts, context, exception record and exactly the memory pages of IN.',
    '  --to LAYOUT           the layout to write',
    '  --physical-size SIZE  size of the physical address space of a bitmap layout, with a unit (16G, 4T):',
    '                        makes large sparse dumps for benchmarks; at least the highest page present',
    '  -y, --sympath PATH    (triage) where nt\'s symbols are: the crashing thread and process are found through them',
    '  -f, --force           replace OUT if it exists (like .dump /o); without it an existing OUT is refused',
    '--to triage keeps the crashing PRCB, thread, process and stack, the module list, the debugger data and',
    'the pages the analysis reads (contexts, records, pointers in registers and on the stack, module images, their PTEs).',
    '--to triage of a small dump rewrites it (valid TRGD marker; entries the reader found damaged are left out).',
    'A 32-bit (PAGEDUMP) dump converts with --to full to its own 32-bit full layout; bitmap and triage layouts',
    'are not written for 32-bit dumps.',
    '--to full writes at most 42 runs of pages (the header\'s limit): more are merged, the absent pages',
    'between them left as holes that read as not in the dump; --to kernel-bitmap keeps exactly the pages.',
    'OUT is written to a temporary file, flushed and renamed, so an error, Ctrl-C or a hang-up leaves no half file;',
    'IN is never overwritten.',
  ].join('\n'),
  async run(args, io) {
    let to: string | undefined;
    let physicalPages: number | undefined;
    let sympath: string | undefined;
    let offline = false;
    let force = false;
    const files: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a === '--to') to = args[++i];
      else if (a.startsWith('--to=')) to = a.slice(5);
      else if (a === '--physical-size') physicalPages = parseSize(args[++i] ?? '');
      else if (a === '-y' || a === '--sympath') sympath = args[++i];
      else if (a === '--offline') offline = true;
      else if (a === '-f' || a === '--force') force = true;
      else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
      else files.push(a);
    }
    if (files.length !== 2) throw new UsageError('need IN and OUT');
    if (!to || !(LAYOUTS as readonly string[]).includes(to)) throw new UsageError(`--to must be one of ${LAYOUTS.join(', ')}`);
    if (physicalPages !== undefined && (to === 'full' || to === 'triage')) {
      throw new UsageError(`--physical-size applies to the bitmap layouts (kernel-bitmap, full-bitmap); a ${to} dump has no bitmap`);
    }
    const [input, output] = files;
    await checkInput(input);
    const realIn = await realpath(input);
    const realOut = await realpath(output).catch(() => resolve(output));
    if (realIn === realOut) throw new UsageError('OUT is the same file as IN: refusing to overwrite the input');
    await checkOutput(output, force);
    const session: CommonOptions = { sympath, offline, json: false, markdown: false, commands: [], rest: [] };
    const source = new PageCache(await FileSource.open(input, 'dump file'));
    try {
      const sig = new TextDecoder('latin1').decode(await source.read(0, Math.min(8, source.size)));
      if (sig.startsWith('MDMP')) throw new DumpscopeError(`${input}: user-mode minidumps cannot be converted (not a kernel dump)`, 'NOT_A_KERNEL_DUMP');
      const dump = await openKernelDump(source);
      const code = await convertOpened(dump, { input, output, to: to as (typeof LAYOUTS)[number], physicalPages, session }, io);
      // IN was cut short: OUT holds what was left, and says so (whatever the layout).
      if (dump.truncation) io.out(`note: IN is truncated, so OUT holds only what came before the cut (${dump.limitations[0]})`);
      return code;
    } finally {
      await source.close();
    }
  },
};
