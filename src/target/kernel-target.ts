// The crashed kernel as commands and analysis see it: memory, modules, the bugcheck context, symbolized
// addresses and the unwind data of every module (from its pages in the dump, or from its image file found
// through the symbol path). Small dumps hold only the crashing thread's data; the model says so.
import { untranslatedReason } from '../formats/kernel-dump/header.js';
import type { KernelDump } from '../formats/kernel-dump/kernel-dump.js';
import { readExports } from '../formats/pe/pe-directories.js';
import { PeImage } from '../formats/pe/pe-image.js';
import { ExportSymbolSource } from '../symbols/export-symbols.js';
import { DumpscopeError } from '../io/errors.js';
import type { AddressSpace } from '../memory/address-space.js';
import { OverlaySpace } from '../memory/overlay-space.js';
import { X64AddressSpace } from '../memory/x64-paging.js';
import { selfMapTranslate } from '../memory/self-map-translate.js';
import type { Translation } from '../memory/address-space.js';
import type { SessionTarget } from '../commands/session.js';
import type { ImageProvider } from '../symbols/image-provider.js';
import type { UnwindData } from '../unwind/types.js';
import { defaultStackBounds, kernelUnwindData, type StackBounds, stackBoundsFor } from './unwind-source.js';
import { type StackFrame, type UnwindOptions, walkStack } from '../unwind/x64-unwinder.js';
import { decodeDebuggerData, type DebuggerData } from './debugger-data.js';
import { decodeEncodedKdbg, kernelBaseFromModuleList, type RawKdbg, readKdbg } from './kernel-base.js';
import { type ModuleInfo, ModuleTable, nameModules, readLoadedModules, type UnloadedModuleInfo } from './modules.js';
import { filetimeToDate } from '../util/cformat.js';
import { type KernelIsfResult, kernelIsfByDebuggerData, type ModuleImage, type ModuleSymbols, resolveModuleSymbols } from './module-symbols.js';
import { BUILTIN_TYPES_NOTE, BuiltinAbiTypes } from '../symbols/builtin-abi-types.js';
import type { X64Registers } from './x64-registers.js';
import { objectTypeMismatch, type PrcbInfo, type ProcessInfo, readPrcb, readProcess, readThread, type ThreadInfo } from './kernel-objects.js';
import { enumNames } from './object-details.js';
import { walkList } from './list-walk.js';
import { checkpoint } from '../util/checkpoint.js';
import { KernelTypes, StructView } from './struct-view.js';
import { trapFrameRegisters } from './trap-frame.js';
import { threadContext } from './thread-context.js';

/** The processor, thread and process that crashed, as far as the dump and the kernel's types allow. */
export interface CrashState {
  prcb?: PrcbInfo;
  thread?: ThreadInfo;
  process?: ProcessInfo;
  notes: string[];
}

export type { ModuleImage, ModuleSymbols } from './module-symbols.js';

export class KernelTarget implements SessionTarget {
  readonly pointerSize = 8 as const;
  readonly memory: AddressSpace;
  modules: ModuleTable;
  debuggerData?: DebuggerData;
  /** Things the model could not provide, for `!analyze` and `lm` to report. */
  readonly limitations: string[] = [];
  private readonly images = new Map<bigint, Promise<ModuleImage>>();

  constructor(
    readonly dump: KernelDump,
    private imageProvider: ImageProvider,
  ) {
    const h = dump.header;
    this.limitations.push(...(dump.limitations ?? [])); // what the file itself lacks (a truncated dump)
    if (dump.triage) {
      this.memory = new OverlaySpace(dump.triage.memory);
      if (dump.triage.debuggerData) {
        try {
          this.debuggerData = decodeDebuggerData(dump.triage.debuggerData, 'triage dump copy');
        } catch (e) {
          this.limitations.push(`debugger data block unreadable: ${(e as Error).message}`);
        }
      }
      this.modules = new ModuleTable(
        nameModules(dump.triage.drivers.map((d) => ({ imageName: d.name, fullPath: d.path, base: d.base, size: d.size, timestamp: d.timestamp, checksum: d.checksum })), this.debuggerData?.pointer('KernBase')),
        dump.triage.unloadedDrivers.map((u) => ({ imageName: u.name, base: u.start, end: u.end })),
      );
      this.limitations.push('small dump: only the crashing thread, its process and captured memory are present');
    } else if (dump.physical && h.machine === 'x64') {
      this.memory = new X64AddressSpace(dump.physical, h.directoryTableBase);
      this.modules = new ModuleTable([]);
    } else {
      this.memory = { read: async (va) => { throw new DumpscopeError(`no memory: ${h.machine} ${h.dumpType} dumps are not translated yet (address ${va.toString(16)})`, 'UNSUPPORTED'); }, readSparse: async (_va, n) => ({ bytes: new Uint8Array(n), valid: new Uint8Array(n) }) };
      this.modules = new ModuleTable([]);
      this.limitations.push(untranslatedReason(h));
    }
  }

