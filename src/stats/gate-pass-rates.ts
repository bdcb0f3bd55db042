// Pass rates over repeats, judged as proportions: a drop counts when Fisher's exact test shows
// it at the chosen confidence (3 of 3 to 0 of 3 does; 3 of 3 to 2 of 3, one flaky repeat, does
// not), and a minimum pass rate counts when Wilson's interval lies wholly below it.
import { wentAsPlanted, type CaseResult } from '../contract/results.ts';
import type { Outcome } from './gate-latency.ts';
import { passRateDropPValue, repeatsToTellPassRateDrop, wilsonInterval } from './proportions.ts';

export interface PassCount {
  passed: number;
  /** Judged repeats: skipped ones (every check skipped) are not counted. */
  total: number;
  rate: number;
  /** Wilson interval, two-sided at the gate's interval level. */
  low: number;
  high: number;
}

export interface PassRateFinding {
  kind: 'pass-rate';
  model: string;
  /** The test, or null for all the model's tests that both runs have. */
  test: string | null;
  outcome: Outcome;
  baseline: PassCount | null;
  current: PassCount;
  /** One-sided p-value of Fisher's exact test for the change in its direction; null without a baseline. */
  p: number | null;
  /** The comparison with the baseline alone; null without a baseline. */
  change: Outcome | null;
  /** The configured minimum, when there is one. */
  minimum: number | null;
  /** `below`: Wilson's interval lies wholly below the minimum; `possibly-below`: the rate does, its interval not. */
  minimumCheck: 'below' | 'possibly-below' | null;
  /** Repeats per side that would tell a drop this size from chance; null when not planned. */
  repeatsNeeded: number | null;
}

/**
 * A case that went as planted counts as passed: on a model with known answers, a check that
 * catches its planted defect is an expected failure, in the baseline as in this run.
 */
export function countPasses(cases: readonly CaseResult[], level: number): PassCount | null {
  const judged = cases.filter((testCase) => testCase.status !== 'skip');
  if (judged.length === 0) return null;
  const passed = judged.filter(wentAsPlanted).length;
  const { low, high } = wilsonInterval(passed, judged.length, level);
  return { passed, total: judged.length, rate: passed / judged.length, low, high };
}

const SEVERITY: Outcome[] = ['within', 'improvement', 'inconclusive', 'regression'];
const worse = (a: Outcome, b: Outcome) => (SEVERITY.indexOf(a) >= SEVERITY.indexOf(b) ? a : b);

export function comparePassRates(
  scope: { model: string; test: string | null },
  baseline: PassCount | null,
  current: PassCount,
  settings: { alpha: number; minPassRate: number | null },
): PassRateFinding {
  let change: Outcome | null = null;
  let p: number | null = null;
  let repeatsNeeded: number | null = null;
  if (baseline !== null) {
    if (current.rate < baseline.rate) {
      p = passRateDropPValue(baseline.passed, baseline.total, current.passed, current.total);
      change = p <= settings.alpha ? 'regression' : 'inconclusive';
      if (change === 'inconclusive') repeatsNeeded = repeatsToTellPassRateDrop(baseline.rate, current.rate, settings.alpha);
    } else if (current.rate > baseline.rate) {
      p = passRateDropPValue(current.passed, current.total, baseline.passed, baseline.total);
      change = p <= settings.alpha ? 'improvement' : 'within';
    } else {
      p = 1;
      change = 'within';
    }
  }
  const minimum = settings.minPassRate;
  const minimumCheck = minimum === null || current.rate >= minimum ? null : current.high < minimum ? 'below' : 'possibly-below';
  const fromMinimum: Outcome = minimumCheck === 'below' ? 'regression' : minimumCheck === 'possibly-below' ? 'inconclusive' : 'within';
  const outcome = worse(change ?? 'within', fromMinimum);
  return { kind: 'pass-rate', ...scope, outcome, baseline, current, p, change, minimum, minimumCheck, repeatsNeeded };
}
