// ROOT CAUSE ordering and its opening SUMMARY. The claim that explains the crash leads (a culprit or
// mechanism: pool corruption, an overflow, an unloaded driver, a family's finding), supporting observations
// follow (fill patterns, statuses, the bad address), the first third-party frame comes last. The summary is
// one paragraph composed from the leading claim's data, for a reader who is not a debugger user.
import type { RootCauseClaim } from './report.js';

const ROLE = { cause: 0, observation: 1, context: 2 } as const;
const CONFIDENCE = { high: 0, medium: 1, low: 2 } as const;
/** Among causes, the more specific explanation first. */
const SPECIFIC = ['pool-corruption', 'unloaded-driver', 'overflow-into-freed-page', 'pageable-at-high-irql', 'invalid-address-at-high-irql', 'freed-page', 'pool-overrun'];

function specificity(c: RootCauseClaim): number {
  if (c.rule === 'unloaded-driver' && c.facts?.direct !== 'yes') return SPECIFIC.length;
  const i = SPECIFIC.indexOf(c.rule);
  return i < 0 ? SPECIFIC.length + 1 : i;
}

export function rankClaims(claims: RootCauseClaim[]): RootCauseClaim[] {
  return claims
    .map((c, i) => ({ c, i }))
    .sort((a, b) => ROLE[a.c.role ?? 'cause'] - ROLE[b.c.role ?? 'cause'] || CONFIDENCE[a.c.confidence] - CONFIDENCE[b.c.confidence] || specificity(a.c) - specificity(b.c) || a.i - b.i)
    .map((x) => x.c);
}

export interface SummaryContext {
  bugcheckName: string;
  bugcheckCode: number;
  /** The exception that stopped the system ('Access violation', 0xc0000005), when there is one. */
  exception?: { name?: string; code: number };
  /** The blamed module and where (MODULE_NAME, SYMBOL_NAME). */
  module: string;
  symbol: string;
  /** Why the header describes no crash at all (a live-acquisition marker such as 'MATT', or code 0). */
  notACrash?: string;
}

function stopped(x: SummaryContext): string {
  const e = x.exception;
  return e ? ` (${(e.name ?? 'exception').toLowerCase()} ${e.code.toString(16).padStart(8, '0')})` : ` (bugcheck 0x${x.bugcheckCode.toString(16).toUpperCase()}, ${x.bugcheckName})`;
}

/** "The system stopped with bugcheck 0x1000007E (…) after an access violation (c0000005)." */
function stopSentence(x: SummaryContext): string {
  const e = x.exception;
  const name = e?.name ? e.name.toLowerCase() : 'an exception';
  const article = e?.name ? (/^[aeiou]/.test(name) ? 'an ' : 'a ') : '';
  return `The system stopped with bugcheck 0x${x.bugcheckCode.toString(16).toUpperCase()} (${x.bugcheckName})${e ? ` after ${article}${name} (${e.code.toString(16).padStart(8, '0')})` : ''}.`;
}

function firstSentence(s: string): string {
  const m = /^(.*?[.!?])(\s|$)/.exec(s);
  return (m ? m[1] : s).trim();
}