  /** Builds a provider for a new symbol path (`.sympath`); set by the front end that owns the file system. */
  symbolPathFactory?: (path: string) => ImageProvider;

  get symbolPath(): string | undefined {
    return this.imageProvider.path;
  }

  /** The symbol path as typed (`.sympath`'s first line); the path in use when the provider does not know it. */
  get typedSymbolPath(): string | undefined {
    return this.imageProvider.typedPath ?? this.imageProvider.path;
  }

  /** Switches to another symbol path and forgets every image and symbol file found so far. */
  setSymbolPath(path: string): void {
    if (!this.symbolPathFactory) throw new DumpscopeError('this front end cannot change the symbol path', 'UNSUPPORTED');
    this.imageProvider = this.symbolPathFactory(path);
    this.reload();
  }

  /**
   * Drops cached images and symbols so the next lookup searches the symbol path again (`.reload`);
   * `refresh` also makes the symbol store ask again where it had been told no (`.reload /f`, `.reload MODULE`).
   */
  reload(refresh?: readonly string[] | 'all'): void {
    if (refresh) this.imageProvider.refresh?.(refresh);
    this.images.clear();
    this.pdbs.clear();
    this.resolvedSymbols.clear();
    this.headerViews.clear();
    this.typesValue = undefined;
  }

  /** `.reload /u MODULE`: forgets that module's symbols only (found again on next use); nt's also its types. */
  unloadSymbols(m: ModuleInfo): void {
    this.pdbs.delete(m.base);
    this.resolvedSymbols.delete(m.base);
    if (m === this.modules.kernel) this.typesValue = undefined;
  }

  private initValue?: Promise<void>;

  /**
   * Completes the model of a full-memory dump: the debugger data block from memory, nt from KernBase, nt's
   * types through the symbol path, then the loaded-module list walked by field name. Small dumps carry
   * their module list and need nothing here. Safe to call more than once.
   */
  init(): Promise<void> {
    this.initValue ??= this.initFull();
    return this.initValue;
  }

  private async initFull(): Promise<void> {
    if (this.dump.triage || !this.dump.physical) return;
    const h = this.dump.header;
    const notes: string[] = [];
    const kdbg = h.kdDebuggerDataBlock ? await readKdbg(this.memory, h.kdDebuggerDataBlock) : undefined;
    if (kdbg && 'data' in kdbg) this.debuggerData = kdbg.data;
    else notes.push(kdbg ? kdbg.error : 'the dump header gives no KdDebuggerDataBlock');
    let kernBase = this.debuggerData?.pointer('KernBase');
    if (!kernBase && h.psLoadedModuleList) {
      // Second source: the header's PsLoadedModuleList, read through the loader entry's fixed x64 head.
      this.builtinTypes ??= new KernelTypes(new BuiltinAbiTypes());
      const found = await kernelBaseFromModuleList(this.memory, this.builtinTypes, h.psLoadedModuleList).catch((e: unknown) => ({ base: undefined, note: `PsLoadedModuleList unreadable: ${(e as Error).message}` }));
      kernBase = found.base;
      notes.push(found.note);
    }
    if (!kernBase) {
      this.limitations.push(...notes, 'kernel base unknown (no readable debugger data block, no usable PsLoadedModuleList): no module list');
      return;
    }
    let size = 0;
    try {
      const hdr = await PeImage.open(async (o, n) => this.memory.read(kernBase + BigInt(o), n).catch(() => undefined), true, 'nt');
      size = hdr.sizeOfImage;
    } catch {
      size = 0x1000;
    }
    const nt = { name: 'nt', imageName: 'ntoskrnl.exe', base: kernBase, size };
    this.modules = new ModuleTable([nt]);
    // Without nt's types the list is still read, as WinDbg does, through the loader entry's fixed x64 head.
    const real = await this.kernelTypes();
    if (!this.debuggerData) {
      const fromSymbols = await this.debuggerDataFromSymbols(nt, kdbg);
      if (fromSymbols.data) this.debuggerData = fromSymbols.data;
      notes.push(fromSymbols.note);
    }
    this.limitations.push(...notes);
    const kt = await this.kernelTypesFor('_KLDR_DATA_TABLE_ENTRY');
    if (!kt) return;
    const head = this.debuggerData?.pointer('PsLoadedModuleList') ?? (h.psLoadedModuleList || undefined);
    if (!head) return;
    try {
      const { modules: mods, note } = await readLoadedModules(this.memory, kt, head, kernBase);
      if (note) this.limitations.push(`loaded-module list: ${note}`);
      if (mods.length) {
        this.modules = new ModuleTable(mods, real === kt ? await this.unloadedDrivers(kt) : []);
        if (!this.modules.kernel) this.limitations.push(`no entry of the loaded-module list is the kernel (none at ${kernBase.toString(16)} or named like its image): nothing is named nt`);
        // nt's image was looked up before its timestamp was known: look again with the list's facts.
        this.images.clear();
      }
    } catch (e) {
      this.limitations.push(`loaded-module list unreadable: ${(e as Error).message}`);
    }
  }

