// A stratified Mann-Whitney test: is the current run slower than `bound` times the baseline,
// test by test? (Or, for scores, lower than the baseline by more than a shift.) Within each test (one prompt, measured on both sides with the same settings)
// the statistic is U / (n_baseline * n_current), the share of (baseline, current) pairs where the
// current value is the larger; the tests are averaged with equal weight. Ranks make one slow
// outlier count as one pair among many, which a busy machine needs; taking the tests as strata
// keeps a slow prompt from being compared with a fast one.
//
// Under the hypothesis "current = bound x baseline", the labels within a test are exchangeable,
// so the exact distribution of the statistic is the convolution over tests of each test's rank
// sum distribution (a small dynamic programme). A test with many values on both sides has a
// statistic so close to normal that its mean and tie-corrected variance stand in for it, and so
// does the sum over hundreds of tests; tests in between are permuted at random.
import { normalCdf } from './normal.ts';
import { randomIndex, seededRandom } from './random.ts';

/** One test's measurements on both sides: a metric (values > 0) or scores. */
export interface PairedSamples {
  baseline: readonly number[];
  current: readonly number[];
}

export type Direction = 'above' | 'below';

export interface RankTestOptions {
  /** Random permutations when a test is too large for the exact distribution. */
  permutations?: number;
  seed?: number;
}

// Beyond this many values in one test, the exact rank-sum distribution costs more than drawing.
const EXACT_LIMIT = 40;
// From this many values on each side of a test, its statistic is taken as normal: permuting
// hundreds of repeats 20 000 times costs seconds, and the normal tail is then closer to the exact
// one than the permutations' own sampling error (about 0.0015 at p = 0.05).
const NORMAL_LIMIT = 30;
// Beyond this many tests (a dataset of rows measured once or twice each), their sum is normal
// whatever each test's size, by the central limit over tests; convolving hundreds of exact
// distributions costs seconds. With 200 tests of one request a side, leaving out a continuity
// correction moves a p-value near 0.05 by under 0.01.
const EXACT_TESTS_LIMIT = 200;
const DEFAULT_PERMUTATIONS = 20_000;
const DEFAULT_SEED = 12;
// Statistics equal up to rounding are ties: they count towards the p-value.
const TIE = 1e-9;

interface Stratum {
  /** Doubled mid-ranks of the pooled values (integers even with ties). */
  doubledRanks: number[];
  baselineCount: number;
  currentCount: number;
  /** The observed statistic of this test. */
  observed: number;
}

/** Doubled mid-ranks (1-based): ties share the mean of their ranks, doubled so it stays whole. */
function doubledMidRanks(values: readonly number[]): number[] {
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const ranks = new Array<number>(values.length).fill(0);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]?.value === order[start]?.value) end++;
    // Positions start..end hold ranks start+1..end+1; their mean, doubled, is start+end+2.
    for (let position = start; position <= end; position++) ranks[order[position]?.index ?? 0] = start + end + 2;
    start = end + 1;
  }
  return ranks;
}

/** U / (nb * nc) from the doubled rank sum of the current values. */
function shareAbove(doubledRankSum: number, baselineCount: number, currentCount: number): number {
  return (doubledRankSum / 2 - (currentCount * (currentCount + 1)) / 2) / (baselineCount * currentCount);
}

/** `undo` maps a current value back onto the baseline's scale under the hypothesis tested. */
function stratum(samples: PairedSamples, undo: (value: number) => number): Stratum {
  const pooled = [...samples.baseline, ...samples.current.map(undo)];
  const doubledRanks = doubledMidRanks(pooled);
  const baselineCount = samples.baseline.length;
  const currentCount = samples.current.length;
  const observedSum = doubledRanks.slice(baselineCount).reduce((sum, rank) => sum + rank, 0);
  return { doubledRanks, baselineCount, currentCount, observed: shareAbove(observedSum, baselineCount, currentCount) };
}

/** Exact distribution of the test's statistic under exchangeability: value -> probability. */
function exactDistribution(test: Stratum): Map<number, number> {
  const { doubledRanks, baselineCount, currentCount } = test;
  // ways[k].get(s): subsets of size k of the values seen so far whose doubled ranks sum to s.
  const ways: Map<number, number>[] = Array.from({ length: currentCount + 1 }, () => new Map());
  ways[0]?.set(0, 1);
  for (const rank of doubledRanks) {
    for (let size = currentCount; size >= 1; size--) {
      const target = ways[size] as Map<number, number>;
      for (const [sum, count] of ways[size - 1] ?? []) target.set(sum + rank, (target.get(sum + rank) ?? 0) + count);
    }
  }
  const subsets = [...(ways[currentCount] ?? [])];
  const total = subsets.reduce((sum, [, count]) => sum + count, 0);
  const distribution = new Map<number, number>();
  for (const [sum, count] of subsets) {
    const value = shareAbove(sum, baselineCount, currentCount);
    distribution.set(value, (distribution.get(value) ?? 0) + count / total);
  }
  return distribution;
}

const key = (value: number) => Math.round(value / TIE) * TIE;

/** Distribution of the sum of independent statistics, one distribution per test. */
function convolve(distributions: readonly Map<number, number>[]): Map<number, number> {
  let total = new Map<number, number>([[0, 1]]);
  for (const distribution of distributions) {
    const next = new Map<number, number>();
    for (const [sum, probability] of total) {
      for (const [value, share] of distribution) {
        const combined = key(sum + value);
        next.set(combined, (next.get(combined) ?? 0) + probability * share);
      }
    }
    total = next;
  }
  return total;
}

