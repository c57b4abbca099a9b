// `dt [-r[N]] [MODULE!]TYPE [ADDRESS]` (also `dt MODULE!TYPE -r1 ADDRESS`): a type's layout, or a structure in
// memory with each field's value. Recursion into embedded structures is bounded in depth and in row count.
import { DumpscopeError } from '../../io/errors.js';
import { type DtRow, renderDt } from '../../render/dt.js';
import type { KernelTarget } from '../../target/kernel-target.js';
import type { Type } from '../../symbols/types.js';
import { dtTypeName } from '../../symbols/windbg-type-name.js';
import type { CommandSpec } from '../command.js';
import { evalArg, kernelTarget } from './target-access.js';

export interface DtResult {
  kind: 'dt';
  module: string;
  type: string;
  address?: bigint;
  rows: DtRow[];
  truncated: boolean;
}

const MAX_DEPTH = 8;
const MAX_ROWS = 20_000;

/** Finds TYPE in MODULE's symbols, or in nt's and then every module's when no module is named. */
export async function findTypeByName(t: KernelTarget, spec: string): Promise<{ module: string; type: Type }> {
  const bang = spec.indexOf('!');
  const moduleName = bang >= 0 ? spec.slice(0, bang) : undefined;
  const typeName = bang >= 0 ? spec.slice(bang + 1) : spec;
  const candidates = moduleName ? [t.modules.byModuleName(moduleName)] : t.modules.modules.slice(0, 1);
  if (moduleName && !candidates[0]) throw new DumpscopeError(`no module named ${moduleName}`, 'NO_MODULE');
  for (const m of candidates) {
    if (!m) continue;
    const syms = await t.moduleSymbols(m);
    if (!syms.source) {
      if (moduleName) throw new DumpscopeError(`no symbols for ${m.name} (${syms.detail})`, 'NO_SYMBOLS');
      continue;
    }
    const ty = await syms.source.findType(typeName);
    if (ty) return { module: m.name, type: ty };
  }
  throw new DumpscopeError(`Symbol ${spec} not found.`, 'NO_TYPE');
}

export const dtCommand: CommandSpec<DtResult> = {
  names: ['dt'],
  summary: 'Display a type (dt nt!_KTRAP_FRAME) or a structure in memory (dt nt!_EPROCESS ADDRESS); -r[N] recurses',
  usage: 'dt [-r[N]] [MODULE!]TYPE [ADDRESS]',
  async run(session, args) {
    const t = kernelTarget(session);
    let depth = 0;
    const words: string[] = [];
    for (const w of args.trim().split(/\s+/).filter(Boolean)) {
      const r = /^-r(\d*)$/i.exec(w);
      if (r) depth = r[1] ? Math.min(Number(r[1]), MAX_DEPTH) : 5;
      else words.push(w);
    }
    if (!words.length) throw new DumpscopeError('usage: dt [-r[N]] [MODULE!]TYPE [ADDRESS]', 'USAGE');
    const { module, type } = await findTypeByName(t, words[0]);
    // After the type: an address and/or field names to show (`dt nt!_EPROCESS ADDR ImageFileName`).
    let address: bigint | undefined;
    const fields: string[] = [];
    for (const w of words.slice(1)) {
      const isField = /^[A-Za-z_][\w.]*\*?$/.test(w) && !/^[0-9a-f]+$/i.test(w);
      if (address === undefined && !isField) address = await evalArg(session, w);
      else fields.push(w);
    }
    const bytes = address !== undefined ? await t.memory.readSparse(address, Math.max(type.size, 1)) : undefined;
    const state = { rows: 0, truncated: false };
    let rows = type.kind === 'udt' ? layoutRows(type, 0, depth, bytes, state, address) : [];
    if (fields.length) {
      const want = fields.map((f) => f.replace(/\.$/, ''));
      rows = rows.filter((r) => want.some((f) => r.name === f || r.name.startsWith(f.endsWith('*') ? f.slice(0, -1) : `\0`)));
      if (!rows.length) throw new DumpscopeError(`${words[0]} has no field ${fields.join(', ')}`, 'NO_FIELD');
    }
    if (type.kind !== 'udt') rows.push({ offset: 0, name: '', typeName: dtTypeName(type), depth: 0 });
    return { kind: 'dt', module, type: type.kind === 'udt' || type.kind === 'enum' ? type.name : dtTypeName(type), address, rows, truncated: state.truncated };
  },
  renderText: renderDt,
};

type Sparse = { bytes: Uint8Array; valid: Uint8Array };

