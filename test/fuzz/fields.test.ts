// Huge counts and sizes where they matter: every count, size and offset field of each format (dump header
// and its runs, bitmap and triage parts, MSF superblock and directory, DBI and TPI headers, PE headers,
// directories and sections, CAB header, folder, file and data block, ISF numbers) set to each of 0, 1,
// 0x7fffffff, 0xffffffff, 2^53, 2^63 and 2^64-1 (cut to the field's width). Each case is one field and one
// value, all of them in the default budget. The field locations come from the formats' documentation
// (test/helpers/fuzz-fields.ts) and are first checked against facts from independent tools and the corpus.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { decodeXz } from '../../src/formats/xz/xz.js';
import { corpus, repo, skipUnlessCorpus } from '../helpers/corpus.js';
import { LONG_FUZZ } from '../helpers/fuzz-budget.js';
import { cabFields, kernelDump32Fields, kernelDumpFields, pdbFields, peFields } from '../helpers/fuzz-fields.js';
import type { FuzzJob } from '../helpers/fuzz-jobs.js';
import { CORPUS_SYMBOLS, gcabList, gcabMissing, mszipCab, SCENARIO_SYMBOLS, scenarioDump, storeFiles } from '../helpers/fuzz-inputs.js';
import { EXTREMES, extremesFor, type Field, fieldMutationText, readField, withField } from '../helpers/fuzz-mutate.js';
import { assertMemoryBounded, FuzzRunner } from '../helpers/fuzz-runner.js';

const runner = new FuzzRunner();
after(() => runner.close());

/**
 * The extremes tried in a field: all of them under `npm run fuzz` (and for cheap parsers); by default two
 * per field, rotating with the field's index so that every extreme is still tried in some field.
 */
function valuesFor(f: Field, index: number, all: boolean): bigint[] {
  const v = extremesFor(f.width);
  if (all || LONG_FUZZ) return v;
  return [0, 1].map((k) => v[(index * 2 + k) % v.length]).filter((x, i, a) => a.indexOf(x) === i);
}

/** Every field × its extremes, as one sweep. */
async function fieldSweep(input: string, good: Uint8Array, fields: Field[], job: (b: Uint8Array) => FuzzJob, allValues = false): Promise<void> {
  const cases = fields.flatMap((f, i) => valuesFor(f, i, allValues).map((v) => ({ f, v })));
  await runner.sweep(cases.length, (i) => ({ job: job(withField(good, cases[i].f, cases[i].v)), info: { input, mutation: fieldMutationText(cases[i].f, cases[i].v) } }));
}

const field = (fields: Field[], name: string) => {
  const f = fields.find((x) => x.name === name);
  assert.ok(f, `no field ${name}`);
  return f;
};

test('dump header fields are where the corpus README\'s facts say', { skip: skipUnlessCorpus('kernel') }, () => {
  const x64 = new Uint8Array(readFileSync(corpus('kernel/win10-19041-x64-triage-1000007e.dmp')));
  const f = kernelDumpFields(x64);
  assert.equal(readField(x64, field(f, 'BugCheckCode')), 0x1000007en);
  assert.equal(readField(x64, field(f, 'KdDebuggerDataBlock')), 0xfffff8047c600b20n);
  assert.equal(readField(x64, field(f, 'DumpType')), 4n);
  assert.equal(readField(x64, field(f, 'TRIAGE_DUMP.DriverCount')), 151n);
  const arm = new Uint8Array(readFileSync(corpus('kernel/win11-22000-arm64-triage-1c8.dmp')));
  assert.equal(readField(arm, field(kernelDumpFields(arm), 'TRIAGE_DUMP.DriverCount')), 245n);
  assert.equal(readField(arm, field(kernelDumpFields(arm), 'NumberProcessors')), 8n);
  const full = new Uint8Array(readFileSync(corpus('kernel/win10-19045-x64-full-first16k.dmp')));
  const ff = kernelDumpFields(full);
  assert.equal(readField(full, field(ff, 'PhysicalMemoryBlock.NumberOfRuns')), 5n);
  assert.equal(readField(full, field(ff, 'PhysicalMemoryBlock.NumberOfPages')), 0x7fe86n);
  assert.equal(readField(full, field(ff, 'BugCheckCode')), 0x5454414dn);
});

const dumpJob = (name: string, symbols?: string) => (bytes: Uint8Array): FuzzJob => ({ kind: 'dump', name, bytes, symbols, analyze: true });

