// The documented JSON form of an analysis (schema/analysis.schema.json, versioned by schemaVersion).
// Addresses, codes and 64-bit values are lower-case "0x…" strings; keys mirror WinDbg's field names.
import type { AnalysisReport, RegisterContext } from '../analysis/report.js';
import { X64_GPRS } from '../target/x64-registers.js';

const hx = (v: bigint | number) => `0x${v.toString(16)}`;
const opt = <T>(v: T | undefined) => (v === undefined ? undefined : v);

function contextJson(c: RegisterContext | undefined) {
  if (!c) return undefined;
  const registers: Record<string, string> = {};
  for (const r of X64_GPRS) registers[r] = hx(c.registers[r]);
  if (c.registers.eflags !== undefined) registers.eflags = hx(c.registers.eflags);
  return { kind: c.kind, address: c.address === undefined ? undefined : hx(c.address), registers };
}

export function analysisToJson(r: AnalysisReport): unknown {
  return {
    schemaVersion: r.schemaVersion,
    bugcheck: {
      code: hx(r.bugcheck.code),
      name: r.bugcheck.name,
      summary: r.bugcheck.summary,
      subcode: opt(r.bugcheck.subcode),
      args: r.bugcheck.args.map((a) => ({ value: hx(a.value), meaning: a.meaning, note: opt(a.note) })),
    },
    keyValues: r.keyValues,
    avType: opt(r.avType),
    faultingAddress: r.faultingAddress ? { address: hx(r.faultingAddress.address), access: r.faultingAddress.access, field: r.faultingAddress.field, region: opt(r.faultingAddress.region), regionEvidence: opt(r.faultingAddress.regionEvidence) } : undefined,
    mmInternalCode: r.mmInternalCode === undefined ? undefined : hx(r.mmInternalCode),
    errorCode: r.errorCode ? { kind: r.errorCode.kind, code: hx(r.errorCode.code), description: r.errorCode.description } : undefined,
    extraFields: opt(r.extraFields),
    processName: opt(r.processName),
    currentIrql: opt(r.currentIrql),
    trapFrame: contextJson(r.trapFrame),
    exceptionRecord: r.exceptionRecord
      ? {
          address: r.exceptionRecord.address === undefined ? undefined : hx(r.exceptionRecord.address),
          source: r.exceptionRecord.source,
          code: hx(r.exceptionRecord.code),
          codeName: opt(r.exceptionRecord.codeName),
          exceptionName: opt(r.exceptionRecord.exceptionName),
          flags: hx(r.exceptionRecord.flags),
          exceptionAddress: hx(r.exceptionRecord.exceptionAddress),
          exceptionAddressSymbol: opt(r.exceptionRecord.exceptionAddressSymbol),
          parameters: r.exceptionRecord.parameters.map(hx),
          accessLine: opt(r.exceptionRecord.accessLine),
          subcodeLine: opt(r.exceptionRecord.subcodeLine),
        }
      : undefined,
    context: contextJson(r.context),
    faultingIp: r.faultingIp ? { address: hx(r.faultingIp.address), symbol: opt(r.faultingIp.symbol), instruction: opt(r.faultingIp.instruction) } : undefined,
    stack: r.stack.map((s) => ({
      childSp: hx(s.childSp),
      retAddr: hx(s.retAddr),
      callSite: s.callSite,
      module: opt(s.module),
      symbol: opt(s.symbol),
      offset: s.offset === undefined ? undefined : hx(s.offset),
      guessed: s.guessed ? true : undefined,
    })),
    stackNotes: r.stackNotes,
    symbolName: r.symbolName,
    moduleName: r.moduleName,
    imageName: r.imageName,
    faultingModule: r.faultingModule ? { base: hx(r.faultingModule.base), name: r.faultingModule.name } : undefined,
    imageVersion: opt(r.imageVersion),
    bucketIdFuncOffset: opt(r.bucketIdFuncOffset),
    failureBucketId: r.failureBucketId,
    failureHash: r.failureHash,
    stackCommand: r.stackCommand,
    osVersion: opt(r.osVersion),
    buildLabStr: opt(r.buildLabStr),
    buildLab: opt(r.buildLab),
    osName: opt(r.osName),
    osPlatformType: r.osPlatformType,
    followup: r.followup,
    summary: r.summary,
    rootCause: r.rootCause.map((c) => ({ rule: c.rule, claim: c.claim, confidence: c.confidence, role: c.role ?? 'cause', evidence: c.evidence, command: opt(c.command), confirm: opt(c.confirm), refute: opt(c.refute), modules: opt(c.modules) })),
    symbols: r.symbols.map((s) => ({ module: s.module, status: s.status, detail: opt(s.detail), image: opt(s.image) })),
    fileInCab: opt(r.fileInCab),
    virtualMachine: opt(r.virtualMachine),
    dumpFileAttributes: r.dumpFileAttributes ? { value: hx(r.dumpFileAttributes.value), flags: r.dumpFileAttributes.flags.map((f) => f.key) } : undefined,
    capturedRegisters: r.capturedRegisters ? { machine: r.capturedRegisters.machine, registers: Object.fromEntries(r.capturedRegisters.registers.map((x) => [x.name, hx(x.value)])) } : undefined,
    limitations: r.limitations,
    elapsedMs: opt(r.elapsedMs),
  };
}

export function analysisJsonText(r: AnalysisReport): string {
  return JSON.stringify(analysisToJson(r), null, 2);
}
