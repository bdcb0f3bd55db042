// How much a metric changed between two runs, test by test: the ratio current / baseline of
// each test's median, and the model's change as the geometric mean of those ratios (a test
// twice as slow and one twice as fast cancel out, whatever their sizes in ms). The interval
// comes from a two-level bootstrap (tests drawn with replacement, then each test's repeats on
// both sides), so it widens both when tests disagree and when repeats scatter.
import type { PairedSamples } from './rank-test.ts';
import { normalQuantile } from './normal.ts';
import { randomBeta, randomIndex, seededRandom } from './random.ts';
import { median, quantileOfSorted, sortAscending } from './summary.ts';

export interface TestRatio {
  baselineMedian: number;
  currentMedian: number;
  /** currentMedian / baselineMedian */
  ratio: number;
}

export interface RatioEstimate {
  /** Geometric mean over tests of the per-test ratios. */
  ratio: number;
  /** Ends of the bootstrap interval of the ratio, two-sided at `intervalLevel`. */
  low: number;
  high: number;
  tests: TestRatio[];
  /**
   * Spread of a single request, as the standard deviation of log values within a test (pooled
   * over tests and both sides; about the coefficient of variation when small). When no test has
   * two requests on a side, it is estimated from how the per-test ratios scatter. Null when
   * neither is possible (one test, one request a side).
   */
  logSpread: number | null;
}

export interface RatioOptions {
  /** Two-sided coverage of the interval, e.g. 0.9. */
  intervalLevel: number;
  resamples?: number;
  seed?: number;
  /** Tests of one or two values a side beyond which the interval comes from the normal limit (default 200). */
  manyTests?: number;
}

const DEFAULT_RESAMPLES = 2_000;
const DEFAULT_SEED = 7;

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/**
 * The median of a resample of sorted values (as many drawn with replacement as there are),
 * without drawing it: a resample's k-th smallest value sits at position floor(n U(k)), with U(k)
 * the k-th smallest of n uniform draws, a Beta(k, n - k + 1) variable; the next one up is the
 * smallest of the n - k draws above it. Same distribution as sorting an explicit resample, in
 * constant time instead of n log n (hundreds of repeats, thousands of resamples).
 */
export function resampledMedian(sorted: readonly number[], random: () => number): number {
  const count = sorted.length;
  // One value: every resample is that value (a dataset row measured once a side).
  if (count === 1) return sorted[0] as number;
  // median() takes the resample's value at (n - 1) / 2, averaging the two around it when n is even.
  const middle = (count - 1) / 2;
  const lowerRank = Math.floor(middle);
  const lowerUniform = randomBeta(random, lowerRank + 1, count - lowerRank);
  if (lowerRank === middle) return valueAt(sorted, lowerUniform);
  const upperUniform = lowerUniform + (1 - lowerUniform) * (1 - (1 - random()) ** (1 / (count - lowerRank - 1)));
  return quantileOfSorted([valueAt(sorted, lowerUniform), valueAt(sorted, upperUniform)], middle - lowerRank);
}

/** The value a uniform draw lands on among n sorted values: position floor(n u). */
function valueAt(sorted: readonly number[], uniform: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(uniform * sorted.length))] as number;
}

/**
 * Standard deviation of log values within groups (tests, sides), pooled over the groups that
 * have two values or more; null when none has.
 */
export function pooledLogSpread(groups: readonly (readonly number[])[]): number | null {
  let squares = 0;
  let freedom = 0;
  for (const logs of groups) {
    if (logs.length < 2) continue;
    const centre = mean(logs);
    squares += logs.reduce((sum, value) => sum + (value - centre) ** 2, 0);
    freedom += logs.length - 1;
  }
  return freedom === 0 ? null : Math.sqrt(squares / freedom);
}

