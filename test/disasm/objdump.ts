// llvm-objdump-14 (LLVM's disassembler, independent of iced-x86) as the reference for instruction
// boundaries and bytes in the scenario driver.
import { execFileSync } from 'node:child_process';

export const OBJDUMP = 'llvm-objdump-14';

export function objdumpMissing(): false | string {
  try {
    execFileSync(OBJDUMP, ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    return `${OBJDUMP} is not installed (apt install llvm-14)`;
  }
}

export interface ObjdumpLine {
  address: bigint;
  /** Instruction bytes as lower-case hex without spaces (how WinDbg prints them). */
  bytes: string;
  /** AT&T mnemonic (jb, jbe, retq, callq …). */
  mnemonic: string;
  /** Direct branch target, when objdump prints one. */
  target?: bigint;
}

/** Every instruction of the image's code sections, in address order. */
export function objdumpInstructions(image: string): ObjdumpLine[] {
  const text = execFileSync(OBJDUMP, ['-d', image], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const out: ObjdumpLine[] = [];
  for (const m of text.matchAll(/^([0-9a-f]+): ((?:[0-9a-f]{2} ?)+)[ \t]*\t(\S+)[ \t]*([^\n]*)$/gm)) {
    const target = /^(?:0x)?([0-9a-f]+)(?: <|$)/.exec(m[4].trim());
    out.push({ address: BigInt(`0x${m[1]}`), bytes: m[2].replace(/ /g, ''), mnemonic: m[3], target: target && /^j|^call/.test(m[3]) ? BigInt(`0x${target[1]}`) : undefined });
  }
  return out;
}
