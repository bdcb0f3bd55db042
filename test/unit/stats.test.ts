import { describe, expect, it } from 'vitest';
import type { RequestMetrics } from '../../src/contract/results.ts';
import { percentile, quantileOfSorted, summarize, summarizeMetrics } from '../../src/stats/summary.ts';

// Reference figures computed once with numpy 2.4.6:
//   np.percentile(a, [50, 90, 95, 99]) (default method 'linear'), a.mean(), a.std(ddof=1)
const NUMPY_CASES = [
  { values: [15, 20, 35, 40, 50], p: [35.0, 46.0, 48.0, 49.6], mean: 32.0, std: 14.404860290887934 },
  { values: [1, 2, 3, 4, 10], p: [3.0, 7.6000000000000005, 8.799999999999999, 9.76], mean: 4.0, std: 3.5355339059327378 },
  {
    values: [3.2, 1.1, 7.5, 2.2, 9.9, 4.4, 0.3],
    p: [3.2, 8.46, 9.179999999999998, 9.755999999999998],
    mean: 4.085714285714285,
    std: 3.4916226272935873,
  },
  {
    values: Array.from({ length: 100 }, (_, index) => index + 1),
    p: [50.5, 90.10000000000001, 95.05, 99.01],
    mean: 50.5,
    std: 29.011491975882016,
  },
  { values: [1.0, 2.0], p: [1.5, 1.9, 1.95, 1.99], mean: 1.5, std: 0.7071067811865476 },
];

describe('percentile (numpy linear)', () => {
  it.each(NUMPY_CASES)('matches numpy bit for bit on $values.length values', ({ values, p }) => {
    expect([50, 90, 95, 99].map((q) => percentile(values, q))).toEqual(p);
  });

  it('gives the order statistics at the ends and does not depend on input order', () => {
    expect(percentile([5, 1, 3], 0)).toBe(1);
    expect(percentile([5, 1, 3], 100)).toBe(5);
    expect(percentile([5, 1, 3], 50)).toBe(3);
    expect(quantileOfSorted([7], 0.99)).toBe(7);
  });

  it('refuses an empty list and a quantile outside 0..1', () => {
    expect(() => quantileOfSorted([], 0.5)).toThrow(/empty/);
    expect(() => quantileOfSorted([1, 2], 1.5)).toThrow(/0\.\.1/);
  });
});

describe('summarize', () => {
  it.each(NUMPY_CASES)('gives numpy mean, sample std and percentiles for $values.length values', ({ values, p, mean, std }) => {
    const summary = summarize(values);
    expect(summary.n).toBe(values.length);
    expect(summary.mean).toBeCloseTo(mean, 12);
    expect(summary.std).toBeCloseTo(std, 12);
    expect([summary.p50, summary.p90, summary.p95, summary.p99]).toEqual(p);
    expect(summary.min).toBe(Math.min(...values));
    expect(summary.max).toBe(Math.max(...values));
  });

  it('reports nulls for an empty list and a null std for a single value', () => {
    expect(summarize([])).toEqual({ n: 0, mean: null, std: null, min: null, p50: null, p90: null, p95: null, p99: null, max: null });
    expect(summarize([42])).toEqual({ n: 1, mean: 42, std: null, min: 42, p50: 42, p90: 42, p95: 42, p99: 42, max: 42 });
  });

  it('leaves NaN and Infinity out of the figures', () => {
    expect(summarize([1, Number.NaN, 3, Number.POSITIVE_INFINITY])).toMatchObject({ n: 2, mean: 2, min: 1, max: 3 });
  });
});

function metrics(overrides: Partial<RequestMetrics>): RequestMetrics {
  return {
    ttftMs: 100,
    ttfotMs: 100,
    e2eMs: 500,
    streamCloseMs: 501,
    tpotMs: 10,
    outputTokens: 41,
    promptTokens: 12,
    cachedPromptTokens: 0,
    tokensPerSec: 82,
    decodeTokensPerSec: 100,
    tokenSource: 'usage',
    outputEvents: 41,
    interChunkGapsMs: [],
    finishReason: 'stop',
    server: null,
    overheadMs: null,
    tokenCountDisagreement: false,
    ...overrides,
  };
}

describe('summarizeMetrics', () => {
  it('keeps failed requests out and skips null values per metric', () => {
    const summaries = summarizeMetrics([
      { metrics: metrics({ ttftMs: 100, tpotMs: 10 }) },
      { metrics: metrics({ ttftMs: 300, tpotMs: null, outputTokens: 1 }), error: null },
      // failed: an error mid-stream (partial metrics) and a request that never answered
      { metrics: metrics({ ttftMs: 9_999 }), error: 'server_error: GroupQueryAttention' },
      { metrics: null, error: 'connection refused' },
      { metrics: null },
    ]);
    expect(summaries.ttftMs).toMatchObject({ n: 2, mean: 200, min: 100, max: 300, p50: 200 });
    expect(summaries.tpotMs).toMatchObject({ n: 1, mean: 10, std: null });
    expect(summaries.outputTokens).toMatchObject({ n: 2, min: 1, max: 41 });
    expect(summaries.e2eMs.n).toBe(2);
    expect(summaries.tokensPerSec.n).toBe(2);
  });

  it('gives empty summaries when every request failed', () => {
    const summaries = summarizeMetrics([{ metrics: null, error: 'timed out' }]);
    expect(summaries.ttftMs.n).toBe(0);
    expect(summaries.ttftMs.p50).toBeNull();
  });
});
