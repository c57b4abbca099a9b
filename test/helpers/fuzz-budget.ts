// One budget for every property-based (fast-check) test: `npm test` runs each property's own small count,
// `npm run fuzz` sets FUZZ_RUNS and every property runs that many cases (divided for the expensive ones).
// Seeds are fixed so a failure reproduces; FUZZ_SEED replaces them all to explore other inputs.

const runsEnv = process.env.FUZZ_RUNS;
const seedEnv = process.env.FUZZ_SEED;

/** True under `npm run fuzz` (FUZZ_RUNS set): sweeps cover every case instead of a deterministic sample. */
export const LONG_FUZZ = runsEnv !== undefined && runsEnv !== '';

function positive(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${name}=${text} is not a positive integer`);
  return n;
}

/**
 * Cases for one property: `ciRuns` in the default budget; with FUZZ_RUNS set, FUZZ_RUNS / `longDivisor`
 * (at least 1), so a property ten times as costly as a header parse can ask for a tenth of the cases.
 */
export function fuzzRuns(ciRuns: number, longDivisor = 1): number {
  if (!LONG_FUZZ) return ciRuns;
  return Math.max(1, Math.floor(positive('FUZZ_RUNS', runsEnv as string) / longDivisor));
}

/** The seed of a property: its own fixed one unless FUZZ_SEED overrides every seed. */
export function fuzzSeed(fixed: number): number {
  return seedEnv ? positive('FUZZ_SEED', seedEnv) : fixed;
}

/** fast-check parameters: seed and run count from this budget. */
export function fuzzParams(seed: number, ciRuns: number, longDivisor = 1): { seed: number; numRuns: number } {
  return { seed: fuzzSeed(seed), numRuns: fuzzRuns(ciRuns, longDivisor) };
}