  /**
   * The debugger data block through nt's symbols, once nt's base is known: the header's block decoded
   * with the kernel's keys when it is encoded, else the block at the KdDebuggerDataBlock symbol.
   */
  private async debuggerDataFromSymbols(nt: ModuleInfo, kdbg: RawKdbg | undefined): Promise<{ data?: DebuggerData; note: string }> {
    const syms = await this.moduleSymbols(nt).catch(() => undefined);
    const src = syms?.source;
    if (!src || src.kind === 'exports') return { note: "the debugger data block is not usable and nt's PDB or ISF is not there to find or decode it" };
    const symbol = async (n: string) => (await src.lookup(n).catch(() => undefined))?.rva;
    try {
      const at = this.dump.header.kdDebuggerDataBlock;
      if (kdbg && 'raw' in kdbg) return await decodeEncodedKdbg(this.memory, kdbg.raw, at, nt.base, symbol);
      const rva = await symbol('KdDebuggerDataBlock');
      if (rva === undefined) return { note: "nt's symbols have no KdDebuggerDataBlock" };
      const va = nt.base + BigInt(rva);
      if (va === at) return { note: 'the debugger data block is not in the dump' };
      const r = await readKdbg(this.memory, va);
      if ('data' in r) return { data: r.data, note: `debugger data block found at ${va.toString(16)} through nt's KdDebuggerDataBlock symbol` };
      return 'raw' in r ? await decodeEncodedKdbg(this.memory, r.raw, va, nt.base, symbol) : { note: r.error };
    } catch (e) {
      return { note: `the debugger data block could not be decoded: ${(e as Error).message}` };
    }
  }

  /** MmUnloadedDrivers (an array of _UNLOADED_DRIVERS read by field name), when the types describe it. */
  private async unloadedDrivers(kt: KernelTypes): Promise<UnloadedModuleInfo[]> {
    const nt = this.modules.kernel;
    // nt's own layout when its types have one; else the public x64 one (the 19041 ISF lacks the type).
    const own = await kt.struct('_UNLOADED_DRIVERS').catch(() => undefined);
    const types = own ? kt : (this.builtinTypes ??= new KernelTypes(new BuiltinAbiTypes()));
    const t = own ?? (await types.struct('_UNLOADED_DRIVERS').catch(() => undefined));
    const arrayPtr = this.debuggerData?.pointer('MmUnloadedDrivers') ?? (nt ? await kt.global(nt.base, 'MmUnloadedDrivers') : undefined);
    if (!t || !arrayPtr) {
      if (!t) this.limitations.push('unloaded drivers: the kernel types have no _UNLOADED_DRIVERS');
      return [];
    }
    const out: UnloadedModuleInfo[] = [];
    try {
      const array = new DataView((await this.memory.read(arrayPtr, 8)).buffer).getBigUint64(0, true);
      if (!array) return [];
      // MmLastUnloadedDriver is the number of valid entries (the array holds at most 50).
      const lastPtr = this.debuggerData?.pointer('MmLastUnloadedDriver') ?? (nt ? await kt.global(nt.base, 'MmLastUnloadedDriver') : undefined);
      const lastBytes = lastPtr ? await this.memory.read(lastPtr, 4).catch(() => undefined) : undefined;
      const count = lastBytes ? Math.min(new DataView(lastBytes.buffer, lastBytes.byteOffset, 4).getUint32(0, true), 50) : 50;
      for (let i = 0; i < count; i++) {
        const e = await types.read(this.memory, '_UNLOADED_DRIVERS', array + BigInt(i * t.size));
        const start = e.uint('StartAddress');
        if (!start) break;
        // CurrentTime: when it was unloaded (a FILETIME), for `analyze` to say so.
        const when = e.has('CurrentTime') ? filetimeToDate(e.uint('CurrentTime')) : undefined;
        out.push({ imageName: (await this.readUnicodeString(e.sub('Name'))) ?? '?', base: start, end: e.uint('EndAddress'), ...(when && e.uint('CurrentTime') ? { unloadTime: when.toISOString() } : {}) });
      }
    } catch (e) {
      this.limitations.push(`unloaded drivers unreadable: ${(e as Error).message}`);
    }
    return out;
  }

  /** A UNICODE_STRING's text (bounded), or undefined when its buffer is not in the dump. */
  async readUnicodeString(v: StructView): Promise<string | undefined> {
    const len = Math.min(v.num('Length'), 0x1000) & ~1;
    const buf = v.uint('Buffer');
    if (!len || !buf) return undefined;
    const b = await this.memory.read(buf, len).catch(() => undefined);
    return b ? new TextDecoder('utf-16le').decode(b) : undefined;
  }

  /**
   * A page-table walk for an address: through physical memory when the dump has it, else through the
   * self-map in virtual memory (small dumps that captured the paging entries), else undefined.
   */
  async translate(va: bigint): Promise<Translation | undefined> {
    if (this.memory instanceof X64AddressSpace) return this.memory.translate(va);
    const base = await this.pteBase();
    if (base === undefined) return undefined;
    const tr = await selfMapTranslate(this.memory, base, va);
    return tr.state.kind === 'not-in-dump' && tr.levels.length === 1 ? undefined : tr;
  }