function layoutRows(t: Type & { kind: 'udt' }, base: number, depth: number, mem: Sparse | undefined, state: { rows: number; truncated: boolean }, address: bigint | undefined, level = 0): DtRow[] {
  const out: DtRow[] = [];
  for (const f of t.fields) {
    if (state.rows >= MAX_ROWS) {
      state.truncated = true;
      break;
    }
    state.rows++;
    const at = base + f.offset;
    const row: DtRow = { offset: f.offset, name: f.name, typeName: dtTypeName(f.type), depth: level };
    if (f.bitLength !== undefined) row.bits = { position: f.bitPosition ?? 0, length: f.bitLength };
    if (f.role) row.role = f.role;
    if (mem) row.value = valueText(f.type, at, mem, row.bits);
    out.push(row);
    if (f.type.kind === 'udt' && level < depth) row.children = layoutRows(f.type, at, depth, mem, state, address, level + 1);
  }
  return out;
}

function readUint(mem: Sparse, at: number, size: number): bigint | undefined {
  if (at + size > mem.bytes.length) return undefined;
  for (let i = 0; i < size; i++) if (!mem.valid[at + i]) return undefined;
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(mem.bytes[at + i]);
  return v;
}

/** Unsigned values as dt prints them: 0-9 bare, 64-bit values with a backtick, others as 0x hex. */
function intText(v: bigint): string {
  if (v < 10n) return v.toString();
  if (v > 0xffffffffn) return `0x${v.toString(16).padStart(16, '0').replace(/^(.{8})/, '$1`')}`;
  return `0x${v.toString(16)}`;
}

const ptrText = (v: bigint) => (v === 0n ? '(null)' : `0x${v.toString(16).padStart(16, '0').replace(/^(.{8})/, '$1`')}`);

function valueText(t: Type, at: number, mem: Sparse, bits?: { position: number; length: number }): string {
  const unreadable = 'Memory read error';
  switch (t.kind) {
    case 'base': {
      const v = readUint(mem, at, t.size);
      if (v === undefined) return unreadable;
      if (bits) return `0y${((v >> BigInt(bits.position)) & ((1n << BigInt(bits.length)) - 1n)).toString(2).padStart(bits.length, '0')}`;
      if (t.float) return t.size === 4 ? String(new DataView(new BigUint64Array([v]).buffer).getFloat32(0, true)) : String(new DataView(new BigUint64Array([v]).buffer).getFloat64(0, true));
      if (t.size === 1) {
        const c = Number(v);
        const ch = c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '';
        return t.signed ? `${BigInt.asIntN(8, v)} '${ch}'` : `0x${c.toString(16)} '${ch}'`;
      }
      if (t.signed) return `0n${BigInt.asIntN(t.size * 8, v)}`;
      return intText(v);
    }
    case 'enum': {
      const v = readUint(mem, at, t.size);
      if (v === undefined) return unreadable;
      const sv = t.base.kind === 'base' && t.base.signed ? BigInt.asIntN(t.size * 8, v) : v;
      const e = t.enumerators.find((x) => x.value === sv);
      return e ? `${e.value} ( ${e.name} )` : `0n${sv}`;
    }
    case 'pointer': {
      const v = readUint(mem, at, t.size);
      if (v === undefined) return unreadable;
      if (v === 0n) return '(null)';
      return t.target.kind === 'function' ? ptrText(v) : `${ptrText(v)} ${dtTypeName(t.target).trim()}`;
    }
    case 'array': {
      if (t.element.kind === 'base' && t.element.size === 1) {
        const chars: number[] = [];
        for (let i = 0; i < t.count && at + i < mem.bytes.length && mem.valid[at + i]; i++) {
          if (mem.bytes[at + i] === 0) break;
          chars.push(mem.bytes[at + i]);
        }
        return `[${t.count}]  "${String.fromCharCode(...chars.map((c) => (c >= 0x20 && c < 0x7f ? c : 0x2e)))}"`;
      }
      return `[${t.count}] ${t.element.kind === 'udt' ? dtTypeName(t.element) : valueText(t.element, at, mem)}`;
    }
    case 'udt': {
      if (t.name === '_LIST_ENTRY' || t.name === '_LIST_ENTRY64') {
        const a = readUint(mem, at, 8);
        const b = readUint(mem, at + 8, 8);
        return a === undefined || b === undefined ? unreadable : `_LIST_ENTRY [ ${ptrText(a)} - ${ptrText(b)} ]`;
      }
      return t.name;
    }
    default:
      return dtTypeName(t);
  }
}
