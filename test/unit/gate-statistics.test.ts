// The statistics behind the gate, on data with known answers. Reference p-values were computed
// once with scipy 1.17.1 (mannwhitneyu method='exact' or 'asymptotic' without continuity
// correction, fisher_exact, norm.ppf) or, for the stratified test, by enumerating every
// labelling in Python (and, mixed with a large test, weighting norm.sf by each labelling).
import { describe, expect, it } from 'vitest';
import { normalQuantile } from '../../src/stats/normal.ts';
import { minimumRepeats, repeatsNeeded } from '../../src/stats/power.ts';
import { passRateDropPValue, repeatsToTellPassRateDrop, wilsonInterval } from '../../src/stats/proportions.ts';
import { randomIndex, seededRandom } from '../../src/stats/random.ts';
import { smallestPValue, stratifiedRankTest, type PairedSamples } from '../../src/stats/rank-test.ts';
import { estimateRatio, resampledMedian } from '../../src/stats/ratio.ts';
import { median } from '../../src/stats/summary.ts';

const scale = (values: number[], factor: number) => values.map((value) => value * factor);

/** Log-normal requests around `centre` with spread `cv`, from a seeded generator. */
function noisy(random: () => number, count: number, centre: number, cv: number): number[] {
  return Array.from({ length: count }, () => {
    const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return centre * Math.exp(cv * normal);
  });
}

describe('normalQuantile', () => {
  it('matches the reference quantiles and is symmetric', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 8);
    expect(normalQuantile(0.95)).toBeCloseTo(1.6448536269514722, 8);
    expect(normalQuantile(0.8)).toBeCloseTo(0.8416212335729143, 8);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 8);
    expect(normalQuantile(0.5)).toBe(0);
    expect(() => normalQuantile(1)).toThrow(RangeError);
  });
});