  private pteBaseValue?: Promise<bigint | undefined>;

  /**
   * MmPteBase, the randomized self-map base: from the debugger data block when readable, else found the
   * way the processor finds it — the PML4 entry that points back at the PML4 itself.
   */
  pteBase(): Promise<bigint | undefined> {
    this.pteBaseValue ??= (async () => {
      const fromKdbg = this.debuggerData?.pointer('PteBase');
      if (fromKdbg) return fromKdbg;
      if (!(this.memory instanceof X64AddressSpace) || !this.dump.physical) return undefined;
      const dtb = this.dump.header.directoryTableBase & ~0xfffn;
      const pml4 = await this.dump.physical.readPage(Number(dtb >> 12n));
      if (!pml4) return undefined;
      const dv = new DataView(pml4.buffer, pml4.byteOffset, 4096);
      for (let i = 256; i < 512; i++) {
        const e = dv.getBigUint64(i * 8, true);
        if ((e & 1n) === 1n && (e & 0x000ffffffffff000n) === dtb) return 0xffff000000000000n | (BigInt(i) << 39n);
      }
      return undefined;
    })();
    return this.pteBaseValue;
  }

  async defaultRegisters(): Promise<X64Registers | undefined> {
    return this.dump.context;
  }

  /** The module's PE image: mapped pages in the dump first, then the image file from the symbol path. */
  image(m: ModuleInfo): Promise<ModuleImage> {
    let p = this.images.get(m.base);
    if (!p) {
      p = this.loadImage(m);
      this.images.set(m.base, p);
    }
    return p;
  }

  private async loadImage(m: ModuleInfo): Promise<ModuleImage> {
    // The image file from the symbol path (matched by the loader entry's timestamp and size), looked up once.
    let file: Promise<ModuleImage> | undefined;
    const fromFile = () => {
      file ??= this.imageFile(m);
      return file;
    };
    // Once the dump's headers and .pdata are known good, a page the dump lacks (.xdata, the debug directory,
    // code) is read from the image file: the same bytes, as the file is the same build.
    let fillFromFile = false;
    try {
      const mapped = await PeImage.open(async (o, n) => {
        if (o < 0 || n < 0 || o + n > m.size) return undefined;
        const s = await this.memory.readSparse(m.base + BigInt(o), n);
        if (s.valid.every((v) => v === 1)) return s.bytes;
        if (!fillFromFile) return undefined;
        const b = await (await fromFile()).image?.readRva(o, n);
        if (!b || b.length < n) return undefined;
        const out = Uint8Array.from(b);
        for (let i = 0; i < n; i++) if (s.valid[i]) out[i] = s.bytes[i];
        return out;
      }, true, m.name);
      if ((await mapped.runtimeFunctions()).length > 0) {
        fillFromFile = true;
        return { image: mapped, origin: 'dump' };
      }
    } catch {
      // headers not in the dump: look for the file
    }
    return fromFile();
  }

  /** The module's image file through the symbol path, or why there is none. */
  private async imageFile(m: ModuleInfo): Promise<ModuleImage> {
    if (m.timestamp === undefined) return { origin: 'no timestamp to look the image up by' };
    const found = await this.imageProvider.findImage({ name: m.imageName, timestamp: m.timestamp, sizeOfImage: m.size });
    if (!found.found) return { origin: found.reason, mismatch: found.mismatch, failure: found.failure, refused: found.refused, disabled: found.disabled, skipped: found.skipped };
    const file = found.source;
    const image = await PeImage.open(async (o, n) => (o >= 0 && o + n <= file.size ? file.read(o, n).catch(() => undefined) : undefined), false, m.name);
    return { image, origin: found.path };
  }

  private readonly pdbs = new Map<bigint, Promise<ModuleSymbols>>();
  private readonly headerViews = new Map<bigint, Promise<PeImage | undefined>>();

  /** The module's headers as mapped in the dump (enough for the CodeView record), when those pages exist. */
  mappedHeaders(m: ModuleInfo): Promise<PeImage | undefined> {
    let p = this.headerViews.get(m.base);
    if (!p) {
      p = PeImage.open(
        async (o, n) => {
          if (o < 0 || o + n > m.size) return undefined;
          const s = await this.memory.readSparse(m.base + BigInt(o), n);
          return s.valid.every((v) => v === 1) ? s.bytes : undefined;
        },
        true,
        m.name,
      ).catch(() => undefined);
      this.headerViews.set(m.base, p);
    }
    return p;
  }

  /** Receives WinDbg-style symbol warnings the first time a module's symbols are resolved (sessions print them). */
  symbolNotice?: (line: string) => void;

