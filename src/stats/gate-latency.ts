// Latency, compared like with like: each test (one prompt, same settings) against itself in
// the baseline, on time to first token (prefill) and time per output token (decode), which
// stays comparable when an answer's length changes. A model's change is the geometric mean of
// its tests' ratios; the decision comes from the stratified rank test against the tolerance:
//   regression   slower than the tolerance, shown at the chosen confidence
//   improvement  faster than the tolerance, shown likewise
//   within       a change beyond the tolerance ruled out
//   inconclusive none of these shown: too few repeats for this much spread
import type { Tolerance } from '../config/gate-settings.ts';
import { testId, type CaseResult, type RequestMetrics } from '../contract/results.ts';
import { DEFAULT_POWER, repeatsNeeded } from './power.ts';
import { smallestPValue, stratifiedRankTest, type PairedSamples } from './rank-test.ts';
import { estimateRatio } from './ratio.ts';
import { median } from './summary.ts';

export type Outcome = 'regression' | 'improvement' | 'within' | 'inconclusive';

export type LatencyMetric = 'ttftMs' | 'tpotMs';

/** One test's share of the evidence. */
export interface TestEvidence {
  /** `<category>/<prompt id>`, as in the test's name. */
  test: string;
  /** The median of the test's requests, and the median length of their answers in tokens. */
  baseline: { median: number; requests: number; outputTokens: number };
  current: { median: number; requests: number; outputTokens: number };
  ratio: number;
}

/** How many repeats would settle an inconclusive finding. */
export interface RepeatsPlan {
  /** The change planned for, as a ratio: the one observed, or half the tolerance away from it. */
  change: number;
  /** Repeats per test and side; null when they cannot be planned (no spread measured, or over 1000). */
  repeats: number | null;
}

export interface LatencyFinding {
  kind: 'latency';
  model: string;
  /** A dataset's test (`capitals/ask`), its rows the strata; null for the model's prompts without data. */
  test: string | null;
  /** The dataset's rows compared; null for the model's prompts without data. */
  rows: number | null;
  metric: LatencyMetric;
  outcome: Outcome;
  /** Geometric mean over tests of current / baseline medians (after any normalisation). */
  ratio: number;
  /** Bootstrap interval of the ratio, over tests and repeats, two-sided at `level`. */
  interval: { low: number; high: number; level: number };
  /** The ratio a change must pass to count: 1 + the relative tolerance, or more where the floor is larger. */
  threshold: number;
  tolerance: Tolerance;
  /** One-sided p-values of the stratified rank test: slower than the threshold, faster than its inverse, below it. */
  p: { regression: number; improvement: number; within: number };
  /** The smallest p-value these sample sizes can give; above alpha nothing can be shown. */
  smallestP: number;
  /** Geometric means over tests of the medians, in ms. */
  baseline: number;
  current: number;
  /** Each test's evidence; a dataset's rows as one entry, their medians' geometric means (a row's own says little). */
  tests: TestEvidence[];
  /** Standard deviation of log values of one request (about its coefficient of variation); null when not measurable. */
  spread: number | null;
  plan: RepeatsPlan | null;
  /** Current values were multiplied by this (calibration); null when not normalised. */
  normalization: number | null;
}

export interface LatencyInput {
  model: string;
  /** The dataset these cases are the rows of, or null for prompts without data. */
  dataset: string | null;
  metric: LatencyMetric;
  baselineCases: readonly CaseResult[];
  currentCases: readonly CaseResult[];
  tolerance: Tolerance;
  alpha: number;
  normalization: number | null;
}

function measured(cases: readonly CaseResult[]): Map<string, RequestMetrics[]> {
  const byTest = new Map<string, RequestMetrics[]>();
  for (const testCase of cases) {
    if (testCase.metrics === null || testCase.error !== null) continue;
    const list = byTest.get(testId(testCase)) ?? [];
    list.push(testCase.metrics);
    byTest.set(testId(testCase), list);
  }
  return byTest;
}

const positive = (values: readonly (number | null)[]) => values.filter((value): value is number => value !== null && Number.isFinite(value) && value > 0);

/** A metric's measured values, test by test (failed requests and missing values left out). */
export function latencySamples(cases: readonly CaseResult[], metric: LatencyMetric): Map<string, number[]> {
  const samples = new Map<string, number[]>();
  for (const [test, metrics] of measured(cases)) {
    const values = positive(metrics.map((request) => request[metric]));
    if (values.length > 0) samples.set(test, values);
  }
  return samples;
}

/** The ratio a change must pass: 1 + the relative tolerance, or more where the floor (in the metric's unit) is larger. */
export function thresholdFor(tolerance: Tolerance, typicalBaseline: number): number {
  return 1 + Math.max(tolerance.relative, tolerance.absolute / typicalBaseline);
}

