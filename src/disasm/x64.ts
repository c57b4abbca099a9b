// x64 disassembly in WinDbg's layout and MASM syntax (iced-x86's MASM formatter matches it), with branch
// and RIP-relative targets symbolized: `call    qword ptr [Driver+0x2060 (fffff801`197f2060)]`.
import { addr64 } from '../util/hex.js';
import { loadIced } from './iced.js';

/** address → 'module!symbol+0xoff' / 'module+0xoff', or undefined when no module contains it. */
export type Symbolizer = (address: bigint) => Promise<string | undefined>;

export interface DecodedInstruction {
  address: bigint;
  bytes: Uint8Array;
  /** False when the bytes do not decode (shown as `???`). */
  valid: boolean;
  mnemonic: string;
  /** Operands as WinDbg prints them, targets already symbolized. */
  operands: string;
  /** Direct branch/call target. */
  branchTarget?: bigint;
  /** Absolute address of a RIP-relative memory operand. */
  ripTarget?: bigint;
  /** The instruction has an explicit memory operand (for the effective-address annotation). */
  memory?: MemoryOperandInfo;
  /** Control flow: 'next' | 'branch' | 'call' | 'return' | 'interrupt' | 'indirect' … */
  flow: string;
}

export interface MemoryOperandInfo {
  base?: string;
  index?: string;
  scale: number;
  displacement: bigint;
  /** Operand size in bytes (0 when not applicable, e.g. lea). */
  size: number;
  segment: string;
  isLea: boolean;
}

const M64 = (1n << 64n) - 1n;

/** Decodes up to `count` instructions from `bytes` (which start at `address`). Stops early at the end of the bytes. */
export async function decode(bytes: Uint8Array, address: bigint, count: number, symbolize?: Symbolizer): Promise<DecodedInstruction[]> {
  const iced = await loadIced();
  const decoder = new iced.Decoder(64, bytes, iced.DecoderOptions.None);
  decoder.ip = address;
  const fmt = new iced.Formatter(iced.FormatterSyntax.Masm);
  fmt.ripRelativeAddresses = false; // absolute addresses, which we replace with symbols
  fmt.showBranchSize = false;
  fmt.branchLeadingZeros = false;
  fmt.memorySizeOptions = iced.MemorySizeOptions.Always; // WinDbg always names the operand size (not for lea)
  const out: DecodedInstruction[] = [];
  try {
    while (out.length < count && decoder.canDecode) {
      const ins = decoder.decode();
      try {
        const offset = Number(ins.ip - address);
        const len = ins.length;
        const raw = bytes.subarray(offset, offset + len);
        if (ins.isInvalid || (ins.code as number) === (iced.Code.INVALID as number)) {
          out.push({ address: ins.ip, bytes: raw, valid: false, mnemonic: '???', operands: '', flow: 'invalid' });
          continue;
        }
        const mnemonic = fmt.formatMnemonic(ins);
        let operands = fmt.formatAllOperands(ins);
        const d: DecodedInstruction = { address: ins.ip, bytes: raw, valid: true, mnemonic, operands, flow: iced.FlowControl[ins.flowControl]?.toLowerCase() ?? 'next' };
        if (ins.isIpRelMemoryOperand) d.ripTarget = ins.ipRelMemoryAddress & M64;
        const isBranch = [iced.FlowControl.UnconditionalBranch, iced.FlowControl.ConditionalBranch, iced.FlowControl.Call].includes(ins.flowControl) && ins.opCount === 1 && isNearBranchOp(iced, ins.op0Kind);
        if (isBranch) d.branchTarget = ins.nearBranchTarget & M64;
        const memIdx = memoryOperandIndex(iced, ins);
        if (memIdx >= 0) {
          const reg = (r: number) => (r === iced.Register.None ? undefined : fmt.formatRegister(r));
          d.memory = {
            base: ins.isIpRelMemoryOperand ? undefined : reg(ins.memoryBase),
            index: reg(ins.memoryIndex),
            scale: ins.memoryIndexScale,
            displacement: ins.isIpRelMemoryOperand ? d.ripTarget! : ins.memoryDisplacementU64 & M64,
            size: iced.MemorySizeExt.size(ins.memorySize),
            segment: fmt.formatRegister(ins.memorySegment),
            isLea: ins.mnemonic === iced.Mnemonic.Lea,
          };
        }
        if (symbolize && (d.branchTarget !== undefined || d.ripTarget !== undefined)) {
          operands = await symbolizeOperands(operands, d, symbolize);
        }
        d.operands = operands;
        out.push(d);
      } finally {
        ins.free();
      }
    }
  } finally {
    decoder.free();
    fmt.free();
  }
  return out;
}