  /**
   * The module's symbols: its PDB, matched by the image's CodeView GUID and age (a mismatch is never used),
   * else an ISF table for the same GUID and age (how nt's types and symbols come offline), else exports.
   */
  moduleSymbols(m: ModuleInfo): Promise<ModuleSymbols> {
    let p = this.pdbs.get(m.base);
    if (!p) {
      p = resolveModuleSymbols(
        {
          provider: this.imageProvider,
          image: (x) => this.image(x),
          mappedHeaders: (x) => this.mappedHeaders(x),
          exportSymbols: (x) => this.exportSymbols(x),
          kernelIsf: m === this.modules.kernel ? () => this.kernelIsfByDebuggerData() : undefined,
        },
        m,
      );
      p.then((r) => {
        this.resolvedSymbols.set(m.base, r);
        for (const line of r.notices ?? []) this.symbolNotice?.(line);
      });
      this.pdbs.set(m.base, p);
    }
    return p;
  }

  private readonly resolvedSymbols = new Map<bigint, ModuleSymbols>();

  /** The module's symbol status if it was already looked up (`lm` shows the rest as deferred). */
  symbolsIfLoaded(m: ModuleInfo): ModuleSymbols | undefined {
    return this.resolvedSymbols.get(m.base);
  }

  /** Without nt's CodeView record: an ISF table whose kernel variables agree with the debugger data block (module-symbols.ts). */
  private async kernelIsfByDebuggerData(): Promise<KernelIsfResult | undefined> {
    const nt = this.modules.kernel;
    return this.debuggerData && nt ? kernelIsfByDebuggerData(this.imageProvider, this.debuggerData, nt.base) : undefined;
  }

  private typesValue?: Promise<KernelTypes | undefined>;

  /** nt's types (PDB or ISF), through which every kernel structure is read by field name. */
  kernelTypes(): Promise<KernelTypes | undefined> {
    this.typesValue ??= (async () => {
      const nt = this.modules.kernel;
      if (!nt) return undefined;
      const s = await this.moduleSymbols(nt);
      // An export table names functions but describes no structure: it is not a source of kernel types.
      return s.source && s.source.kind !== 'exports' ? new KernelTypes(s.source) : undefined;
    })();
    return this.typesValue;
  }

  private builtinTypes?: KernelTypes;

  /**
   * nt's types when they describe `typeName`; else, for the few fixed-ABI x64 layouts every build shares
   * (loader entry head, LIST_ENTRY, UNICODE_STRING, KTRAP_FRAME), the built-in ones, noted in the limitations.
   */
  async kernelTypesFor(typeName: string): Promise<KernelTypes | undefined> {
    const real = await this.kernelTypes();
    if (real && (await real.source.findType(typeName))) return real;
    this.builtinTypes ??= new KernelTypes(new BuiltinAbiTypes());
    if (!(await this.builtinTypes.source.findType(typeName))) return real;
    if (!this.limitations.includes(BUILTIN_TYPES_NOTE)) this.limitations.push(BUILTIN_TYPES_NOTE);
    return this.builtinTypes;
  }

  private crashValue?: Promise<CrashState>;

  /** The crashing processor's PRCB, its current thread and that thread's process. */
  crashState(): Promise<CrashState> {
    this.crashValue ??= this.readCrashState();
    return this.crashValue;
  }

