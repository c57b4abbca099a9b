// 0xC4 DRIVER_VERIFIER_DETECTED_VIOLATION: Arg1 names the rule. The offending driver comes from the
// arguments where the rule says one of them is the caller's code address (code-integrity checks 0x2000–
// 0x2002) or the driver's name (0x62 leaks at unload, 0x2003–0x2005 image checks), then from any argument
// pointing into a third-party driver, then from the stack's first frame outside Windows. DDI compliance
// rules (Arg1 ≥ 0x10000) pass the violated condition as a string in Arg2.
import { bugcheckInfo } from '../../knowledge/bugchecks/index.js';
import type { KernelTarget } from '../../target/kernel-target.js';
import { addr64 } from '../../util/hex.js';
import { isOsModule } from '../os-modules.js';
import type { Evidence } from '../report.js';
import { blameAt, isKernelAddress, readCString, walkFrames } from './common.js';
import { emptyResult, type Family, type FamilyBlame } from './types.js';

/** Rules whose Arg2 is the address in the driver's code where the violation was detected. */
const CALLER_IN_ARG2 = new Set([0x2000, 0x2001, 0x2002]);
/** Rules whose Arg2 is the driver's (image's) name. */
const NAME_IN_ARG2 = new Set([0x62, 0x2003, 0x2004, 0x2005]);

/** A name at `va`: a UNICODE_STRING (read by field name), else a NUL-terminated UTF-16 string. */
async function nameAt(t: KernelTarget, va: bigint): Promise<string | undefined> {
  if (!isKernelAddress(va)) return undefined;
  const kt = await t.kernelTypes().catch(() => undefined);
  const us = kt ? await kt.read(t.memory, '_UNICODE_STRING', va).catch(() => undefined) : undefined;
  const viaStruct = us ? await t.readUnicodeString(us).catch(() => undefined) : undefined;
  if (viaStruct && /^[\x20-\x7e]+$/.test(viaStruct)) return viaStruct;
  return readCString(t, va, 260, true);
}

function moduleBlame(t: KernelTarget, name: string): FamilyBlame | undefined {
  const base = name.split('\\').pop() ?? name;
  const m = t.modules.byModuleName(base) ?? t.modules.byModuleName(base.replace(/\.sys$/i, ''));
  return m ? { module: m.name, imageName: m.imageName, symbolName: m.imageName, offset: 0 } : undefined;
}

export const verifierViolation: Family = async (x) => {
  const res = emptyResult();
  const { t, args } = x;
  const rule = Number(args[0] & 0xffffffffn);
  const ddi = rule >= 0x10000;
  const meaning = bugcheckInfo(0xc4, args).subcode?.meaning;
  const evidence: Evidence[] = [{ fact: `Arg1 0x${rule.toString(16)}: ${meaning ?? (ddi ? 'a DDI compliance rule' : 'a Driver Verifier check the knowledge base does not describe')}`, command: '.bugcheck' }];
  res.fields.push({ key: 'VERIFIER_RULE', value: `0x${rule.toString(16)}` });
  let ruleText = (meaning ?? (ddi ? `DDI compliance rule 0x${rule.toString(16)}` : `verifier check 0x${rule.toString(16)}`)).replace(/\.$/, '');
  if (ddi) {
    const condition = await readCString(t, args[1], 512);
    if (condition) {
      res.fields.push({ key: 'DV_VIOLATED_CONDITION', value: condition });
      ruleText += `: "${condition}"`;
      evidence.push({ fact: `Arg2 ${addr64(args[1])} holds the violated condition: "${condition}"`, command: `da ${args[1].toString(16)}` });
    } else res.notes.push(`DDI rule 0x${rule.toString(16)}: the condition string at Arg2 ${addr64(args[1])} is not readable`);
  }
  let blame: FamilyBlame | undefined;
  let how = '';
  if (CALLER_IN_ARG2.has(rule)) {
    blame = await blameAt(t, args[1]);
    if (blame) {
      how = `Arg2 ${addr64(args[1])}, the code address the rule reports, is ${blame.symbolName}`;
      evidence.push({ fact: how, command: `ln ${args[1].toString(16)}` });
    }
  }
  if (!blame && NAME_IN_ARG2.has(rule)) {
    const name = await nameAt(t, args[1]);
    if (name) {
      blame = moduleBlame(t, name);
      how = `Arg2 names the driver: ${name}`;
      evidence.push({ fact: how, command: `dS ${args[1].toString(16)}` });
      res.fields.push({ key: 'VERIFIER_DRIVER', value: name });
    }
  }
  if (!blame) {
    // Any argument that points into a loaded third-party driver's image names it.
    for (const [i, a] of args.entries()) {
      const m = i > 0 ? t.modules.at(a) : undefined;
      if (m && !isOsModule(m.name)) {
        blame = await blameAt(t, a);
        how = `Arg${i + 1} ${addr64(a)} points into ${m.imageName} (${blame?.symbolName})`;
        evidence.push({ fact: how, command: `ln ${a.toString(16)}` });
        break;
      }
    }
  }
  let fromStack: string | undefined;
  if (!blame && x.registers) {
    const walk = await walkFrames(t, x.registers);
    if (walk.outside) {
      fromStack = walk.outside.module;
      evidence.push({ fact: `${walk.outside.text} is the first frame outside Windows on the stack that called the verifier`, command: 'kb' });
    }
  }
  if (blame) res.blame = blame;
  const driver = blame?.module ?? fromStack;
  res.claims.push({
    rule: 'verifier-violation',
    claim: `Driver Verifier caught ${driver ?? 'a verified driver'} breaking a rule (0x${rule.toString(16)}): ${ruleText}${/[.!?"]$/.test(ruleText) ? '' : '.'} Verifier stops at the violation itself, so ${driver ?? 'the driver on the stack'} is the culprit, not a victim.`,
    confidence: driver && !isOsModule(driver) ? 'high' : 'medium',
    evidence,
    command: ddi ? `!ruleinfo ${rule.toString(16)} ${args[2].toString(16)} ${args[3].toString(16)}` : '!verifier 3',
    confirm: `The code at ${driver ?? 'the driver'}'s frame does what the rule forbids (uf on it); the vendor's fixed driver passes Verifier.`,
    refute: 'The rule fired on a call made on behalf of another driver (a filter passing through a request it did not build).',
    ...(driver ? { modules: [driver] } : {}),
    facts: { summary: `Driver Verifier caught ${driver ?? 'a verified driver'} breaking one of its rules (0x${rule.toString(16)}: ${ruleText.replace(/[.]$/, '')}) and stopped the system on purpose (DRIVER_VERIFIER_DETECTED_VIOLATION); ${driver ?? 'that driver'} must be fixed or removed.` },
  });
  return res;
};
