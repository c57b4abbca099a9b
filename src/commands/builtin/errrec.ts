// `!errrec ADDRESS`: a WHEA error record (a UEFI CPER record, fixed ABI) in WinDbg's layout — the header,
// then each section's descriptor and what its body says — decoded by the reader 0x124's analysis uses
// (src/analysis/families/cper.ts); bounded by the record's own limits (32 sections, 64 KB).
import { CPER_DESCRIPTOR_SIZE, CPER_HEADER_SIZE, type CperRecord } from '../../analysis/families/cper.js';
import { readWheaRecord } from '../../analysis/families/whea-0x124.js';
import { DumpscopeError } from '../../io/errors.js';
import type { CommandSpec } from '../command.js';
import { evalArg, kernelTarget } from './target-access.js';

export interface ErrrecResult {
  kind: 'errrec';
  address: bigint;
  record: CperRecord;
  notes: string[];
}

export const errrecCommand: CommandSpec<ErrrecResult> = {
  names: ['!errrec'],
  summary: 'A WHEA error record (CPER): header, sections and what each section says',
  usage: '!errrec ADDRESS',
  async run(session, args) {
    if (!args.trim()) throw new DumpscopeError('!errrec needs the address of a WHEA_ERROR_RECORD', 'BAD_ARGUMENT');
    const t = kernelTarget(session);
    const address = await evalArg(session, args.trim().split(/\s+/)[0]);
    const res = { notes: [] as string[] };
    const record = await readWheaRecord(t, address, res);
    if (!record) throw new DumpscopeError(res.notes.join('; ') || `no error record at ${address.toString(16)}`, 'UNREADABLE');
    return { kind: 'errrec', address, record, notes: [...res.notes, ...record.notes] };
  },
  renderText: renderErrrec,
};

const RULE = '='.repeat(79);
const THIN = '-'.repeat(79);
const field = (name: string, value: string) => `${name.padEnd(14)}: ${value}`;
const hex16 = (v: bigint) => v.toString(16).padStart(16, '0');

export function renderErrrec(r: ErrrecResult): string {
  const c = r.record;
  const L = [RULE, `Common Platform Error Record @ ${hex16(r.address)}`, THIN];
  L.push(field('Record Id', hex16(c.recordId)), field('Severity', `${c.severityName} (${c.severity})`), field('Length', String(c.length)), field('Creator', c.creatorName ?? c.creatorId), field('Notify Type', c.notifyName ?? c.notifyType));
  if (c.timestamp) L.push(field('Timestamp', c.timestamp));
  L.push(field('Flags', `0x${c.flags.toString(16).padStart(8, '0')}`));
  for (const s of c.sections) {
    L.push('', RULE, `${`Section ${s.index}`.padEnd(14)}: ${s.typeName}`, THIN);
    L.push(`${'Descriptor'.padEnd(14)}@ ${hex16(r.address + BigInt(CPER_HEADER_SIZE + s.index * CPER_DESCRIPTOR_SIZE))}`, `${'Section'.padEnd(14)}@ ${hex16(r.address + BigInt(s.offset))}`);
    L.push(field('Offset', String(s.offset)), field('Length', String(s.length)), field('Flags', `0x${s.flags.toString(16).padStart(8, '0')}${s.primary ? ' Primary' : ''}`), field('Severity', s.severityName));
    if (s.fruText) L.push(field('FRU Text', s.fruText));
    if (s.details.length) L.push('');
    for (const d of s.details) L.push(field(d.name, d.value));
  }
  for (const n of r.notes) L.push(`(${n})`);
  return L.join('\n');
}