/** The lead claim as one sentence, from its data; undefined when its rule has no wording of its own. */
function leadSentence(c: RootCauseClaim, x: SummaryContext): string | undefined {
  const f = c.facts ?? {};
  const who = f.driver ?? f.module ?? x.module;
  const tail = `${stopped(x)} and stopped the system.`;
  switch (c.rule) {
    case 'pool-corruption':
      return `${who} is corrupting pool memory: it wrote ${f.fill ?? 'data'} past the end of its '${f.tag}' allocation; Windows found the damage while freeing the block${tail}`;
    case 'pool-overrun':
      return `${who} wrote past the end of its '${f.tag}' pool allocation${f.fill ? ` (with ${f.fill})` : ''}; Windows met the damage at ${x.symbol}${tail}`;
    case 'overflow-into-freed-page':
      return `${who} overran a buffer: its ${f.access ?? 'access'} at ${x.symbol} ran off the end of a valid page${f.fill ? ` full of ${f.fill}` : ''} into a freed page at ${f.address}; Windows caught the ${f.access ?? 'access'}${tail}`;
    case 'freed-page':
      return `${who} used memory that had already been freed (${f.access ?? 'an access'} at ${f.address}, from ${x.symbol}); Windows caught it${tail}`;
    case 'unloaded-driver':
      return `${f.image} had been unloaded, yet ${f.direct === 'yes' ? 'the crash happened in its old code range: something it left behind (a callback, timer, DPC or pending I/O) was still used' : 'addresses in its old range are still on the crashing stack'}; Windows caught it${tail}`;
    case 'pageable-at-high-irql':
      return `${who} touched pageable memory that was not resident (${f.address}, ${f.state}) at ${f.irql}, where a page fault cannot be served; Windows caught it${tail}`;
    case 'invalid-address-at-high-irql':
      return `${who} used a pointer with nothing behind it (${f.address}) at ${f.irql}; Windows caught it${tail}`;
    case 'general-protection':
      // A canonical operand is a valid-looking address the processor still refused: not a corrupt pointer.
      return f.canonical === 'no'
        ? `${who} used a corrupt pointer: \`${f.instruction}\` at ${x.symbol} targets ${f.operand}, which no x64 pointer can be; the processor refused the access${tail}`
        : `${who}'s \`${f.instruction}\` at ${x.symbol} accessed ${f.operand}, a valid-looking (canonical) address, and the processor refused it with a general-protection fault${stopped(x)}, which stopped the system: a device (MMIO) or protection problem, not a corrupt pointer.`;
    case 'bad-address':
      return `${who} used a bad pointer (${f.address}) at ${x.symbol}; Windows caught it${tail}`;
    case 'fill-pattern':
      return `Memory that ${who} relied on had been overwritten by a fill (${f.fill}), a sign of a buffer overflow; Windows caught the damage at ${x.symbol}${tail}`;
    case 'third-party-frame':
      return `${who} is the first non-Windows module on the crashing stack (${x.symbol}) and the most likely cause; nothing more specific was proven from this dump.`;
    default:
      return f.summary;
  }
}

/** True when the sentence already names what stopped the system (the bugcheck or the exception). */
function namesTheStop(s: string, x: SummaryContext): boolean {
  const t = s.toLowerCase();
  const code = x.bugcheckCode.toString(16);
  return t.includes(x.bugcheckName.toLowerCase()) || t.includes(`0x${code}`) || (x.exception !== undefined && t.includes(x.exception.code.toString(16).padStart(8, '0')));
}

export function composeSummary(ranked: RootCauseClaim[], x: SummaryContext): string {
  if (x.notACrash) return `This dump was not written by a crash: ${x.notACrash}. Nothing stopped the system, so there is no failure to explain; the fields above describe the machine as it was captured.`;
  const lead = ranked[0];
  if (!lead) {
    const where = x.module === 'Unknown_Module' ? ' and no module could be blamed from this dump' : `; the crash stopped in ${x.symbol}`;
    return `No rule matched${where}${stopped(x)}. The fields above are all this dump established.`;
  }
  let s = leadSentence(lead, x) ?? `${firstSentence(lead.claim)}${/[.!?]$/.test(firstSentence(lead.claim)) ? '' : '.'}`;
  // Whatever leads, the reader learns what stopped the system.
  if (!namesTheStop(s, x)) s += ` ${stopSentence(x)}`;
  // One supporting fact a reader can act on: a failure the code was handling on the crashing path.
  const status = ranked.find((c) => c !== lead && (c.rule === 'ntstatus-in-code' || c.rule === 'ntstatus-in-register') && c.facts?.statusName);
  if (status) s += ` On this path the code had just met a failure: ${status.facts!.statusName} (${status.facts!.status}).`;
  return s;
}
