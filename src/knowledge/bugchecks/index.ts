// Bugcheck knowledge: the name of every documented code, and for the common ones what happened, what each
// argument holds and which sub-case the actual arguments select.
import { tableEntries, tableLookup } from '../code-table.js';
import { BUGCODES_TABLE } from '../generated/bugcodes.js';
import { DRIVER_DOCS } from './docs-drivers.js';
import { EXCEPTION_DOCS } from './docs-exceptions.js';
import { MEMORY_DOCS } from './docs-memory.js';
import { MORE_DOCS_1 } from './docs-more-1.js';
import { MORE_DOCS_2 } from './docs-more-2.js';
import { MORE_DOCS_3 } from './docs-more-3.js';
import { SYSTEM_DOCS } from './docs-system.js';
import { BUGCHECK_NAMES } from './names.js';
import type { BugcheckDoc } from './types.js';

export type { BugcheckDoc, SubcodeDoc } from './types.js';

const fromReference = tableLookup(BUGCHECK_NAMES);
const fromHeader = tableLookup(BUGCODES_TABLE);

let docs: Map<number, BugcheckDoc> | undefined;
function docMap(): Map<number, BugcheckDoc> {
  docs ??= new Map([...EXCEPTION_DOCS, ...MEMORY_DOCS, ...DRIVER_DOCS, ...SYSTEM_DOCS, ...MORE_DOCS_1, ...MORE_DOCS_2, ...MORE_DOCS_3]);
  return docs;
}

/** Codes with a written explanation. */
export function documentedBugchecks(): number[] {
  return [...docMap().keys()].sort((a, b) => a - b);
}

/** Every code with a known name (Microsoft's reference, then bugcodes.h for older ones). */
export function knownBugcheckCodes(): number[] {
  const codes = new Set<number>();
  for (const table of [BUGCHECK_NAMES, BUGCODES_TABLE]) for (const [code] of tableEntries(table)) codes.add(code);
  return [...codes].sort((a, b) => a - b);
}

const M_BIT = 0x10000000;

/**
 * `_M` variants (0x1000007E …) are the same stop raised through a different path; they share the base
 * code's meaning. Only codes whose base is itself a small bugcheck count (0xC000021A is not a variant).
 */
function splitCode(code: number): { base: number; isM: boolean } {
  const c = code >>> 0;
  if ((c & 0xf0000000) >>> 0 === M_BIT && (c & 0x0fffffff) < 0x10000) return { base: c & 0x0fffffff, isM: true };
  return { base: c, isM: false };
}

/** Name of a bugcheck code; `_M` variants get the base name with `_M`. */
export function bugcheckName(code: number): string | undefined {
  const { base, isM } = splitCode(code);
  const listed = fromReference(code >>> 0);
  if (listed) return listed;
  const name = fromReference(base) ?? fromHeader(base);
  if (!name) return undefined;
  return isM ? `${name}_M` : name;
}

export interface BugcheckArgInfo {
  meaning: string;
  value?: bigint;
  /** What this particular value means (access kind, selected sub-case), when it can be told. */
  note?: string;
}

export interface BugcheckInfo {
  code: number;
  name?: string;
  baseCode: number;
  isMVariant: boolean;
  /** False when no explanation is written for this code (the summary then says so). */
  documented: boolean;
  summary: string;
  args: [BugcheckArgInfo, BugcheckArgInfo, BugcheckArgInfo, BugcheckArgInfo];
  subcode?: { arg: 1 | 2 | 3 | 4; value: bigint; meaning: string };
}

const NEUTRAL: BugcheckDoc = {
  summary: 'No explanation of this bugcheck is built in; its name and arguments are shown as they are.',
  args: ['Argument 1', 'Argument 2', 'Argument 3', 'Argument 4'],
};

/**
 * What a bugcheck means, given its code and (optionally) its four actual arguments, which select the
 * sub-case and the per-value notes. Arguments may be sign-extended 64-bit values.
 */
export function bugcheckInfo(code: number, actual: readonly (bigint | number)[] = []): BugcheckInfo {
  const { base, isM } = splitCode(code);
  const doc = docMap().get(base);
  const d = doc ?? NEUTRAL;
  const values = actual.slice(0, 4).map((v) => BigInt.asUintN(64, BigInt(v)));
  const args = d.args.map((meaning, i) => ({ meaning, ...(values[i] === undefined ? {} : { value: values[i] }) })) as BugcheckInfo['args'];
  const info: BugcheckInfo = { code: code >>> 0, name: bugcheckName(code), baseCode: base, isMVariant: isM, documented: doc !== undefined, summary: d.summary, args };
  if (d.selector && d.subcodes) {
    const v = values[d.selector - 1];
    const hit = v === undefined ? undefined : d.subcodes.find((s) => s.values.some((x) => BigInt(x) === v));
    if (v !== undefined && hit) {
      info.subcode = { arg: d.selector, value: v, meaning: hit.meaning };
      args[d.selector - 1].note = hit.meaning;
      for (const [k, meaning] of Object.entries(hit.args ?? {})) args[Number(k) - 1].meaning = meaning;
    }
  }
  if (d.decode && values.length > 0) {
    for (const [k, note] of Object.entries(d.decode(values))) if (note) args[Number(k) - 1].note = note;
  }
  return info;
}
