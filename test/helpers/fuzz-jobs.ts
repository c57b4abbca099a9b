// What a fuzz case asks the worker to do (test/helpers/fuzz-worker.ts) and what it reports back. Kept free
// of src/ imports so the test process can describe cases without loading the whole program twice.

/** The command battery of the issue: stacks, threads, processes, !pte and !pool on registers, modules, dt, !vm, !running, !us. */
export const BATTERY = ['k', '!thread', '!process 0 0', '!pte @rsp', '!pte @rip', '!pte @rcx', '!pool @rcx', '!pool @rax', 'lm', 'dt nt!_EPROCESS @$proc', '!vm', '!running', '!us'];

/** Layouts a dump job converts to (as `dumpscope convert` does, into memory), each written file then reopened. */
export type ConvertTo = 'full' | 'kernel-bitmap' | 'triage';

export type FuzzJob =
  /** Open any dump (kernel or MDMP) and describe it; kernel dumps: session, analysis and commands too. */
  | { kind: 'dump'; name: string; bytes: Uint8Array; symbols?: string; analyze?: boolean; commands?: string[]; followStackCommand?: boolean; keepText?: boolean; convert?: ConvertTo[] }
  /** A PE image: headers, sections, CodeView, exports, imports, version resource, .pdata and unwind info. */
  | { kind: 'pe'; name: string; bytes: Uint8Array }
  /** A PDB or an ISF table (JSON or .json.xz): identity, symbols, types and their layouts. */
  | { kind: 'symbols'; name: string; bytes: Uint8Array; typeLimit?: number; types?: string[] }
  | { kind: 'xz'; name: string; bytes: Uint8Array }
  | { kind: 'cab'; name: string; bytes: Uint8Array };

export interface StepResult {
  step: string;
  ms: number;
  /** 'result': returned; 'error': a DumpscopeError (the clear failure we want); 'bug': anything else. */
  outcome: 'result' | 'error' | 'bug';
  message?: string;
  /** The rendered output (commands of a job with keepText), for tests that check what was said. */
  text?: string;
}

export interface FuzzResult {
  steps: StepResult[];
  /** The first bug: a non-DumpscopeError, an unclear message, the worker hanging, crashing or running out of memory. */
  bug?: { step: string; error: string; stack?: string };
  ms: number;
  /** The analysis' limitations, when it ran (what the dump lacks: a truncated file says so). */
  limitations?: string[];
}

/** Message from the worker: a step started (so a hang names it), or a job ended. */
export type WorkerMessage = { id: number; started: string } | { id: number; result: FuzzResult };
