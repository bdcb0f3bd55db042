// Summaries of a metric over requests (docs/METRICS.md, "Per model and per (model, prompt)"): n, mean, sample std, min,
// p50/p90/p95/p99, max. Percentiles use linear interpolation between order statistics, the
// method numpy calls 'linear' (its default), computed the way numpy computes it so that the
// figures match a numpy check to the last bit.
import type { MetricSummaries, RequestMetrics, Summary } from '../contract/results.ts';

/** Written into the results JSON (`settings.percentileMethod`). */
export const PERCENTILE_METHOD = 'linear';

const EMPTY_SUMMARY: Summary = {
  n: 0,
  mean: null,
  std: null,
  min: null,
  p50: null,
  p90: null,
  p95: null,
  p99: null,
  max: null,
};

/**
 * The q-th quantile (0..1) of values already sorted ascending, as numpy.quantile(method='linear'):
 * position h = (n - 1) q, then interpolate between the two order statistics around h. numpy
 * interpolates from the upper neighbour when the fraction is >= 0.5 (its `_lerp`), which keeps
 * the result monotonic in floating point; we do the same.
 */
export function quantileOfSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('quantile of an empty list');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be within 0..1, got ${q}`);
  const position = (sorted.length - 1) * q;
  const lowerIndex = Math.floor(position);
  const fraction = position - lowerIndex;
  const lower = sorted[lowerIndex] as number;
  const upper = sorted[Math.min(lowerIndex + 1, sorted.length - 1)] as number;
  const difference = upper - lower;
  return fraction >= 0.5 ? upper - difference * (1 - fraction) : lower + difference * fraction;
}

/** The median of unsorted values (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  return quantileOfSorted(sortAscending(values), 0.5);
}

/** Percentile p (0..100) of unsorted values, numpy.percentile's default method. */
export function percentile(values: readonly number[], p: number): number {
  return quantileOfSorted(sortAscending(values), p / 100);
}

/** n, mean, sample standard deviation (n - 1), min, percentiles, max; nulls for what n cannot give. */
export function summarize(values: readonly number[]): Summary {
  // NaN or Infinity is not a measurement (metrics report null instead); keep it out of the figures.
  const finite = values.filter((value) => Number.isFinite(value));
  if (finite.length === 0) return { ...EMPTY_SUMMARY };
  const sorted = sortAscending(finite);
  const n = sorted.length;
  const mean = sorted.reduce((sum, value) => sum + value, 0) / n;
  const squaredDeviations = sorted.reduce((sum, value) => sum + (value - mean) ** 2, 0);
  return {
    n,
    mean,
    std: n < 2 ? null : Math.sqrt(squaredDeviations / (n - 1)),
    min: sorted[0] as number,
    p50: quantileOfSorted(sorted, 0.5),
    p90: quantileOfSorted(sorted, 0.9),
    p95: quantileOfSorted(sorted, 0.95),
    p99: quantileOfSorted(sorted, 0.99),
    max: sorted[n - 1] as number,
  };
}

/**
 * A request as the suite records it: its metrics (null when it never produced any) and its
 * error. `CaseResult` and the client's `ChatOutcome` both fit this shape.
 */
export interface MeasuredRequest {
  metrics: RequestMetrics | null;
  error?: string | null | undefined;
}

/**
 * Per-metric summaries over requests. Failed requests (an error, or no metrics) never enter,
 * as docs/METRICS.md requires, and a metric that is null for a request (TPOT with one token, TTFT
 * with no output) is skipped for that request only.
 */
export function summarizeMetrics(requests: readonly MeasuredRequest[]): MetricSummaries {
  const succeeded = requests.flatMap((request) =>
    request.metrics !== null && (request.error === undefined || request.error === null) ? [request.metrics] : [],
  );
  const column = (pick: (metrics: RequestMetrics) => number | null): number[] =>
    succeeded.flatMap((metrics) => {
      const value = pick(metrics);
      return value === null ? [] : [value];
    });
  return {
    ttftMs: summarize(column((metrics) => metrics.ttftMs)),
    e2eMs: summarize(column((metrics) => metrics.e2eMs)),
    tpotMs: summarize(column((metrics) => metrics.tpotMs)),
    tokensPerSec: summarize(column((metrics) => metrics.tokensPerSec)),
    outputTokens: summarize(column((metrics) => metrics.outputTokens)),
  };
}

export function sortAscending(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}
