// Repeats planning from one results file (a run or a baseline): the spread of single requests
// it shows, test by test, and the repeats the gate would need with that spread to call a given
// slowdown a regression, and to pass an unchanged run. `edge-evals report <file> --power 20%`
// prints it; an inconclusive finding plans the same way (gate-latency.ts).
import type { GateSettings } from '../config/gate-settings.ts';
import type { Results } from '../contract/results.ts';
import { geometricMean, latencySamples, thresholdFor, type LatencyMetric } from './gate-latency.ts';
import { DEFAULT_POWER, repeatsNeeded } from './power.ts';
import { pooledLogSpread } from './ratio.ts';
import { median } from './summary.ts';

export interface PlanRow {
  model: string;
  metric: LatencyMetric;
  tests: number;
  /** Median requests per test in the file. */
  repeats: number;
  /** Standard deviation of log values of one request within a test; null with one request a test. */
  spread: number | null;
  /** The ratio a change must pass to count (tolerance and floor on this model's figures). */
  threshold: number;
  /** The slowdown planned for, as a ratio (1.2 for `--power 20%`). */
  change: number;
  /** Repeats per test to call that slowdown a regression; null when it is within the threshold or needs over 1000. */
  toCatch: number | null;
  /** Repeats per test to pass an unchanged run; null when not plannable. */
  toPass: number | null;
}

export function planRepeats(results: Results, settings: Pick<GateSettings, 'tolerances' | 'alpha'>, change: number): PlanRow[] {
  return results.models.flatMap((model) => {
    const cases = results.cases.filter((testCase) => testCase.model === model.alias);
    return (['ttftMs', 'tpotMs'] as const).flatMap((metric): PlanRow[] => {
      const samples = [...latencySamples(cases, metric).values()];
      if (samples.length === 0) return [];
      const tolerance = metric === 'ttftMs' ? settings.tolerances.ttft : settings.tolerances.tpot;
      const threshold = thresholdFor(tolerance, geometricMean(samples.map(median)));
      const spread = pooledLogSpread(samples.map((values) => values.map(Math.log)));
      const plan = (ratio: number) =>
        spread === null ? null : repeatsNeeded({ logSpread: spread, tests: samples.length, change: ratio, from: threshold, alpha: settings.alpha, power: DEFAULT_POWER });
      return [{
        model: model.alias,
        metric,
        tests: samples.length,
        repeats: median(samples.map((values) => values.length)),
        spread,
        threshold,
        change,
        toCatch: change > threshold ? plan(change) : null,
        toPass: plan(1),
      }];
    });
  });
}