describe('stratifiedRankTest', () => {
  it('gives the exact Mann-Whitney p-value on one test', () => {
    expect(stratifiedRankTest([{ baseline: [1, 2, 3, 4, 5], current: [3.5, 6, 7, 8, 9] }], 1, 'above')).toBeCloseTo(0.015873015873015872, 12);
    expect(stratifiedRankTest([{ baseline: [10, 12, 11], current: [13, 9.5, 14] }], 1, 'above')).toBeCloseTo(0.35, 12);
  });

  it('combines tests exactly, each with equal weight', () => {
    const tests: PairedSamples[] = [
      { baseline: [10, 12, 11], current: [13, 9.5, 14] },
      { baseline: [20, 21, 19.5], current: [22, 20.5, 23] },
      { baseline: [5, 5.2], current: [5.1, 6, 5.5] },
    ];
    expect(stratifiedRankTest(tests, 1, 'above')).toBeCloseTo(114 / 4000, 12);
  });

  it('finds nothing between identical samples', () => {
    const same = [{ baseline: [10, 11, 12], current: [10, 11, 12] }];
    expect(stratifiedRankTest(same, 1, 'above')).toBeGreaterThan(0.5);
    expect(stratifiedRankTest(same, 1, 'below')).toBeGreaterThan(0.5);
  });

  it('shows a clear shift, and tells it from the bound it is tested against', () => {
    const baseline = [10, 10.4, 9.8];
    const twice = [{ baseline, current: scale(baseline, 2) }];
    expect(stratifiedRankTest(twice, 1, 'above')).toBeCloseTo(0.05, 12);
    expect(stratifiedRankTest(twice, 1.2, 'above')).toBeCloseTo(0.05, 12);
    // Twice as slow is not shown to be more than 2.5 times as slow, but is shown to be below 2.5.
    expect(stratifiedRankTest(twice, 2.5, 'above')).toBe(1);
    expect(stratifiedRankTest(twice, 2.5, 'below')).toBeCloseTo(0.05, 12);
    const twoTests = [...twice, { baseline: [30, 31, 29], current: [61, 60, 62] }];
    expect(stratifiedRankTest(twoTests, 1.2, 'above')).toBeCloseTo(0.0025, 12);
  });

  it('cannot show anything with one request a side, and says how small p could ever be', () => {
    expect(stratifiedRankTest([{ baseline: [10], current: [30] }], 1, 'above')).toBe(0.5);
    expect(smallestPValue([{ baseline: 1, current: 1 }])).toBe(0.5);
    expect(smallestPValue([{ baseline: 3, current: 3 }])).toBe(0.05);
    // A single repeat over six tests is a sign test: all six slower gives 1/64.
    const six = Array.from({ length: 6 }, (_, index) => ({ baseline: [10 + index], current: [20 + index] }));
    expect(stratifiedRankTest(six, 1, 'above')).toBeCloseTo(1 / 64, 12);
  });

  it('permutes at random when a test is too large to enumerate, with the same answer', () => {
    const random = seededRandom(3);
    const baseline = noisy(random, 25, 10, 0.1);
    const shifted = [{ baseline, current: noisy(random, 25, 15, 0.1) }];
    expect(stratifiedRankTest(shifted, 1, 'above')).toBeLessThan(0.001);
    const same = [{ baseline, current: noisy(random, 25, 10, 0.1) }];
    expect(stratifiedRankTest(same, 1.2, 'above')).toBeGreaterThan(0.5);
  });

  it('takes a test with 30 or more repeats a side as normal, ties and all', () => {
    const baseline = Array.from({ length: 30 }, (_, index) => 10 + (index % 10));
    const current = Array.from({ length: 30 }, (_, index) => 11 + (index % 12));
    expect(stratifiedRankTest([{ baseline, current }], 1, 'above')).toBeCloseTo(0.07087254333342546, 6);
    expect(stratifiedRankTest([{ baseline, current }], 1.2, 'below')).toBeCloseTo(0.0478724532093437, 6);
    // A small test keeps its exact distribution next to a large one.
    const mixed = [{ baseline: [1, 2, 3], current: [2.5, 5, 6] }, { baseline, current }];
    expect(stratifiedRankTest(mixed, 1, 'above')).toBeCloseTo(0.02899744888239818, 6);
    // Every value tied: nothing to show either way.
    const flat = [{ baseline: Array<number>(40).fill(5), current: Array<number>(40).fill(5) }];
    expect(stratifiedRankTest(flat, 1, 'above')).toBe(1);
    expect(stratifiedRankTest(flat, 1, 'below')).toBe(1);
  });

  it('sums hundreds of tests as normal: a dataset of rows measured once a side', () => {
    // 250 rows, the current request slower in 150: a sign test, z = 25 / sqrt(62.5).
    const rows = Array.from({ length: 250 }, (_, index) => ({ baseline: [10 + index], current: [index < 150 ? 11 + index : 9 + index] }));
    const p = stratifiedRankTest(rows, 1, 'above');
    expect(p).toBeCloseTo(0.000782701129001274, 6);
    // The exact binomial tail, P(Bin(250, 1/2) >= 150), for scale.
    expect(Math.abs(p - 0.0009416504675380801)).toBeLessThan(0.0002);
  });

  it('keeps false alarms at alpha on pure noise with hundreds of repeats', () => {
    const random = seededRandom(17);
    let alarms = 0;
    const runs = 300;
    for (let run = 0; run < runs; run++) {
      const tests = Array.from({ length: 3 }, (_, index) => ({ baseline: noisy(random, 200, 10 * (index + 1), 0.3), current: noisy(random, 200, 10 * (index + 1), 0.3) }));
      if (stratifiedRankTest(tests, 1, 'above') <= 0.05) alarms++;
    }
    expect(alarms / runs).toBeLessThanOrEqual(0.08);
    expect(alarms).toBeGreaterThan(0);
  });

  it('keeps false alarms at alpha on pure noise', () => {
    const random = seededRandom(11);
    let alarms = 0;
    const runs = 400;
    for (let run = 0; run < runs; run++) {
      const tests = Array.from({ length: 3 }, (_, index) => ({ baseline: noisy(random, 3, 10 * (index + 1), 0.3), current: noisy(random, 3, 10 * (index + 1), 0.3) }));
      if (stratifiedRankTest(tests, 1, 'above') <= 0.05) alarms++;
    }
    expect(alarms / runs).toBeLessThanOrEqual(0.07);
    expect(alarms).toBeGreaterThan(0);
  });
});

