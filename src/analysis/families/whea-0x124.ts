// 0x124 WHEA_UNCORRECTABLE_ERROR: the hardware reported an error it could not correct. Arg2 is the
// WHEA_ERROR_RECORD (a UEFI CPER record, cper.ts); its notification type and primary section name the
// error source, like `!errrec`. For machine checks (Arg1 = 0) Arg3:Arg4 is the bank's MCi_STATUS.
import type { KernelTarget } from '../../target/kernel-target.js';
import { addr64, hex16 } from '../../util/hex.js';
import type { Evidence } from '../report.js';
import { isKernelAddress } from './common.js';
import { systemInfo } from '../../target/system-info.js';
import { CPER_HEADER_SIZE, CPER_MAX_LENGTH, type CperRecord, cperLength, decodeCper, SECTION_MEMORY, SECTION_PCIE, SECTION_PROCESSOR_GENERIC, SECTION_PROCESSOR_X86 } from './cper.js';

/** Processor sections (Processor Generic, x86/x64, Windows' x86/x64 MCA). */
const PROCESSOR_SECTIONS = new Set([SECTION_PROCESSOR_GENERIC, SECTION_PROCESSOR_X86, '8a1e1d01-42f9-4557-9c33-565e5cc3f7e8']);
import { decodeMcaStatus } from './mca-status.js';
import { emptyResult, type Family, type FamilyResult } from './types.js';

/** The record's bytes from memory: the header, then as much of its announced length as the dump holds (`!errrec` uses it too). */
export async function readWheaRecord(t: KernelTarget, va: bigint, res: Pick<FamilyResult, 'notes'>): Promise<CperRecord | undefined> {
  if (!isKernelAddress(va)) {
    res.notes.push(`${addr64(va)} is not a kernel address: no WHEA_ERROR_RECORD to read`);
    return undefined;
  }
  try {
    const header = await t.memory.read(va, CPER_HEADER_SIZE);
    const length = Math.min(Math.max(cperLength(header), CPER_HEADER_SIZE), CPER_MAX_LENGTH);
    const s = await t.memory.readSparse(va, length);
    const n = s.valid.indexOf(0);
    return decodeCper(n < 0 ? s.bytes : s.bytes.subarray(0, n));
  } catch (e) {
    res.notes.push(`the WHEA_ERROR_RECORD at ${addr64(va)} cannot be decoded: ${(e as Error).message}`);
    return undefined;
  }
}