  private async readCrashState(): Promise<CrashState> {
    const notes: string[] = [];
    const kt = await this.kernelTypes();
    if (!kt) return { notes: ['no kernel types (nt PDB or ISF): processes and threads cannot be read'] };
    const tri = this.dump.triage;
    const attempt = async <T>(what: string, f: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await f();
      } catch (e) {
        notes.push(`${what}: ${(e as Error).message}`);
        return undefined;
      }
    };
    if (tri) {
      // A small dump carries copies of the PRCB, thread and process; their addresses link them together.
      const copy = async (name: string, part: { offset: number; size: number }, address?: bigint) => {
        const t = await kt.struct(name);
        const n = Math.min(part.size, t.size);
        return new StructView(t, await this.dump.source.read(part.offset, n), address);
      };
      const prcb = tri.prcb.size ? await attempt('PRCB copy', async () => readPrcb(await copy('_KPRCB', tri.prcb), 'dump-copy')) : undefined;
      const thread = tri.thread.size ? await attempt('thread copy', async () => readThread(await copy('_ETHREAD', tri.thread, prcb?.currentThread), 'dump-copy')) : undefined;
      const process = tri.process.size ? await attempt('process copy', async () => readProcess(await copy('_EPROCESS', tri.process, thread?.processAddress), 'dump-copy')) : undefined;
      // The PRCB's address and IRQL, when the processor blocks were captured too.
      if (prcb) {
        const same = (await this.processors().catch(() => [])).find((p) => p.number === prcb.number);
        if (same) {
          prcb.address = same.address;
          prcb.irql = same.irql;
        }
      }
      // The copies are memory too: make them readable at their addresses (dt, dq, !thread ADDR).
      if (this.memory instanceof OverlaySpace) {
        if (thread?.address) this.memory.add(thread.address, await this.dump.source.read(tri.thread.offset, tri.thread.size));
        if (process?.address) this.memory.add(process.address, await this.dump.source.read(tri.process.offset, tri.process.size));
      }
      return { prcb, thread, process, notes };
    }
    const prcbs = await attempt('processor blocks', () => this.processors());
    const prcb = (prcbs ? await this.crashingProcessor(prcbs) : undefined) ?? prcbs?.[0];
    const thread = prcb ? await attempt('current thread', async () => readThread(await kt.read(this.memory, '_ETHREAD', prcb.currentThread), 'memory')) : undefined;
    const process = thread?.processAddress ? await attempt('current process', async () => readProcess(await kt.read(this.memory, '_EPROCESS', thread.processAddress as bigint), 'memory')) : undefined;
    return { prcb, thread, process, notes };
  }

  /**
   * The processor that called KeBugCheckEx: the one whose saved context (PRCB.ProcessorState.ContextFrame,
   * read by field name) has the stack and instruction pointers of the dump header's context.
   */
  private async crashingProcessor(prcbs: PrcbInfo[]): Promise<PrcbInfo | undefined> {
    const ctx = this.dump.context;
    const kt = await this.kernelTypes();
    if (!ctx || !kt) return undefined;
    for (const p of prcbs) {
      if (p.address === undefined) continue;
      const v = await kt.read(this.memory, '_KPRCB', p.address).catch(() => undefined);
      if (!v?.has('ProcessorState.ContextFrame.Rsp')) continue;
      if (v.uint('ProcessorState.ContextFrame.Rsp') === ctx.rsp && v.uint('ProcessorState.ContextFrame.Rip') === ctx.rip) return p;
    }
    return undefined;
  }

  /** The IRQL byte of the KPCR that embeds the PRCB at `prcb` (both by field name), if readable. */
  private async irqlOf(prcb: bigint): Promise<number | undefined> {
    const kt = await this.kernelTypes();
    if (!kt) return undefined;
    try {
      const pcr = prcb - BigInt(await kt.offsetOf('_KPCR', 'Prcb'));
      // A KPCR points at itself: zeros (memory a conversion had to fill in) are not an IRQL of 0.
      const self = await this.memory.read(pcr + BigInt(await kt.offsetOf('_KPCR', 'Self')), 8);
      if (new DataView(self.buffer, self.byteOffset, 8).getBigUint64(0, true) !== pcr) return undefined;
      const b = await this.memory.read(pcr + BigInt(await kt.offsetOf('_KPCR', 'Irql')), 1);
      return b[0];
    } catch {
      return undefined;
    }
  }

  /** Every processor's PRCB, from KiProcessorBlock (full-memory dumps); entries that cannot be read are in processorNotes(). */
  async processors(): Promise<PrcbInfo[]> {
    return (await this.processorTable()).prcbs;
  }

  /** Why processors are missing from processors(): KiProcessorBlock entries that could not be read. */
  async processorNotes(): Promise<string[]> {
    return (await this.processorTable()).notes;
  }

  private async processorTable(): Promise<{ prcbs: PrcbInfo[]; notes: string[] }> {
    const kt = await this.kernelTypes();
    const nt = this.modules.kernel;
    if (!kt || !nt) return { prcbs: [], notes: [] };
    const table = this.debuggerData?.pointer('KiProcessorBlock') ?? (await kt.global(nt.base, 'KiProcessorBlock'));
    if (!table) return { prcbs: [], notes: ['KiProcessorBlock is unknown (neither the debugger data block nor nt\'s symbols give it)'] };
    const count = Math.min(Math.max(1, this.dump.header.processors), 2048);
    const ptrs = await this.memory.readSparse(table, count * 8);
    const dv = new DataView(ptrs.bytes.buffer, ptrs.bytes.byteOffset, ptrs.bytes.byteLength);
    const prcbs: PrcbInfo[] = [];
    const notes: string[] = [];
    // One damaged entry (or a missing page of one PRCB) must not lose the other processors.
    for (let i = 0; i < count; i++) {
      if (!ptrs.valid.subarray(i * 8, i * 8 + 8).every((v) => v === 1)) {
        notes.push(`KiProcessorBlock[${i}] (at ${(table + BigInt(i * 8)).toString(16)}) is not in the dump: processor ${i} is left out`);
        continue;
      }
      const a = dv.getBigUint64(i * 8, true);
      if (!a) continue;
      try {
        const p = readPrcb(await kt.read(this.memory, '_KPRCB', a), 'memory');
        p.irql = await this.irqlOf(a);
        prcbs.push(p);
      } catch (e) {
        notes.push(`KiProcessorBlock[${i}] = ${a.toString(16)}: its PRCB is unreadable (${(e as Error).message}): processor ${i} is left out`);
      }
    }
    return { prcbs, notes };
  }

  /** Fills in the session id from EPROCESS.Session → _MM_SESSION_SPACE.SessionId (by field name). */
  private async withSession(p: ProcessInfo): Promise<ProcessInfo> {
    if (!p.sessionSpace) return p;
    const kt = await this.kernelTypes();
    const s = kt ? await kt.read(this.memory, '_MM_SESSION_SPACE', p.sessionSpace).catch(() => undefined) : undefined;
    if (s?.has('SessionId')) p.sessionId = s.num('SessionId');
    return p;
  }

  /** Processes from PsActiveProcessHead (bounded walk, stopped by `signal`), with a note when the list is damaged. */
  async processes(signal?: AbortSignal): Promise<{ processes: ProcessInfo[]; note?: string }> {
    const kt = await this.kernelTypes();
    const nt = this.modules.kernel;
    if (!kt || !nt) return { processes: [], note: 'no kernel types' };
    if (this.dump.triage) {
      const c = await this.crashState();
      return { processes: c.process ? [c.process] : [], note: 'small dump: only the crashing process is present' };
    }
    const head = this.debuggerData?.pointer('PsActiveProcessHead') || this.dump.header.psActiveProcessHead || (await kt.global(nt.base, 'PsActiveProcessHead'));
    if (!head) return { processes: [], note: 'PsActiveProcessHead is unknown' };
    const walk = await walkList(this.memory, head, await kt.offsetOf('_EPROCESS', 'ActiveProcessLinks'), undefined, signal, 'the process list (PsActiveProcessHead)');
    const processes: ProcessInfo[] = [];
    for (const a of walk.items) {
      await checkpoint(signal);
      try {
        processes.push(await this.withSession(readProcess(await kt.read(this.memory, '_EPROCESS', a), 'memory')));
      } catch {
        // a process whose page is missing is skipped; the walk note says if the list itself broke
      }
    }
    return { processes, note: walk.note };
  }

  /** The threads of a process, from its ThreadListHead (bounded walk, stopped by `signal`). */
  async threadsOf(p: ProcessInfo, signal?: AbortSignal): Promise<{ threads: ThreadInfo[]; note?: string }> {
    const kt = await this.kernelTypes();
    if (!kt || p.address === undefined) return { threads: [], note: 'no kernel types or process address' };
    if (this.dump.triage) {
      const c = await this.crashState();
      return { threads: c.thread && c.thread.processAddress === p.address ? [c.thread] : [], note: 'small dump: only the crashing thread is present' };
    }
    const head = p.address + BigInt(await kt.offsetOf('_EPROCESS', 'ThreadListHead'));
    const walk = await walkList(this.memory, head, await kt.offsetOf('_ETHREAD', 'ThreadListEntry'), undefined, signal, `the thread list of process ${p.address.toString(16)} (${p.name})`);
    const threads: ThreadInfo[] = [];
    for (const a of walk.items) {
      await checkpoint(signal);
      try {
        threads.push(readThread(await kt.read(this.memory, '_ETHREAD', a), 'memory'));
      } catch {
        // skipped: page not in the dump
      }
    }
    return { threads, note: walk.note };
  }

  /** A thread by address: the small dump's copy, or memory (its dispatcher header must say ThreadObject). */
  async thread(address: bigint): Promise<ThreadInfo> {
    const c = await this.crashState();
    if (c.thread?.address === address) return c.thread;
    const kt = await this.kernelTypes();
    if (!kt) throw new DumpscopeError('no kernel types (nt PDB or ISF) to read _ETHREAD with', 'NO_TYPES');
    // The type first, from as much as is present: another object may be smaller than a thread.
    const wrong = objectTypeMismatch(await kt.readPartial(this.memory, '_ETHREAD', address), 'thread', await enumNames(this, '_KOBJECTS'));
    if (wrong) throw new DumpscopeError(wrong, 'TYPE_MISMATCH');
    const v = await kt.read(this.memory, '_ETHREAD', address);
    return readThread(v, 'memory');
  }

  /** A process by address: the small dump's copy, or memory (its dispatcher header must say ProcessObject). */
  async process(address: bigint): Promise<ProcessInfo> {
    const c = await this.crashState();
    if (c.process?.address === address) return c.process;
    const kt = await this.kernelTypes();
    if (!kt) throw new DumpscopeError('no kernel types (nt PDB or ISF) to read _EPROCESS with', 'NO_TYPES');
    // The type first, from as much as is present: another object may be smaller than a process.
    const wrong = objectTypeMismatch(await kt.readPartial(this.memory, '_EPROCESS', address), 'process', await enumNames(this, '_KOBJECTS'));
    if (wrong) throw new DumpscopeError(wrong, 'TYPE_MISMATCH');
    const v = await kt.read(this.memory, '_EPROCESS', address);
    return this.withSession(readProcess(v, 'memory'));
  }

  /** Registers to walk a thread's stack from (thread-context.ts decides, for every view); undefined when none. */
  async threadRegisters(th: ThreadInfo): Promise<X64Registers | undefined> {
    return (await threadContext(this, th)).registers;
  }

  /**
   * The registers of a KTRAP_FRAME as `.trap` shows them (trap-frame.ts): what every trap frame saves, by
   * field name; the non-volatile registers, which a page-fault or interrupt frame does not save, are zero.
   */
  async trapRegisters(address: bigint): Promise<X64Registers> {
    const kt = await this.kernelTypesFor('_KTRAP_FRAME');
    if (!kt) throw new DumpscopeError("reading a trap frame needs nt's types (a PDB or ISF table on the symbol path)", 'NO_TYPES');
    return trapFrameRegisters(await kt.read(this.memory, '_KTRAP_FRAME', address), `trap frame at ${address.toString(16)}`);
  }

  private async exportSymbols(m: ModuleInfo): Promise<ExportSymbolSource | undefined> {
    for (const pe of [(await this.image(m)).image, await this.mappedHeaders(m)]) {
      if (!pe) continue;
      const exp = await readExports(pe).catch(() => undefined);
      if (exp?.entries.length) return new ExportSymbolSource(`${m.name} exports`, exp);
    }
    return undefined;
  }

  /** Module, symbol and displacement of an address, as far as symbols allow. */
  async symbolParts(address: bigint): Promise<{ module: ModuleInfo; symbol?: string; displacement: number } | undefined> {
    const m = this.modules.at(address);
    if (!m) return undefined;
    const rva = Number(address - m.base);
    const syms = await this.moduleSymbols(m);
    const hit = syms.source ? await syms.source.symbolAt(rva) : undefined;
    // A public symbol far below the address is not its function (publics carry no sizes): fall back.
    if (hit && hit.displacement < 0x10000) return { module: m, symbol: hit.symbol.name, displacement: hit.displacement };
    return { module: m, displacement: rva };
  }

  /** 'module!symbol+0xoff', 'module+0xoffset' without symbols, '<Unloaded_x.sys>+0x…', or undefined. */
  async symbolize(address: bigint): Promise<string | undefined> {
    const p = await this.symbolParts(address);
    if (p) {
      const off = p.displacement ? `+0x${p.displacement.toString(16)}` : '';
      return p.symbol ? `${p.module.name}!${p.symbol}${off}` : `${p.module.name}${off}`;
    }
    const u = this.modules.unloadedAt(address);
    if (u) return `<Unloaded_${u.imageName}>+0x${(address - u.base).toString(16)}`;
    return undefined;
  }

  /** 'module', 'module!symbol' (exact public name), or 'symbol' searched in every module with a PDB. */
  async resolveSymbol(name: string): Promise<bigint | undefined> {
    const bang = name.indexOf('!');
    if (bang < 0) {
      const m = this.modules.byModuleName(name);
      if (m) return m.base;
      return undefined;
    }
    const m = this.modules.byModuleName(name.slice(0, bang));
    if (!m) return undefined;
    const syms = await this.moduleSymbols(m);
    const s = await syms.source?.lookup(name.slice(bang + 1));
    return s ? m.base + BigInt(s.rva) : undefined;
  }

  /** What the stack walker needs from this target (unwind data, trap frames, symbols): unwind-source.ts. */
  unwindData(): UnwindData {
    return kernelUnwindData(this);
  }

  /**
   * Up to `length` code bytes at `address`, merged per byte: the dump's wherever it has them (Windows rewrites
   * import calls at load time, so memory and file differ), the module's image file only for the missing runs.
   * Ends before the first byte neither has; undefined when that is the first.
   */
  async readCode(address: bigint, length: number): Promise<Uint8Array | undefined> {
    const s = await this.memory.readSparse(address, length);
    if (s.valid.indexOf(0) < 0) return s.bytes;
    const out = s.bytes.slice();
    for (let i = 0; i < out.length; ) {
      if (s.valid[i]) {
        i++;
        continue;
      }
      let j = i;
      while (j < out.length && !s.valid[j]) j++;
      const img = await this.codeFromImage(address + BigInt(i), j - i).catch(() => undefined);
      const n = img ? Math.min(img.length, j - i) : 0;
      if (n) out.set(img!.subarray(0, n), i);
      if (n < j - i) return i + n > 0 ? out.subarray(0, i + n) : undefined;
      i = j;
    }
    return out;
  }

  /** Code bytes from the module's image file when the dump lacks them. */
  async codeFromImage(address: bigint, length: number): Promise<Uint8Array | undefined> {
    const m = this.modules.at(address);
    if (!m) return undefined;
    const img = await this.image(m);
    return img.image?.readRva(Number(address - m.base), Math.min(length, m.size - Number(address - m.base)));
  }

  /**
   * Walks a stack. Without bounds in `opts`, the crashing thread's stacks bound it when rsp is on them;
   * callers walking another thread pass `stackBoundsFor(thread, rsp)`.
   */
  async walk(registers: X64Registers, opts: UnwindOptions = {}): Promise<StackFrame[]> {
    const bounded = opts.stacks !== undefined || opts.stackBase !== undefined;
    const bounds = bounded ? undefined : await defaultStackBounds(this, registers.rsp);
    return walkStack(registers, this.memory, this.unwindData(), { ...bounds, ...opts });
  }

  /** The stacks a walk of `thread` from `rsp` may use (its kernel stack, DPC/ISR stacks), for UnwindOptions. */
  stackBoundsFor(thread: ThreadInfo | undefined, rsp: bigint): Promise<StackBounds | undefined> {
    return stackBoundsFor(this, thread, rsp);
  }
}