describe('estimateRatio', () => {
  it('takes the interval over hundreds of tests of one or two requests a side (a dataset\'s rows) from its normal limit, as resampling gives it', () => {
    const random = seededRandom(3);
    const tests = Array.from({ length: 500 }, (_, index) => {
      const row = 10 + (index % 37);
      const values = (factor: number) => Array.from({ length: 1 + (index % 2) }, () => row * factor * (0.8 + 0.4 * random()));
      return { baseline: values(1), current: values(1.1) };
    });
    const normal = estimateRatio(tests, { intervalLevel: 0.9 });
    const resampled = estimateRatio(tests, { intervalLevel: 0.9, manyTests: Infinity });
    expect(normal?.ratio).toBe(resampled?.ratio);
    expect(normal?.low).toBeCloseTo(resampled?.low ?? 0, 2);
    expect(normal?.high).toBeCloseTo(resampled?.high ?? 0, 2);
    // Three or more requests a side: resampled as before.
    const repeated = tests.map((test) => ({ baseline: [...test.baseline, ...test.baseline, ...test.baseline], current: [...test.current, ...test.current, ...test.current] }));
    expect(estimateRatio(repeated, { intervalLevel: 0.9 })).toEqual(estimateRatio(repeated, { intervalLevel: 0.9, manyTests: Infinity }));
  });

  it('is 1 with an interval around 1 for identical samples', () => {
    const estimate = estimateRatio([{ baseline: [10, 11, 12], current: [10, 11, 12] }], { intervalLevel: 0.9 });
    expect(estimate?.ratio).toBe(1);
    expect(estimate?.low).toBeLessThan(1);
    expect(estimate?.high).toBeGreaterThan(1);
  });

  it('is the geometric mean of the per-test median ratios', () => {
    const estimate = estimateRatio(
      [
        { baseline: [10, 10, 10], current: [20, 20, 20] },
        { baseline: [100, 100, 100], current: [50, 50, 50] },
        { baseline: [1, 1, 1], current: [2, 2, 2] },
      ],
      { intervalLevel: 0.9 },
    );
    expect(estimate?.ratio).toBeCloseTo(2 ** (1 / 3), 12);
    expect(estimate?.tests.map((test) => test.ratio)).toEqual([2, 0.5, 2]);
  });

  it('narrows the interval around a clear shift measured on many repeats', () => {
    const random = seededRandom(5);
    const baseline = noisy(random, 10, 10, 0.05);
    const estimate = estimateRatio([{ baseline, current: noisy(random, 10, 15, 0.05) }], { intervalLevel: 0.9 });
    expect(estimate?.ratio).toBeGreaterThan(1.4);
    expect(estimate?.low).toBeGreaterThan(1.35);
    expect(estimate?.high).toBeLessThan(1.65);
  });

  it('measures the spread of a request within tests, or from the tests when each has one request', () => {
    const logs = [0, 0.1, 0.2];
    const within = estimateRatio([{ baseline: logs.map(Math.exp), current: logs.map((value) => Math.exp(value + 1)) }], { intervalLevel: 0.9 });
    expect(within?.logSpread).toBeCloseTo(0.1, 12);
    const single = estimateRatio([{ baseline: [10], current: [10] }, { baseline: [10], current: [10 * Math.exp(0.2)] }], { intervalLevel: 0.9 });
    expect(single?.logSpread).toBeCloseTo(Math.sqrt(0.02 / 2), 12);
    expect(estimateRatio([{ baseline: [10], current: [12] }], { intervalLevel: 0.9 })?.logSpread).toBeNull();
    expect(estimateRatio([{ baseline: [], current: [12] }], { intervalLevel: 0.9 })).toBeNull();
  });

  it("draws a resample's median as often as resampling and sorting would give it", () => {
    for (const sorted of [[1], [1, 2], [1, 2, 4], [1, 2, 4, 8], [1, 1, 2, 3, 5], [1, 2, 4, 8, 16, 32]]) {
      const random = seededRandom(9);
      const draws = 40_000;
      const direct = new Map<number, number>();
      const resampled = new Map<number, number>();
      for (let draw = 0; draw < draws; draw++) {
        const value = resampledMedian(sorted, random);
        direct.set(value, (direct.get(value) ?? 0) + 1 / draws);
        const explicit = median(sorted.map(() => sorted[randomIndex(random, sorted.length)] as number));
        resampled.set(explicit, (resampled.get(explicit) ?? 0) + 1 / draws);
      }
      expect([...direct.keys()].sort()).toEqual([...resampled.keys()].sort());
      for (const [value, share] of resampled) expect(Math.abs((direct.get(value) ?? 0) - share)).toBeLessThan(0.01);
    }
  });

  it('gives the same answer every time (seeded resampling)', () => {
    const tests = [{ baseline: [10, 14, 9], current: [12, 11, 16] }];
    expect(estimateRatio(tests, { intervalLevel: 0.9 })).toEqual(estimateRatio(tests, { intervalLevel: 0.9 }));
  });
});