export const wheaUncorrectable: Family = async (x) => {
  const res = emptyResult();
  const { t, args } = x;
  const [source, recordVa, high, low] = args;
  res.fields.push({ key: 'WHEA_ERROR_RECORD', value: addr64(recordVa) });
  const evidence: Evidence[] = [{ fact: `Arg1 ${source}: the error source type${source === 0n ? ' (a machine check exception)' : ''}; Arg2 ${addr64(recordVa)} is the WHEA_ERROR_RECORD`, command: '.bugcheck' }];
  const rec = await readWheaRecord(t, recordVa, res);
  let what = 'an uncorrectable hardware error';
  let component: string | undefined;
  let primaryGuid: string | undefined;
  if (rec) {
    res.notes.push(...rec.notes.map((n) => `WHEA record ${addr64(recordVa)}: ${n}`));
    evidence.push({ fact: `Common Platform Error Record @ ${addr64(recordVa)}: severity ${rec.severityName} (${rec.severity}), ${rec.sectionCount} section(s), length ${rec.length}, creator ${rec.creatorName ?? rec.creatorId}, notify type ${rec.notifyName ?? rec.notifyType}${rec.timestamp ? `, ${rec.timestamp}` : ''}`, command: `!errrec ${recordVa.toString(16)}` });
    for (const s of rec.sections) evidence.push({ fact: `Section ${s.index}: ${s.typeName}${s.primary ? ' (primary)' : ''}, severity ${s.severityName}, offset ${s.offset}, length ${s.length}${s.fruText ? `, FRU '${s.fruText}'` : ''}${s.details.length ? `: ${s.details.map((d) => `${d.name} ${d.value}`).join(', ')}` : ''}`, command: `!errrec ${recordVa.toString(16)}` });
    const primary = rec.sections.find((s) => s.primary) ?? rec.sections[0];
    primaryGuid = primary?.typeGuid;
    if (rec.notifyName) what = `a ${rec.notifyName}`;
    if (primary) {
      what += `, described by its ${primary.typeName} section`;
      const detail = primary.details.find((d) => ['Error Type', 'Memory Error Type', 'Device', 'Error Info 0'].includes(d.name));
      if (detail) what += ` (${detail.name} ${detail.value})`;
      component = primary.typeGuid === SECTION_MEMORY ? 'memory (the DIMM or the memory controller)' : primary.typeGuid === SECTION_PCIE ? 'a PCI Express device or its link' : /Processor|MCA/.test(primary.typeName) ? 'the processor' : undefined;
    }
    res.fields.push({ key: 'WHEA_NOTIFY_TYPE', value: rec.notifyName ?? rec.notifyType });
    if (primary) res.fields.push({ key: 'WHEA_PRIMARY_SECTION', value: primary.typeName });
  }
  if (source === 0n) {
    const mca = decodeMcaStatus(high, low);
    evidence.push({ fact: `MCi_STATUS ${hex16(mca.value)}: ${[mca.valid && 'valid', mca.uncorrected && 'uncorrected', mca.pcc && 'processor context corrupt', mca.overflow && 'overflow', mca.addressValid && 'address valid'].filter(Boolean).join(', ') || 'no status bits set'}; ${mca.meaning}`, command: '.bugcheck' });
    component ??= mca.component === 'memory' ? 'memory (the DIMM or the memory controller)' : mca.component === 'bus' ? 'the processor\'s bus or interconnect (CPU, motherboard)' : mca.component === 'processor' ? 'the processor' : undefined;
    res.fields.push({ key: 'MCI_STATUS', value: `${hex16(mca.value)} (${mca.meaning})` });
  }
  // Public buckets: 0x124_0_AuthenticAMD_PROCESSOR_CACHE_IMAGE_AuthenticAMD.sys, 0x124_16_GenuineIntel__UNKNOWN_IMAGE_GenuineIntel.sys:
  // Arg1 in decimal, the CPU vendor (KPRCB.VendorString) as module and image, the error class of a processor error.
  const vendor = (await systemInfo(t).catch(() => undefined))?.cpu?.vendor;
  const mca = source === 0n ? decodeMcaStatus(high, low) : undefined;
  const processor = source === 0n || (primaryGuid !== undefined && PROCESSOR_SECTIONS.has(primaryGuid));
  if (vendor && /^[A-Za-z]+$/.test(vendor) && processor) {
    const cls = mca?.bucketClass;
    res.bucket = { bucket: `0x124_${source.toString(10)}_${vendor}_${cls ? `PROCESSOR_${cls}` : '_UNKNOWN'}_IMAGE_${vendor}.sys` };
    res.blame = { module: vendor, imageName: `${vendor}.sys`, symbolName: `${vendor}.sys` };
    evidence.push({ fact: `the processor vendor is ${vendor} (KPRCB.VendorString)`, command: 'dt nt!_KPRCB @$prcb VendorString' });
  } else res.blame = { module: 'hardware', imageName: 'hardware', symbolName: 'hardware' };
  res.claims.push({
    rule: 'whea-hardware-error',
    claim: `The hardware itself reported ${what}. This is a hardware fault${component ? ` in ${component}` : ''}, not a driver bug: check cooling, power, overclocking and firmware, then test or replace the part.`,
    confidence: rec || source === 0n ? 'high' : 'medium',
    evidence,
    command: `!errrec ${recordVa.toString(16)}`,
    confirm: 'The System event log shows WHEA-Logger events for the same source; a stress test (CPU, memory) reproduces errors.',
    refute: 'The errors stop after a BIOS/firmware or microcode update, or appeared only with a particular overclocking or undervolting profile (configuration rather than a failed part).',
    facts: { summary: `The hardware reported an error it could not correct (${what})${component ? `, pointing at ${component}` : ''}; Windows stopped the system (WHEA_UNCORRECTABLE_ERROR). This is a hardware fault, not a driver bug.` },
  });
  return res;
};