/**
 * Instruction boundaries without formatting, for `ub`'s search: one decoder over a window of code, asked
 * many times where the instructions from some offset end. Call free() when done.
 */
export class LengthDecoder {
  private constructor(
    private readonly iced: Awaited<ReturnType<typeof loadIced>>,
    private readonly decoder: InstanceType<Awaited<ReturnType<typeof loadIced>>['Decoder']>,
    private readonly ins: InstanceType<Awaited<ReturnType<typeof loadIced>>['Instruction']>,
  ) {}

  static async open(bytes: Uint8Array): Promise<LengthDecoder> {
    const iced = await loadIced();
    return new LengthDecoder(iced, new iced.Decoder(64, bytes, iced.DecoderOptions.None), new iced.Instruction());
  }

  /** Start offsets of the instructions from `start` when they end exactly at `end`; else undefined (an invalid
   * instruction, or one running past `end`). */
  run(start: number, end: number): number[] | undefined {
    const out: number[] = [];
    this.decoder.position = start;
    let pos = start;
    while (pos < end && this.decoder.canDecode) {
      this.decoder.decodeOut(this.ins);
      if (this.ins.isInvalid || (this.ins.code as number) === (this.iced.Code.INVALID as number)) return undefined;
      out.push(pos);
      pos = this.decoder.position;
    }
    return pos === end ? out : undefined;
  }

  /** Where the instruction at `pos` ends, or -1 when the bytes there do not decode. */
  endAt(pos: number): number {
    this.decoder.position = pos;
    if (!this.decoder.canDecode) return -1;
    this.decoder.decodeOut(this.ins);
    if (this.ins.isInvalid || (this.ins.code as number) === (this.iced.Code.INVALID as number)) return -1;
    return this.decoder.position;
  }

  free(): void {
    this.ins.free();
    this.decoder.free();
  }
}

function isNearBranchOp(iced: Awaited<ReturnType<typeof loadIced>>, kind: number): boolean {
  return kind === iced.OpKind.NearBranch64 || kind === iced.OpKind.NearBranch32 || kind === iced.OpKind.NearBranch16;
}

function memoryOperandIndex(iced: Awaited<ReturnType<typeof loadIced>>, ins: InstanceType<Awaited<ReturnType<typeof loadIced>>['Instruction']>): number {
  for (let i = 0; i < ins.opCount; i++) if (ins.opKind(i) === iced.OpKind.Memory) return i;
  return -1;
}

/** The hex text iced prints for an absolute address in MASM syntax: 0FFFFF801197F2060h. */
function masmHex(v: bigint): string {
  const h = v.toString(16).toUpperCase();
  return `${/^[A-F]/.test(h) ? '0' : ''}${h}h`;
}

async function symbolizeOperands(operands: string, d: DecodedInstruction, symbolize: Symbolizer): Promise<string> {
  const target = d.branchTarget ?? d.ripTarget!;
  const name = await symbolize(target);
  const shown = name ? `${name} (${addr64(target)})` : addr64(target);
  const hex = masmHex(target);
  // Replace the whole operand text for branches, the bracketed address for memory operands.
  if (d.branchTarget !== undefined) return operands.replace(hex, shown);
  return operands.replace(`[${hex}]`, `[${shown}]`).replace(hex, shown);
}

/** One line of `u` output: `fffff801`197f1d1e 0f2949c0        movaps  xmmword ptr [rcx-40h],xmm1`. */
export function renderInstruction(d: DecodedInstruction, suffix = ''): string {
  const hexBytes = [...d.bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  // Columns: address (17) + space, bytes padded to 15 + space, mnemonic padded to 7 + space; when a column
  // is already passed (long byte strings) a single space separates the fields, as WinDbg does.
  let line = `${addr64(d.address)} ${hexBytes.padEnd(15)} `;
  const opsCol = 17 + 1 + 16 + 8;
  line += d.mnemonic;
  if (d.operands) line += line.length < opsCol ? ' '.repeat(opsCol - line.length) : ' ';
  line += d.operands;
  return suffix ? `${line} ${suffix}` : line;
}