describe('pass rates', () => {
  it("gives Wilson's interval", () => {
    const eight = wilsonInterval(8, 10, 0.95);
    expect(eight.low).toBeCloseTo(0.49016247153664183, 8);
    expect(eight.high).toBeCloseTo(0.9433178485456247, 8);
    expect(wilsonInterval(0, 3, 0.95).high).toBeCloseTo(0.5614970317550454, 8);
    expect(wilsonInterval(3, 3, 0.9)).toEqual({ low: expect.closeTo(0.5258044258424872, 8), high: 1 });
  });

  it("tells a drop from a flaky repeat with Fisher's exact test", () => {
    expect(passRateDropPValue(3, 3, 0, 3)).toBeCloseTo(0.05, 12);
    expect(passRateDropPValue(3, 3, 2, 3)).toBeCloseTo(0.5, 12);
    expect(passRateDropPValue(18, 20, 11, 20)).toBeCloseTo(0.015475152571926765, 12);
    expect(passRateDropPValue(1, 1, 0, 1)).toBeCloseTo(0.5, 12);
    expect(passRateDropPValue(2, 3, 3, 3)).toBe(1);
  });

  it("keeps Fisher's exact test exact over thousands of cases a side (a dataset's rows pooled), where binomials overflow", () => {
    // One failure among 2,000 cases: it falls on the current side half the time.
    expect(passRateDropPValue(1000, 1000, 999, 1000)).toBeCloseTo(0.5, 10);
    // Two: both on the current side with probability C(1000, 2) / C(2000, 2).
    expect(passRateDropPValue(1000, 1000, 998, 1000)).toBeCloseTo((1000 * 999) / (2000 * 1999), 10);
    const drop = passRateDropPValue(2000, 2000, 1800, 2000);
    expect(Number.isFinite(drop)).toBe(true);
    expect(drop).toBeGreaterThan(0);
    expect(drop).toBeLessThan(1e-40);
    expect(passRateDropPValue(3334, 3334, 3334, 3334)).toBe(1);
  });

  it('plans the repeats that would tell a drop', () => {
    expect(repeatsToTellPassRateDrop(1, 0, 0.05)).toBe(3);
    expect(repeatsToTellPassRateDrop(1, 2 / 3, 0.05)).toBeGreaterThan(3);
    expect(repeatsToTellPassRateDrop(1, 1, 0.05)).toBeNull();
  });
});

describe('repeats planning', () => {
  it('needs at least the repeats with which the exact test can reach alpha', () => {
    expect(minimumRepeats(1, 0.05)).toBe(3);
    expect(minimumRepeats(2, 0.05)).toBe(2);
    expect(minimumRepeats(5, 0.05)).toBe(1);
  });

  it('grows with the spread and shrinks with the change and the number of tests', () => {
    const base = { logSpread: 0.38, tests: 1, change: 1.25, from: 1, alpha: 0.05, power: 0.8 };
    const needed = repeatsNeeded(base) as number;
    // 2 * 0.38^2 * (1.645 + 0.842)^2 / (3/pi * log(1.25)^2) = 37.4
    expect(needed).toBe(38);
    expect(repeatsNeeded({ ...base, logSpread: 0.05 })).toBe(3);
    expect(repeatsNeeded({ ...base, tests: 4 })).toBe(10);
    expect(repeatsNeeded({ ...base, change: 1.5 })).toBeLessThan(needed);
    expect(repeatsNeeded({ ...base, from: 1.25 })).toBeNull();
  });
});
