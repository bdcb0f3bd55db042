// Planning repeats: from the spread of single requests seen in a run (or its baseline), how
// many repeats of each test the gate needs to tell a change of a given size apart from its
// tolerance. A normal approximation of the rank test (its efficiency on normal data is 3/pi),
// and never fewer repeats than make the exact test able to reach alpha at all.
import { normalQuantile } from './normal.ts';
import { binomial } from './rank-test.ts';

export interface PlanInput {
  /** Standard deviation of log values of one request (see RatioEstimate.logSpread). */
  logSpread: number;
  /** Tests the model's verdict is averaged over. */
  tests: number;
  /** The change to tell, as a ratio (1.25 = 25% slower). */
  change: number;
  /** The ratio the change must be told from (the tolerance, 1 + relative tolerance; 1 for none). */
  from: number;
  alpha: number;
  /** Probability of telling it when it is there, e.g. 0.8. */
  power: number;
}

export const DEFAULT_POWER = 0.8;
const MAX_PLANNED_REPEATS = 1_000;
const RANK_TEST_EFFICIENCY = 3 / Math.PI;

/** Repeats per test and side; null when the change equals the tolerance or needs over 1000. */
export function repeatsNeeded(input: PlanInput): number | null {
  const distance = Math.abs(Math.log(input.change) - Math.log(input.from));
  if (distance === 0 || input.tests < 1) return null;
  const z = normalQuantile(1 - input.alpha) + normalQuantile(input.power);
  // Var(mean over T tests of a difference of two means of n) = 2 sigma^2 / (n T).
  const approximate = Math.ceil((2 * input.logSpread ** 2 * z * z) / (RANK_TEST_EFFICIENCY * input.tests * distance * distance));
  const repeats = Math.max(approximate, minimumRepeats(input.tests, input.alpha));
  return repeats > MAX_PLANNED_REPEATS ? null : repeats;
}

/** The fewest repeats a side with which the exact test can give a p-value at or below alpha. */
export function minimumRepeats(tests: number, alpha: number): number {
  let repeats = 1;
  while (binomial(2 * repeats, repeats) ** tests < 1 / alpha) repeats++;
  return repeats;
}
