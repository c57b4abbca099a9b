// `? EXPR` and `.formats EXPR`: evaluate a MASM expression and show it in several notations.
import { addr64 } from '../../util/hex.js';
import { KernelTarget } from '../../target/kernel-target.js';
import { timeZoneBiasMinutes } from '../../target/system-info.js';
import { ctimeUtc, filetimeToDate, formatG, windbgTime } from '../../util/cformat.js';
import type { CommandSpec } from '../command.js';
import { evaluateExpression, toSigned64 } from '../expr/masm.js';
import { ExpressionError } from '../expr/errors.js';
import { cppTypeName, evaluateCpp } from './cpp-eval.js';

export interface EvaluateResult {
  kind: 'evaluate';
  value: bigint;
  signed: bigint;
}

export const evaluateCommand: CommandSpec<EvaluateResult> = {
  names: ['?'],
  summary: 'Evaluate a MASM expression',
  usage: '? EXPRESSION',
  async run(session, args) {
    if (!args) throw new ExpressionError('usage: ? EXPRESSION');
    const value = await evaluateExpression(args, await session.expressionEnv());
    return { kind: 'evaluate', value, signed: toSigned64(value) };
  },
  renderText: (r) => `Evaluate expression: ${r.signed} = ${addr64(r.value)}`,
};

export interface CppEvaluateResult {
  kind: 'cpp-evaluate';
  expression: string;
  /** WinDbg's C++ spelling of the result's type (`int`, `unsigned int64`, `char *`). */
  type: string;
  value: bigint;
  /** Shown in decimal (signed integers) rather than hex. */
  decimal: boolean;
  /** bool results: true/false. */
  bool?: boolean;
}

/** `?? EXPRESSION`: WinDbg's C++ evaluation — numbers and pointers with their C++ type. */
export const cppEvaluateCommand: CommandSpec<CppEvaluateResult> = {
  names: ['??'],
  summary: 'Evaluate a C++ expression over the dump\'s types (numbers, pointers, sizeof(TYPE)); structures: dt or dx',
  usage: '?? EXPRESSION',
  async run(session, args) {
    const { object, sizeofOnly } = await evaluateCpp(session, args);
    const t = object.type;
    if (t?.kind === 'udt' || t?.kind === 'array') throw new ExpressionError('?? shows numbers and pointers; dt TYPE ADDRESS or dx EXPRESSION shows a structure or an array');
    if (object.unreadable) throw new ExpressionError(`Memory access error at 0x${(object.address ?? 0n).toString(16)}`);
    const value = object.value;
    if (value === undefined) throw new ExpressionError('the expression has no value');
    const signed = !sizeofOnly && (t === undefined || (t.kind === 'base' && t.signed) || (t.kind === 'enum' && t.base.kind === 'base' && t.base.signed));
    const size = t && !sizeofOnly ? t.size : 8;
    const v = signed ? BigInt.asIntN(size * 8, value) : value;
    const bool = t?.kind === 'base' && t.name === 'bool' ? value !== 0n : undefined;
    return { kind: 'cpp-evaluate', expression: args.trim(), type: cppTypeName(t, value, sizeofOnly), value: v, decimal: signed, ...(bool === undefined ? {} : { bool }) };
  },
  renderText: (r) => `${r.type} ${r.bool !== undefined ? String(r.bool) : r.decimal ? `0n${r.value}` : `0x${r.value.toString(16)}`}`,
};

export interface FormatsResult {
  kind: 'formats';
  value: bigint;
  hex: string;
  decimal: string;
  unsignedDecimal: string;
  octal: string;
  binary: string;
  chars: string;
  time: string;
  /** The zone of `time`, minutes west of UTC (0: UTC). */
  timeZoneBiasMinutes: number;
  floatLow: string;
  floatHigh: string;
  double: string;
}

/**
 * `biasMinutes`: the zone the Time line is shown in, minutes west of UTC (the target's TimeZoneBias when a
 * dump is open; WinDbg uses its own machine's zone, the walkthrough's analyst sat in the target's). A 32-bit
 * value is a time_t (ctime layout); a wider one a FILETIME, with milliseconds and the zone, as WinDbg shows it.
 */
export function formatsOf(value: bigint, biasMinutes = 0): FormatsResult {
  const bytes = new Uint8Array(8);
  const dv = new DataView(bytes.buffer);
  dv.setBigUint64(0, value, false); // big-endian: Chars reads most significant byte first
  const chars = [...bytes].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
  const binary = [...bytes].map((b) => b.toString(2).padStart(8, '0')).join(' ');
  const low = Number(value & 0xffffffffn);
  const high = Number(value >> 32n);
  const f = new DataView(new ArrayBuffer(8));
  f.setUint32(0, low, true);
  const floatLow = f.getFloat32(0, true);
  f.setUint32(0, high, true);
  const floatHigh = f.getFloat32(0, true);
  f.setBigUint64(0, value, true);
  const dbl = f.getFloat64(0, true);
  let time: string;
  if (high === 0) time = ctimeUtc(new Date((low - biasMinutes * 60) * 1000));
  else {
    const d = filetimeToDate(value);
    const local = d && new Date(d.getTime() - biasMinutes * 60_000);
    time = local && local.getUTCFullYear() >= 1601 && local.getUTCFullYear() <= 9999 ? windbgTime(d, biasMinutes) : '***** Invalid';
  }
  return {
    kind: 'formats',
    value,
    hex: addr64(value),
    decimal: toSigned64(value).toString(),
    unsignedDecimal: value.toString(),
    octal: value.toString(8).padStart(22, '0'),
    binary,
    chars,
    time,
    timeZoneBiasMinutes: biasMinutes,
    floatLow: formatG(floatLow),
    floatHigh: formatG(floatHigh),
    double: formatG(dbl),
  };
}

export const formatsCommand: CommandSpec<FormatsResult> = {
  names: ['.formats'],
  summary: 'Show a value as hex, decimal, octal, binary, characters, time and floating point',
  usage: '.formats EXPRESSION',
  async run(session, args) {
    if (!args) throw new ExpressionError('usage: .formats EXPRESSION');
    const value = await evaluateExpression(args, await session.expressionEnv());
    const bias = session.target instanceof KernelTarget ? await timeZoneBiasMinutes(session.target).catch(() => undefined) : undefined;
    return formatsOf(value, bias ?? 0);
  },
  renderText: (r) =>
    [
      'Evaluate expression:',
      `  Hex:     ${r.hex}`,
      `  Decimal: ${r.decimal}`,
      `  Decimal (unsigned) : ${r.unsignedDecimal}`,
      `  Octal:   ${r.octal}`,
      `  Binary:  ${r.binary}`,
      `  Chars:   ${r.chars}`,
      `  Time:    ${r.time}`,
      `  Float:   low ${r.floatLow} high ${r.floatHigh}`,
      `  Double:  ${r.double}`,
    ].join('\n'),
};
