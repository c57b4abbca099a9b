// The shape of the bugcheck knowledge base: per code, a summary, what each of the four arguments holds,
// and (for codes where one argument selects a sub-case) the sub-cases.

/** A sub-case selected by the value of one argument. `args` overrides the meaning of the other arguments. */
export interface SubcodeDoc {
  values: readonly number[];
  meaning: string;
  args?: Readonly<Partial<Record<1 | 2 | 3 | 4, string>>>;
}

export interface BugcheckDoc {
  summary: string;
  args: readonly [string, string, string, string];
  /** Which argument (1–4) selects among `subcodes`. */
  selector?: 1 | 2 | 3 | 4;
  subcodes?: readonly SubcodeDoc[];
  /** Extra per-argument notes computed from the actual values (access bits and the like). */
  decode?: (args: readonly bigint[]) => Partial<Record<1 | 2 | 3 | 4, string>>;
}

/** Builds a sub-case entry compactly: value(s), meaning, then optional meanings of the other arguments. */
export function sub(values: number | readonly number[], meaning: string, args?: SubcodeDoc['args']): SubcodeDoc {
  return { values: typeof values === 'number' ? [values] : values, meaning, args };
}

export const RESERVED = 'Reserved';