/**
 * Variance of U / (nb * nc) under exchangeability, with the usual correction for ties:
 * ((N + 1) - sum(t^3 - t) / (N (N - 1))) / (12 nb nc) over tie groups of size t.
 */
function nullVariance(test: Stratum): number {
  const count = test.doubledRanks.length;
  const tieGroups = new Map<number, number>();
  for (const rank of test.doubledRanks) tieGroups.set(rank, (tieGroups.get(rank) ?? 0) + 1);
  let ties = 0;
  for (const size of tieGroups.values()) ties += size ** 3 - size;
  return (count + 1 - ties / (count * (count - 1))) / (12 * test.baselineCount * test.currentCount);
}

/**
 * The tail of an exact part (the convolution of the small tests, possibly just 0) plus a normal
 * part (the large tests: mean 1/2 each, variances summed). Without spread (every value tied) the
 * normal part is its mean.
 */
function tailWithNormalPart(exact: Map<number, number>, large: readonly Stratum[], observed: number, direction: Direction): number {
  const mean = large.length / 2;
  const deviation = Math.sqrt(large.reduce((sum, test) => sum + nullVariance(test), 0));
  let probability = 0;
  for (const [value, share] of exact) {
    // How far the normal part must reach for the total to be at least (at most) the observed one.
    const needed = observed - value - mean;
    const signed = direction === 'above' ? needed : -needed;
    const beyond = deviation === 0 ? Number(signed <= TIE) : normalCdf(-signed / deviation);
    probability += share * beyond;
  }
  return Math.min(1, probability);
}

function tailProbability(distribution: Map<number, number>, observed: number, direction: Direction): number {
  let probability = 0;
  for (const [value, share] of distribution) {
    if (direction === 'above' ? value >= observed - TIE : value <= observed + TIE) probability += share;
  }
  return Math.min(1, probability);
}

function randomStatistic(test: Stratum, random: () => number): number {
  // A random subset of size currentCount: a partial Fisher-Yates shuffle of the ranks.
  const ranks = [...test.doubledRanks];
  let sum = 0;
  for (let index = 0; index < test.currentCount; index++) {
    const pick = index + randomIndex(random, ranks.length - index);
    [ranks[index], ranks[pick]] = [ranks[pick] as number, ranks[index] as number];
    sum += ranks[index] as number;
  }
  return shareAbove(sum, test.baselineCount, test.currentCount);
}

/**
 * One-sided p-value against "current = bound x baseline": for `above`, how likely a statistic at
 * least as large is when the current values are no more than `bound` times the baseline's (small:
 * the current run is slower than that); for `below`, the mirror image. Tests without a value on
 * either side are left out; with none left the answer is 1 (nothing shown).
 */
export function stratifiedRankTest(tests: readonly PairedSamples[], bound: number, direction: Direction, options: RankTestOptions = {}): number {
  return rankTest(tests, (value) => value / bound, direction, options);
}

/**
 * The same test against "current = baseline + shift", for values on an additive scale (scores
 * of 1 to 5): for `below` with a shift of -0.5, small when the current values lie more than half
 * a point below the baseline's.
 */
export function stratifiedShiftTest(tests: readonly PairedSamples[], shift: number, direction: Direction, options: RankTestOptions = {}): number {
  return rankTest(tests, (value) => value - shift, direction, options);
}

function rankTest(tests: readonly PairedSamples[], undo: (value: number) => number, direction: Direction, options: RankTestOptions): number {
  const strata = tests.filter((test) => test.baseline.length > 0 && test.current.length > 0).map((test) => stratum(test, undo));
  if (strata.length === 0) return 1;
  const observed = strata.reduce((sum, test) => sum + test.observed, 0);
  if (strata.length > EXACT_TESTS_LIMIT) return tailWithNormalPart(new Map([[0, 1]]), strata, observed, direction);
  const small = strata.filter((test) => test.doubledRanks.length <= EXACT_LIMIT);
  if (small.length === strata.length) return tailProbability(convolve(small.map(exactDistribution)), observed, direction);
  const large = strata.filter((test) => Math.min(test.baselineCount, test.currentCount) >= NORMAL_LIMIT);
  if (small.length + large.length === strata.length) return tailWithNormalPart(convolve(small.map(exactDistribution)), large, observed, direction);
  const random = seededRandom(options.seed ?? DEFAULT_SEED);
  const draws = options.permutations ?? DEFAULT_PERMUTATIONS;
  let extreme = 0;
  for (let draw = 0; draw < draws; draw++) {
    const value = strata.reduce((sum, test) => sum + randomStatistic(test, random), 0);
    if (direction === 'above' ? value >= observed - TIE : value <= observed + TIE) extreme++;
  }
  // The observed labelling is one of the permutations: never a p-value of 0.
  return (extreme + 1) / (draws + 1);
}

/**
 * The smallest p-value these sample sizes can ever give: every current value above every baseline
 * value in every test. Above alpha, no amount of difference can be shown: more repeats are needed.
 */
export function smallestPValue(sizes: readonly { baseline: number; current: number }[]): number {
  return sizes
    .filter((size) => size.baseline > 0 && size.current > 0)
    .reduce((product, size) => product / binomial(size.baseline + size.current, size.current), 1);
}

export function binomial(n: number, k: number): number {
  let result = 1;
  for (let index = 1; index <= k; index++) result = (result * (n - k + index)) / index;
  return Math.round(result);
}