export const geometricMean = (values: readonly number[]) => Math.exp(values.reduce((sum, value) => sum + Math.log(value), 0) / values.length);

/** The outcome from the three one-sided p-values, checked in this order. */
export function decide(p: { regression: number; improvement: number; within: number }, alpha: number): Outcome {
  if (p.regression <= alpha) return 'regression';
  if (p.improvement <= alpha) return 'improvement';
  if (p.within <= alpha) return 'within';
  return 'inconclusive';
}

/**
 * The repeats that would tell a change like the observed one from the threshold. A change
 * right at the threshold can never be told from it, so the plan is for one at least half the
 * tolerance away.
 */
function planForInconclusive(ratio: number, threshold: number, spread: number | null, tests: number, alpha: number): RepeatsPlan {
  const distance = Math.max(Math.abs(Math.log(ratio / threshold)), Math.log(threshold) / 2);
  const change = ratio >= threshold ? threshold * Math.exp(distance) : threshold / Math.exp(distance);
  const repeats = spread === null ? null : repeatsNeeded({ logSpread: spread, tests, change, from: threshold, alpha, power: DEFAULT_POWER });
  return { change, repeats };
}

/** A dataset's rows as one piece of evidence: geometric means of their medians, requests summed. */
function datasetEvidence(dataset: string, rows: readonly TestEvidence[], ratio: number): TestEvidence {
  const side = (pick: (row: TestEvidence) => TestEvidence['baseline']) => ({
    median: geometricMean(rows.map((row) => pick(row).median)),
    requests: rows.reduce((sum, row) => sum + pick(row).requests, 0),
    outputTokens: median(rows.map((row) => pick(row).outputTokens)),
  });
  return { test: dataset, baseline: side((row) => row.baseline), current: side((row) => row.current), ratio };
}

/**
 * The comparison of one metric of one model, over its prompts without data or over one
 * dataset's rows (each row a test: a stratum of the rank test); null when no test has a value on
 * both sides.
 */
export function compareLatency(input: LatencyInput): LatencyFinding | null {
  const before = measured(input.baselineCases);
  const after = measured(input.currentCases);
  const factor = input.normalization ?? 1;
  const samples: (PairedSamples & { test: string; tokens: [number, number] })[] = [];
  for (const [test, metrics] of after) {
    const baselineMetrics = before.get(test) ?? [];
    const baseline = positive(baselineMetrics.map((request) => request[input.metric]));
    const current = positive(metrics.map((request) => request[input.metric])).map((value) => value * factor);
    if (baseline.length === 0 || current.length === 0) continue;
    const tokens: [number, number] = [median(baselineMetrics.map((request) => request.outputTokens)), median(metrics.map((request) => request.outputTokens))];
    samples.push({ test, baseline, current, tokens });
  }
  if (samples.length === 0) return null;
  samples.sort((a, b) => a.test.localeCompare(b.test));

  const alpha = input.alpha;
  const estimate = estimateRatio(samples, { intervalLevel: 1 - 2 * alpha });
  if (estimate === null) return null;
  const baselineTypical = geometricMean(estimate.tests.map((test) => test.baselineMedian));
  // The floor, in ms, as a ratio of this model's typical value.
  const threshold = thresholdFor(input.tolerance, baselineTypical);
  const p = {
    regression: stratifiedRankTest(samples, threshold, 'above'),
    improvement: stratifiedRankTest(samples, 1 / threshold, 'below'),
    within: stratifiedRankTest(samples, threshold, 'below'),
  };
  const outcome = decide(p, alpha);
  const tests = samples.map((test, index): TestEvidence => {
    const ratio = estimate.tests[index] as (typeof estimate.tests)[number];
    return {
      test: test.test,
      baseline: { median: ratio.baselineMedian, requests: test.baseline.length, outputTokens: test.tokens[0] },
      current: { median: ratio.currentMedian, requests: test.current.length, outputTokens: test.tokens[1] },
      ratio: ratio.ratio,
    };
  });
  return {
    kind: 'latency',
    model: input.model,
    test: input.dataset,
    rows: input.dataset === null ? null : samples.length,
    metric: input.metric,
    outcome,
    ratio: estimate.ratio,
    interval: { low: estimate.low, high: estimate.high, level: 1 - 2 * alpha },
    threshold,
    tolerance: input.tolerance,
    p,
    smallestP: smallestPValue(samples.map((test) => ({ baseline: test.baseline.length, current: test.current.length }))),
    baseline: baselineTypical,
    current: geometricMean(estimate.tests.map((test) => test.currentMedian)),
    tests: input.dataset === null ? tests : [datasetEvidence(input.dataset, tests, estimate.ratio)],
    spread: estimate.logSpread,
    plan: outcome === 'inconclusive' ? planForInconclusive(estimate.ratio, threshold, estimate.logSpread, samples.length, alpha) : null,
    normalization: input.normalization,
  };
}
