// Pass rates are proportions of a few repeats: 2 of 3 is not a measured 67%. Wilson's interval
// says what a pass rate could be; Fisher's exact test says whether a drop between two runs is
// more than the luck of a flaky test.
import { normalQuantile } from './normal.ts';

export interface Interval {
  low: number;
  high: number;
}

/** Wilson score interval of `passed / total`, two-sided at `level` (e.g. 0.9). */
export function wilsonInterval(passed: number, total: number, level: number): Interval {
  if (total === 0) return { low: 0, high: 1 };
  const z = normalQuantile(1 - (1 - level) / 2);
  const rate = passed / total;
  const denominator = 1 + (z * z) / total;
  const centre = (rate + (z * z) / (2 * total)) / denominator;
  const half = (z * Math.sqrt((rate * (1 - rate)) / total + (z * z) / (4 * total * total))) / denominator;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * One-sided p-value of Fisher's exact test for a drop: how likely the current run passes at most
 * `currentPassed` of its tests if both runs had the same pass rate (given the passes in all).
 */
export function passRateDropPValue(baselinePassed: number, baselineTotal: number, currentPassed: number, currentTotal: number): number {
  const passes = baselinePassed + currentPassed;
  const all = baselineTotal + currentTotal;
  // The tail is every possible count: exactly 1, not a sum rounded below it.
  if (currentPassed >= Math.min(passes, currentTotal)) return 1;
  // In logarithms: past about 1,000 cases a side (a dataset's rows pooled) the binomials overflow.
  const logFactorials = new Float64Array(all + 1);
  for (let count = 2; count <= all; count++) logFactorials[count] = (logFactorials[count - 1] as number) + Math.log(count);
  const logBinomial = (n: number, k: number) => (logFactorials[n] as number) - (logFactorials[k] as number) - (logFactorials[n - k] as number);
  const logWays = logBinomial(all, currentTotal);
  let probability = 0;
  for (let passed = Math.max(0, passes - baselineTotal); passed <= currentPassed; passed++) {
    probability += Math.exp(logBinomial(passes, passed) + logBinomial(all - passes, currentTotal - passed) - logWays);
  }
  return Math.min(1, probability);
}

const MAX_PLANNED_REPEATS = 100;

/**
 * The repeats a side would need for a drop from `baselineRate` to `currentRate` to be told from
 * chance at `alpha`; null when even 100 would not (the rates are too close).
 */
export function repeatsToTellPassRateDrop(baselineRate: number, currentRate: number, alpha: number): number | null {
  if (currentRate >= baselineRate) return null;
  for (let repeats = 1; repeats <= MAX_PLANNED_REPEATS; repeats++) {
    const p = passRateDropPValue(Math.round(baselineRate * repeats), repeats, Math.round(currentRate * repeats), repeats);
    if (p <= alpha) return repeats;
  }
  return null;
}