/** Pooled within-test spread of log values, or the scatter of per-test log ratios. */
function logSpread(logs: readonly { baseline: number[]; current: number[] }[], effects: readonly number[]): number | null {
  const within = pooledLogSpread(logs.flatMap((test) => [test.baseline, test.current]));
  if (within !== null) return within;
  if (effects.length < 2) return null;
  // Each effect is the difference of two single requests: its variance is twice a request's.
  const centre = mean(effects);
  return Math.sqrt(effects.reduce((sum, effect) => sum + (effect - centre) ** 2, 0) / (effects.length - 1) / 2);
}

/** Beyond this many tests, each measured once or twice a side (a dataset's rows), the interval comes from the normal limit. */
const MANY_TESTS = 200;

/** Variance of the median of a resample of one or two values: 0, or (a - b)^2 / 8 (aa, bb, then ab twice as likely). */
const resampledMedianVariance = (logs: readonly number[]) => (logs.length === 1 ? 0 : ((logs[0] as number) - (logs[1] as number)) ** 2 / 8);

/**
 * The two-level resample's normal limit, for hundreds of tests of one or two values a side: the
 * mean of T tests drawn at random, each then resampled, has the variance (Var over tests of
 * their log ratios + mean of each one's resampling variance) / T by the law of total variance,
 * and is normal by the central limit theorem over so many tests. 2000 resamples of 3,334 rows
 * took most of the gate's time on a dataset.
 */
function normalLogInterval(logs: readonly { baseline: number[]; current: number[] }[], effects: readonly number[], level: number): { low: number; high: number } {
  const centre = mean(effects);
  const between = mean(effects.map((effect) => (effect - centre) ** 2));
  const within = mean(logs.map((test) => resampledMedianVariance(test.current) + resampledMedianVariance(test.baseline)));
  const half = normalQuantile(1 - (1 - level) / 2) * Math.sqrt((between + within) / logs.length);
  return { low: centre - half, high: centre + half };
}

/** Tests with at least one value on each side; null when there is none. */
export function estimateRatio(samples: readonly PairedSamples[], options: RatioOptions): RatioEstimate | null {
  const usable = samples.filter((test) => test.baseline.length > 0 && test.current.length > 0);
  if (usable.length === 0) return null;
  const logs = usable.map((test) => ({ baseline: test.baseline.map(Math.log), current: test.current.map(Math.log) }));
  const effects = logs.map((test) => median(test.current) - median(test.baseline));
  const tests = usable.map((test) => {
    const baselineMedian = median(test.baseline);
    const currentMedian = median(test.current);
    return { baselineMedian, currentMedian, ratio: currentMedian / baselineMedian };
  });
  const fewValues = logs.every((test) => test.baseline.length <= 2 && test.current.length <= 2);
  if (logs.length > (options.manyTests ?? MANY_TESTS) && fewValues) {
    const { low, high } = normalLogInterval(logs, effects, options.intervalLevel);
    return { ratio: Math.exp(mean(effects)), low: Math.exp(low), high: Math.exp(high), tests, logSpread: logSpread(logs, effects) };
  }

  const random = seededRandom(options.seed ?? DEFAULT_SEED);
  const sides = logs.map((test) => ({ baseline: sortAscending(test.baseline), current: sortAscending(test.current) }));
  const draws: number[] = [];
  for (let draw = 0; draw < (options.resamples ?? DEFAULT_RESAMPLES); draw++) {
    let sum = 0;
    for (let index = 0; index < sides.length; index++) {
      const test = sides[randomIndex(random, sides.length)] as (typeof sides)[number];
      sum += resampledMedian(test.current, random) - resampledMedian(test.baseline, random);
    }
    draws.push(sum / logs.length);
  }
  draws.sort((a, b) => a - b);
  const tail = (1 - options.intervalLevel) / 2;
  return {
    ratio: Math.exp(mean(effects)),
    low: Math.exp(quantileOfSorted(draws, tail)),
    high: Math.exp(quantileOfSorted(draws, 1 - tail)),
    tests,
    logSpread: logSpread(logs, effects),
  };
}