test('scenario dumps in every layout: each header, run, bitmap and triage field set to each extreme', async () => {
  for (const layout of ['full', 'kernel-bitmap', 'full-bitmap', 'triage', 'full32'] as const) {
    const good = await scenarioDump('0x50', layout);
    const fields = layout === 'full32' ? kernelDump32Fields(good) : kernelDumpFields(good);
    // The writer's own layout, read back through these locations: the field table is right for it too.
    if (layout === 'full') assert.equal(readField(good, field(fields, 'PhysicalMemoryBlock.NumberOfRuns')) > 0n, true);
    if (layout === 'triage') assert.ok(readField(good, field(fields, 'TRIAGE_DUMP.DriverCount')) >= 2n);
    await fieldSweep(`scenario 0x50 written as ${layout}`, good, fields, dumpJob(`0x50-${layout}.dmp`, SCENARIO_SYMBOLS));
  }
});

test('the real dumps: each header and triage field set to each extreme', { skip: skipUnlessCorpus('kernel') }, async () => {
  for (const f of ['win10-19041-x64-triage-1000007e.dmp', 'win11-22000-arm64-triage-1c8.dmp', 'win10-19045-x64-full-first16k.dmp']) {
    const good = new Uint8Array(readFileSync(corpus(`kernel/${f}`)));
    // With the nt ISF each case costs ~0.4 s (the table is parsed per case): the long budget only.
    const symbols = LONG_FUZZ && f.includes('x64-triage') ? CORPUS_SYMBOLS : corpus('symbols');
    await fieldSweep(`corpus kernel/${f}`, good, kernelDumpFields(good), dumpJob(f, symbols));
  }
});

function readobj(path: string): string | undefined {
  try {
    return execFileSync('llvm-readobj-14', ['--file-headers', path], { encoding: 'utf8' });
  } catch {
    return undefined;
  }
}

test('PE images: header counts, directory and section sizes, export and debug tables set to each extreme', async () => {
  const images = [...['ntoskrnl.exe', 'Driver.sys'].map((n) => ({ path: join(SCENARIO_SYMBOLS, n), name: n })), ...storeFiles((n) => /\.(exe|sys)$/i.test(n))];
  for (const img of images) {
    const good = new Uint8Array(readFileSync(img.path));
    const fields = peFields(good);
    const text = readobj(img.path);
    if (text) {
      // The locations agree with llvm-readobj's reading of the same headers.
      assert.equal(readField(good, field(fields, 'FileHeader.NumberOfSections')), BigInt(/SectionCount: (\d+)/.exec(text)?.[1] ?? -1), img.path);
      assert.equal(readField(good, field(fields, 'OptionalHeader.SizeOfImage')), BigInt(/SizeOfImage: (\d+)/.exec(text)?.[1] ?? -1), img.path);
    }
    await fieldSweep(img.path, good, fields, (b) => ({ kind: 'pe', name: img.name, bytes: b }), true);
  }
});

test('PDBs: MSF superblock, stream directory, PDB info, TPI and DBI header fields set to each extreme', async () => {
  const pdbs = [...['ntkrnlmp.pdb', 'Driver.pdb'].map((n) => ({ path: join(SCENARIO_SYMBOLS, n), name: n })), { path: repo('fixtures/pdb/bin/types.pdb'), name: 'types.pdb' }, ...storeFiles((n) => n.endsWith('.pdb'))];
  for (const p of pdbs) {
    const good = new Uint8Array(readFileSync(p.path));
    const fields = pdbFields(good);
    assert.equal(readField(good, field(fields, 'TPI.TypeIndexBegin')), 0x1000n, `${p.path}: TPI header not where MSF says`);
    // A store path's key ends in the age (GUID + age): the DBI and PDB info streams carry the same one.
    const key = /\/([0-9A-F]{32})([0-9A-F]+)\//.exec(p.path);
    if (key) assert.equal(readField(good, field(fields, 'DBI.Age')), BigInt(`0x${key[2]}`), p.path);
    await fieldSweep(p.path, good, fields, (b) => ({ kind: 'symbols', name: p.name, bytes: b, typeLimit: 60 }));
  }
});

test('CAB (gcab MSZIP): header, folder, file and data block counts and sizes set to each extreme', { skip: gcabMissing() }, async () => {
  const text = new TextEncoder().encode('dumpscope fuzz '.repeat(4000));
  const good = mszipCab({ 'a.pdb': text, 'b.txt': text.subarray(0, 999) });
  const fields = cabFields(good);
  assert.equal(Number(readField(good, field(fields, 'CFHEADER.cFiles'))), gcabList(good).length);
  assert.equal(readField(good, field(fields, 'CFFOLDER[0].typeCompress')) & 0xfn, 1n, 'gcab -z writes MSZIP');
  await fieldSweep('gcab -c -z cabinet of a.pdb and b.txt', good, fields, (b) => ({ kind: 'cab', name: 'fuzz.cab', bytes: b }), true);
});

/** Numbers of an ISF document under `path` ('user_types._EPROCESS.fields.Pcb.offset'…) set to JSON extremes. */
const JSON_EXTREMES: number[] = [...EXTREMES.map(Number), -1, 1e308, 0.5];

function isfNumberPaths(doc: Record<string, unknown>, types: string[]): string[] {
  const out: string[] = ['base_types.pointer.size'];
  const walk = (v: unknown, path: string, depth: number) => {
    if (depth > 6) return;
    if (typeof v === 'number') out.push(path);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`, depth + 1);
  };
  for (const t of types) walk((doc.user_types as Record<string, unknown>)[t], `user_types.${t}`, 0);
  return out;
}

function setPath(doc: unknown, path: string, value: number): unknown {
  const copy = structuredClone(doc) as Record<string, unknown>;
  const keys = path.split('.');
  let o = copy as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) o = o[k] as Record<string, unknown>;
  o[keys[keys.length - 1]] = value;
  return copy;
}

test('ISF tables: sizes, offsets, counts and symbol addresses of kernel types set to JSON extremes', { skip: skipUnlessCorpus('isf') }, async () => {
  const xz = new Uint8Array(readFileSync(corpus('isf/ntkrnlmp.pdb/5278AFF86C341677D7D7835C85B7B844-1.json.xz')));
  const doc = JSON.parse(new TextDecoder().decode(decodeXz(xz))) as Record<string, unknown>;
  // A small table keeps each case cheap: the types the kernel model reads and what they contain.
  const keep = ['_LIST_ENTRY', '_UNICODE_STRING', '_KLDR_DATA_TABLE_ENTRY', '_EX_FAST_REF', '_KAPC_STATE', '_CLIENT_ID', '_KPROCESS', '_EPROCESS', '_KTHREAD', '_ETHREAD', '_KPRCB', '_DISPATCHER_HEADER', '_POOL_HEADER'];
  const small = { metadata: doc.metadata, base_types: doc.base_types, enums: {}, symbols: Object.fromEntries(Object.entries(doc.symbols as object).slice(0, 200)), user_types: Object.fromEntries(keep.map((k) => [k, (doc.user_types as Record<string, unknown>)[k]]).filter(([, v]) => v)) };
  for (const s of ['PsLoadedModuleList', 'PsActiveProcessHead', 'KiProcessorBlock']) (small.symbols as Record<string, unknown>)[s] = (doc.symbols as Record<string, unknown>)[s];
  const symbolPaths = ['PsLoadedModuleList', 'PsActiveProcessHead', 'KiProcessorBlock'].map((s) => `symbols.${s}.address`);
  const paths = symbolPaths.concat(isfNumberPaths(small, ['_LIST_ENTRY', '_UNICODE_STRING', '_KLDR_DATA_TABLE_ENTRY', '_POOL_HEADER']).concat(isfNumberPaths(small, ['_EPROCESS', '_KTHREAD']).filter((p) => /\.(size|count|offset|bit_position|bit_length)$/.test(p)).filter((_, i) => LONG_FUZZ || i % 12 === 0)));
  const unique = [...new Set(paths)];
  const cases = unique.flatMap((p, i) => (LONG_FUZZ ? JSON_EXTREMES : [0, 1].map((k) => JSON_EXTREMES[(i * 2 + k) % JSON_EXTREMES.length])).map((v) => ({ p, v })));
  await runner.sweep(cases.length, (i) => ({
    job: { kind: 'symbols', name: 'nt-subset.json', bytes: new TextEncoder().encode(JSON.stringify(setPath(small, cases[i].p, cases[i].v))), typeLimit: 50 },
    info: { input: `corpus nt ISF, ${keep.length} kernel types`, mutation: `${cases[i].p} = ${cases[i].v}` },
  }));
});

test('memory stayed bounded during the field sweeps', (t) => assertMemoryBounded('field sweeps', t));
